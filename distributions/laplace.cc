// Copyright 2026 The provi Authors.

#include "distributions/laplace.h"

#include <utility>

#include "ad/ops.h"
#include "ad/tape.h"
#include "base/status_macros.h"
#include "distributions/internal/noise.h"

namespace provi {

using distributions_internal::Shape;

namespace {

constexpr double kLog2 = 0.69314718055994530942;

}  // namespace

Laplace::Laplace(Tensor loc, Tensor scale)
    : Laplace(std::move(loc), std::move(scale), Shape{}) {}

Laplace::Laplace(Tensor loc, Tensor scale, Shape expand)
    : loc_(std::move(loc)),
      scale_(std::move(scale)),
      expand_(expand),
      shape_(distributions_internal::BroadcastShape(
          {{"loc", &loc_}, {"scale", &scale_}}, expand)) {}

Laplace Laplace::Expand(Index rows, Index cols) const {
  return Laplace(loc_, scale_, distributions_internal::ExpandShape(rows, cols));
}

absl::Status Laplace::Validate() const {
  // shape_ is what these parameters broadcast to (see the constructor).
  if (!shape_.valid()) {
    return distributions_internal::ShapesError(
        name(), {{"loc", &loc_}, {"scale", &scale_}}, expand_);
  }
  PROVI_RETURN_IF_ERROR(
      distributions_internal::CheckFinite(name(), {"loc", &loc_}));
  return distributions_internal::CheckPositive(name(), {"scale", &scale_});
}

Tensor Laplace::RSample(absl::BitGenRef gen) const {
  const Tensor standard =
      distributions_internal::StandardLaplaceNoise(rows(), cols(), gen);
  return loc_ + scale_ * standard;
}

Tensor Laplace::Sample(absl::BitGenRef gen) const {
  NoRecordScope no_record;
  return RSample(gen);
}

Tensor Laplace::LogProb(const Tensor& value) const {
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  const Tensor distance =
      Abs(distributions_internal::BroadcastValue(value, shape) - loc_);
  const Tensor log_density =
      -distance / scale_ - Log(scale_) - static_cast<Real>(kLog2);
  return distributions_internal::SumEvent(log_density, shape);
}

}  // namespace provi
