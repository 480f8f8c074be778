// Copyright 2026 The provi Authors.

#include "distributions/bernoulli.h"

#include <optional>
#include <type_traits>
#include <utility>

#include "absl/random/distributions.h"
#include "ad/internal/op_support.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/internal/array_exp.h"
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

// 1 where l > 0 and 0 where l <= 0, exactly for every l but NaN, by
// arithmetic that vectorises (Eigen's select() does not): l times a factor
// twice, which takes even the smallest subnormal above 1 in either precision
// (and overflows to +-inf harmlessly), clamped to [0, 1]. Then e^min(l, 0) = P
// + (1 - P) e^-|l| with no second exponential (at l = 0 both give e^0 = 1).
constexpr Real kStepFactor =
    std::is_same_v<Real, float> ? Real(1e30F) : Real(1e300);
template <typename L>
auto Positive(const Eigen::ArrayBase<L>& l) {
  return ((l.derived() * kStepFactor) * kStepFactor).max(Real(0)).min(Real(1));
}

// Σ over the event columns of x l - softplus(l) as one node, for logits l
// of the full shape that need a gradient (x full or 1x1); nullopt otherwise,
// and LogitsKernel's FusedLogDensity serves. The forward pass computes
// e = e^-|l| once per element for softplus(l) = max(l, 0) + log1p(e) and,
// while the column is in cache, writes ∂/∂l = x - σ(l) with σ(l) =
// e^min(l, 0) / (1 + e) (FusedSigmoid's arithmetic, sharing e) into
// an arena array the size of l: the backward pass then reads that array
// and the upstream adjoint only, instead of x and l and two exponentials
// per element. That array replaces no storage: x and l are not kept.
std::optional<Tensor> LogitsLogMass(const Tensor& x, const Tensor& logits,
                                    const Shape& shape) {
  const Index rows = shape.rows;
  const Index cols = shape.cols;
  Tape& tape = Tape::Current();
  if (rows <= 0 || cols <= 0 || logits.rows() != rows ||
      logits.cols() != cols || !(x.is_scalar() || x.rows() == rows) ||
      !(x.is_scalar() || x.cols() == cols) ||
      !ad_internal::NeedsNode(tape, logits)) {
    return std::nullopt;
  }
  using ad_internal::ArrayMap;
  using ad_internal::ConstArrayMap;
  Tensor out = ad_internal::NewResult<Real>(tape, rows, 1, /*requires_grad=*/
                                            true);
  Real* partial =
      tape.arena().AllocateArray<Real>(static_cast<size_t>(rows * cols));
  ArrayMap<Real> lanes(ad_internal::MutableValue(out), rows);
  lanes.setZero();
  const Real* l_data = logits.value_data();
  const Real* x_data = x.value_data();
  for (Index col = 0; col < cols; ++col) {
    const ConstArrayMap<Real> l(l_data + col * rows, rows);
    ArrayMap<Real> d(partial + col * rows, rows);
    d = base_internal::ExpOrZero(-l.abs());  // e, then ∂/∂l in place
    const auto sigmoid =
        (Positive(l) + (Real(1) - Positive(l)) * d) / (Real(1) + d);
    if (x.is_scalar()) {
      const Real v = x_data[0];
      lanes += v * l - (l.max(Real(0)) + d.log1p());
      d = v - sigmoid;
    } else {
      const ConstArrayMap<Real> v(x_data + col * rows, rows);
      lanes += v * l - (l.max(Real(0)) + d.log1p());
      d = v - sigmoid;
    }
  }
  Real* adjoint = logits.adjoint_data();
  const Real* upstream = out.adjoint_data();
  ad_internal::Record(tape, out, [partial, adjoint, upstream, rows, cols] {
    const ConstArrayMap<Real> g(upstream, rows);
    for (Index col = 0; col < cols; ++col) {
      ArrayMap<Real>(adjoint + col * rows, rows) +=
          g * ConstArrayMap<Real>(partial + col * rows, rows);
    }
  });
  return out;
}

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
    if (std::optional<Tensor> fused =
            LogitsLogMass(Detach(value), stored(), shape)) {
      return *std::move(fused);
    }
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
