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
#include "distributions/internal/location_scale.h"

namespace provi {

// LogNormal
//
// `Expand(rows, cols)`, `loc()`, `scale()`, `Validate()` and `Sample()` are
// those of every location-scale family
// (distributions/internal/location_scale.h).
class LogNormal final
    : public distributions_internal::LocationScale<LogNormal> {
 public:
  LogNormal(Tensor loc, Tensor scale);
  // loc() and scale() are the mean and standard deviation of log x.

  absl::string_view name() const override { return "LogNormal"; }
  Support support() const override { return Support::Positive(); }
  Tensor RSample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_LOG_NORMAL_H_
