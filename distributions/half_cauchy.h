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
#include "distributions/internal/family_support.h"

namespace provi {

class HalfCauchy final : public DistributionImpl<HalfCauchy> {
 public:
  explicit HalfCauchy(Tensor scale);

  // Expand()
  //
  // The same family broadcast to `rows` x `cols` (Validate() fails if the
  // parameter does not broadcast to it).
  HalfCauchy Expand(Index rows, Index cols) const;

  const Tensor& scale() const { return scale_; }

  absl::string_view name() const override { return "HalfCauchy"; }
  Index rows() const override { return shape_.rows; }
  Index cols() const override { return shape_.cols; }
  absl::Status Validate() const override;
  Support support() const override { return Support::NonNegative(); }
  Tensor Sample(absl::BitGenRef gen) const override;
  bool has_rsample() const override { return true; }
  Tensor RSample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;

 private:
  HalfCauchy(Tensor scale, distributions_internal::Shape expand);

  Tensor scale_;
  distributions_internal::Shape expand_;
  distributions_internal::Shape shape_;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_HALF_CAUCHY_H_
