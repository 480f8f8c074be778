// Copyright 2026 The provi Authors.

#include "distributions/half_normal.h"

#include <utility>

#include "ad/ops.h"

namespace provi {

using distributions_internal::Shape;

namespace {

// ½ log(2/π) = log 2 - ½ log 2π: the normal's constant, doubled mass.
constexpr double kHalfLogTwoOverPi = -0.22579135264472743236;

}  // namespace

HalfNormal::HalfNormal(Tensor scale)
    : Reparameterisable({{"scale", distributions_internal::CheckPositive,
                          std::move(scale)}}) {}

Tensor HalfNormal::RSample(absl::BitGenRef gen) const {
  const Tensor magnitude =
      Abs(distributions_internal::StandardNormalNoise(rows(), cols(), gen));
  return scale() * magnitude;
}

Tensor HalfNormal::LogProb(const Tensor& value) const {
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  const Tensor z =
      distributions_internal::BroadcastValue(value, shape) / scale();
  const Tensor log_density = Square(z) * Real(-0.5) - Log(scale()) +
                             static_cast<Real>(kHalfLogTwoOverPi);
  return distributions_internal::SumEvent(log_density, shape);
}

}  // namespace provi
