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
#include "distributions/internal/family_support.h"

namespace provi {

class Exponential final : public DistributionImpl<Exponential> {
 public:
  explicit Exponential(Tensor rate);

  // Expand()
  //
  // The same family broadcast to `rows` x `cols` (Validate() fails if the
  // parameter does not broadcast to it).
  Exponential Expand(Index rows, Index cols) const;

  const Tensor& rate() const { return rate_; }

  absl::string_view name() const override { return "Exponential"; }
  Index rows() const override { return shape_.rows; }
  Index cols() const override { return shape_.cols; }
  absl::Status Validate() const override;
  Support support() const override { return Support::NonNegative(); }
  Tensor Sample(absl::BitGenRef gen) const override;
  bool has_rsample() const override { return true; }
  Tensor RSample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;
  // One term per event column (the rate of that column), in column order.
  bool has_mvd() const override { return true; }
  std::vector<MvdTerm> MvdTerms(const Tensor& value,
                                absl::BitGenRef gen) const override;

 private:
  Exponential(Tensor rate, distributions_internal::Shape expand);

  Tensor rate_;
  distributions_internal::Shape expand_;
  distributions_internal::Shape shape_;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_EXPONENTIAL_H_
