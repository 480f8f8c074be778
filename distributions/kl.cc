// Copyright 2026 The provi Authors.

#include "distributions/kl.h"

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/status_error.h"
#include "distributions/bernoulli.h"
#include "distributions/beta.h"
#include "distributions/categorical.h"
#include "distributions/dirichlet.h"
#include "distributions/exponential.h"
#include "distributions/gamma.h"
#include "distributions/internal/discrete.h"
#include "distributions/internal/family_support.h"
#include "distributions/internal/gamma_functions.h"
#include "distributions/mv_normal.h"
#include "distributions/normal.h"
#include "distributions/one_hot_categorical.h"
#include "distributions/poisson.h"

namespace provi {
namespace {

using distributions_internal::Shape;

// "Normal of shape 2x3" (Categorical adds its number of categories, which
// its rows x 1 shape does not show).
std::string Describe(const Distribution& d) {
  std::string out =
      absl::StrCat(d.name(), " of shape ", d.rows(), "x", d.cols());
  if (const auto* c = dynamic_cast<const Categorical*>(&d)) {
    absl::StrAppend(&out, " over ", c->num_categories(), " categories");
  }
  return out;
}

[[noreturn]] void ThrowShapeError(const Distribution& p,
                                  const Distribution& q) {
  ThrowStatus(absl::InvalidArgumentError(
      absl::StrCat("KlDivergence: ", Describe(p), " and ", Describe(q),
                   " do not broadcast")));
}

// A family whose own parameters do not broadcast reports its Validate()
// error before its shape is read.
void RequireValidShape(const Distribution& d) {
  distributions_internal::ThrowIfShapeInvalid(d, Shape{d.rows(), d.cols()});
}

// The broadcast shape of two elementwise families, by LogProb's rule for a
// value against its distribution: each dimension equal or 1, and one of the
// two shapes the result (so Rx1 against 1xC is an error).
Shape ElementwiseShape(const Distribution& p, const Distribution& q) {
  RequireValidShape(p);
  RequireValidShape(q);
  const Shape shape{std::max(p.rows(), q.rows()), std::max(p.cols(), q.cols())};
  auto fits = [&](const Distribution& d) {
    return (d.rows() == shape.rows || d.rows() == 1) &&
           (d.cols() == shape.cols || d.cols() == 1);
  };
  auto full = [&](const Distribution& d) {
    return d.rows() == shape.rows && d.cols() == shape.cols;
  };
  if (!fits(p) || !fits(q) || !(full(p) || full(q))) ThrowShapeError(p, q);
  return shape;
}

// The broadcast lanes of two multivariate families, whose events (D
// dimensions, K categories) must agree.
Index LaneCount(const Distribution& p, const Distribution& q, Index p_event,
                Index q_event) {
  RequireValidShape(p);
  RequireValidShape(q);
  const Index lanes = std::max(p.rows(), q.rows());
  if (p_event != q_event || (p.rows() != lanes && p.rows() != 1) ||
      (q.rows() != lanes && q.rows() != 1)) {
    ThrowShapeError(p, q);
  }
  return lanes;
}

// Makes the parameters of both distributions combine pairwise under the
// ops' broadcasting rules. Each parameter's dimensions are 1 or the joint
// one, so the only conflict is a column (R x 1) meeting a row (1 x C) —
// parameters that broadcast like an outer product — and only then are the
// partial ones widened to R x C.
void AlignParameters(std::initializer_list<Tensor*> params) {
  Index rows = 1;
  Index cols = 1;
  for (const Tensor* t : params) {
    rows = std::max(rows, t->rows());
    cols = std::max(cols, t->cols());
  }
  bool column = false;
  bool row = false;
  for (const Tensor* t : params) {
    column =
        column || (rows > 1 && cols > 1 && t->cols() == 1 && t->rows() == rows);
    row = row || (rows > 1 && cols > 1 && t->rows() == 1 && t->cols() == cols);
  }
  if (!(column && row)) return;
  for (Tensor* t : params) {
    if (!t->is_scalar()) *t = BroadcastTo(*t, rows, cols);
  }
}

// log(x), except that an element of x equal to 0 where `weight` is also 0
// becomes log 1 = 0, so that weight * log(x) follows 0 · log 0 = 0 with a
// zero gradient instead of NaN. `weight` and x broadcast together.
Tensor LogWithZeroWeight(const Tensor& weight, const Tensor& x) {
  if ((x.value().array() != 0).all()) return Log(x);
  const Tensor full = BroadcastTo(x, std::max(x.rows(), weight.rows()),
                                  std::max(x.cols(), weight.cols()));
  return Log(distributions_internal::GuardZeroTimesLog(weight, full, 0, 1));
}

// A probability computed from logits: positive in exact arithmetic, so it
// is kept at or above the smallest normal Real where it rounds to 0. Then
// its product with the log of a q probability that is exactly 0 is +∞ (the
// divergence), not 0 · ∞ = NaN.
Tensor PositiveMass(const Tensor& probability) {
  return distributions_internal::ClampValue(
      probability, std::numeric_limits<Real>::min(), Real(1));
}

// Σ_k log L_kk of a Cholesky factor: half the log-determinant of L Lᵀ.
Tensor HalfLogDet(const Tensor& scale_tril) {
  std::vector<Index> diagonal(static_cast<size_t>(scale_tril.rows()));
  std::iota(diagonal.begin(), diagonal.end(), Index{0});
  return SumAll(Log(GatherCols(scale_tril, diagonal)));
}

// log of the probabilities of a Categorical built from logits: the
// log-softmax of each row.
Tensor LogSoftmax(const Tensor& logits) {
  return logits - RowLogSumExp(logits);
}

// -----------------------------------------------------------------------------
// The pairs. Each returns (lanes) x 1; the formulas are in kl.h.
// -----------------------------------------------------------------------------

Tensor NormalKl(const Normal& p, const Normal& q) {
  const Shape shape = ElementwiseShape(p, q);
  Tensor loc1 = p.loc(), scale1 = p.scale(), loc2 = q.loc(), scale2 = q.scale();
  AlignParameters({&loc1, &scale1, &loc2, &scale2});
  const Tensor ratio = scale1 / scale2;
  const Tensor distance = (loc1 - loc2) / scale2;
  const Tensor kl =
      (Square(ratio) + Square(distance) - Real(1)) * Real(0.5) - Log(ratio);
  return distributions_internal::SumEvent(kl, shape);
}

Tensor MvNormalKl(const MvNormal& p, const MvNormal& q) {
  const Index d = p.cols();
  const Index lanes = LaneCount(p, q, d, q.cols());
  // A loc of one column stands for the same value in all D components.
  auto widen = [d](const Tensor& loc) {
    return BroadcastTo(loc, loc.rows(), d);
  };
  const Tensor& l1 = p.scale_tril();
  const Tensor& l2 = q.scale_tril();
  // Column i of `whitened` is L2⁻¹ (μ1 - μ2) for lane i (the Mahalanobis
  // term is even in the difference).
  const Tensor whitened =
      TriangularSolve(l2, Transpose(widen(p.loc()) - widen(q.loc())));
  const Tensor mahalanobis = Transpose(ColSum(Square(whitened)));
  const Tensor trace = SumAll(Square(TriangularSolve(l2, l1)));
  const Tensor shared = (trace - static_cast<Real>(d)) * Real(0.5) +
                        HalfLogDet(l2) - HalfLogDet(l1);
  return BroadcastTo(mahalanobis * Real(0.5) + shared, lanes, 1);
}

Tensor BernoulliKl(const Bernoulli& p, const Bernoulli& q) {
  const Shape shape = ElementwiseShape(p, q);
  Tensor param1 = p.is_logits() ? p.logits() : p.probs();
  Tensor param2 = q.is_logits() ? q.logits() : q.probs();
  AlignParameters({&param1, &param2});
  // p's probabilities of 1 and 0, and their logs.
  Tensor one1, zero1, log_one1, log_zero1;
  if (p.is_logits()) {
    one1 = PositiveMass(Sigmoid(param1));
    zero1 = PositiveMass(Sigmoid(-param1));
    log_one1 = LogSigmoid(param1);
    log_zero1 = LogSigmoid(-param1);
  } else {
    one1 = param1;
    zero1 = Real(1) - param1;
    log_one1 = LogWithZeroWeight(one1, one1);
    log_zero1 = LogWithZeroWeight(zero1, zero1);
  }
  // q's logs, guarded where p's matching probability is 0.
  const Tensor log_one2 =
      q.is_logits() ? LogSigmoid(param2) : LogWithZeroWeight(one1, param2);
  const Tensor log_zero2 = q.is_logits()
                               ? LogSigmoid(-param2)
                               : LogWithZeroWeight(zero1, Real(1) - param2);
  const Tensor kl =
      one1 * (log_one1 - log_one2) + zero1 * (log_zero1 - log_zero2);
  return distributions_internal::SumEvent(kl, shape);
}

// Categorical and OneHotCategorical: the same parameter, the same formula.
template <typename D>
Tensor CategoricalKl(const D& p, const D& q) {
  const Index lanes = LaneCount(p, q, p.num_categories(), q.num_categories());
  Tensor prob1, log_prob1;
  if (p.is_logits()) {
    log_prob1 = LogSoftmax(p.logits());
    prob1 = PositiveMass(Exp(log_prob1));
  } else {
    prob1 = p.probs();
    log_prob1 = LogWithZeroWeight(prob1, prob1);
  }
  const Tensor log_prob2 = q.is_logits() ? LogSoftmax(q.logits())
                                         : LogWithZeroWeight(prob1, q.probs());
  return BroadcastTo(RowSum(prob1 * (log_prob1 - log_prob2)), lanes, 1);
}

Tensor GammaKl(const Gamma& p, const Gamma& q) {
  const Shape shape = ElementwiseShape(p, q);
  Tensor alpha1 = p.concentration(), beta1 = p.rate(),
         alpha2 = q.concentration(), beta2 = q.rate();
  AlignParameters({&alpha1, &beta1, &alpha2, &beta2});
  const Tensor kl = (alpha1 - alpha2) * Digamma(alpha1) - Lgamma(alpha1) +
                    Lgamma(alpha2) + alpha2 * (Log(beta1) - Log(beta2)) +
                    alpha1 * (beta2 / beta1 - Real(1));
  return distributions_internal::SumEvent(kl, shape);
}

Tensor BetaKl(const Beta& p, const Beta& q) {
  const Shape shape = ElementwiseShape(p, q);
  Tensor a1 = p.concentration1(), b1 = p.concentration0(),
         a2 = q.concentration1(), b2 = q.concentration0();
  AlignParameters({&a1, &b1, &a2, &b2});
  const Tensor sum1 = a1 + b1;
  const Tensor digamma_sum1 = Digamma(sum1);
  const Tensor log_beta1 = Lgamma(a1) + Lgamma(b1) - Lgamma(sum1);
  const Tensor log_beta2 = Lgamma(a2) + Lgamma(b2) - Lgamma(a2 + b2);
  const Tensor kl = log_beta2 - log_beta1 +
                    (a1 - a2) * (Digamma(a1) - digamma_sum1) +
                    (b1 - b2) * (Digamma(b1) - digamma_sum1);
  return distributions_internal::SumEvent(kl, shape);
}

Tensor DirichletKl(const Dirichlet& p, const Dirichlet& q) {
  const Index lanes = LaneCount(p, q, p.num_categories(), q.num_categories());
  const Tensor& c1 = p.concentration();
  const Tensor& c2 = q.concentration();
  const Tensor total1 = RowSum(c1);
  const Tensor log_normaliser1 = Lgamma(total1) - RowSum(Lgamma(c1));
  const Tensor log_normaliser2 = Lgamma(RowSum(c2)) - RowSum(Lgamma(c2));
  const Tensor expected_log = Digamma(c1) - Digamma(total1);
  const Tensor kl =
      log_normaliser1 - log_normaliser2 + RowSum((c1 - c2) * expected_log);
  return BroadcastTo(kl, lanes, 1);
}

Tensor ExponentialKl(const Exponential& p, const Exponential& q) {
  const Shape shape = ElementwiseShape(p, q);
  Tensor rate1 = p.rate(), rate2 = q.rate();
  AlignParameters({&rate1, &rate2});
  const Tensor kl = Log(rate1) - Log(rate2) + rate2 / rate1 - Real(1);
  return distributions_internal::SumEvent(kl, shape);
}

Tensor PoissonKl(const Poisson& p, const Poisson& q) {
  const Shape shape = ElementwiseShape(p, q);
  Tensor rate1 = p.rate(), rate2 = q.rate();
  AlignParameters({&rate1, &rate2});
  const Tensor kl = rate1 * (Log(rate1) - Log(rate2)) + rate2 - rate1;
  return distributions_internal::SumEvent(kl, shape);
}

// -----------------------------------------------------------------------------
// Dispatch on the dynamic types. The families are final, so a successful
// dynamic_cast means exactly that family.
// -----------------------------------------------------------------------------

using KlFunction = Tensor (*)(const Distribution&, const Distribution&);

struct KlRule {
  bool (*applies)(const Distribution&, const Distribution&);
  KlFunction kl;
};

template <typename D>
bool BothAre(const Distribution& p, const Distribution& q) {
  return dynamic_cast<const D*>(&p) != nullptr &&
         dynamic_cast<const D*>(&q) != nullptr;
}

template <typename D, Tensor (*Kl)(const D&, const D&)>
Tensor CallKl(const Distribution& p, const Distribution& q) {
  return Kl(static_cast<const D&>(p), static_cast<const D&>(q));
}

template <typename D, Tensor (*Kl)(const D&, const D&)>
constexpr KlRule Rule() {
  return KlRule{&BothAre<D>, &CallKl<D, Kl>};
}

constexpr KlRule kRules[] = {
    Rule<Normal, NormalKl>(),
    Rule<MvNormal, MvNormalKl>(),
    Rule<Bernoulli, BernoulliKl>(),
    Rule<Categorical, CategoricalKl<Categorical>>(),
    Rule<OneHotCategorical, CategoricalKl<OneHotCategorical>>(),
    Rule<Gamma, GammaKl>(),
    Rule<Beta, BetaKl>(),
    Rule<Dirichlet, DirichletKl>(),
    Rule<Exponential, ExponentialKl>(),
    Rule<Poisson, PoissonKl>(),
};

KlFunction FindKl(const Distribution& p, const Distribution& q) {
  for (const KlRule& rule : kRules) {
    if (rule.applies(p, q)) return rule.kl;
  }
  return nullptr;
}

}  // namespace

Tensor KlDivergence(const Distribution& p, const Distribution& q) {
  const KlFunction kl = FindKl(p, q);
  if (kl == nullptr) {
    ThrowStatus(absl::UnimplementedError(
        absl::StrCat("KlDivergence: no analytic KL divergence from ", p.name(),
                     " to ", q.name())));
  }
  return kl(p, q);
}

bool HasAnalyticKl(const Distribution& p, const Distribution& q) {
  return FindKl(p, q) != nullptr;
}

}  // namespace provi
