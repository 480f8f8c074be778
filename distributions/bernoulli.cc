// Copyright 2026 The provi Authors.

#include "distributions/bernoulli.h"

#include <optional>
#include <utility>

#include "absl/random/distributions.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/special_functions.h"
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

// The stored parameter, named and checked as `is_logits` says.
distributions_internal::Param StoredParam(Tensor param, bool is_logits) {
  if (is_logits) {
    return {"logits", distributions_internal::CheckFinite, std::move(param)};
  }
  return {"probs", distributions_internal::CheckProbability, std::move(param)};
}

}  // namespace

Bernoulli Bernoulli::FromProbs(Tensor probs) {
  return Bernoulli(std::move(probs), /*is_logits=*/false);
}

Bernoulli Bernoulli::FromLogits(Tensor logits) {
  return Bernoulli(std::move(logits), /*is_logits=*/true);
}

Bernoulli::Bernoulli(Tensor param, bool is_logits)
    : Parametric({StoredParam(std::move(param), is_logits)}),
      is_logits_(is_logits) {}

Tensor Bernoulli::probs() const {
  return is_logits_ ? Sigmoid(stored()) : stored();
}

Tensor Bernoulli::logits() const {
  return is_logits_ ? stored() : Log(stored()) - Log1p(-stored());
}

Tensor Bernoulli::Sample(absl::BitGenRef gen) const {
  RequireValidShape();
  const Tensor& param = stored();
  const bool is_logits = is_logits_;
  return distributions_internal::MakeConstant(
      rows(), cols(), [&](Index i, Index j) {
        const double v = distributions_internal::BroadcastAt(param, i, j);
        const double p = is_logits ? provi::Sigmoid(v) : v;
        return absl::Uniform<double>(absl::IntervalOpen, gen, 0, 1) < p ? 1 : 0;
      });
}

Tensor Bernoulli::LogProb(const Tensor& value) const {
  RequireValidShape();
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  if (is_logits_) {
    if (std::optional<Tensor> fused = distributions_internal::FusedLogDensity(
            LogitsKernel{}, shape, Detach(value), stored())) {
      return *std::move(fused);
    }
  }
  const Tensor x = distributions_internal::BroadcastValue(Detach(value), shape);
  // From logits l, log σ(l) for x = 1 and log σ(-l) for x = 0 are both
  // x l - softplus(l): two vectorised passes, gradient x - σ(l). From
  // probabilities, Where() sends the adjoint only to the branch it selects,
  // so neither branch's log of a zero (p = 0 or 1, a valid parameter) leaks
  // a NaN into the gradient through the other branch.
  const Tensor log_mass = is_logits_ ? x * stored() - Softplus(stored())
                                     : Log(Where(x, stored(), 1 - stored()));
  return distributions_internal::SumEvent(log_mass, shape);
}

std::vector<Tensor> Bernoulli::EnumerateSupport() const {
  RequireValidShape();
  return distributions_internal::EnumerateGrid(name(), rows(), cols(), 2);
}

std::vector<MvdTerm> Bernoulli::MvdTerms(const Tensor& value,
                                         absl::BitGenRef) const {
  RequireValidShape();
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
