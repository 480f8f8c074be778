// Copyright 2026 The provi Authors.

#include "distributions/normal.h"

#include <cmath>
#include <optional>
#include <utility>

#include "absl/random/distributions.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "distributions/internal/fused_density.h"

namespace provi {
namespace {

// log N(x; loc, scale) = -z² / 2 - log scale - log √(2π), z = (x - loc) /
// scale; ∂/∂x = -z / scale, ∂/∂loc = z / scale, ∂/∂scale = (z² - 1) / scale.
struct NormalKernel {
  template <typename X, typename L, typename S>
  auto Value(const X& x, const L& loc, const S& scale) const {
    using std::log;
    const auto z = (x - loc) / scale;
    return Real(-0.5) * z * z - log(scale) -
           static_cast<Real>(distributions_internal::kHalfLog2Pi);
  }
  template <int I, typename X, typename L, typename S>
  auto Partial(const X& x, const L& loc, const S& scale) const {
    const auto z = (x - loc) / scale;
    if constexpr (I == 0) {
      return -z / scale;
    } else if constexpr (I == 1) {
      return z / scale;
    } else {
      return (z * z - Real(1)) / scale;
    }
  }
};

}  // namespace

using distributions_internal::NamedParam;
using distributions_internal::Shape;

Normal::Normal(Tensor loc, Tensor scale)
    : LocationScale(std::move(loc), std::move(scale)) {}

Tensor Normal::RSample(absl::BitGenRef gen) const {
  const Tensor eps =
      distributions_internal::StandardNormalNoise(rows(), cols(), gen);
  return loc() + scale() * eps;
}

Tensor Normal::LogProb(const Tensor& value) const {
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  if (std::optional<Tensor> fused = distributions_internal::FusedLogDensity(
          NormalKernel{}, shape, value, loc(), scale())) {
    return *std::move(fused);
  }
  const Tensor z =
      (distributions_internal::BroadcastValue(value, shape) - loc()) / scale();
  const Tensor log_density =
      Square(z) * Real(-0.5) - Log(scale()) -
      static_cast<Real>(distributions_internal::kHalfLog2Pi);
  return distributions_internal::SumEvent(log_density, shape);
}

std::vector<MvdTerm> Normal::MvdTerms(const Tensor& value,
                                      absl::BitGenRef gen) const {
  const Index n = rows();
  const Tensor locs = BroadcastTo(loc(), n, cols());
  const Tensor scales = BroadcastTo(scale(), n, cols());
  const Real inv_sqrt_2pi = static_cast<Real>(0.39894228040143267794);
  std::vector<MvdTerm> terms;
  terms.reserve(2 * static_cast<size_t>(cols()));
  for (Index j = 0; j < cols(); ++j) {
    const Tensor mu = SliceCols(locs, j, 1);
    const Tensor sigma = SliceCols(scales, j, 1);
    const Tensor mu_c = Detach(mu);
    const Tensor sigma_c = Detach(sigma);
    // loc: a shared Rayleigh draw W = sqrt(-2 log U) on both sides.
    Real* w = nullptr;
    const Tensor weibull = NewConstant(n, 1, &w);
    for (Index i = 0; i < n; ++i) {
      w[i] = std::sqrt(Real(-2) * std::log(absl::Uniform<Real>(
                                      absl::IntervalOpen, gen, 0, 1)));
    }
    terms.push_back(MvdTerm{mu, inv_sqrt_2pi / sigma_c,
                            distributions_internal::ReplaceColumn(
                                value, j, mu_c + sigma_c * weibull),
                            distributions_internal::ReplaceColumn(
                                value, j, mu_c - sigma_c * weibull)});
    // scale: double-sided Maxwell against the normal itself.
    Real* m = nullptr;
    const Tensor maxwell = NewConstant(n, 1, &m);
    for (Index i = 0; i < n; ++i) {
      const Real a = absl::Gaussian<Real>(gen);
      const Real b = absl::Gaussian<Real>(gen);
      const Real c = absl::Gaussian<Real>(gen);
      const Real sign = absl::Bernoulli(gen, 0.5) ? Real(1) : Real(-1);
      m[i] = sign * std::sqrt(a * a + b * b + c * c);
    }
    const Tensor eps = distributions_internal::StandardNormalNoise(n, 1, gen);
    terms.push_back(MvdTerm{
        sigma, Real(1) / sigma_c,
        distributions_internal::ReplaceColumn(value, j,
                                              mu_c + sigma_c * maxwell),
        distributions_internal::ReplaceColumn(value, j, mu_c + sigma_c * eps)});
  }
  return terms;
}

}  // namespace provi
