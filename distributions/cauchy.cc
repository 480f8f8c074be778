// Copyright 2026 The provi Authors.

#include "distributions/cauchy.h"

#include <utility>

#include "ad/ops.h"
#include "ad/tape.h"
#include "base/status_macros.h"
#include "distributions/internal/noise.h"

namespace provi {

using distributions_internal::Shape;

namespace {

constexpr double kLogPi = 1.14472988584940017414;

}  // namespace

Cauchy::Cauchy(Tensor loc, Tensor scale)
    : Cauchy(std::move(loc), std::move(scale), Shape{}) {}

Cauchy::Cauchy(Tensor loc, Tensor scale, Shape expand)
    : loc_(std::move(loc)),
      scale_(std::move(scale)),
      expand_(expand),
      shape_(distributions_internal::BroadcastShape(
          {{"loc", &loc_}, {"scale", &scale_}}, expand)) {}

Cauchy Cauchy::Expand(Index rows, Index cols) const {
  return Cauchy(loc_, scale_, distributions_internal::ExpandShape(rows, cols));
}

absl::Status Cauchy::Validate() const {
  // shape_ is what these parameters broadcast to (see the constructor).
  if (!shape_.valid()) {
    return distributions_internal::ShapesError(
        name(), {{"loc", &loc_}, {"scale", &scale_}}, expand_);
  }
  PROVI_RETURN_IF_ERROR(
      distributions_internal::CheckFinite(name(), {"loc", &loc_}));
  return distributions_internal::CheckPositive(name(), {"scale", &scale_});
}

Tensor Cauchy::RSample(absl::BitGenRef gen) const {
  const Tensor standard =
      distributions_internal::StandardCauchyNoise(rows(), cols(), gen);
  return loc_ + scale_ * standard;
}

Tensor Cauchy::Sample(absl::BitGenRef gen) const {
  NoRecordScope no_record;
  return RSample(gen);
}

Tensor Cauchy::LogProb(const Tensor& value) const {
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  const Tensor z =
      (distributions_internal::BroadcastValue(value, shape) - loc_) / scale_;
  const Tensor log_density =
      -Log1p(Square(z)) - Log(scale_) - static_cast<Real>(kLogPi);
  return distributions_internal::SumEvent(log_density, shape);
}

}  // namespace provi
