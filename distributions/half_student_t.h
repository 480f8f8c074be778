// Copyright 2026 The provi Authors.
//
// File: distributions/half_student_t.h
// -----------------------------------------------------------------------------
//
// The half-Student-t distribution: |y| with y ~ StudentT(df, 0, scale),
// elementwise; `LogProb` sums over the event columns. Values are
// non-negative. A prior for scales between the half-normal (ν → ∞) and the
// half-Cauchy (ν = 1); Stan programs write it as `sigma ~ student_t(ν, 0,
// s)` on a `real<lower=0>`, and Gelman ("Prior distributions for variance
// parameters in hierarchical models", Bayesian Analysis 2006) recommends
// it with small ν.
//
//   log p(x) = log 2 + log Γ((ν + 1)/2) - log Γ(ν/2) - ½ log(ν π)
//              - log scale - (ν + 1)/2 log(1 + (x / scale)²/ν),   x >= 0
//
// `LogProb` is differentiable in df and scale.
//
// Pathwise: x = scale |Z| sqrt((ν/2) / G), Z ~ N(0, 1), G ~ Gamma(ν/2, 1),
// differentiable in scale directly and in df through G's implicit
// reparameterisation gradient (distributions/student_t.h).
//
// Moments (T a standard t): E[x^k] = scale^k E|T|^k for k < ν, with
// E|T|^k = ν^(k/2) Γ((k + 1)/2) Γ((ν - k)/2) / (√π Γ(ν/2)); e.g.
// E[x²] = scale² ν / (ν - 2) for ν > 2.
//
// Example:
//
//   provi::Tensor sigma =
//       provi::sample("sigma", provi::HalfStudentT(3.0, 2.5));

#ifndef PROVI_DISTRIBUTIONS_HALF_STUDENT_T_H_
#define PROVI_DISTRIBUTIONS_HALF_STUDENT_T_H_

#include <memory>

#include "distributions/distribution.h"
#include "distributions/internal/parametric.h"

namespace provi {

// HalfStudentT
//
// `Expand(rows, cols)`, `Validate()` (df and scale must be positive and
// finite, with df / 2 > 0 in provi::Real) and `Sample()` are those of every
// reparameterisable family (distributions/internal/parametric.h).
class HalfStudentT final
    : public distributions_internal::Reparameterisable<HalfStudentT, 2> {
 public:
  HalfStudentT(Tensor df, Tensor scale);

  const Tensor& df() const { return param<0>(); }
  const Tensor& scale() const { return param<1>(); }

  absl::string_view name() const override { return "HalfStudentT"; }
  Support support() const override { return Support::NonNegative(); }
  Tensor RSample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_HALF_STUDENT_T_H_
