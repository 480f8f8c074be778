// Copyright 2026 The provi Authors.
//
// File: distributions/gamma.h
// -----------------------------------------------------------------------------
//
// The gamma distribution Gamma(concentration α, rate β), elementwise: each
// element of a draw is an independent gamma variable with its own
// (broadcast) α and β; `LogProb` sums over the event columns. Mean α / β,
// variance α / β².
//
//   log p(x) = α log β + (α - 1) log x - β x - log Γ(α),   x > 0.
//
// Sampler: x = G / β with G ~ Gamma(α, 1) drawn in double by Marsaglia and
// Tsang's method (with the boost G(α) = G(α + 1) U^(1/α) for α < 1), and
// clamped to the smallest positive normal `Real` so a draw is never 0.
//
// Pathwise gradients by implicit reparameterisation (Figurnov, Mohamed and
// Mnih, "Implicit Reparameterization Gradients", NeurIPS 2018): G satisfies
// P(α, G) = u for a uniform u independent of α, P the regularised lower
// incomplete gamma function (the standard gamma's CDF), so
//
//   dG/dα = -(∂P(α, G)/∂α) / p(G; α),
//
// computed in double at the draw (distributions/internal/gamma_functions.h:
// the series or continued fraction of P differentiated in α, and a
// Wilson-Hilferty approximation above α = 1e3). `RSample` returns
// G_s / β with the surrogate G_s = G + (α - Detach(α)) dG/dα, whose value is
// G and whose gradient in α is dG/dα; the gradient in β, -x / β, flows
// through the division.
//
// Example:
//
//   provi::Gamma prior(2.0, 3.0);
//   provi::Tensor rate = provi::Gamma(alpha, beta).Expand(batch, 1)
//                            .RSample(rng);  // on the tape

#ifndef PROVI_DISTRIBUTIONS_GAMMA_H_
#define PROVI_DISTRIBUTIONS_GAMMA_H_

#include <memory>

#include "distributions/distribution.h"
#include "distributions/internal/parametric.h"

namespace provi {

// Gamma
//
// `Expand(rows, cols)`, `Validate()` (both parameters must be positive and
// finite) and `Sample()` are those of every reparameterisable family
// (distributions/internal/parametric.h).
class Gamma final : public distributions_internal::Reparameterisable<Gamma, 2> {
 public:
  Gamma(Tensor concentration, Tensor rate);

  const Tensor& concentration() const { return param<0>(); }
  const Tensor& rate() const { return param<1>(); }

  absl::string_view name() const override { return "Gamma"; }
  Support support() const override { return Support::Positive(); }
  Tensor RSample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_GAMMA_H_
