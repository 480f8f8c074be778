// Copyright 2026 The provi Authors.

#include "estimators/relaxed.h"

#include <cmath>
#include <string>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/status_error.h"
#include "distributions/bernoulli.h"

namespace provi {
namespace {

constexpr absl::string_view kBernoulliOnly =
    "a Bernoulli site (a Categorical's value is an index, which carries no "
    "gradient)";

class StraightThroughStrategy final : public SiteStrategy {
 public:
  absl::string_view name() const override { return "straight-through"; }
  bool biased() const override { return true; }

  Tensor Draw(SiteRun& run) const override {
    const auto* coin = dynamic_cast<const Bernoulli*>(&run.distribution());
    if (coin == nullptr) ThrowUnsupported(run.distribution(), kBernoulliOnly);
    const Tensor p = coin->probs();
    return coin->Sample(run.gen()) + (p - Detach(p));
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
    const auto* coin = dynamic_cast<const Bernoulli*>(&dist);
    if (coin == nullptr) ThrowUnsupported(dist, kBernoulliOnly);
    Matrix logistic(dist.rows(), dist.cols());
    absl::BitGenRef gen = run.gen();
    for (Index i = 0; i < logistic.size(); ++i) {
      const double u = absl::Uniform<double>(absl::IntervalOpen, gen, 0, 1);
      logistic(i) = static_cast<Real>(std::log(u) - std::log1p(-u));
    }
    const Tensor z = coin->logits() + Tensor(logistic);
    const Tensor soft = Sigmoid(z * (Real(1) / temperature_));
    const Tensor hard(
        Matrix((z.value().array() > Real(0)).template cast<Real>()));
    return hard + (soft - Detach(soft));
  }

 private:
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
