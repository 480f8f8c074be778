// Copyright 2026 The provi Authors.
//
// File: distributions/beta.h
// -----------------------------------------------------------------------------
//
// The beta distribution Beta(concentration1 a, concentration0 b) on [0, 1],
// elementwise: each element of a draw is an independent beta variable with
// its own (broadcast) a and b; `LogProb` sums over the event columns. Mean
// a / (a + b). (The names follow the convention that a counts ones and b
// zeros.)
//
//   log p(x) = (a - 1) log x + (b - 1) log(1 - x)
//              + log Γ(a + b) - log Γ(a) - log Γ(b),
//
// with 0 · log 0 = 0, so that Beta(1, b) has density b at x = 0 (and
// Beta(a, 1) density a at x = 1) rather than NaN.
//
// Sampler: x = G1 / (G1 + G2) with independent standard-gamma draws
// G1 ~ Gamma(a, 1) and G2 ~ Gamma(b, 1). The draw is kept in
// [smallest positive normal, largest Real below 1]: for small
// concentrations G2 / G1 can be below the rounding unit, and a draw of
// exactly 1 would have an infinite log density.
//
// Pathwise gradients by implicit reparameterisation (Figurnov, Mohamed and
// Mnih, "Implicit Reparameterization Gradients", NeurIPS 2018): each gamma
// draw is the surrogate G_s = G + (c - Detach(c)) dG/dc with
// dG/dc = -(∂P(c, G)/∂c) / p(G; c) (distributions/gamma.h), and
// x = G1_s / (G1_s + G2_s) carries the gradient to a and b by the chain
// rule. The value clamp does not change the gradient.
//
// Example:
//
//   provi::Beta coin_bias(2.0, 2.0);
//   provi::Tensor p = provi::Beta(a, b).Expand(batch, 1).RSample(rng);

#ifndef PROVI_DISTRIBUTIONS_BETA_H_
#define PROVI_DISTRIBUTIONS_BETA_H_

#include <memory>

#include "distributions/distribution.h"
#include "distributions/internal/parametric.h"

namespace provi {

// Beta
//
// `Expand(rows, cols)`, `Validate()` (both concentrations must be positive
// and finite) and `Sample()` are those of every reparameterisable family
// (distributions/internal/parametric.h).
class Beta final : public distributions_internal::Reparameterisable<Beta, 2> {
 public:
  Beta(Tensor concentration1, Tensor concentration0);

  const Tensor& concentration1() const { return param<0>(); }
  const Tensor& concentration0() const { return param<1>(); }

  absl::string_view name() const override { return "Beta"; }
  Support support() const override { return Support::UnitInterval(); }
  Tensor RSample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_BETA_H_
