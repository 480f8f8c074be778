// Copyright 2026 The provi Authors.
//
// File: distributions/laplace.h
// -----------------------------------------------------------------------------
//
// The Laplace (double-exponential) distribution with location `loc` and
// scale `scale`, elementwise; `LogProb` sums over the event columns. Mean
// `loc`, variance 2 scale².
//
//   log p(x) = -log(2 scale) - |x - loc| / scale
//
// Pathwise, by inverting the CDF: x = loc - scale sign(v) log(1 - 2|v|),
// v ~ Uniform(-½, ½). The draw is differentiable in both parameters;
// `LogProb` is not differentiable in `loc` or the value where x = loc (the
// gradient used there is 0).
//
// Example:
//
//   provi::Laplace sparse_prior(0.0, 0.1);
//   provi::Tensor w = provi::Laplace(loc, scale).Expand(batch, 8)
//                         .RSample(rng);

#ifndef PROVI_DISTRIBUTIONS_LAPLACE_H_
#define PROVI_DISTRIBUTIONS_LAPLACE_H_

#include <memory>

#include "distributions/distribution.h"
#include "distributions/internal/location_scale.h"

namespace provi {

// Laplace
//
// `Expand(rows, cols)`, `loc()`, `scale()`, `Validate()` and `Sample()` are
// those of every location-scale family
// (distributions/internal/location_scale.h).
class Laplace final : public distributions_internal::LocationScale<Laplace> {
 public:
  Laplace(Tensor loc, Tensor scale);

  absl::string_view name() const override { return "Laplace"; }
  Support support() const override { return Support::Real(); }
  Tensor RSample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_LAPLACE_H_
