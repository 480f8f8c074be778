// Copyright 2026 The provi Authors.

#include "distributions/geometric.h"

#include <cmath>
#include <utility>

#include "absl/random/distributions.h"
#include "ad/ops.h"
#include "base/status_error.h"
#include "distributions/internal/discrete.h"

namespace provi {

using distributions_internal::MakeConstant;
using distributions_internal::Shape;

namespace {

// p = 0 has no distribution: no success ever happens.
absl::Status CheckSuccessProbability(
    absl::string_view family, const distributions_internal::NamedParam& probs) {
  return distributions_internal::CheckParam(
      family, probs, [](Real p) { return p > 0 && p <= 1; },
      "must be in (0, 1]");
}

}  // namespace

Geometric::Geometric(Tensor probs)
    : Parametric({{"probs", CheckSuccessProbability, std::move(probs)}}) {}

double Geometric::Draw(Index i, Index j, absl::BitGenRef gen) const {
  const double p = distributions_internal::BroadcastAt(this->probs(), i, j);
  // p = 0 would draw infinity; report it (possible only when the caller
  // skipped Validate()).
  if (!(p > 0 && p <= 1)) ThrowIfError(Validate());
  const double u = absl::Uniform<double>(absl::IntervalOpen, gen, 0, 1);
  // p = 1: log1p(-1) = -inf and the quotient is +0, the only value.
  return std::floor(std::log(u) / std::log1p(-p));
}

Tensor Geometric::Sample(absl::BitGenRef gen) const {
  RequireValidShape();
  return MakeConstant(rows(), cols(),
                      [&](Index i, Index j) { return Draw(i, j, gen); });
}

Tensor Geometric::LogProb(const Tensor& value) const {
  RequireValidShape();
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  const Tensor x = distributions_internal::BroadcastValue(Detach(value), shape);
  // 0 log 0 = 0: where x = 0 the log is taken of 1 - 0 instead of 1 - p, so
  // p = 1 yields neither a NaN value nor a NaN gradient.
  const Tensor has_failures = MakeConstant(
      shape.rows, shape.cols, [&](Index i, Index j) { return x(i, j) > 0; });
  const Tensor log_mass =
      Log(probs()) + x * Log1p(-Where(has_failures, probs(), Tensor(0)));
  return distributions_internal::SumEvent(log_mass, shape);
}

std::vector<MvdTerm> Geometric::MvdTerms(const Tensor& value,
                                         absl::BitGenRef gen) const {
  RequireValidShape();
  const Index n = rows();
  const Tensor all_probs = BroadcastTo(probs(), n, cols());
  std::vector<MvdTerm> terms;
  terms.reserve(static_cast<size_t>(cols()));
  for (Index j = 0; j < cols(); ++j) {
    const Tensor p = SliceCols(all_probs, j, 1);
    Real* plus = nullptr;
    Real* minus = nullptr;
    const Tensor x_plus = NewConstant(n, 1, &plus);
    const Tensor x_minus = NewConstant(n, 1, &minus);
    for (Index i = 0; i < n; ++i) {
      const double x = Draw(i, j, gen);
      plus[i] = static_cast<Real>(x);
      minus[i] = static_cast<Real>(1 + x + Draw(i, j, gen));
    }
    terms.push_back(
        MvdTerm{p, 1 / Detach(p),
                distributions_internal::ReplaceColumn(value, j, x_plus),
                distributions_internal::ReplaceColumn(value, j, x_minus)});
  }
  return terms;
}

}  // namespace provi
