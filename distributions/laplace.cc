// Copyright 2026 The provi Authors.

#include "distributions/laplace.h"

#include <utility>

#include "ad/ops.h"
#include "distributions/internal/noise.h"

namespace provi {

using distributions_internal::Shape;

namespace {

constexpr double kLog2 = 0.69314718055994530942;

}  // namespace

Laplace::Laplace(Tensor loc, Tensor scale)
    : LocationScale(std::move(loc), std::move(scale)) {}

Tensor Laplace::RSample(absl::BitGenRef gen) const {
  const Tensor standard =
      distributions_internal::StandardLaplaceNoise(rows(), cols(), gen);
  return loc() + scale() * standard;
}

Tensor Laplace::LogProb(const Tensor& value) const {
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  const Tensor distance =
      Abs(distributions_internal::BroadcastValue(value, shape) - loc());
  const Tensor log_density =
      -distance / scale() - Log(scale()) - static_cast<Real>(kLog2);
  return distributions_internal::SumEvent(log_density, shape);
}

}  // namespace provi
