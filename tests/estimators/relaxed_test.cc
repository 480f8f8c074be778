// Copyright 2026 The provi Authors.
//
// The biased strategies (estimators/relaxed.h): their values are exact
// Bernoulli draws and exact one-hot draws, their gradients have the bias
// their derivation predicts (straight-through: E[f'(x)] dp/dθ instead of
// (f(1) - f(0)) dp/dθ, exact for a cost linear in a one-hot x; Gumbel-
// softmax: the gradient of the relaxation, which for a cost linear in x
// reaches the true gradient as the temperature falls and vanishes like 1/τ
// as it grows), they say
// they are biased, the advisor (estimators/advisor.h) tries them only when
// bias is allowed and its report marks them, and unsupported families and
// temperatures are Statuses naming the site. z-tests and chi-square tests
// from the standard error; flake budget in
// tests/testing/statistical_testing.h.

#include "estimators/relaxed.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "ad/ops.h"
#include "distributions/bernoulli.h"
#include "distributions/categorical.h"
#include "distributions/one_hot_categorical.h"
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
  // The message points to the family that can be relaxed.
  EXPECT_NE(status.message().find("OneHotCategorical"), std::string::npos)
      << status;
  auto categorical_gs = Expectation([&] {
    return sample("c", Categorical::FromLogits(logits.tensor()),
                  GumbelSoftmax(0.5));
  });
  status = categorical_gs.GradEstimate().status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("'c'"), std::string::npos) << status;

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

// The advisor on `program`, whose one latent site is `site`: without
// allow_biased no trial is biased, nor the choice, and the report never
// says "biased"; with it, every trial succeeds and exactly straight-through
// and Gumbel-softmax are biased and marked. Returns the first advice.
Advice ExpectBiasedTrialsOnlyWhenAllowed(
    const std::function<Tensor()>& program, const std::string& site,
    const std::vector<ReportedParameter>& params) {
  absl::StatusOr<Advice> advice = Advise(program, params);
  EXPECT_TRUE(advice.ok()) << advice.status();
  if (!advice.ok()) return Advice();
  const Advice unbiased = *advice;
  EXPECT_EQ(advice->sites.size(), 1u);
  for (const StrategyTrial& trial : advice->sites[0].trials) {
    EXPECT_FALSE(trial.biased) << trial.label;
  }
  EXPECT_FALSE(advice->choice.at(site)->biased());
  EXPECT_EQ(advice->ToString().find("biased"), std::string::npos);

  AdvisorOptions options;
  options.allow_biased = true;
  advice = Advise(program, params, options);
  EXPECT_TRUE(advice.ok()) << advice.status();
  if (!advice.ok()) return unbiased;
  std::vector<std::string> biased;
  for (const StrategyTrial& trial : advice->sites[0].trials) {
    EXPECT_TRUE(trial.status.ok()) << trial.label << ": " << trial.status;
    if (trial.biased) biased.push_back(trial.label);
  }
  EXPECT_EQ(biased.size(), 2u);
  if (biased.size() == 2) {
    EXPECT_EQ(biased[0], "straight-through");
    EXPECT_NE(biased[1].find("Gumbel-softmax"), std::string::npos);
  }
  const std::string report = advice->ToString();
  EXPECT_NE(report.find("straight-through"), std::string::npos) << report;
  EXPECT_NE(report.find("Gumbel-softmax"), std::string::npos) << report;
  EXPECT_NE(report.find("biased"), std::string::npos) << report;
  return unbiased;
}

TEST(RelaxedTest, TheAdvisorTriesThemOnlyWhenAllowedAndSaysBiased) {
  Coin coin;
  ExpectBiasedTrialsOnlyWhenAllowed([&] { return coin.Cost(nullptr, nullptr); },
                                    "b", {{"theta", &coin.theta}});
}

// -----------------------------------------------------------------------------
// OneHotCategorical sites
// -----------------------------------------------------------------------------

constexpr double kLogits[3] = {0.3, -0.4, 0.8};
constexpr double kWeights[3] = {1.0, -2.0, 0.5};

// p = softmax(kLogits).
std::vector<double> Probs() {
  double z = 0;
  for (double l : kLogits) z += std::exp(l);
  std::vector<double> p;
  for (double l : kLogits) p.push_back(std::exp(l) / z);
  return p;
}

// Per lane, x ~ OneHotCategorical(softmax(l)), a one-hot row, and the cost
// x·w (linear in x) or (x·w)² (not linear in x, though a function of the
// category alone, as every cost of a one-hot value is).
struct Die {
  Parameter logits{
      Matrix((Eigen::MatrixXd(1, 3) << kLogits[0], kLogits[1], kLogits[2])
                 .finished()
                 .cast<Real>())};

  Tensor Cost(const std::shared_ptr<const SiteStrategy>& strategy, bool squared,
              std::vector<long>* counts) {
    Plate lanes("lanes", kLanes);
    const Tensor x = sample(
        "c", OneHotCategorical::FromLogits(Tile(logits.tensor(), kLanes, 1)),
        strategy);
    if (counts != nullptr) {
      for (Index i = 0; i < kLanes; ++i) {
        int ones = 0;
        for (Index k = 0; k < 3; ++k) {
          EXPECT_TRUE(x.value()(i, k) == 0 || x.value()(i, k) == 1);
          if (x.value()(i, k) == 1) {
            ++ones;
            ++(*counts)[static_cast<size_t>(k)];
          }
        }
        EXPECT_EQ(ones, 1);
      }
    }
    Matrix w(1, 3);
    w << static_cast<Real>(kWeights[0]), static_cast<Real>(kWeights[1]),
        static_cast<Real>(kWeights[2]);
    const Tensor wx = RowSum(x * Tensor(w));
    return squared ? Square(wx) : wx;
  }
};

// Each estimate's gradient per lane, entry by entry, and the categories
// drawn.
struct DieMeasurement {
  std::vector<MeanAccumulator> grads = std::vector<MeanAccumulator>(3);
  std::vector<long> counts = std::vector<long>(3, 0);
};

DieMeasurement MeasureDie(const std::shared_ptr<const SiteStrategy>& strategy,
                          bool squared, int estimates, uint64_t seed,
                          Real scale = 1) {
  DieMeasurement out;
  Die die;
  auto objective =
      Expectation([&] { return die.Cost(strategy, squared, &out.counts); });
  objective.Seed(seed);
  for (int n = 0; n < estimates; ++n) {
    die.logits.ZeroGrad();
    const absl::StatusOr<GradientEstimate> g = objective.GradEstimate();
    EXPECT_TRUE(g.ok()) << g.status();
    if (!g.ok()) break;
    for (Index k = 0; k < 3; ++k) {
      out.grads[static_cast<size_t>(k)].Add(scale * die.logits.grad()(0, k) /
                                            kLanes);
    }
  }
  return out;
}

// d/dl_i E[x·w] = p_i (w_i - w·p): the true gradient for the linear cost,
// and straight-through's for every estimate.
std::vector<double> LinearGradient() {
  const std::vector<double> p = Probs();
  double wp = 0;
  for (int k = 0; k < 3; ++k) wp += kWeights[k] * p[k];
  std::vector<double> g;
  for (int i = 0; i < 3; ++i) g.push_back(p[i] * (kWeights[i] - wp));
  return g;
}

TEST(RelaxedOneHotTest, StraightThroughIsExactForACostLinearInX) {
  // x·w has dx/dp = I and d(x·w)/dx = w at every draw, so each estimate is
  // the true gradient, up to rounding.
  const std::vector<double> exact = LinearGradient();
  Die die;
  auto objective =
      Expectation([&] { return die.Cost(StraightThrough(), false, nullptr); });
  objective.Seed(21);
  for (int n = 0; n < 20; ++n) {
    die.logits.ZeroGrad();
    const absl::StatusOr<GradientEstimate> g = objective.GradEstimate();
    ASSERT_TRUE(g.ok()) << g.status();
    EXPECT_EQ(g->runs, 1);
    for (Index k = 0; k < 3; ++k) {
      EXPECT_NEAR(die.logits.grad()(0, k) / kLanes, exact[k],
                  kRealIsDouble ? 1e-12 : 1e-5);
    }
  }
}

TEST(RelaxedOneHotTest, StraightThroughDrawsExactlyAndHasItsPredictedBias) {
  // For (x·w)², the straight-through estimate at a draw e_k is
  // Σ_j 2 w_k w_j dp_j/dl_i, whose mean is 2 (w·p) p_i (w_i - w·p); the true
  // gradient is p_i (w_i² - Σ_k p_k w_k²).
  const std::vector<double> p = Probs();
  double wp = 0, w2p = 0;
  for (int k = 0; k < 3; ++k) {
    wp += kWeights[k] * p[k];
    w2p += kWeights[k] * kWeights[k] * p[k];
  }
  const DieMeasurement m = MeasureDie(StraightThrough(), true, kEstimates, 22);
  EXPECT_TRUE(::provi::testing::ChiSquareFits(m.counts, p));
  double largest_bias_in_se = 0;
  for (int i = 0; i < 3; ++i) {
    const double predicted = 2 * wp * p[i] * (kWeights[i] - wp);
    const double exact = p[i] * (kWeights[i] * kWeights[i] - w2p);
    EXPECT_MEAN_NEAR(m.grads[i], predicted) << "logit " << i;
    largest_bias_in_se =
        std::max(largest_bias_in_se,
                 std::abs(predicted - exact) / m.grads[i].standard_error());
  }
  EXPECT_GT(largest_bias_in_se, 10);
}

// The mean per-lane Gumbel-softmax gradient for x·w at temperature τ,
// E[(1/τ) y_i (w_i - w·y)] with y = softmax((l + G) / τ), estimated in
// double from `draws` Gumbel vectors of its own generator, with the
// analytic derivative of the softmax rather than provi's tape.
std::vector<MeanAccumulator> ReferenceGumbelSoftmaxGradient(double temperature,
                                                            long draws) {
  std::mt19937_64 gen(12345);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<MeanAccumulator> out(3);
  for (long n = 0; n < draws; ++n) {
    double z[3], y[3], max = -std::numeric_limits<double>::infinity();
    for (int k = 0; k < 3; ++k) {
      double u = uniform(gen);
      while (u == 0) u = uniform(gen);
      z[k] = (kLogits[k] - std::log(-std::log(u))) / temperature;
      max = std::max(max, z[k]);
    }
    double sum = 0, wy = 0;
    for (int k = 0; k < 3; ++k) sum += y[k] = std::exp(z[k] - max);
    for (int k = 0; k < 3; ++k) wy += kWeights[k] * (y[k] /= sum);
    for (int i = 0; i < 3; ++i) {
      out[static_cast<size_t>(i)].Add(y[i] * (kWeights[i] - wy) / temperature);
    }
  }
  return out;
}

TEST(RelaxedOneHotTest, GumbelSoftmaxDrawsExactlyAndReachesTheTrueGradient) {
  const std::vector<double> p = Probs();
  const std::vector<double> exact = LinearGradient();
  // τ = 1: the hard values are exact draws (the Gumbel-max trick), and the
  // gradient is the relaxation's, far from the true one.
  const DieMeasurement warm =
      MeasureDie(GumbelSoftmax(1), false, kEstimates, 23);
  EXPECT_TRUE(::provi::testing::ChiSquareFits(warm.counts, p));
  const std::vector<MeanAccumulator> reference =
      ReferenceGumbelSoftmaxGradient(1, 1000000);
  double largest_bias_in_se = 0;
  for (size_t i = 0; i < 3; ++i) {
    const double se = std::hypot(warm.grads[i].standard_error(),
                                 reference[i].standard_error());
    EXPECT_LT(std::abs(warm.grads[i].mean() - reference[i].mean()),
              ::provi::testing::kZThreshold * se)
        << "logit " << i << ": " << warm.grads[i].mean() << " vs "
        << reference[i].mean();
    largest_bias_in_se = std::max(
        largest_bias_in_se, std::abs(reference[i].mean() - exact[i]) / se);
  }
  EXPECT_GT(largest_bias_in_se, 10);
  // τ = 0.1: the relaxation's bias (below 1e-3 here, by the reference at
  // this temperature) is lost in the standard error (about 6e-3): the mean
  // is the true gradient, which straight-through gives for this cost.
  const DieMeasurement cold =
      MeasureDie(GumbelSoftmax(0.1), false, kEstimates, 24);
  EXPECT_TRUE(::provi::testing::ChiSquareFits(cold.counts, p));
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_MEAN_NEAR(cold.grads[i], exact[i]) << "logit " << i;
    EXPECT_GT(cold.grads[i].standard_error(), 1e-3);
  }
}

TEST(RelaxedOneHotTest, GumbelSoftmaxGradientVanishesLikeOneOverTemperature) {
  // As τ → ∞, y → the uniform row and τ dy_j/dz_i → (δ_ij - 1/K) / K, so
  // each estimate of τ d(x·w)/dl_i tends to (w_i - mean(w)) / K. The next
  // term is of order |w| |z - mean(z)| / τ, below 1e-2 at τ = 1e4 for the
  // Gumbel noise a lane can draw (|z| < 40 with probability 1 - 1e-17).
  const double temperature = 1e4;
  const double mean_w = (kWeights[0] + kWeights[1] + kWeights[2]) / 3;
  Die die;
  auto objective = Expectation(
      [&] { return die.Cost(GumbelSoftmax(temperature), false, nullptr); });
  objective.Seed(25);
  for (int n = 0; n < 20; ++n) {
    die.logits.ZeroGrad();
    const absl::StatusOr<GradientEstimate> g = objective.GradEstimate();
    ASSERT_TRUE(g.ok()) << g.status();
    for (Index i = 0; i < 3; ++i) {
      EXPECT_NEAR(temperature * die.logits.grad()(0, i) / kLanes,
                  (kWeights[i] - mean_w) / 3, 1e-2)
          << "logit " << i;
    }
  }
}

TEST(RelaxedOneHotTest, ACategoryOfProbabilityZeroIsNeverDrawnNorGetsNaN) {
  // Probabilities (0.5, 0, 0.5): the middle category has logit -∞.
  for (const auto& strategy : {StraightThrough(), GumbelSoftmax(0.5)}) {
    SCOPED_TRACE(strategy->name());
    Parameter probs(Matrix(
        (Eigen::MatrixXd(1, 3) << 0.5, 0.0, 0.5).finished().cast<Real>()));
    auto objective = Expectation([&] {
      Plate lanes("lanes", kLanes);
      const Tensor x = sample(
          "c", OneHotCategorical::FromProbs(Tile(probs.tensor(), kLanes, 1)),
          strategy);
      EXPECT_TRUE((x.value().col(1).array() == 0).all());
      Matrix w(1, 3);
      w << 1, -2, 3;
      return RowSum(x * Tensor(w));
    });
    objective.Seed(26);
    for (int n = 0; n < 20; ++n) {
      probs.ZeroGrad();
      const absl::StatusOr<GradientEstimate> g = objective.GradEstimate();
      ASSERT_TRUE(g.ok()) << g.status();
      EXPECT_TRUE(probs.grad().allFinite()) << probs.grad();
      EXPECT_NE(probs.grad().norm(), 0);
    }
    // Gumbel-softmax sends nothing to the category's probability;
    // straight-through sends d(x·w)/dx_1 = w_1 to each lane's.
    EXPECT_EQ(probs.grad()(0, 1),
              strategy == StraightThrough() ? Real(-2 * kLanes) : Real(0));
  }
}

TEST(RelaxedOneHotTest, TheAdvisorTriesThemOnlyWhenAllowedAndSaysBiased) {
  Die die;
  const Advice advice = ExpectBiasedTrialsOnlyWhenAllowed(
      [&] { return die.Cost(nullptr, true, nullptr); }, "c",
      {{"logits", &die.logits}});
  ASSERT_EQ(advice.sites.size(), 1u);
  EXPECT_EQ(advice.sites[0].family, "OneHotCategorical");
  // The unbiased strategies of a finite family are tried too.
  bool enumerated = false;
  for (const StrategyTrial& trial : advice.sites[0].trials) {
    EXPECT_TRUE(trial.status.ok()) << trial.label << ": " << trial.status;
    enumerated = enumerated || trial.label == "enumeration";
  }
  EXPECT_TRUE(enumerated);
}

}  // namespace
}  // namespace provi
