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
#include "distributions/internal/family_support.h"

namespace provi {

class HalfStudentT final : public DistributionImpl<HalfStudentT> {
 public:
  HalfStudentT(Tensor df, Tensor scale);

  // Expand()
  //
  // The same family broadcast to `rows` x `cols` (Validate() fails if the
  // parameters do not broadcast to it).
  HalfStudentT Expand(Index rows, Index cols) const;

  const Tensor& df() const { return df_; }
  const Tensor& scale() const { return scale_; }

  absl::string_view name() const override { return "HalfStudentT"; }
  Index rows() const override { return shape_.rows; }
  Index cols() const override { return shape_.cols; }
  absl::Status Validate() const override;
  Support support() const override { return Support::NonNegative(); }
  Tensor Sample(absl::BitGenRef gen) const override;
  bool has_rsample() const override { return true; }
  Tensor RSample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;

 private:
  HalfStudentT(Tensor df, Tensor scale, distributions_internal::Shape expand);

  Tensor df_;
  Tensor scale_;
  distributions_internal::Shape expand_;
  distributions_internal::Shape shape_;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_HALF_STUDENT_T_H_
