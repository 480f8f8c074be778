// Copyright 2026 The provi Authors.
//
// File: distributions/cauchy.h
// -----------------------------------------------------------------------------
//
// The Cauchy distribution with location `loc` (the median) and scale
// `scale` (the half-width at half-maximum), elementwise; `LogProb` sums over
// the event columns. Its tails are so heavy that it has no mean or
// variance: estimators built on it need bounded or slowly growing
// integrands.
//
//   log p(x) = -log π - log scale - log(1 + ((x - loc) / scale)²)
//
// Pathwise, by inverting the CDF F(x) = ½ + arctan((x - loc) / scale) / π:
// x = loc + scale tan(π (u - ½)), u ~ Uniform(0, 1).
//
// Example:
//
//   provi::Cauchy robust_prior(0.0, 2.5);
//   provi::Tensor x = provi::Cauchy(loc, scale).Expand(batch, 3).RSample(rng);

#ifndef PROVI_DISTRIBUTIONS_CAUCHY_H_
#define PROVI_DISTRIBUTIONS_CAUCHY_H_

#include <memory>

#include "distributions/distribution.h"
#include "distributions/internal/location_scale.h"

namespace provi {

// Cauchy
//
// `Expand(rows, cols)`, `loc()`, `scale()`, `Validate()` and `Sample()` are
// those of every location-scale family
// (distributions/internal/location_scale.h).
class Cauchy final : public distributions_internal::LocationScale<Cauchy> {
 public:
  Cauchy(Tensor loc, Tensor scale);

  absl::string_view name() const override { return "Cauchy"; }
  Support support() const override { return Support::Real(); }
  Tensor RSample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_CAUCHY_H_
