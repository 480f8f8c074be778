// Copyright 2026 The provi Authors.

#include "distributions/half_cauchy.h"

#include <cmath>
#include <optional>
#include <utility>

#include "ad/ops.h"
#include "distributions/internal/fused_density.h"
#include "distributions/internal/noise.h"

namespace provi {

using distributions_internal::Shape;

namespace {

// log 2 - log π: the Cauchy's constant, doubled mass.
constexpr double kLogTwoOverPi = -0.45158270528945486473;

// log HalfCauchy(x; scale) = log(2/π) - log1p(z²) - log scale, z = x /
// scale; ∂/∂x = -2z / ((1 + z²) scale), ∂/∂scale = (z² - 1) / ((1 + z²)
// scale).
struct HalfCauchyKernel {
  template <typename X, typename S>
  auto Value(const X& x, const S& scale) const {
    using std::log;
    using std::log1p;
    const auto z = x / scale;
    return static_cast<Real>(kLogTwoOverPi) - log1p(z * z) - log(scale);
  }
  template <int I, typename X, typename S>
  auto Partial(const X& x, const S& scale) const {
    const auto z = x / scale;
    if constexpr (I == 0) {
      return Real(-2) * z / ((Real(1) + z * z) * scale);
    } else {
      return (z * z - Real(1)) / ((Real(1) + z * z) * scale);
    }
  }
};

}  // namespace

HalfCauchy::HalfCauchy(Tensor scale)
    : Reparameterisable({{"scale", distributions_internal::CheckPositive,
                          std::move(scale)}}) {}

Tensor HalfCauchy::RSample(absl::BitGenRef gen) const {
  const Tensor magnitude =
      Abs(distributions_internal::StandardCauchyNoise(rows(), cols(), gen));
  return scale() * magnitude;
}

Tensor HalfCauchy::LogProb(const Tensor& value) const {
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  if (std::optional<Tensor> fused = distributions_internal::FusedLogDensity(
          HalfCauchyKernel{}, shape, value, scale())) {
    return *std::move(fused);
  }
  const Tensor z =
      distributions_internal::BroadcastValue(value, shape) / scale();
  const Tensor log_density =
      -Log1p(Square(z)) - Log(scale()) + static_cast<Real>(kLogTwoOverPi);
  return distributions_internal::SumEvent(log_density, shape);
}

}  // namespace provi
