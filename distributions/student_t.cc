// Copyright 2026 The provi Authors.

#include "distributions/student_t.h"

#include <cmath>
#include <utility>

#include "ad/ops.h"
#include "ad/tape.h"
#include "base/status_macros.h"
#include "distributions/internal/gamma_functions.h"

namespace provi {

using distributions_internal::Shape;

namespace {

constexpr double kHalfLogPi = 0.57236494292470008707;

}  // namespace

StudentT::StudentT(Tensor df, Tensor loc, Tensor scale)
    : StudentT(std::move(df), std::move(loc), std::move(scale), Shape{}) {}

StudentT::StudentT(Tensor df, Tensor loc, Tensor scale, Shape expand)
    : df_(std::move(df)),
      loc_(std::move(loc)),
      scale_(std::move(scale)),
      expand_(expand),
      shape_(distributions_internal::BroadcastShape(
          {{"df", &df_}, {"loc", &loc_}, {"scale", &scale_}}, expand)) {}

StudentT StudentT::Expand(Index rows, Index cols) const {
  return StudentT(df_, loc_, scale_,
                  distributions_internal::ExpandShape(rows, cols));
}

absl::Status StudentT::Validate() const {
  // shape_ is what these parameters broadcast to (see the constructor).
  if (!shape_.valid()) {
    return distributions_internal::ShapesError(
        name(), {{"df", &df_}, {"loc", &loc_}, {"scale", &scale_}}, expand_);
  }
  // The sampler draws Gamma(df / 2): df / 2 must not underflow to 0 (the
  // smallest subnormal df does).
  PROVI_RETURN_IF_ERROR(distributions_internal::CheckParam(
      name(), {"df", &df_},
      [](Real x) { return x * Real(0.5) > 0 && std::isfinite(x); },
      "must be finite and > 0, with df / 2 > 0 in provi::Real"));
  PROVI_RETURN_IF_ERROR(
      distributions_internal::CheckFinite(name(), {"loc", &loc_}));
  return distributions_internal::CheckPositive(name(), {"scale", &scale_});
}

Tensor StudentT::RSample(absl::BitGenRef gen) const {
  // V / ν = 2 G / ν = G / (ν/2) with G ~ Gamma(ν/2, 1), whose draw carries
  // its implicit gradient in ν/2.
  const Tensor half_df = df_ * Real(0.5);
  const Tensor gamma = distributions_internal::StandardGammaRSample(
      half_df, rows(), cols(), gen);
  const Tensor z =
      distributions_internal::StandardNormalNoise(rows(), cols(), gen);
  return loc_ + scale_ * z * Sqrt(half_df / gamma);
}

Tensor StudentT::Sample(absl::BitGenRef gen) const {
  NoRecordScope no_record;
  return RSample(gen);
}

Tensor StudentT::LogProb(const Tensor& value) const {
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  const Tensor z =
      (distributions_internal::BroadcastValue(value, shape) - loc_) / scale_;
  // Every binary step has a full-shape left operand, so parameters of
  // different broadcast shapes (1xC df, Rx1 scale) never meet directly.
  const Tensor half_df_plus_half = (df_ + Real(1)) * Real(0.5);
  const Tensor log_density = Log1p(Square(z) / df_) * -half_df_plus_half +
                             Lgamma(half_df_plus_half) -
                             Lgamma(df_ * Real(0.5)) - Log(df_) * Real(0.5) -
                             Log(scale_) - static_cast<Real>(kHalfLogPi);
  return distributions_internal::SumEvent(log_density, shape);
}

}  // namespace provi
