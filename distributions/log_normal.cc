// Copyright 2026 The provi Authors.

#include "distributions/log_normal.h"

#include <utility>

#include "ad/ops.h"
#include "ad/tape.h"
#include "base/status_macros.h"

namespace provi {

using distributions_internal::Shape;

LogNormal::LogNormal(Tensor loc, Tensor scale)
    : LogNormal(std::move(loc), std::move(scale), Shape{}) {}

LogNormal::LogNormal(Tensor loc, Tensor scale, Shape expand)
    : loc_(std::move(loc)),
      scale_(std::move(scale)),
      expand_(expand),
      shape_(distributions_internal::BroadcastShape(
          {{"loc", &loc_}, {"scale", &scale_}}, expand)) {}

LogNormal LogNormal::Expand(Index rows, Index cols) const {
  return LogNormal(loc_, scale_,
                   distributions_internal::ExpandShape(rows, cols));
}

absl::Status LogNormal::Validate() const {
  // shape_ is what these parameters broadcast to (see the constructor).
  if (!shape_.valid()) {
    return distributions_internal::ShapesError(
        name(), {{"loc", &loc_}, {"scale", &scale_}}, expand_);
  }
  PROVI_RETURN_IF_ERROR(
      distributions_internal::CheckFinite(name(), {"loc", &loc_}));
  return distributions_internal::CheckPositive(name(), {"scale", &scale_});
}

Tensor LogNormal::RSample(absl::BitGenRef gen) const {
  const Tensor eps =
      distributions_internal::StandardNormalNoise(rows(), cols(), gen);
  return Exp(loc_ + scale_ * eps);
}

Tensor LogNormal::Sample(absl::BitGenRef gen) const {
  NoRecordScope no_record;
  return RSample(gen);
}

Tensor LogNormal::LogProb(const Tensor& value) const {
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  const Tensor log_x =
      Log(distributions_internal::BroadcastValue(value, shape));
  const Tensor z = (log_x - loc_) / scale_;
  const Tensor log_density =
      Square(z) * Real(-0.5) - Log(scale_) - log_x -
      static_cast<Real>(distributions_internal::kHalfLog2Pi);
  return distributions_internal::SumEvent(log_density, shape);
}

}  // namespace provi
