// Copyright 2026 The provi Authors.
//
// File: distributions/internal/student_t_functions.h
// -----------------------------------------------------------------------------
//
// What StudentT and HalfStudentT share: the check of the degrees of freedom,
// the elementwise log density of a standardised value and the standard draw
// with its gradient in ν. The derivations are in distributions/student_t.h.
// Internal to distributions/.

#ifndef PROVI_DISTRIBUTIONS_INTERNAL_STUDENT_T_FUNCTIONS_H_
#define PROVI_DISTRIBUTIONS_INTERNAL_STUDENT_T_FUNCTIONS_H_

#include "absl/random/bit_gen_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ad/tensor.h"
#include "distributions/internal/family_support.h"

namespace provi {
namespace distributions_internal {

// OK if every element of `df` is finite and > 0 with df / 2 > 0 in
// provi::Real: the draw is Gamma(df / 2), and the smallest subnormal df
// halves to 0. Otherwise the ParamError of the first element that fails.
absl::Status CheckDegreesOfFreedom(absl::string_view family,
                                   const NamedParam& df);

// log Γ((ν + 1)/2) - log Γ(ν/2) - ½ log(ν π) - log scale
//   - (ν + 1)/2 log(1 + z²/ν), elementwise: the log density of t(ν, loc,
// scale) at x with z = (x - loc) / scale. `z` has the full (broadcast)
// shape; df and scale broadcast with it.
Tensor StudentTLogDensity(const Tensor& z, const Tensor& df,
                          const Tensor& scale);

// A rows x cols draw of t(ν, 0, 1), Z sqrt((ν/2) / G) with Z ~ N(0, 1) and
// G ~ Gamma(ν/2, 1), on the tape in `df` through G's implicit
// reparameterisation gradient.
Tensor StandardStudentTRSample(const Tensor& df, Index rows, Index cols,
                               absl::BitGenRef gen);

}  // namespace distributions_internal
}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_INTERNAL_STUDENT_T_FUNCTIONS_H_
