// Copyright 2026 The provi Authors.
//
// File: runtime/site.h
// -----------------------------------------------------------------------------
//
// `Site`: one recorded site of a trace (runtime/trace.h), and the one rule
// for a site's log density, `SiteLogDensity`, which `Site::LogProb` and the
// density handler (handlers/density.h) both apply: the distribution's log
// density of the value (or a factor's log weight), times the mask and the
// scale, with a NaN or +inf entry an error naming the site and a -inf entry
// (probability zero) noted in the thread's `ZeroDensityWatch`.
//
// Example:
//
//   const provi::Site* z = trace.Find("z");
//   provi::Tensor log_q_z = z->LogProb();   // rows x 1, on the tape

#ifndef PROVI_RUNTIME_SITE_H_
#define PROVI_RUNTIME_SITE_H_

#include <memory>
#include <optional>
#include <string>

#include "ad/tensor.h"
#include "distributions/distribution.h"
#include "distributions/support.h"
#include "runtime/address.h"
#include "runtime/message.h"

namespace provi {

// Site
//
// One recorded site. `distribution` is set for sample sites; `value` is set
// for every kind but plates without subsampling.
struct Site {
  SiteKind kind = SiteKind::kSample;
  Address address;
  std::shared_ptr<const Distribution> distribution;
  std::optional<Tensor> value;
  // Factor sites: their log weight.
  std::optional<Tensor> log_weight;
  Real scale = 1;
  std::optional<Tensor> mask;
  bool is_observed = false;
  bool is_intervened = false;
  PlateStack plates;
  PlateInfo plate;                               // kPlate sites
  std::shared_ptr<const SiteStrategy> strategy;  // kSample sites
  Support constraint = Support::Real();          // kParam sites

  // Whether the site contributes to the log density: observed or latent
  // sample sites that were not intervened on, and factors.
  bool has_density() const {
    return (kind == SiteKind::kSample && !is_intervened) ||
           kind == SiteKind::kFactor;
  }

  // LogProb()
  //
  // The site's log density, one entry per lane (rows x 1, or 1x1), times
  // its scale and mask. Throws StatusError naming the site if the
  // distribution rejects the value or the log density has a NaN or +inf
  // entry (-inf, probability zero, is returned, and noted in the thread's
  // ZeroDensityWatch). Only for sites with has_density().
  Tensor LogProb() const;
};

// ZeroDensityWatch
//
// Records, while it lives on this thread, the first site whose log density
// (`Site::LogProb`) had a -inf entry: a value of probability zero. -inf is
// a log density like any other, but an objective that becomes -inf (or NaN
// after -inf - -inf) is reported with the site that caused it (Svi::Step
// does). Watches nest; the innermost one records.
//
// Example:
//
//   provi::ZeroDensityWatch watch;
//   const provi::Tensor log_p = trace.LogProbSum();
//   if (watch.site().has_value()) std::cerr << *watch.site();
class ZeroDensityWatch {
 public:
  ZeroDensityWatch();
  ~ZeroDensityWatch();
  ZeroDensityWatch(const ZeroDensityWatch&) = delete;
  ZeroDensityWatch& operator=(const ZeroDensityWatch&) = delete;

  // site()
  //
  // "sample site 'x': log density element (k, 0) = -inf" for the first such
  // site since the watch was made, or nullopt.
  const std::optional<std::string>& site() const { return site_; }

  // Note()
  //
  // Called by SiteLogDensity: records the site of kind `kind` at `address`
  // and the lane `element` of its -inf entry in the innermost watch of this
  // thread, if there is one and it has recorded nothing yet.
  static void Note(SiteKind kind, Address address, Index element);

 private:
  ZeroDensityWatch* outer_;
  std::optional<std::string> site_;
};

// SiteLogDensity()
//
// The log density a site of kind `kind` at `address` contributes: for a
// sample site, `distribution->LogProb(*value)`; for a factor, `*log_weight`;
// then times `*mask` (if given) and `scale`. Throws StatusError naming the
// site if the distribution rejects the value or an entry is NaN or +inf;
// notes the first -inf entry in the thread's ZeroDensityWatch. The other
// pointers may be null for the kind that does not use them.
Tensor SiteLogDensity(SiteKind kind, Address address,
                      const Distribution* distribution, const Tensor* value,
                      const Tensor* log_weight, const Tensor* mask, Real scale);

}  // namespace provi

#endif  // PROVI_RUNTIME_SITE_H_
