// Copyright 2026 The provi Authors.
//
// File: vi/marginal.h
// -----------------------------------------------------------------------------
//
// `Marginal(gf, keep, SIR(K))`: the generative function over the choices of
// `gf` named in `keep`, the other choices u being marginalised out. Its
// density q(x) = ∫ q(x, u) du is not available, so both constructs return
// estimates from K inner particles, following genjax.vi's `marginal`
// (Becker et al., PLDI 2024) and Sobolev and Vetrov's IWHVI (NeurIPS 2019):
//
//   proposal for u: gf's own distribution of u given the kept values (gf
//       run with the kept sites fixed); a particle's importance weight is
//       then w_k = q(x, u_k) / r(u_k) = q(x | u_k): the density of the kept
//       sites alone, NOT the full trace score q(x, u_k) (that slip would
//       weigh every particle by its own proposal density too).
//   Density(marginal, x): log q̂(x) = log (1/K) Σ_k w_k, u_k ~ r:
//       E[q̂(x)] = q(x), so E[log q̂(x)] <= log q(x).
//   Simulate(marginal): draws (x, u_0) from gf, keeps x, and returns
//       log q̂(x) = log (1/K) (w_0 + Σ_{k=1}^{K-1} w_k) with u_1.. ~ r: u_0
//       comes from the posterior q(u | x), so E[1 / q̂(x)] = 1 / q(x) (a
//       reciprocal estimate) and -log q̂ under-estimates -log q in
//       expectation, which keeps an ELBO built from it a lower bound.
//
// With K = 1, Simulate's estimate is q(x | u_0): hierarchical VI with the
// prior as the reverse model (HVI).
//
// Inner particles run as scoped copies of gf ("<prefix>/k/..."), so every
// choice has its own address; their sites are estimated by the enclosing
// Expectation's strategies like any other. They run on the same data as
// the kept choices: subsampled plates replay the subsample of the draw
// (Simulate) or of the given choices (Density), and Simulate's choices
// include gf's plates, so a model replaying them sees that subsample too.
//
// Example (the cone's expressive family, vi/objectives.h builds IWHVI on it):
//
//   auto family = provi::Marginal(cone_guide, {"x", "y"}, provi::SIR(5));
//   provi::Simulation q = provi::Simulate(family);

#ifndef PROVI_VI_MARGINAL_H_
#define PROVI_VI_MARGINAL_H_

#include <cmath>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "ad/ops.h"
#include "base/status_error.h"
#include "handlers/condition.h"
#include "handlers/replay.h"
#include "handlers/scope.h"
#include "handlers/value_map.h"
#include "vi/generative.h"

namespace provi {

// SIR
//
// The inner estimator of a Marginal: K importance-sampling particles drawn
// from the program's own distribution of the marginalised choices.
struct SIR {
  int particles = 1;
};

// MarginalGF<GF>
//
// Make one with `Marginal(...)`.
template <typename GF>
class MarginalGF {
 public:
  static constexpr bool kIsGenerativeWrapper = true;

  MarginalGF(GF gf, absl::flat_hash_set<Address> keep, SIR sir,
             std::string prefix)
      : gf_(std::move(gf)),
        keep_(std::move(keep)),
        sir_(sir),
        prefix_(std::move(prefix)) {}

  template <typename... Args>
  Simulation SimulateImpl(Args&&... args) const {
    CheckParticles();
    const Trace full = vi_internal::RunTraced(gf_, args...);
    Trace kept;
    ValueMap values;
    for (const Site& site : full.sites()) {
      const bool plate = site.kind == SiteKind::kPlate;
      if (!plate && !keep_.contains(site.address)) continue;
      ThrowIfError(kept.Add(site));
      if (!plate && site.value.has_value()) {
        values.emplace(site.address, *site.value);
      }
    }
    CheckAllKept(values);
    std::vector<Tensor> log_weights = {KeptLogDensity(full)};
    for (int k = 1; k < sir_.particles; ++k) {
      log_weights.push_back(Particle(values, full, k, args...));
    }
    return Simulation{std::move(kept), LogMeanExp(log_weights)};
  }

  template <typename... Args>
  Tensor DensityImpl(const Trace& choices, Args&&... args) const {
    CheckParticles();
    ValueMap values;
    for (const Site& site : choices.sites()) {
      if (keep_.contains(site.address) && site.value.has_value()) {
        values.emplace(site.address, *site.value);
      }
    }
    CheckAllKept(values);
    std::vector<Tensor> log_weights;
    for (int k = 0; k < sir_.particles; ++k) {
      log_weights.push_back(Particle(values, choices, k, args...));
    }
    return LogMeanExp(log_weights);
  }

 private:
  // Reported when the GF runs (inside an entry point), not when it is made.
  void CheckParticles() const {
    if (sir_.particles < 1) {
      ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
          "Marginal: SIR needs at least one particle, got ", sir_.particles)));
    }
  }
  void CheckAllKept(const ValueMap& values) const {
    for (Address a : keep_) {
      if (!values.contains(a)) {
        ThrowStatus(absl::NotFoundError(absl::StrCat(
            "Marginal: no value for the kept choice '", a.name(), "'")));
      }
    }
  }

  // log q(x | u) of a run: Σ over the kept (conditioned) sites, per lane.
  Tensor KeptLogDensity(const Trace& trace) const {
    return trace.LaneLogProb([&](const Site& site) {
      return site.is_observed || keep_.contains(site.address);
    });
  }

  // One inner particle: gf with the kept sites conditioned on `values` and
  // the plates of `subsamples` replayed (both by gf's own addresses),
  // scoped so its choices have their own addresses.
  template <typename... Args>
  Tensor Particle(const ValueMap& values, const Trace& subsamples, int k,
                  Args&... args) const {
    auto conditioned =
        handlers::Scoped(handlers::ReplaySubsamples(
                             handlers::Condition(gf_, values), subsamples),
                         absl::StrCat(prefix_, "/", k));
    const Trace trace = vi_internal::RunTraced(conditioned, args...);
    return trace.LaneLogProb([](const Site& site) { return site.is_observed; });
  }

  Tensor LogMeanExp(const std::vector<Tensor>& log_weights) const {
    const Tensor stacked = ConcatCols<Real>(log_weights);
    return RowLogSumExp(stacked) - std::log(static_cast<Real>(sir_.particles));
  }

  GF gf_;
  absl::flat_hash_set<Address> keep_;
  SIR sir_;
  std::string prefix_;
};

// Marginal()
//
// See the file comment. `prefix` names the inner particles' scope (change
// it when one program uses two marginals).
template <typename GF>
MarginalGF<GF> Marginal(GF gf, std::initializer_list<absl::string_view> keep,
                        SIR sir, std::string prefix = "marginal") {
  absl::flat_hash_set<Address> addresses;
  for (absl::string_view a : keep) addresses.insert(Address::Intern(a));
  return MarginalGF<GF>(std::move(gf), std::move(addresses), sir,
                        std::move(prefix));
}

}  // namespace provi

#endif  // PROVI_VI_MARGINAL_H_
