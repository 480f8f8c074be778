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
#include "base/status_macros.h"
#include "distributions/internal/discrete.h"

namespace provi {

using distributions_internal::MakeConstant;
using distributions_internal::Shape;

Poisson::Poisson(Tensor rate) : Poisson(std::move(rate), Shape{}) {}

Poisson::Poisson(Tensor rate, Shape expand)
    : rate_(std::move(rate)),
      expand_(expand),
      shape_(
          distributions_internal::BroadcastShape({{"rate", &rate_}}, expand)) {}

Poisson Poisson::Expand(Index rows, Index cols) const {
  return Poisson(rate_, distributions_internal::ExpandShape(rows, cols));
}

absl::Status Poisson::Validate() const {
  // shape_ is what these parameters broadcast to (see the constructor).
  if (!shape_.valid()) {
    return distributions_internal::ShapesError(name(), {{"rate", &rate_}},
                                               expand_);
  }
  return distributions_internal::CheckPositive(name(), {"rate", &rate_});
}

Real Poisson::Draw(Index i, Index j, absl::BitGenRef gen) const {
  const double rate = distributions_internal::BroadcastAt(rate_, i, j);
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
  distributions_internal::ThrowIfShapeInvalid(*this, shape_);
  return MakeConstant(rows(), cols(),
                      [&](Index i, Index j) { return Draw(i, j, gen); });
}

Tensor Poisson::LogProb(const Tensor& value) const {
  distributions_internal::ThrowIfShapeInvalid(*this, shape_);
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  const Tensor x = distributions_internal::BroadcastValue(Detach(value), shape);
  const Tensor log_factorial =
      MakeConstant(shape.rows, shape.cols, [&](Index i, Index j) {
        return std::lgamma(static_cast<double>(x(i, j)) + 1);
      });
  const Tensor log_mass = x * Log(rate_) - rate_ - log_factorial;
  return distributions_internal::SumEvent(log_mass, shape);
}

std::vector<MvdTerm> Poisson::MvdTerms(const Tensor& value,
                                       absl::BitGenRef gen) const {
  distributions_internal::ThrowIfShapeInvalid(*this, shape_);
  const Index n = rows();
  const Tensor rate = BroadcastTo(rate_, n, cols());
  const Tensor one = MakeConstant(n, 1, [](Index, Index) { return 1; });
  std::vector<MvdTerm> terms;
  terms.reserve(static_cast<size_t>(cols()));
  for (Index j = 0; j < cols(); ++j) {
    const Tensor fresh =
        MakeConstant(n, 1, [&](Index i, Index) { return Draw(i, j, gen); });
    terms.push_back(
        MvdTerm{SliceCols(rate, j, 1), one,
                distributions_internal::ReplaceColumn(value, j, fresh + 1),
                distributions_internal::ReplaceColumn(value, j, fresh)});
  }
  return terms;
}

}  // namespace provi
