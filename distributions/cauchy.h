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
#include "distributions/internal/family_support.h"

namespace provi {

class Cauchy final : public DistributionImpl<Cauchy> {
 public:
  Cauchy(Tensor loc, Tensor scale);

  // Expand()
  //
  // The same family broadcast to `rows` x `cols` (Validate() fails if the
  // parameters do not broadcast to it).
  Cauchy Expand(Index rows, Index cols) const;

  const Tensor& loc() const { return loc_; }
  const Tensor& scale() const { return scale_; }

  absl::string_view name() const override { return "Cauchy"; }
  Index rows() const override { return shape_.rows; }
  Index cols() const override { return shape_.cols; }
  absl::Status Validate() const override;
  Support support() const override { return Support::Real(); }
  Tensor Sample(absl::BitGenRef gen) const override;
  bool has_rsample() const override { return true; }
  Tensor RSample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;

 private:
  Cauchy(Tensor loc, Tensor scale, distributions_internal::Shape expand);

  Tensor loc_;
  Tensor scale_;
  distributions_internal::Shape expand_;
  distributions_internal::Shape shape_;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_CAUCHY_H_
