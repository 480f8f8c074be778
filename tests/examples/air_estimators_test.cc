// Copyright 2026 The provi Authors.
//
// The AIR estimators at small scale: on a tiny AIR (12 x 12 canvases, four
// fixed images, random initial weights), the gradient of the presence-logit
// bias and of one decoder weight under each z_pres strategy, M draws each
// (2,000; 500 for IWAE(2)'s enumeration, which runs 2⁶ branches per draw).
//
//   * Unbiasedness: the means under the score function (REINFORCE, no
//     baseline), measure-valued derivatives and the hybrid (MVD at steps 0
//     and 1, enumeration at step 2) agree with exact enumeration's, for the
//     ELBO and for the importance-weighted bound with K = 2 particles
//     (AirIwelbo, each particle with its own z_pres sites).
//   * Variance ordering on the presence-logit bias: Var(ENUM) < Var(MVD) and
//     4 Var(MVD) < Var(REINFORCE), for both objectives.
//
// Enumeration is exact over z_pres only: z_where and z_what are still drawn
// (reparameterised), so every estimator is averaged over M draws.
//
// Flake budget: every check is a z-test with |z| < kZThreshold = 5
// (two-sided tail 5.7e-7; tests/testing/statistical_testing.h), on
// standard errors estimated from the draws: the difference of two means
// against the root sum of their squared standard errors, and a variance
// ordering Var(a) · c < Var(b) as Var(b) - c Var(a) > 5 · se, with the
// standard error of a sample variance √((m₄ - s⁴) / M). 16 checks, so a
// chance failure under redrawn seeds has probability below 1e-5. The seeds
// are fixed.

#include <cmath>
#include <string>
#include <vector>

#include "ad/tape.h"
#include "base/random.h"
#include "estimators/expectation.h"
#include "estimators/strategies.h"
#include "examples/air_model.h"
#include "examples/air_training.h"
#include "gtest/gtest.h"
#include "tests/testing/statistical_testing.h"
#include "vi/objectives.h"
#include "vi/param_store.h"

namespace provi {
namespace examples {
namespace {

using ::provi::testing::kZThreshold;

// "Var(MVD) << Var(REINFORCE)" is checked as Var(REINFORCE) > 4 Var(MVD).
constexpr double kReinforceFactor = 4;

// Draws per estimator, and for IWAE(2)'s enumeration, which runs 2⁶
// branches per draw. With 2,000 draws the variance ordering has power to
// spare: under IWAE(2), Var(REINFORCE) is about 8 Var(MVD), and the check
// against 4 Var(MVD) expects z near 10 against the threshold of 5 (at 500
// draws, near 5).
constexpr int kDraws = 2000;
constexpr int kIwaeEnumerationDraws = 500;

AirConfig Tiny() {
  AirConfig config = GenjaxConfig();
  config.canvas = 12;
  config.window = 4;
  config.what = 3;
  config.hidden = 8;
  config.mlp_hidden = 6;
  config.robust_where = true;
  return config;
}

// Four canvases: empty, one square, two squares, one square.
Tensor FixedImages() {
  Matrix m = Matrix::Zero(4, 144);
  auto square = [&](Index image, Index top, Index left) {
    for (Index r = 0; r < 4; ++r) {
      for (Index c = 0; c < 4; ++c) m(image, (top + r) * 12 + left + c) = 0.8;
    }
  };
  square(1, 2, 3);
  square(2, 1, 1);
  square(2, 7, 6);
  square(3, 6, 2);
  return Tensor(m);
}

// Draws of the two gradients: the presence-logit bias (entry 0 of the
// predict layer's bias) and one decoder weight.
struct Draws {
  std::vector<double> bias;
  std::vector<double> weight;
};

struct Moments {
  double mean = 0;
  double variance = 0;
  double mean_se = 0;
  double variance_se = 0;
};

Moments Summarise(const std::vector<double>& x) {
  const double n = static_cast<double>(x.size());
  Moments m;
  for (const double v : x) m.mean += v / n;
  double m4 = 0;
  for (const double v : x) {
    const double d = v - m.mean;
    m.variance += d * d / (n - 1);
    m4 += d * d * d * d / n;
  }
  m.mean_se = std::sqrt(m.variance / n);
  m.variance_se = std::sqrt(std::max(m4 - m.variance * m.variance, 0.0) / n);
  return m;
}

template <typename Objective>
Draws Sample(Objective objective, int count, uint64_t seed) {
  const AirBatch batch{FixedImages(), Tensor()};
  auto expectation = Expectation(std::move(objective));
  expectation.Seed(seed);
  ParamStore store;
  Draws draws;
  for (int i = 0; i < count; ++i) {
    ParamStoreScope scope(store);
    store.ZeroGrad();
    absl::StatusOr<GradientEstimate> g =
        expectation.GradEstimate(batch, Index{1});
    EXPECT_TRUE(g.ok()) << g.status();
    if (!g.ok()) return draws;
    draws.bias.push_back(
        (*store.Unconstrained("guide/predict/0/b"))->grad()(0, 0));
    draws.weight.push_back(
        (*store.Unconstrained("model/decoder/1/w"))->grad()(0, 0));
  }
  return draws;
}

::testing::AssertionResult MeansAgree(const std::string& what,
                                      const Moments& exact,
                                      const Moments& other) {
  const double se =
      std::sqrt(exact.mean_se * exact.mean_se + other.mean_se * other.mean_se +
                std::pow(::provi::testing::RoundingFloor(exact.mean), 2));
  const double z = (other.mean - exact.mean) / se;
  if (std::abs(z) < kZThreshold) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << what << ": mean " << other.mean << " vs enumeration's "
         << exact.mean << " (se " << se << ", z = " << z << ")";
}

// Var(larger) > factor · Var(smaller), by more than kZThreshold standard
// errors.
::testing::AssertionResult VarianceAbove(const std::string& what,
                                         const Moments& larger,
                                         const Moments& smaller,
                                         double factor) {
  const double se =
      std::sqrt(larger.variance_se * larger.variance_se +
                factor * factor * smaller.variance_se * smaller.variance_se);
  const double z = (larger.variance - factor * smaller.variance) / se;
  if (z > kZThreshold) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << what << ": variance " << larger.variance << " is not above "
         << factor << " x " << smaller.variance << " by " << kZThreshold
         << " standard errors (z = " << z << ")";
}

void Report(const std::string& name, const Draws& draws) {
  const Moments b = Summarise(draws.bias);
  const Moments w = Summarise(draws.weight);
  std::printf(
      "%-22s bias: mean %+.5f se %.5f var %.4g (se %.2g) | weight: mean "
      "%+.5f se %.5f var %.4g\n",
      name.c_str(), b.mean, b.mean_se, b.variance, b.variance_se, w.mean,
      w.mean_se, w.variance);
}

// Runs the four strategies under `make_objective(guide')` and checks them:
// `exact_count` draws of enumeration, `count` of each other strategy.
template <typename MakeObjective>
void CheckStrategies(const std::string& objective_name,
                     MakeObjective make_objective, int exact_count, int count) {
  const AirNetworks networks(Tiny(), /*seed=*/3);
  const AirGuide guide(networks);
  const Draws exact =
      Sample(make_objective(Enumerate(guide, ZPresSites({0, 1, 2}))),
             exact_count, /*seed=*/11);
  const Draws mvd =
      Sample(make_objective(Mvd(guide, ZPresSites({0, 1, 2}))), count, 12);
  const Draws hybrid =
      Sample(make_objective(
                 Mvd(Enumerate(guide, ZPresSites({2})), ZPresSites({0, 1}))),
             count, 13);
  const Draws reinforce = Sample(
      make_objective(ScoreFunction(guide, ZPresSites({0, 1, 2}))), count, 14);
  Report(objective_name + " enum", exact);
  Report(objective_name + " mvd", mvd);
  Report(objective_name + " hybrid", hybrid);
  Report(objective_name + " reinforce", reinforce);
  const Moments exact_bias = Summarise(exact.bias);
  const Moments exact_weight = Summarise(exact.weight);
  for (const auto& [name, draws] :
       {std::make_pair("mvd", &mvd), std::make_pair("hybrid", &hybrid),
        std::make_pair("reinforce", &reinforce)}) {
    EXPECT_TRUE(MeansAgree(objective_name + " " + name + " bias", exact_bias,
                           Summarise(draws->bias)));
    EXPECT_TRUE(MeansAgree(objective_name + " " + name + " weight",
                           exact_weight, Summarise(draws->weight)));
  }
  const Moments mvd_bias = Summarise(mvd.bias);
  EXPECT_TRUE(
      VarianceAbove(objective_name + " mvd vs enum", mvd_bias, exact_bias, 1));
  EXPECT_TRUE(VarianceAbove(objective_name + " reinforce vs mvd",
                            Summarise(reinforce.bias), mvd_bias,
                            kReinforceFactor));
}

TEST(AirEstimatorsTest, ElboGradientsAgreeWithEnumerationAndOrderByVariance) {
  const AirNetworks networks(Tiny(), /*seed=*/3);
  const AirModel model(networks);
  CheckStrategies(
      "elbo", [&](auto guide) { return Elbo(model, guide); }, kDraws, kDraws);
}

TEST(AirEstimatorsTest, IwaeGradientsAgreeWithEnumerationAndOrderByVariance) {
  const AirNetworks networks(Tiny(), /*seed=*/3);
  const AirModel model(networks);
  CheckStrategies(
      "iwae2", [&](auto guide) { return AirIwelbo(model, guide, 2); },
      kIwaeEnumerationDraws, kDraws);
}

}  // namespace
}  // namespace examples
}  // namespace provi
