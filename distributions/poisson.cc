// Copyright 2026 The provi Authors.

#include "distributions/poisson.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

#include "absl/random/distributions.h"
#include "ad/ops.h"
#include "base/status_error.h"
#include "distributions/internal/discrete.h"

namespace provi {

using distributions_internal::MakeConstant;
using distributions_internal::Shape;

Poisson::Poisson(Tensor rate)
    : Parametric(
          {{"rate", distributions_internal::CheckPositive, std::move(rate)}}) {}

Real Poisson::Draw(Index i, Index j, absl::BitGenRef gen) const {
  const double rate = distributions_internal::BroadcastAt(this->rate(), i, j);
  // absl::Poisson requires a finite non-negative mean; report the invalid
  // parameter (possible only when the caller skipped Validate()) instead.
  if (!(rate > 0 && std::isfinite(rate))) ThrowIfError(Validate());
  if (rate <= kMaxExactRate) {
    return static_cast<Real>(absl::Poisson<int64_t>(gen, rate));
  }
  // Past absl's domain: the normal approximation N(λ, λ), rounded (see the
  // header). Finite for every finite λ.
  const double draw =
      std::round(rate + std::sqrt(rate) * absl::Gaussian<double>(gen));
  return static_cast<Real>(
      std::min(std::max(draw, 0.0),
               static_cast<double>(std::numeric_limits<Real>::max())));
}

Tensor Poisson::Sample(absl::BitGenRef gen) const {
  RequireValidShape();
  return MakeConstant(rows(), cols(),
                      [&](Index i, Index j) { return Draw(i, j, gen); });
}

Tensor Poisson::LogProb(const Tensor& value) const {
  RequireValidShape();
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  const Tensor x = distributions_internal::BroadcastValue(Detach(value), shape);
  const Tensor log_factorial =
      MakeConstant(shape.rows, shape.cols, [&](Index i, Index j) {
        return std::lgamma(static_cast<double>(x(i, j)) + 1);
      });
  const Tensor log_mass = x * Log(rate()) - rate() - log_factorial;
  return distributions_internal::SumEvent(log_mass, shape);
}

std::vector<MvdTerm> Poisson::MvdTerms(const Tensor& value,
                                       absl::BitGenRef gen) const {
  RequireValidShape();
  const Index n = rows();
  const Tensor rates = BroadcastTo(rate(), n, cols());
  const Tensor one = MakeConstant(n, 1, [](Index, Index) { return 1; });
  std::vector<MvdTerm> terms;
  terms.reserve(static_cast<size_t>(cols()));
  for (Index j = 0; j < cols(); ++j) {
    const Tensor fresh =
        MakeConstant(n, 1, [&](Index i, Index) { return Draw(i, j, gen); });
    terms.push_back(
        MvdTerm{SliceCols(rates, j, 1), one,
                distributions_internal::ReplaceColumn(value, j, fresh + 1),
                distributions_internal::ReplaceColumn(value, j, fresh)});
  }
  return terms;
}

}  // namespace provi
