// Copyright 2026 The provi Authors.

#include "distributions/exponential.h"

#include <utility>

#include "ad/ops.h"
#include "ad/tape.h"
#include "base/status_macros.h"
#include "distributions/internal/noise.h"

namespace provi {

using distributions_internal::Shape;

Exponential::Exponential(Tensor rate) : Exponential(std::move(rate), Shape{}) {}

Exponential::Exponential(Tensor rate, Shape expand)
    : rate_(std::move(rate)),
      expand_(expand),
      shape_(
          distributions_internal::BroadcastShape({{"rate", &rate_}}, expand)) {}

Exponential Exponential::Expand(Index rows, Index cols) const {
  return Exponential(rate_, distributions_internal::ExpandShape(rows, cols));
}

absl::Status Exponential::Validate() const {
  // shape_ is what these parameters broadcast to (see the constructor).
  if (!shape_.valid()) {
    return distributions_internal::ShapesError(name(), {{"rate", &rate_}},
                                               expand_);
  }
  return distributions_internal::CheckPositive(name(), {"rate", &rate_});
}

Tensor Exponential::RSample(absl::BitGenRef gen) const {
  return distributions_internal::StandardExponentialNoise(rows(), cols(), gen) /
         rate_;
}

Tensor Exponential::Sample(absl::BitGenRef gen) const {
  NoRecordScope no_record;
  return RSample(gen);
}

Tensor Exponential::LogProb(const Tensor& value) const {
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  const Tensor log_density =
      Log(rate_) - distributions_internal::BroadcastValue(value, shape) * rate_;
  return distributions_internal::SumEvent(log_density, shape);
}

std::vector<MvdTerm> Exponential::MvdTerms(const Tensor& value,
                                           absl::BitGenRef gen) const {
  const Index n = rows();
  const Tensor rate = BroadcastTo(rate_, n, cols());
  std::vector<MvdTerm> terms;
  terms.reserve(static_cast<size_t>(cols()));
  for (Index j = 0; j < cols(); ++j) {
    const Tensor lambda = SliceCols(rate, j, 1);
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
