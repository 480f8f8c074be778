// Copyright 2026 The provi Authors.

#include "distributions/binomial.h"

#include <cmath>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/status_error.h"
#include "distributions/internal/discrete.h"

namespace provi {

using distributions_internal::BroadcastAt;
using distributions_internal::MakeConstant;
using distributions_internal::Shape;

namespace {

// One exact binomial draw. `p` outside [0, 1] (possible only when the
// caller skipped Validate()) is a precondition violation of the standard
// sampler, so it is reported instead.
int64_t DrawBinomial(const Distribution& family, int64_t n, double p,
                     absl::BitGenRef gen) {
  if (!(p >= 0 && p <= 1)) ThrowIfError(family.Validate());
  return std::binomial_distribution<int64_t>(n, p)(gen);
}

}  // namespace

Binomial::Binomial(int64_t total_count, Tensor probs)
    : Parametric({{"probs", distributions_internal::CheckProbability,
                   std::move(probs)}}),
      total_count_(total_count) {}

absl::Status Binomial::ValidateRest() const {
  if (total_count_ < 0 || total_count_ > kMaxTotalCount) {
    return absl::InvalidArgumentError(
        absl::StrCat(name(), ": parameter 'total_count' = ", total_count_,
                     " must be in [0, 2^53 = ", kMaxTotalCount, "]"));
  }
  return absl::OkStatus();
}

void Binomial::CheckSamplable() const {
  RequireValidShape();
  if (total_count_ < 0 || total_count_ > kMaxTotalCount) {
    ThrowIfError(Validate());
  }
}

Tensor Binomial::Sample(absl::BitGenRef gen) const {
  CheckSamplable();
  return MakeConstant(rows(), cols(), [&](Index i, Index j) {
    return DrawBinomial(*this, total_count_, BroadcastAt(probs(), i, j), gen);
  });
}

Tensor Binomial::LogProb(const Tensor& value) const {
  RequireValidShape();
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  const double n = static_cast<double>(total_count_);
  const Tensor x = distributions_internal::BroadcastValue(Detach(value), shape);
  const Tensor log_choose =
      MakeConstant(shape.rows, shape.cols, [&](Index i, Index j) {
        const double k = static_cast<double>(x(i, j));
        return std::lgamma(n + 1) - std::lgamma(k + 1) - std::lgamma(n - k + 1);
      });
  const Tensor failures = MakeConstant(
      shape.rows, shape.cols,
      [&](Index i, Index j) { return n - static_cast<double>(x(i, j)); });
  // 0 log 0 = 0: where a term's count is 0, its log is taken of a harmless
  // constant instead of p (or 1 - p), so a boundary probability yields
  // neither a NaN value nor a NaN gradient.
  const Tensor has_successes = MakeConstant(
      shape.rows, shape.cols, [&](Index i, Index j) { return x(i, j) > 0; });
  const Tensor has_failures =
      MakeConstant(shape.rows, shape.cols,
                   [&](Index i, Index j) { return failures(i, j) > 0; });
  const Tensor log_mass =
      log_choose + x * Log(Where(has_successes, probs(), Tensor(1))) +
      failures * Log1p(-Where(has_failures, probs(), Tensor(0)));
  return distributions_internal::SumEvent(log_mass, shape);
}

std::vector<Tensor> Binomial::EnumerateSupport() const {
  CheckSamplable();
  return distributions_internal::EnumerateGrid(name(), rows(), cols(),
                                               total_count_ + 1);
}

std::vector<MvdTerm> Binomial::MvdTerms(const Tensor& value,
                                        absl::BitGenRef gen) const {
  CheckSamplable();
  const Index n = rows();
  const Tensor p = BroadcastTo(probs(), n, cols());
  const Tensor c = MakeConstant(
      n, 1, [&](Index, Index) { return static_cast<double>(total_count_); });
  std::vector<MvdTerm> terms;
  terms.reserve(static_cast<size_t>(cols()));
  for (Index j = 0; j < cols(); ++j) {
    Real* y = nullptr;
    const Tensor fresh = NewConstant(n, 1, &y);
    for (Index i = 0; i < n; ++i) {
      y[i] =
          total_count_ == 0
              ? Real(0)
              : static_cast<Real>(DrawBinomial(
                    *this, total_count_ - 1, BroadcastAt(probs(), i, j), gen));
    }
    const Tensor plus = total_count_ == 0 ? fresh : fresh + Real(1);
    terms.push_back(
        MvdTerm{SliceCols(p, j, 1), c,
                distributions_internal::ReplaceColumn(value, j, plus),
                distributions_internal::ReplaceColumn(value, j, fresh)});
  }
  return terms;
}

}  // namespace provi
