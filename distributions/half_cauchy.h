// Copyright 2026 The provi Authors.
//
// File: distributions/half_cauchy.h
// -----------------------------------------------------------------------------
//
// The half-Cauchy distribution: |y| with y ~ Cauchy(0, scale), elementwise;
// `LogProb` sums over the event columns. Values are non-negative; the
// median is `scale`. A weakly informative prior for scales (Gelman, "Prior
// distributions for variance parameters in hierarchical models", Bayesian
// Analysis 2006); like the Cauchy it has no mean.
//
//   log p(x) = log 2 - log π - log scale - log(1 + (x / scale)²),   x >= 0
//
// Pathwise, by inverting the CDF F(x) = (2/π) arctan(x / scale):
// x = scale tan(π u / 2), u ~ Uniform(0, 1), which has the law of
// scale |tan(π (u - ½))|, the form used here.
//
// Example:
//
//   provi::HalfCauchy tau_prior(5.0);
//   provi::Tensor tau = provi::HalfCauchy(s).Expand(batch, 1).RSample(rng);

#ifndef PROVI_DISTRIBUTIONS_HALF_CAUCHY_H_
#define PROVI_DISTRIBUTIONS_HALF_CAUCHY_H_

#include <memory>

#include "distributions/distribution.h"
#include "distributions/internal/parametric.h"

namespace provi {

// HalfCauchy
//
// `Expand(rows, cols)`, `Validate()` (the scale must be positive and finite)
// and `Sample()` are those of every reparameterisable family
// (distributions/internal/parametric.h).
class HalfCauchy final
    : public distributions_internal::Reparameterisable<HalfCauchy, 1> {
 public:
  explicit HalfCauchy(Tensor scale);

  const Tensor& scale() const { return param<0>(); }

  absl::string_view name() const override { return "HalfCauchy"; }
  Support support() const override { return Support::NonNegative(); }
  Tensor RSample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_HALF_CAUCHY_H_
