// Copyright 2026 The provi Authors.
//
// File: distributions/student_t.h
// -----------------------------------------------------------------------------
//
// Student's t distribution with `df` degrees of freedom (ν), location `loc`
// and scale `scale`, elementwise; `LogProb` sums over the event columns.
// A heavy-tailed normal: ν = 1 is the Cauchy, ν → ∞ the normal. The mean is
// `loc` for ν > 1, the variance scale² ν / (ν - 2) for ν > 2.
//
//   log p(x) = log Γ((ν + 1)/2) - log Γ(ν/2) - ½ log(ν π) - log scale
//              - (ν + 1)/2 log(1 + z²/ν),   z = (x - loc) / scale
//
// `LogProb` is differentiable in all three parameters.
//
// Pathwise: x = loc + scale Z / sqrt(V / ν), Z ~ N(0, 1), V ~ χ²(ν)
// independent, with V = 2 G and G ~ Gamma(ν/2, 1), so that
// x = loc + scale Z sqrt((ν/2) / G). The draw is differentiable in all three
// parameters: in `loc` and `scale` directly, in `df` through G, whose
// gradient in its shape ν/2 is the implicit reparameterisation gradient
// dG/dα = -(∂P(α, G)/∂α) / p(G; α) (Figurnov, Mohamed and Mnih, "Implicit
// Reparameterization Gradients", NeurIPS 2018; P is the gamma CDF, see
// distributions/internal/gamma_functions.h) and through the explicit ν/2.
//
// Example:
//
//   provi::StudentT robust_noise(4.0, 0.0, sigma);
//   provi::Tensor x = provi::StudentT(3.0, loc, scale).Expand(batch, 2)
//                         .RSample(rng);

#ifndef PROVI_DISTRIBUTIONS_STUDENT_T_H_
#define PROVI_DISTRIBUTIONS_STUDENT_T_H_

#include <memory>

#include "distributions/distribution.h"
#include "distributions/internal/parametric.h"

namespace provi {

// StudentT
//
// `Expand(rows, cols)`, `Validate()` (df positive and finite with df / 2 > 0
// in provi::Real, a finite loc, a positive and finite scale) and `Sample()`
// are those of every reparameterisable family
// (distributions/internal/parametric.h).
class StudentT final
    : public distributions_internal::Reparameterisable<StudentT, 3> {
 public:
  StudentT(Tensor df, Tensor loc, Tensor scale);

  const Tensor& df() const { return param<0>(); }
  const Tensor& loc() const { return param<1>(); }
  const Tensor& scale() const { return param<2>(); }

  absl::string_view name() const override { return "StudentT"; }
  Support support() const override { return Support::Real(); }
  Tensor RSample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_STUDENT_T_H_
