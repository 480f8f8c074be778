// Copyright 2026 The provi Authors.
//
// File: distributions/half_normal.h
// -----------------------------------------------------------------------------
//
// The half-normal distribution: |y| with y ~ N(0, scale²), elementwise;
// `LogProb` sums over the event columns. Values are non-negative (the
// density is largest at 0). A common prior for scales.
//
//   log p(x) = ½ log(2/π) - log scale - ½ (x / scale)²,   x >= 0
//
// Pathwise: x = scale |ε|, ε ~ N(0, 1).
//
// Moments: E[x] = scale √(2/π), E[x²] = scale², Var[x] = scale² (1 - 2/π).
//
// Example:
//
//   provi::HalfNormal noise_prior(1.0);
//   provi::Tensor sigma = provi::HalfNormal(s).Expand(batch, 1).RSample(rng);

#ifndef PROVI_DISTRIBUTIONS_HALF_NORMAL_H_
#define PROVI_DISTRIBUTIONS_HALF_NORMAL_H_

#include <memory>

#include "distributions/distribution.h"
#include "distributions/internal/parametric.h"

namespace provi {

// HalfNormal
//
// `Expand(rows, cols)`, `Validate()` (the scale must be positive and finite)
// and `Sample()` are those of every reparameterisable family
// (distributions/internal/parametric.h).
class HalfNormal final
    : public distributions_internal::Reparameterisable<HalfNormal, 1> {
 public:
  explicit HalfNormal(Tensor scale);

  // The scale of the underlying normal (not the standard deviation of x).
  const Tensor& scale() const { return param<0>(); }

  absl::string_view name() const override { return "HalfNormal"; }
  Support support() const override { return Support::NonNegative(); }
  Tensor RSample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_HALF_NORMAL_H_
