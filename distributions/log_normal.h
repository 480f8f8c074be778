// Copyright 2026 The provi Authors.
//
// File: distributions/log_normal.h
// -----------------------------------------------------------------------------
//
// The log-normal distribution: x = e^y with y ~ N(loc, scale²), elementwise
// (`loc` and `scale` are the mean and standard deviation of log x, not of
// x); `LogProb` sums over the event columns. Values are positive.
//
//   log p(x) = -½ ((log x - loc) / scale)² - log scale - log x - ½ log 2π
//
// Pathwise: x = exp(loc + scale ε), ε ~ N(0, 1).
//
// Moments: E[x] = e^(loc + scale²/2), Var[x] = (e^(scale²) - 1) e^(2 loc +
// scale²).
//
// Example:
//
//   provi::LogNormal rate_prior(0.0, 1.0);
//   provi::Tensor rates = provi::LogNormal(mu, sigma).Expand(batch, 4)
//                             .RSample(rng);

#ifndef PROVI_DISTRIBUTIONS_LOG_NORMAL_H_
#define PROVI_DISTRIBUTIONS_LOG_NORMAL_H_

#include <memory>

#include "distributions/distribution.h"
#include "distributions/internal/family_support.h"

namespace provi {

class LogNormal final : public DistributionImpl<LogNormal> {
 public:
  LogNormal(Tensor loc, Tensor scale);

  // Expand()
  //
  // The same family broadcast to `rows` x `cols` (Validate() fails if the
  // parameters do not broadcast to it).
  LogNormal Expand(Index rows, Index cols) const;

  // The mean and standard deviation of log x.
  const Tensor& loc() const { return loc_; }
  const Tensor& scale() const { return scale_; }

  absl::string_view name() const override { return "LogNormal"; }
  Index rows() const override { return shape_.rows; }
  Index cols() const override { return shape_.cols; }
  absl::Status Validate() const override;
  Support support() const override { return Support::Positive(); }
  Tensor Sample(absl::BitGenRef gen) const override;
  bool has_rsample() const override { return true; }
  Tensor RSample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;

 private:
  LogNormal(Tensor loc, Tensor scale, distributions_internal::Shape expand);

  Tensor loc_;
  Tensor scale_;
  distributions_internal::Shape expand_;
  distributions_internal::Shape shape_;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_LOG_NORMAL_H_
