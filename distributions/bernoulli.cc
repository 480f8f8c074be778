// Copyright 2026 The provi Authors.

#include "distributions/bernoulli.h"

#include <optional>
#include <utility>

#include "absl/random/distributions.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/special_functions.h"
#include "base/status_macros.h"
#include "distributions/internal/discrete.h"
#include "distributions/internal/fused_density.h"

namespace provi {

using distributions_internal::Shape;

namespace {

// log p(x; logits l) = x l - softplus(l); ∂/∂l = x - σ(l) (and l for the
// value, which LogProb detaches: it is discrete).
struct LogitsKernel {
  template <typename X, typename L>
  auto Value(const X& x, const L& l) const {
    return x * l - distributions_internal::FusedSoftplus(l);
  }
  template <int I, typename X, typename L>
  auto Partial(const X& x, const L& l) const {
    if constexpr (I == 0) {
      return l + x * Real(0);
    } else {
      return x - distributions_internal::FusedSigmoid(l);
    }
  }
};

}  // namespace

Bernoulli Bernoulli::FromProbs(Tensor probs) {
  return Bernoulli(std::move(probs), /*is_logits=*/false, Shape{});
}

Bernoulli Bernoulli::FromLogits(Tensor logits) {
  return Bernoulli(std::move(logits), /*is_logits=*/true, Shape{});
}

Bernoulli::Bernoulli(Tensor param, bool is_logits, Shape expand)
    : param_(std::move(param)),
      is_logits_(is_logits),
      expand_(expand),
      shape_(distributions_internal::BroadcastShape({{param_name(), &param_}},
                                                    expand)) {}

Bernoulli Bernoulli::Expand(Index rows, Index cols) const {
  return Bernoulli(param_, is_logits_,
                   distributions_internal::ExpandShape(rows, cols));
}

Tensor Bernoulli::probs() const {
  return is_logits_ ? Sigmoid(param_) : param_;
}

Tensor Bernoulli::logits() const {
  return is_logits_ ? param_ : Log(param_) - Log1p(-param_);
}

absl::Status Bernoulli::Validate() const {
  // shape_ is what these parameters broadcast to (see the constructor).
  if (!shape_.valid()) {
    return distributions_internal::ShapesError(
        name(), {{param_name(), &param_}}, expand_);
  }
  if (is_logits_) {
    return distributions_internal::CheckFinite(name(), {param_name(), &param_});
  }
  return distributions_internal::CheckProbability(name(),
                                                  {param_name(), &param_});
}

Tensor Bernoulli::Sample(absl::BitGenRef gen) const {
  distributions_internal::ThrowIfShapeInvalid(*this, shape_);
  const Tensor& param = param_;
  const bool is_logits = is_logits_;
  return distributions_internal::MakeConstant(
      rows(), cols(), [&](Index i, Index j) {
        const double v = distributions_internal::BroadcastAt(param, i, j);
        const double p = is_logits ? provi::Sigmoid(v) : v;
        return absl::Uniform<double>(absl::IntervalOpen, gen, 0, 1) < p ? 1 : 0;
      });
}

Tensor Bernoulli::LogProb(const Tensor& value) const {
  distributions_internal::ThrowIfShapeInvalid(*this, shape_);
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  if (is_logits_) {
    if (std::optional<Tensor> fused = distributions_internal::FusedLogDensity(
            LogitsKernel{}, shape, Detach(value), param_)) {
      return *std::move(fused);
    }
  }
  const Tensor x = distributions_internal::BroadcastValue(Detach(value), shape);
  // From logits l, log σ(l) for x = 1 and log σ(-l) for x = 0 are both
  // x l - softplus(l): two vectorised passes, gradient x - σ(l). From
  // probabilities, Where() sends the adjoint only to the branch it selects,
  // so neither branch's log of a zero (p = 0 or 1, a valid parameter) leaks
  // a NaN into the gradient through the other branch.
  const Tensor log_mass = is_logits_ ? x * param_ - Softplus(param_)
                                     : Log(Where(x, param_, 1 - param_));
  return distributions_internal::SumEvent(log_mass, shape);
}

std::vector<Tensor> Bernoulli::EnumerateSupport() const {
  distributions_internal::ThrowIfShapeInvalid(*this, shape_);
  return distributions_internal::EnumerateGrid(name(), rows(), cols(), 2);
}

std::vector<MvdTerm> Bernoulli::MvdTerms(const Tensor& value,
                                         absl::BitGenRef) const {
  distributions_internal::ThrowIfShapeInvalid(*this, shape_);
  const Index n = rows();
  const Tensor p = BroadcastTo(probs(), n, cols());
  const Tensor one = distributions_internal::MakeConstant(
      n, 1, [](Index, Index) { return 1; });
  std::vector<MvdTerm> terms;
  terms.reserve(static_cast<size_t>(cols()));
  for (Index j = 0; j < cols(); ++j) {
    terms.push_back(
        MvdTerm{SliceCols(p, j, 1), one,
                distributions_internal::ReplaceColumn(value, j, Tensor(1)),
                distributions_internal::ReplaceColumn(value, j, Tensor(0))});
  }
  return terms;
}

}  // namespace provi
