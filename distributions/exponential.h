// Copyright 2026 The provi Authors.
//
// File: distributions/exponential.h
// -----------------------------------------------------------------------------
//
// The exponential distribution with rate λ (`rate`; mean 1/λ, variance
// 1/λ²), elementwise; `LogProb` sums over the event columns. Values are
// non-negative.
//
//   log p(x) = log λ - λ x,   x >= 0
//
// Pathwise: x = E / λ, E ~ Exp(1) (E = -log u, u ~ Uniform(0, 1)).
//
// Measure-valued derivative in λ (Mohamed, Rosca, Figurnov and Mnih,
// "Monte Carlo Gradient Estimation in Machine Learning", JMLR 2020,
// sec. 6 and Table 1): differentiating the density,
//
//   ∂/∂λ [λ e^(-λx)] = e^(-λx) - λ x e^(-λx)
//                    = (1/λ) (λ e^(-λx) - λ² x e^(-λx)),
//
// and λ² x e^(-λx) is the Gamma(2, λ) density, so
//
//   c = 1/λ,   p⁺ = Exp(λ),   p⁻ = Gamma(2, λ).
//
// The coupling draws E₁, E₂ ~ Exp(1) and uses x⁺ = E₁/λ and
// x⁻ = (E₁ + E₂)/λ (a Gamma(2, λ) draw as the sum of two exponentials that
// shares E₁ with x⁺): common random numbers, so L⁺ - L⁻ is small when the
// integrand is smooth.
//
// Example:
//
//   provi::Exponential waiting_time(rate);
//   provi::Tensor t = provi::Exponential(2.0).Expand(batch, 1).Sample(rng);

#ifndef PROVI_DISTRIBUTIONS_EXPONENTIAL_H_
#define PROVI_DISTRIBUTIONS_EXPONENTIAL_H_

#include <memory>
#include <vector>

#include "distributions/distribution.h"
#include "distributions/internal/parametric.h"

namespace provi {

// Exponential
//
// `Expand(rows, cols)`, `Validate()` (the rate must be positive and finite)
// and `Sample()` are those of every reparameterisable family
// (distributions/internal/parametric.h).
class Exponential final
    : public distributions_internal::Reparameterisable<Exponential, 1> {
 public:
  explicit Exponential(Tensor rate);

  const Tensor& rate() const { return param<0>(); }

  absl::string_view name() const override { return "Exponential"; }
  Support support() const override { return Support::NonNegative(); }
  Tensor RSample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;
  // One term per event column (the rate of that column), in column order.
  bool has_mvd() const override { return true; }
  std::vector<MvdTerm> MvdTerms(const Tensor& value,
                                absl::BitGenRef gen) const override;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_EXPONENTIAL_H_
