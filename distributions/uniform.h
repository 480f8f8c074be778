// Copyright 2026 The provi Authors.
//
// File: distributions/uniform.h
// -----------------------------------------------------------------------------
//
// The continuous uniform distribution on [low, high], elementwise (each
// element has its own broadcast bounds); `LogProb` sums over the event
// columns. Mean (low + high)/2, variance (high - low)²/12.
//
//   log p(x) = -log(high - low)   for low <= x <= high,   -∞ elsewhere
//
// The indicator is part of the density, so a value outside the bounds gives
// -∞ even with validation off; with validation on (the default) it is an
// InvalidArgument error like any value outside a family's support.
//
// Pathwise: x = low + (high - low) u, u ~ Uniform(0, 1); ∂x/∂low = 1 - u,
// ∂x/∂high = u.
//
// `support()` is [low, high] elementwise: a plain interval when both bounds
// are 1x1 constants, else the interval with tensor bounds `low` and `high`
// (Support::Interval(low, high)), so each element is checked against its
// own bounds and bounds computed from other latents (`Uniform(0.0, 1 -
// alpha)`) are known to depend on them (see vi/autoguide.h).
//
// Example:
//
//   provi::Uniform angle(0.0, 6.283185307179586);
//   provi::Tensor u = provi::Uniform(lo, hi).Expand(batch, 2).RSample(rng);

#ifndef PROVI_DISTRIBUTIONS_UNIFORM_H_
#define PROVI_DISTRIBUTIONS_UNIFORM_H_

#include <memory>

#include "distributions/distribution.h"
#include "distributions/internal/parametric.h"

namespace provi {

// Uniform
//
// `Expand(rows, cols)`, `Validate()` (finite bounds, and low < high element
// by element) and `Sample()` are those of every reparameterisable family
// (distributions/internal/parametric.h).
class Uniform final
    : public distributions_internal::Reparameterisable<Uniform, 2> {
 public:
  Uniform(Tensor low, Tensor high);

  const Tensor& low() const { return param<0>(); }
  const Tensor& high() const { return param<1>(); }

  absl::string_view name() const override { return "Uniform"; }
  Support support() const override;
  Tensor RSample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;

 private:
  // low < high element by element.
  absl::Status ValidateRest() const override;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_UNIFORM_H_
