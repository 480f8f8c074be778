// Copyright 2026 The provi Authors.

#include "estimators/relaxed.h"

#include <cmath>
#include <limits>
#include <string>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/status_error.h"
#include "distributions/bernoulli.h"
#include "distributions/one_hot_categorical.h"

namespace provi {
namespace {

constexpr absl::string_view kRelaxable =
    "a Bernoulli or OneHotCategorical site (a Categorical's value is an "
    "index, which carries no gradient: write the site as a "
    "OneHotCategorical)";

// The logits of `dist` on the tape, with a category of probability 0 (a
// parameter given as probabilities) at -∞ and passing no gradient back:
// Log's derivative at 0 would turn its zero adjoint into NaN.
Tensor GuardedLogits(const OneHotCategorical& dist) {
  if (dist.is_logits()) return dist.logits();
  const Tensor p = dist.probs();
  const auto values = p.value().array();
  if ((values > 0).all()) return Log(p);
  const Tensor positive(Matrix((values > 0).template cast<Real>()));
  return Where(positive, Log(Where(positive, p, Tensor(Real(1)))),
               Tensor(-std::numeric_limits<Real>::infinity()));
}

// A constant rows x k_count tensor with row i equal to e_{category(i)}.
template <typename F>
Tensor OneHotOf(Index rows, Index k_count, const F& category) {
  Matrix hard = Matrix::Zero(rows, k_count);
  for (Index i = 0; i < rows; ++i) hard(i, category(i)) = 1;
  return Tensor(std::move(hard));
}

class StraightThroughStrategy final : public SiteStrategy {
 public:
  absl::string_view name() const override { return "straight-through"; }
  bool biased() const override { return true; }

  Tensor Draw(SiteRun& run) const override {
    const Distribution& dist = run.distribution();
    Tensor p;
    if (const auto* coin = dynamic_cast<const Bernoulli*>(&dist)) {
      p = coin->probs();
    } else if (const auto* die =
                   dynamic_cast<const OneHotCategorical*>(&dist)) {
      p = die->probs();
    } else {
      ThrowUnsupported(dist, kRelaxable);
    }
    return dist.Sample(run.gen()) + (p - Detach(p));
  }
};

class GumbelSoftmaxStrategy final : public SiteStrategy {
 public:
  explicit GumbelSoftmaxStrategy(Real temperature)
      : temperature_(temperature),
        name_(absl::StrCat("Gumbel-softmax (straight-through, temperature ",
                           temperature, ")")) {}

  absl::string_view name() const override { return name_; }
  bool biased() const override { return true; }

  Tensor Draw(SiteRun& run) const override {
    if (!(temperature_ > 0) || !std::isfinite(temperature_)) {
      ThrowStatus(absl::InvalidArgumentError(
          absl::StrCat("the Gumbel-softmax strategy needs a positive, finite "
                       "temperature, got ",
                       temperature_)));
    }
    const Distribution& dist = run.distribution();
    if (const auto* coin = dynamic_cast<const Bernoulli*>(&dist)) {
      return DrawBernoulli(*coin, run.gen());
    }
    if (const auto* die = dynamic_cast<const OneHotCategorical*>(&dist)) {
      return DrawOneHot(*die, run.gen());
    }
    ThrowUnsupported(dist, kRelaxable);
  }

 private:
  Tensor DrawBernoulli(const Bernoulli& coin, absl::BitGenRef gen) const {
    Matrix logistic(coin.rows(), coin.cols());
    for (Index i = 0; i < logistic.size(); ++i) {
      const double u = absl::Uniform<double>(absl::IntervalOpen, gen, 0, 1);
      logistic(i) = static_cast<Real>(std::log(u) - std::log1p(-u));
    }
    const Tensor z = coin.logits() + Tensor(logistic);
    const Tensor soft = Sigmoid(z * (Real(1) / temperature_));
    const Tensor hard(
        Matrix((z.value().array() > Real(0)).template cast<Real>()));
    return hard + (soft - Detach(soft));
  }

  Tensor DrawOneHot(const OneHotCategorical& die, absl::BitGenRef gen) const {
    const Index rows = die.rows();
    const Index k_count = die.cols();
    Matrix gumbel(rows, k_count);
    for (Index i = 0; i < gumbel.size(); ++i) {
      const double u = absl::Uniform<double>(absl::IntervalOpen, gen, 0, 1);
      gumbel(i) = static_cast<Real>(-std::log(-std::log(u)));
    }
    const Tensor z = GuardedLogits(die) + Tensor(gumbel);
    const Tensor scaled = z * (Real(1) / temperature_);
    const Tensor soft = Exp(scaled - RowLogSumExp(scaled));
    const auto zv = z.value();
    const Tensor hard = OneHotOf(rows, k_count, [&](Index i) {
      Index best = 0;
      zv.row(i).maxCoeff(&best);
      return best;
    });
    return hard + (soft - Detach(soft));
  }

  Real temperature_;
  std::string name_;
};

}  // namespace

std::shared_ptr<const SiteStrategy> StraightThrough() {
  static const std::shared_ptr<const SiteStrategy>* const strategy =
      new std::shared_ptr<const SiteStrategy>(
          std::make_shared<StraightThroughStrategy>());
  return *strategy;
}

std::shared_ptr<const SiteStrategy> GumbelSoftmax(Real temperature) {
  return std::make_shared<GumbelSoftmaxStrategy>(temperature);
}

}  // namespace provi
