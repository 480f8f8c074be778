// Copyright 2026 The provi Authors.

#include "distributions/exponential.h"

#include <utility>

#include "ad/ops.h"
#include "distributions/internal/noise.h"

namespace provi {

using distributions_internal::Shape;

Exponential::Exponential(Tensor rate)
    : Reparameterisable(
          {{"rate", distributions_internal::CheckPositive, std::move(rate)}}) {}

Tensor Exponential::RSample(absl::BitGenRef gen) const {
  return distributions_internal::StandardExponentialNoise(rows(), cols(), gen) /
         rate();
}

Tensor Exponential::LogProb(const Tensor& value) const {
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  const Tensor log_density =
      Log(rate()) -
      distributions_internal::BroadcastValue(value, shape) * rate();
  return distributions_internal::SumEvent(log_density, shape);
}

std::vector<MvdTerm> Exponential::MvdTerms(const Tensor& value,
                                           absl::BitGenRef gen) const {
  const Index n = rows();
  const Tensor rates = BroadcastTo(rate(), n, cols());
  std::vector<MvdTerm> terms;
  terms.reserve(static_cast<size_t>(cols()));
  for (Index j = 0; j < cols(); ++j) {
    const Tensor lambda = SliceCols(rates, j, 1);
    const Tensor lambda_c = Detach(lambda);
    const Tensor e1 =
        distributions_internal::StandardExponentialNoise(n, 1, gen);
    const Tensor e2 =
        distributions_internal::StandardExponentialNoise(n, 1, gen);
    const Tensor positive = e1 / lambda_c;
    terms.push_back(
        MvdTerm{lambda, Real(1) / lambda_c,
                distributions_internal::ReplaceColumn(value, j, positive),
                distributions_internal::ReplaceColumn(
                    value, j, positive + e2 / lambda_c)});
  }
  return terms;
}

}  // namespace provi
