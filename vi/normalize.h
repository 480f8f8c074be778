// Copyright 2026 The provi Authors.
//
// File: vi/normalize.h
// -----------------------------------------------------------------------------
//
// Approximate normalisation of an unnormalised target by sampling
// importance resampling (SIR), after genjax.vi's `sir`:
//
//   Target(model, observations): the model conditioned on data; its
//       Density at z is the unnormalised p̃(z) = p(z, observations).
//   Normalize(target, proposal, K): the generative function "draw K
//       particles z_k ~ r (the proposal), weigh w_k = p̃(z_k) / r(z_k),
//       return one z_j with probability ∝ w_j". With Ẑ = (1/K) Σ_k w_k
//       (an unbiased estimate of the normaliser Z = p(observations)):
//     Simulate: z_j and log p̃(z_j) - log Ẑ, a reciprocal-style estimate of
//       log q_SIR(z_j);
//     Density(z): log p̃(z) - log (1/K)(w(z) + Σ_{k<K} w_k), z taking the
//       place of one particle (the conditional SIR estimate);
//     LogNormalizer(args): log Ẑ.
//
// Proposal particles are estimated by the enclosing Expectation's strategies
// like any other choices; the resampling index is drawn without gradient
// (its score term is not part of these estimators). All particles run on
// the same data: subsampled plates replay the first particle's subsample
// (Density: that of the given z), and the chosen particle carries its
// plates, so a program replaying it sees the same subsample.
//
// Example:
//
//   auto posterior = provi::Normalize(provi::Target(model, data), guide, 10);
//   auto wake = provi::Expectation([&] {
//     return provi::Simulate(posterior).log_density;
//   });

#ifndef PROVI_VI_NORMALIZE_H_
#define PROVI_VI_NORMALIZE_H_

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/status_error.h"
#include "estimators/expectation.h"
#include "handlers/condition.h"
#include "handlers/replay.h"
#include "handlers/scope.h"
#include "handlers/value_map.h"
#include "vi/generative.h"

namespace provi {

// Target()
//
// `model` conditioned on `observations` (handlers::Condition).
template <typename M>
auto Target(M model, ValueMap observations) {
  return handlers::Condition(std::move(model), std::move(observations));
}

// NormalizedGF<T, P>
//
// Make one with `Normalize(...)`.
template <typename T, typename P>
class NormalizedGF {
 public:
  static constexpr bool kIsGenerativeWrapper = true;

  NormalizedGF(T target, P proposal, int particles, std::string prefix)
      : target_(std::move(target)),
        proposal_(std::move(proposal)),
        particles_(particles),
        prefix_(std::move(prefix)) {}

  template <typename... Args>
  Simulation SimulateImpl(Args&&... args) const {
    CheckParticles();
    std::vector<Trace> choices;
    std::vector<Tensor> log_weights;
    for (int k = 0; k < particles_; ++k) {
      Trace particle = Draw(k, k == 0 ? nullptr : &choices[0], args...);
      log_weights.push_back(LogWeight(particle, args...));
      choices.push_back(std::move(particle));
    }
    const Tensor stacked = ConcatCols<Real>(log_weights);
    if (stacked.rows() != 1) {
      ThrowStatus(absl::InvalidArgumentError(
          "Normalize: the target and proposal must have one lane (resampling "
          "picks one particle for the whole program)"));
    }
    const int j = Resample(Detach(stacked));
    const Tensor log_target = Density(target_, choices[j], args...);
    return Simulation{std::move(choices[j]), log_target - LogMeanExp(stacked)};
  }

  template <typename... Args>
  Tensor DensityImpl(const Trace& z, Args&&... args) const {
    CheckParticles();
    const Tensor log_target = Density(target_, z, args...);
    std::vector<Tensor> log_weights = {log_target -
                                       Density(proposal_, z, args...)};
    for (int k = 1; k < particles_; ++k) {
      log_weights.push_back(LogWeight(Draw(k, &z, args...), args...));
    }
    return log_target - LogMeanExp(ConcatCols<Real>(log_weights));
  }

  // LogNormalizer()
  //
  // log Ẑ from K fresh particles (Ẑ is unbiased for the normaliser).
  template <typename... Args>
  Tensor LogNormalizer(Args&&... args) const {
    CheckParticles();
    std::vector<Tensor> log_weights;
    Trace first;
    for (int k = 0; k < particles_; ++k) {
      Trace particle = Draw(k, k == 0 ? nullptr : &first, args...);
      log_weights.push_back(LogWeight(particle, args...));
      if (k == 0) first = std::move(particle);
    }
    return LogMeanExp(ConcatCols<Real>(log_weights));
  }

 private:
  // Reported when the GF runs (inside an entry point), not when it is made.
  void CheckParticles() const {
    if (particles_ < 1) {
      ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
          "Normalize: needs at least one particle, got ", particles_)));
    }
  }
  // Particle k of the proposal, run under a scope so its choices have their
  // own addresses, returned with the scope stripped; with the plates of
  // `subsamples` (if given) replayed.
  template <typename... Args>
  Trace Draw(int k, const Trace* subsamples, Args&... args) const {
    const std::string prefix = absl::StrCat(prefix_, "/", k, "/");
    const std::string scope = absl::StrCat(prefix_, "/", k);
    const Trace scoped = subsamples == nullptr
                             ? vi_internal::RunTraced(
                                   handlers::Scoped(proposal_, scope), args...)
                             : vi_internal::RunTraced(
                                   handlers::Scoped(handlers::ReplaySubsamples(
                                                        proposal_, *subsamples),
                                                    scope),
                                   args...);
    Trace stripped;
    for (const Site& site : scoped.sites()) {
      Site copy = site;
      const std::string& name = site.address.name();
      if (name.rfind(prefix, 0) == 0) {
        copy.address = Address::Intern(name.substr(prefix.size()));
      }
      ThrowIfError(stripped.Add(std::move(copy)));
    }
    return stripped;
  }

  template <typename... Args>
  Tensor LogWeight(const Trace& particle, Args&... args) const {
    return Density(target_, particle, args...) - particle.LaneLogProb();
  }

  Tensor LogMeanExp(const Tensor& stacked) const {
    return RowLogSumExp(stacked) - std::log(static_cast<Real>(particles_));
  }

  int Resample(const Tensor& log_weights) const {
    const Real max = log_weights.value().maxCoeff();
    std::vector<double> w(static_cast<size_t>(particles_));
    double total = 0;
    for (int k = 0; k < particles_; ++k) {
      w[k] = std::exp(static_cast<double>(log_weights(0, k) - max));
      total += w[k];
    }
    double u = absl::Uniform<double>(EstimationRng(), 0.0, total);
    for (int k = 0; k < particles_; ++k) {
      if (u < w[k]) return k;
      u -= w[k];
    }
    return particles_ - 1;
  }

  T target_;
  P proposal_;
  int particles_;
  std::string prefix_;
};

// Normalize()
//
// See the file comment.
template <typename T, typename P>
NormalizedGF<T, P> Normalize(T target, P proposal, int particles,
                             std::string prefix = "normalize") {
  return NormalizedGF<T, P>(std::move(target), std::move(proposal), particles,
                            std::move(prefix));
}

}  // namespace provi

#endif  // PROVI_VI_NORMALIZE_H_
