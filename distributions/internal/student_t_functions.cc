// Copyright 2026 The provi Authors.

#include "distributions/internal/student_t_functions.h"

#include <cmath>

#include "ad/ops.h"
#include "distributions/internal/family_support.h"
#include "distributions/internal/gamma_functions.h"

namespace provi {
namespace distributions_internal {
namespace {

constexpr double kHalfLogPi = 0.57236494292470008707;

}  // namespace

absl::Status CheckDegreesOfFreedom(absl::string_view family,
                                   const NamedParam& df) {
  return CheckParam(
      family, df, [](Real x) { return x * Real(0.5) > 0 && std::isfinite(x); },
      "must be finite and > 0, with df / 2 > 0 in provi::Real");
}

Tensor StudentTLogDensity(const Tensor& z, const Tensor& df,
                          const Tensor& scale) {
  // Every binary step has a full-shape left operand, so parameters of
  // different broadcast shapes (1xC df, Rx1 scale) never meet directly.
  const Tensor half_df_plus_half = (df + Real(1)) * Real(0.5);
  return Log1p(Square(z) / df) * -half_df_plus_half +
         Lgamma(half_df_plus_half) - Lgamma(df * Real(0.5)) -
         Log(df) * Real(0.5) - Log(scale) - static_cast<Real>(kHalfLogPi);
}

Tensor StandardStudentTRSample(const Tensor& df, Index rows, Index cols,
                               absl::BitGenRef gen) {
  // V / ν = 2 G / ν = G / (ν/2) with G ~ Gamma(ν/2, 1), whose draw carries
  // its implicit gradient in ν/2.
  const Tensor half_df = df * Real(0.5);
  const Tensor gamma = StandardGammaRSample(half_df, rows, cols, gen);
  const Tensor z = StandardNormalNoise(rows, cols, gen);
  return z * Sqrt(half_df / gamma);
}

}  // namespace distributions_internal
}  // namespace provi
