// Copyright 2026 The provi Authors.
//
// The three VAE steps of benchmarks/vae_models.h (provi's Elbo / Iwelbo
// programs under Expectation, the same objective written with ad/ operations,
// and hand-derived Eigen) compute the same objective and the same gradient
// with respect to every weight from the same noise, over two consecutive
// steps (so their noise streams stay in step), for both networks, the ELBO
// and the IWELBO. This is what makes vae_benchmark's ratios a comparison
// of like with like.

#include "benchmarks/vae_models.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>

#include "base/real.h"
#include "gtest/gtest.h"

namespace provi {
namespace vae_benchmark {
namespace {

// Agreement up to rounding: the three sum in different orders, in float by
// default.
constexpr double kTolerance = kRealIsDouble ? 1e-10 : 1e-4;

// With several particles the normalised weights w̃ = exp(log w - max) carry
// the log weights' absolute rounding error as a relative one: about
// |log w| u √pixels ≈ 540 · 6e-8 · 28 ≈ 1e-3 in float (u = 2^-24), 2e-12
// in double. A wrong gradient formula is off by O(1).
constexpr double kWeightedTolerance = kRealIsDouble ? 1e-10 : 2e-3;

// max |a - b| relative to max |b|.
double RelativeDifference(const Matrix& a, const Matrix& b) {
  const double scale = b.cwiseAbs().maxCoeff();
  return static_cast<double>((a - b).cwiseAbs().maxCoeff()) /
         std::max(scale, 1e-30);
}

void ExpectSameGradients(const VaeWeights& actual, const VaeWeights& expected,
                         const std::string& what,
                         double tolerance = kTolerance) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(actual[i].rows(), expected[i].rows()) << kParameterNames[i];
    ASSERT_EQ(actual[i].cols(), expected[i].cols()) << kParameterNames[i];
    // A vanishing gradient would make the comparison empty.
    EXPECT_GT(expected[i].cwiseAbs().maxCoeff(), 0) << kParameterNames[i];
    EXPECT_LT(RelativeDifference(actual[i], expected[i]), tolerance)
        << what << ", gradient of " << kParameterNames[i];
  }
}

class VaeModelsTest : public ::testing::TestWithParam<std::tuple<bool, int>> {};

TEST_P(VaeModelsTest, ProviDirectAndHandWrittenAgree) {
  const VaeArchitecture architecture =
      std::get<0>(GetParam()) ? kPaperVae : kCommonVae;
  const int particles = std::get<1>(GetParam());
  const Index batch = 6;
  const VaeWeights weights = RandomWeights(architecture, 11);
  const Matrix images = RandomImages(batch, architecture.pixels, 12);
  const uint64_t seed = 13;
  ProviVae provi(architecture, weights, images, particles, seed);
  DirectVae direct(architecture, weights, images, particles, seed);
  HandWrittenVae hand(architecture, weights, images, particles, seed);
  for (int step = 0; step < 2; ++step) {
    const std::string what = "step " + std::to_string(step);
    const double expected = hand.Step();
    ASSERT_TRUE(std::isfinite(expected));
    // About -log 2 per pixel for random images: a sane magnitude.
    EXPECT_LT(expected, 0);
    EXPECT_NEAR(provi.Step(), expected, kTolerance * std::abs(expected))
        << what;
    EXPECT_NEAR(direct.Step(), expected, kTolerance * std::abs(expected))
        << what;
    ExpectSameGradients(provi.Gradients(), hand.Gradients(), "provi, " + what);
    ExpectSameGradients(direct.Gradients(), hand.Gradients(),
                        "direct, " + what);
  }
}

INSTANTIATE_TEST_SUITE_P(
    NetworksAndObjectives, VaeModelsTest,
    ::testing::Combine(::testing::Bool(), ::testing::Values(1, 5)),
    [](const ::testing::TestParamInfo<std::tuple<bool, int>>& info) {
      return std::string(std::get<0>(info.param) ? "Paper" : "Common") +
             (std::get<1>(info.param) == 1 ? "Elbo" : "Iwelbo5");
    });

// Each K-particle estimator through provi's objective agrees with its
// hand-derived gradient: the value and every weight's gradient, over two
// steps, for K = 2, 5 and 50.
class VaeEstimatorsTest
    : public ::testing::TestWithParam<std::tuple<bool, int, Estimator>> {};

TEST_P(VaeEstimatorsTest, ProviAndHandWrittenAgree) {
  const VaeArchitecture architecture =
      std::get<0>(GetParam()) ? kPaperVae : kCommonVae;
  const int particles = std::get<1>(GetParam());
  const Estimator estimator = std::get<2>(GetParam());
  const Index batch = 6;
  const VaeWeights weights = RandomWeights(architecture, 11);
  const Matrix images = RandomImages(batch, architecture.pixels, 12);
  const uint64_t seed = 13;
  ProviVae provi(architecture, weights, images, particles, seed, estimator);
  HandWrittenVae hand(architecture, weights, images, particles, seed,
                      estimator);
  for (int step = 0; step < 2; ++step) {
    const std::string what = "step " + std::to_string(step);
    const double expected = hand.Step();
    ASSERT_TRUE(std::isfinite(expected));
    EXPECT_LT(expected, 0);
    EXPECT_NEAR(provi.Step(), expected, kTolerance * std::abs(expected))
        << what;
    ExpectSameGradients(provi.Gradients(), hand.Gradients(), "provi, " + what,
                        kWeightedTolerance);
  }
}

std::string EstimatorName(Estimator estimator) {
  switch (estimator) {
    case Estimator::kIwelbo:
      return "Iwelbo";
    case Estimator::kVimco:
      return "Vimco";
    case Estimator::kIwelboDreg:
      return "IwelboDreg";
  }
  return "";
}

INSTANTIATE_TEST_SUITE_P(
    NetworksParticlesAndEstimators, VaeEstimatorsTest,
    ::testing::Combine(::testing::Bool(), ::testing::Values(2, 5, 50),
                       ::testing::Values(Estimator::kIwelbo, Estimator::kVimco,
                                         Estimator::kIwelboDreg)),
    [](const ::testing::TestParamInfo<std::tuple<bool, int, Estimator>>& info) {
      return std::string(std::get<0>(info.param) ? "Paper" : "Common") +
             EstimatorName(std::get<2>(info.param)) +
             std::to_string(std::get<1>(info.param));
    });

}  // namespace
}  // namespace vae_benchmark
}  // namespace provi
