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
#include "distributions/internal/family_support.h"

namespace provi {

class HalfNormal final : public DistributionImpl<HalfNormal> {
 public:
  explicit HalfNormal(Tensor scale);

  // Expand()
  //
  // The same family broadcast to `rows` x `cols` (Validate() fails if the
  // parameter does not broadcast to it).
  HalfNormal Expand(Index rows, Index cols) const;

  // The scale of the underlying normal (not the standard deviation of x).
  const Tensor& scale() const { return scale_; }

  absl::string_view name() const override { return "HalfNormal"; }
  Index rows() const override { return shape_.rows; }
  Index cols() const override { return shape_.cols; }
  absl::Status Validate() const override;
  Support support() const override { return Support::NonNegative(); }
  Tensor Sample(absl::BitGenRef gen) const override;
  bool has_rsample() const override { return true; }
  Tensor RSample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;

 private:
  HalfNormal(Tensor scale, distributions_internal::Shape expand);

  Tensor scale_;
  distributions_internal::Shape expand_;
  distributions_internal::Shape shape_;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_HALF_NORMAL_H_
