// Copyright 2026 The provi Authors.
//
// File: distributions/poisson.h
// -----------------------------------------------------------------------------
//
// The Poisson distribution, elementwise: each element of a draw is an
// independent count with its own (broadcast) rate λ > 0.
//
//   p(x) = λ^x e^(-λ) / x!,  x in {0, 1, 2, ...}
//   log p(x) = x log λ - λ - lgamma(x + 1)
//
// `LogProb` sums over the event columns.
//
// Sampler: absl::Poisson (exact) for λ <= kMaxExactRate = 1e10, one draw
// per element; above that (absl's domain ends there) the normal
// approximation round(λ + √λ z), whose distribution differs from the
// Poisson's by O(1/√λ) <= 1e-5 in total variation, below the rounding of a
// float count of that size (its spacing is 1024 at 1e10). Every finite
// λ > 0 gives a finite draw (clamped to the largest finite `Real`). Not
// reparameterisable; the support is infinite, so there is no enumeration.
//
// Measure-valued derivative (Mohamed, Rosca, Figurnov and Mnih, "Monte Carlo
// Gradient Estimation in Machine Learning", JMLR 2020, sec. 6 and Table 1).
// With p_k = λ^k e^(-λ) / k!, ∂p_k/∂λ = p_{k-1} - p_k (p_{-1} = 0), so
//
//   ∂/∂λ E f(X) = Σ_k (p_{k-1} - p_k) f(k) = E f(X + 1) - E f(X):
//   c = 1,  x⁺ = X + 1,  x⁻ = X,
//
// with the same fresh X ~ Poisson(λ) on both sides (the coupling keeps the
// variance small), one term per event column.
//
// Example:
//
//   provi::Poisson arrivals(3.5);
//   provi::Poisson counts = provi::Poisson(Exp(log_rate)).Expand(batch, 1);

#ifndef PROVI_DISTRIBUTIONS_POISSON_H_
#define PROVI_DISTRIBUTIONS_POISSON_H_

#include <memory>
#include <vector>

#include "distributions/distribution.h"
#include "distributions/internal/parametric.h"

namespace provi {

// Poisson
//
// `Expand(rows, cols)` and `Validate()` (the rate must be positive and
// finite) are those of every parametric family
// (distributions/internal/parametric.h).
class Poisson final : public distributions_internal::Parametric<Poisson, 1> {
 public:
  explicit Poisson(Tensor rate);

  const Tensor& rate() const { return param<0>(); }

  // Rates above this are drawn by the normal approximation (see above).
  static constexpr double kMaxExactRate = 1e10;

  absl::string_view name() const override { return "Poisson"; }
  Support support() const override { return Support::NonNegativeInteger(); }
  Tensor Sample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;
  bool has_mvd() const override { return true; }
  std::vector<MvdTerm> MvdTerms(const Tensor& value,
                                absl::BitGenRef gen) const override;

 private:
  // One draw with rate element (i, j), broadcast.
  Real Draw(Index i, Index j, absl::BitGenRef gen) const;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_POISSON_H_
