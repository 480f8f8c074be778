// Copyright 2026 The provi Authors.
//
// The biased strategies (estimators/relaxed.h): their values are exact
// Bernoulli draws, their gradients have the bias their derivation predicts
// (straight-through: E[f'(x)] dp/dθ instead of (f(1) - f(0)) dp/dθ), they
// say they are biased, the advisor (estimators/advisor.h) tries them only
// when bias is allowed and its report marks them, and unsupported families
// and temperatures are Statuses naming the site. z-tests from the standard
// error; flake budget in tests/testing/statistical_testing.h.

#include "estimators/relaxed.h"

#include <cmath>
#include <limits>
#include <string>

#include "ad/ops.h"
#include "distributions/bernoulli.h"
#include "distributions/categorical.h"
#include "estimators/advisor.h"
#include "estimators/expectation.h"
#include "estimators/strategies.h"
#include "gtest/gtest.h"
#include "runtime/primitives.h"
#include "tests/testing/statistical_testing.h"

namespace provi {
namespace {

using ::provi::testing::MeanAccumulator;

constexpr Index kLanes = 50;
constexpr int kEstimates = 400;
constexpr double kTheta = 0.3;

double Sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

// Per lane, b ~ Bernoulli(σ(θ)) and cost (b - 0.2)²: E = p 0.64 +
// (1 - p) 0.04, so dE/dθ = 0.6 p (1 - p); straight-through gives
// E[2 (b - 0.2)] p (1 - p) = (2 p - 0.4) p (1 - p).
struct Coin {
  Parameter theta{Matrix::Constant(1, 1, static_cast<Real>(kTheta))};

  Tensor Cost(const std::shared_ptr<const SiteStrategy>& strategy,
              MeanAccumulator* values) {
    Plate lanes("lanes", kLanes);
    const Tensor b = sample(
        "b", Bernoulli::FromLogits(Tile(theta.tensor(), kLanes, 1)), strategy);
    if (values != nullptr) {
      for (Index i = 0; i < kLanes; ++i) values->Add(b.value()(i, 0));
    }
    return Square(b - 0.2);
  }
};

// The mean gradient (per lane) and the mean value of `strategy`'s draws.
void Measure(const std::shared_ptr<const SiteStrategy>& strategy,
             MeanAccumulator* grads, MeanAccumulator* values) {
  Coin coin;
  auto objective = Expectation([&] { return coin.Cost(strategy, values); });
  objective.Seed(11);
  for (int i = 0; i < kEstimates; ++i) {
    coin.theta.ZeroGrad();
    const absl::StatusOr<GradientEstimate> g = objective.GradEstimate();
    ASSERT_TRUE(g.ok()) << g.status();
    grads->Add(coin.theta.grad()(0, 0) / kLanes);
  }
}

TEST(RelaxedTest, StraightThroughHasItsPredictedBias) {
  EXPECT_TRUE(StraightThrough()->biased());
  MeanAccumulator grads, values;
  Measure(StraightThrough(), &grads, &values);
  const double p = Sigmoid(kTheta);
  EXPECT_MEAN_NEAR(values, p);
  const double predicted = (2 * p - 0.4) * p * (1 - p);
  const double exact = 0.6 * p * (1 - p);
  EXPECT_MEAN_NEAR(grads, predicted);
  EXPECT_GT(std::abs(predicted - exact), 10 * grads.standard_error());
}

// The straight-through Gumbel-softmax gradient per lane is
// E[f'([z > 0]) σ(z / τ) (1 - σ(z / τ)) / τ], z = θ + L, L ~ Logistic(0, 1):
// by the midpoint rule over L's quantiles.
double PredictedGumbelSoftmaxGradient(double temperature) {
  constexpr int kNodes = 200000;
  double sum = 0;
  for (int i = 0; i < kNodes; ++i) {
    const double u = (i + 0.5) / kNodes;
    const double z = kTheta + std::log(u) - std::log1p(-u);
    const double y = Sigmoid(z / temperature);
    sum += 2 * ((z > 0 ? 1.0 : 0.0) - 0.2) * y * (1 - y) / temperature;
  }
  return sum / kNodes;
}

TEST(RelaxedTest, GumbelSoftmaxDrawsExactlyAndHasItsPredictedBias) {
  const auto strategy = GumbelSoftmax(1.0);
  EXPECT_TRUE(strategy->biased());
  EXPECT_NE(std::string(strategy->name()).find("temperature 1"),
            std::string::npos);
  MeanAccumulator grads, values;
  Measure(strategy, &grads, &values);
  const double p = Sigmoid(kTheta);
  EXPECT_MEAN_NEAR(values, p);
  const double predicted = PredictedGumbelSoftmaxGradient(1.0);
  const double exact = 0.6 * p * (1 - p);
  EXPECT_MEAN_NEAR(grads, predicted);
  EXPECT_GT(std::abs(predicted - exact), 10 * grads.standard_error());
}

TEST(RelaxedTest, UnsupportedInputIsAStatusNamingTheSite) {
  Parameter logits(Matrix::Zero(1, 3));
  auto categorical = Expectation([&] {
    return sample("c", Categorical::FromLogits(logits.tensor()),
                  StraightThrough());
  });
  absl::Status status = categorical.GradEstimate().status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("'c'"), std::string::npos) << status;
  EXPECT_NE(status.message().find("Bernoulli"), std::string::npos) << status;

  Coin coin;
  for (const Real t :
       {Real(0), Real(-1), std::numeric_limits<Real>::quiet_NaN()}) {
    auto cold =
        Expectation([&] { return coin.Cost(GumbelSoftmax(t), nullptr); });
    status = cold.GradEstimate().status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << t;
    EXPECT_NE(status.message().find("temperature"), std::string::npos)
        << status;
    EXPECT_NE(status.message().find("'b'"), std::string::npos) << status;
  }
}

TEST(RelaxedTest, TheAdvisorTriesThemOnlyWhenAllowedAndSaysBiased) {
  Coin coin;
  auto program = [&] { return coin.Cost(nullptr, nullptr); };
  absl::StatusOr<Advice> advice = Advise(program, {{"theta", &coin.theta}});
  ASSERT_TRUE(advice.ok()) << advice.status();
  ASSERT_EQ(advice->sites.size(), 1u);
  for (const StrategyTrial& trial : advice->sites[0].trials) {
    EXPECT_FALSE(trial.biased) << trial.label;
  }
  EXPECT_FALSE(advice->choice.at("b")->biased());
  EXPECT_EQ(advice->ToString().find("biased"), std::string::npos);

  AdvisorOptions options;
  options.allow_biased = true;
  advice = Advise(program, {{"theta", &coin.theta}}, options);
  ASSERT_TRUE(advice.ok()) << advice.status();
  int biased = 0;
  for (const StrategyTrial& trial : advice->sites[0].trials) {
    ASSERT_TRUE(trial.status.ok()) << trial.label << ": " << trial.status;
    biased += trial.biased;
  }
  EXPECT_EQ(biased, 2);
  const std::string report = advice->ToString();
  EXPECT_NE(report.find("straight-through"), std::string::npos) << report;
  EXPECT_NE(report.find("Gumbel-softmax"), std::string::npos) << report;
  EXPECT_NE(report.find("biased"), std::string::npos) << report;
}

}  // namespace
}  // namespace provi
