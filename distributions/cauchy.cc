// Copyright 2026 The provi Authors.

#include "distributions/cauchy.h"

#include <utility>

#include "ad/ops.h"
#include "distributions/internal/noise.h"

namespace provi {

using distributions_internal::Shape;

namespace {

constexpr double kLogPi = 1.14472988584940017414;

}  // namespace

Cauchy::Cauchy(Tensor loc, Tensor scale)
    : LocationScale(std::move(loc), std::move(scale)) {}

Tensor Cauchy::RSample(absl::BitGenRef gen) const {
  const Tensor standard =
      distributions_internal::StandardCauchyNoise(rows(), cols(), gen);
  return loc() + scale() * standard;
}

Tensor Cauchy::LogProb(const Tensor& value) const {
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  const Tensor z =
      (distributions_internal::BroadcastValue(value, shape) - loc()) / scale();
  const Tensor log_density =
      -Log1p(Square(z)) - Log(scale()) - static_cast<Real>(kLogPi);
  return distributions_internal::SumEvent(log_density, shape);
}

}  // namespace provi
