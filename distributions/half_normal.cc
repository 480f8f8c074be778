// Copyright 2026 The provi Authors.

#include "distributions/half_normal.h"

#include <utility>

#include "ad/ops.h"
#include "ad/tape.h"
#include "base/status_macros.h"

namespace provi {

using distributions_internal::Shape;

namespace {

// ½ log(2/π) = log 2 - ½ log 2π: the normal's constant, doubled mass.
constexpr double kHalfLogTwoOverPi = -0.22579135264472743236;

}  // namespace

HalfNormal::HalfNormal(Tensor scale) : HalfNormal(std::move(scale), Shape{}) {}

HalfNormal::HalfNormal(Tensor scale, Shape expand)
    : scale_(std::move(scale)),
      expand_(expand),
      shape_(distributions_internal::BroadcastShape({{"scale", &scale_}},
                                                    expand)) {}

HalfNormal HalfNormal::Expand(Index rows, Index cols) const {
  return HalfNormal(scale_, distributions_internal::ExpandShape(rows, cols));
}

absl::Status HalfNormal::Validate() const {
  // shape_ is what these parameters broadcast to (see the constructor).
  if (!shape_.valid()) {
    return distributions_internal::ShapesError(name(), {{"scale", &scale_}},
                                               expand_);
  }
  return distributions_internal::CheckPositive(name(), {"scale", &scale_});
}

Tensor HalfNormal::RSample(absl::BitGenRef gen) const {
  const Tensor magnitude =
      Abs(distributions_internal::StandardNormalNoise(rows(), cols(), gen));
  return scale_ * magnitude;
}

Tensor HalfNormal::Sample(absl::BitGenRef gen) const {
  NoRecordScope no_record;
  return RSample(gen);
}

Tensor HalfNormal::LogProb(const Tensor& value) const {
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  const Tensor z =
      distributions_internal::BroadcastValue(value, shape) / scale_;
  const Tensor log_density = Square(z) * Real(-0.5) - Log(scale_) +
                             static_cast<Real>(kHalfLogTwoOverPi);
  return distributions_internal::SumEvent(log_density, shape);
}

}  // namespace provi
