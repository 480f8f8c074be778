// Copyright 2026 The provi Authors.

#include "distributions/internal/noise.h"

#include <cmath>

#include "absl/random/distributions.h"
#include "ad/ops.h"

namespace provi {
namespace distributions_internal {
namespace {

constexpr double kPi = 3.14159265358979323846;

// A constant rows x cols tensor of independent draws of `draw()` (a
// double), rounded to Real.
template <typename F>
Tensor Noise(Index rows, Index cols, F draw) {
  Real* data = nullptr;
  Tensor noise = NewConstant(rows, cols, &data);
  for (Index k = 0; k < rows * cols; ++k) data[k] = static_cast<Real>(draw());
  return noise;
}

double OpenUniform(absl::BitGenRef gen) {
  return absl::Uniform<double>(absl::IntervalOpen, gen, 0.0, 1.0);
}

}  // namespace

Tensor StandardExponentialNoise(Index rows, Index cols, absl::BitGenRef gen) {
  return Noise(rows, cols, [&] { return -std::log(OpenUniform(gen)); });
}

Tensor StandardCauchyNoise(Index rows, Index cols, absl::BitGenRef gen) {
  return Noise(rows, cols,
               [&] { return std::tan(kPi * (OpenUniform(gen) - 0.5)); });
}

Tensor StandardLaplaceNoise(Index rows, Index cols, absl::BitGenRef gen) {
  return Noise(rows, cols, [&] {
    const double v = OpenUniform(gen) - 0.5;
    // log1p keeps the centre of the distribution accurate; |v| < ½ keeps
    // the argument of the logarithm positive.
    const double magnitude = -std::log1p(-2 * std::abs(v));
    return v < 0 ? -magnitude : magnitude;
  });
}

}  // namespace distributions_internal
}  // namespace provi
