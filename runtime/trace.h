// Copyright 2026 The provi Authors.
//
// File: runtime/trace.h
// -----------------------------------------------------------------------------
//
// A `Trace` is the record of one run of a program: its sites, in execution
// order, each with its kind, address, distribution, value, scale, mask and
// enclosing plates. The trace handler (handlers/trace.h) builds it; replay,
// density evaluation and the estimators read it. Log densities are computed
// on demand from the recorded distributions and values, on the AD tape when
// one is active, so they differentiate like any other expression.
//
// Copying a Trace is cheap (the sites are shared, and copied only when a
// shared trace is modified).
//
// Example (`handlers::Trace` is in handlers/trace.h):
//
//   auto run = provi::handlers::Trace(model)(x);   // StatusOr<TracedRun<...>>
//   const provi::Site* z = run->trace.Find("z");
//   provi::Tensor log_joint = run->trace.LogProbSum();

#ifndef PROVI_RUNTIME_TRACE_H_
#define PROVI_RUNTIME_TRACE_H_

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ad/tensor.h"
#include "distributions/distribution.h"
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
  PlateInfo plate;  // kPlate sites
  SiteEstimator estimator;
  Support constraint = Support::Real();  // kParam sites

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
  // distribution rejects the value. Only for sites with has_density().
  Tensor LogProb() const;
};

// Trace
//
// See the file comment.
class Trace {
 public:
  Trace();

  // The sites in execution order. (A deque: sites never move once added,
  // and a long trace grows without reallocating one large block per run.)
  const std::deque<Site>& sites() const { return data_->sites; }
  size_t size() const { return data_->sites.size(); }
  bool empty() const { return data_->sites.empty(); }

  // Find()
  //
  // The site at `address`, or null. (Plates are not looked up here: several
  // plate sites may share a name.)
  const Site* Find(Address address) const;
  const Site* Find(absl::string_view address) const {
    return Find(Address::Intern(address));
  }

  // Add()
  //
  // Appends a site. A second non-plate site at the same address is an
  // InvalidArgument error naming it.
  absl::Status Add(Site site);

  // LogProbSum()
  //
  // Σ of Site::LogProb() over the sites with a density (1x1), optionally
  // only those for which `filter` holds.
  Tensor LogProbSum() const;
  Tensor LogProbSum(const std::function<bool(const Site&)>& filter) const;

  // LaneLogProb()
  //
  // The per-lane log density, an R x 1 tensor where R is the largest lane
  // count among the sites with a density: each lane gets its own entries of
  // the multi-lane sites and an equal share, 1/R, of every one-lane site,
  // so that the lanes sum to LogProbSum(). Throws StatusError if two sites
  // have different lane counts both above one.
  Tensor LaneLogProb() const;
  // The same over the sites for which `filter` holds.
  Tensor LaneLogProb(const std::function<bool(const Site&)>& filter) const;

 private:
  struct Data {
    std::deque<Site> sites;
    absl::flat_hash_map<Address, size_t> index;
  };
  std::shared_ptr<Data> data_;
};

}  // namespace provi

#endif  // PROVI_RUNTIME_TRACE_H_
