// Copyright 2026 The provi Authors.
//
// File: distributions/normal.h
// -----------------------------------------------------------------------------
//
// The normal (Gaussian) distribution N(loc, scale²), elementwise: each
// element of a draw is an independent normal with its own (broadcast) loc
// and scale; `LogProb` sums over the event columns.
//
//   log p(x) = -½ ((x - loc) / scale)² - log scale - ½ log 2π
//
// Pathwise: x = loc + scale ε, ε ~ N(0, 1).
//
// Measure-valued derivatives (Mohamed et al., JMLR 2020, Table 1):
//   loc:   c = 1 / (scale √(2π)),  p⁺ = loc + scale W,  p⁻ = loc - scale W,
//          W ~ Weibull(√2, 2) (a Rayleigh variable; the same W for both
//          sides, which couples them);
//   scale: c = 1 / scale,  p⁺ = loc + scale M,  p⁻ = N(loc, scale²),
//          M ~ double-sided Maxwell (±χ with 3 degrees of freedom).
//
// Example:
//
//   provi::Normal prior(0.0, 1.0);
//   provi::Normal noise = provi::Normal(mu, sigma).Expand(batch, 10);

#ifndef PROVI_DISTRIBUTIONS_NORMAL_H_
#define PROVI_DISTRIBUTIONS_NORMAL_H_

#include <memory>
#include <vector>

#include "distributions/distribution.h"
#include "distributions/internal/location_scale.h"

namespace provi {

// Normal
//
// `Expand(rows, cols)`, `loc()`, `scale()`, `Validate()` and `Sample()` are
// those of every location-scale family
// (distributions/internal/location_scale.h).
class Normal final : public distributions_internal::LocationScale<Normal> {
 public:
  Normal(Tensor loc, Tensor scale);

  absl::string_view name() const override { return "Normal"; }
  Support support() const override { return Support::Real(); }
  Tensor RSample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;
  bool has_mvd() const override { return true; }
  std::vector<MvdTerm> MvdTerms(const Tensor& value,
                                absl::BitGenRef gen) const override;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_NORMAL_H_
