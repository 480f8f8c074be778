// Copyright 2026 The provi Authors.

#include "distributions/log_normal.h"

#include <utility>

#include "ad/ops.h"

namespace provi {

using distributions_internal::Shape;

LogNormal::LogNormal(Tensor loc, Tensor scale)
    : LocationScale(std::move(loc), std::move(scale)) {}

Tensor LogNormal::RSample(absl::BitGenRef gen) const {
  const Tensor eps =
      distributions_internal::StandardNormalNoise(rows(), cols(), gen);
  return Exp(loc() + scale() * eps);
}

Tensor LogNormal::LogProb(const Tensor& value) const {
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  const Tensor log_x =
      Log(distributions_internal::BroadcastValue(value, shape));
  const Tensor z = (log_x - loc()) / scale();
  const Tensor log_density =
      Square(z) * Real(-0.5) - Log(scale()) - log_x -
      static_cast<Real>(distributions_internal::kHalfLog2Pi);
  return distributions_internal::SumEvent(log_density, shape);
}

}  // namespace provi
