// Copyright 2026 The provi Authors.
//
// Mixture: densities against the mixture formula written here in double
// (shared and per-lane weights, logits and probabilities, components of
// different families, multivariate components), gradients in the weights
// and the component parameters against finite differences, sampler moments
// and component frequencies, validation. Statistical checks follow the
// flake budget in statistical_testing.h.

#include "distributions/mixture.h"

#include <cmath>
#include <memory>
#include <type_traits>
#include <vector>

#include "ad/ops.h"
#include "ad/tape.h"
#include "base/random.h"
#include "base/status_error.h"
#include "distributions/categorical.h"
#include "distributions/exponential.h"
#include "distributions/mv_normal.h"
#include "distributions/normal.h"
#include "distributions/student_t.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/expect_ad.h"
#include "tests/testing/statistical_testing.h"
#include "tests/testing/status_testing.h"

namespace provi {
namespace {

using ::provi::testing::ExpectError;
using ::provi::testing::Mat;
using ::provi::testing::MeanAccumulator;
using ::provi::testing::RealTensor;

constexpr double kPi = 3.14159265358979323846;

double Tolerance(double reference) {
  return (kRealIsDouble ? 1e-12 : 3e-6) * std::max(1.0, std::abs(reference));
}

double NormalPdf(double x, double mu, double sigma) {
  const double z = (x - mu) / sigma;
  return std::exp(-0.5 * z * z) / (sigma * std::sqrt(2 * kPi));
}

double StudentTPdf(double x, double nu, double mu, double sigma) {
  const double z = (x - mu) / sigma;
  return std::exp(std::lgamma((nu + 1) / 2) - std::lgamma(nu / 2)) /
         (std::sqrt(nu * kPi) * sigma) *
         std::pow(1 + z * z / nu, -(nu + 1) / 2);
}

TEST(MixtureTest, LogProbIsTheLogOfTheWeightedSum) {
  // 0.3 N(-1, 0.5) + 0.7 N(2, 1.5) at three points, one lane each.
  const Mixture mixture(Categorical::FromProbs(RealTensor(Mat({{0.3, 0.7}}))),
                        Normal(-1.0, 0.5), Normal(2.0, 1.5));
  EXPECT_EQ(mixture.rows(), 1);
  EXPECT_EQ(mixture.cols(), 1);
  ASSERT_TRUE(mixture.Validate().ok()) << mixture.Validate();
  const double x[] = {-1.2, 0.4, 6.0};
  const Tensor lp = mixture.LogProb(RealTensor(Mat({{x[0]}, {x[1]}, {x[2]}})));
  ASSERT_EQ(lp.rows(), 3);
  ASSERT_EQ(lp.cols(), 1);
  for (int i = 0; i < 3; ++i) {
    const double expected = std::log(0.3 * NormalPdf(x[i], -1, 0.5) +
                                     0.7 * NormalPdf(x[i], 2, 1.5));
    EXPECT_NEAR(lp(i, 0), expected, Tolerance(expected)) << i;
  }
}

TEST(MixtureTest, PerLaneLogitsAndMixedFamilies) {
  // Lane i has its own weights softmax(logits_i); the components are a
  // normal and a Student t.
  const Eigen::MatrixXd logits = Mat({{0.0, 1.0}, {2.0, -1.0}});
  const Mixture mixture(Categorical::FromLogits(RealTensor(logits)),
                        Normal(0.5, 1.0), StudentT(3.0, -1.0, 2.0));
  EXPECT_EQ(mixture.rows(), 2);
  const double x[] = {0.1, -4.0};
  const Tensor lp = mixture.LogProb(RealTensor(Mat({{x[0]}, {x[1]}})));
  ASSERT_EQ(lp.rows(), 2);
  for (int i = 0; i < 2; ++i) {
    const double e0 = std::exp(logits(i, 0)), e1 = std::exp(logits(i, 1));
    const double w0 = e0 / (e0 + e1), w1 = e1 / (e0 + e1);
    const double expected = std::log(w0 * NormalPdf(x[i], 0.5, 1.0) +
                                     w1 * StudentTPdf(x[i], 3, -1, 2));
    EXPECT_NEAR(lp(i, 0), expected, Tolerance(expected)) << i;
  }
}

TEST(MixtureTest, MultivariateComponentsSumTheirEvent) {
  // Two bivariate normals with diagonal covariances: each component's
  // density is the product over the two columns.
  const Mixture mixture(Categorical::FromProbs(RealTensor(Mat({{0.25, 0.75}}))),
                        MvNormal(RealTensor(Mat({{0.0, 1.0}})),
                                 RealTensor(Mat({{1.0, 0.0}, {0.0, 2.0}}))),
                        MvNormal(RealTensor(Mat({{3.0, -1.0}})),
                                 RealTensor(Mat({{0.5, 0.0}, {0.0, 1.0}}))));
  EXPECT_EQ(mixture.cols(), 2);
  const Tensor lp = mixture.LogProb(RealTensor(Mat({{0.5, 0.0}})));
  const double expected =
      std::log(0.25 * NormalPdf(0.5, 0, 1) * NormalPdf(0, 1, 2) +
               0.75 * NormalPdf(0.5, 3, 0.5) * NormalPdf(0, -1, 1));
  EXPECT_NEAR(lp.item(), expected, Tolerance(expected));
}

TEST(MixtureTest, FarComponentsDoNotUnderflow) {
  // Each point is ~1e3 standard deviations from one component: the sum
  // is taken in log space, so the near component's density survives.
  const Mixture mixture(Categorical::FromProbs(RealTensor(Mat({{0.5, 0.5}}))),
                        Normal(-1000.0, 1.0), Normal(1000.0, 1.0));
  const Tensor lp = mixture.LogProb(RealTensor(Mat({{-1000.0}, {1001.0}})));
  const double near0 = std::log(0.5) - 0.5 * std::log(2 * kPi);
  EXPECT_NEAR(lp(0, 0), near0, Tolerance(near0));
  EXPECT_NEAR(lp(1, 0), near0 - 0.5, Tolerance(near0));
}

// Gradients in the value, the weights' logits, the locations and the
// scales, against finite differences of the formula evaluated in double.
TEST(MixtureTest, LogProbGradientMatchesFiniteDifferences) {
  ::provi::testing::ExpectAd(
      [](const auto& x, const auto& logits, const auto& loc,
         const auto& scale) {
        using TensorType = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<TensorType, Tensor>) {
          return Mixture(Categorical::FromLogits(logits),
                         Normal(SliceCols(loc, 0, 1), SliceCols(scale, 0, 1)),
                         Normal(SliceCols(loc, 1, 1), SliceCols(scale, 1, 1)))
              .LogProb(x);
        } else {
          const auto z = (BroadcastTo(x, x.rows(), 2) - loc) / scale;
          const auto log_normal =
              Square(z) * -0.5 - Log(scale) - 0.5 * std::log(2 * kPi);
          return RowLogSumExp(log_normal + logits - RowLogSumExp(logits));
        }
      },
      Mat({{0.3}, {-1.2}, {2.5}}), Mat({{0.4, -0.3}}), Mat({{-1.0, 1.5}}),
      Mat({{0.7, 1.3}}));
  // Probabilities (a point inside the simplex) rather than logits.
  ::provi::testing::ExpectAd(
      [](const auto& x, const auto& w) {
        using TensorType = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<TensorType, Tensor>) {
          return Mixture(Categorical::FromProbs(ConcatCols({w, 1 - w})),
                         Normal(0.0, 1.0), Normal(2.0, 0.5))
              .LogProb(x);
        } else {
          const auto a = Log(w) - Square(x) * 0.5 - 0.5 * std::log(2 * kPi);
          const auto b = Log(1 - w) - Square((x - 2.0) / 0.5) * 0.5 -
                         std::log(0.5) - 0.5 * std::log(2 * kPi);
          return RowLogSumExp(ConcatCols({a, b}));
        }
      },
      Mat({{0.3}, {1.7}}), Mat({{0.35}}));
}

// 0.3 N(-1, 0.5²) + 0.7 N(2, 1.5²): mean Σ w μ, variance Σ w (σ² + μ²) -
// mean², fourth central moment Σ w (d⁴ + 6 d² σ² + 3 σ⁴) with d = μ - mean.
TEST(MixtureTest, SampleMoments) {
  const double w[] = {0.3, 0.7}, mu[] = {-1, 2}, sigma[] = {0.5, 1.5};
  Rng rng = MakeRng(3);
  const Mixture mixture =
      Mixture(Categorical::FromProbs(RealTensor(Mat({{w[0], w[1]}}))),
              Normal(mu[0], sigma[0]), Normal(mu[1], sigma[1]))
          .Expand(1000);
  EXPECT_EQ(mixture.rows(), 1000);
  MeanAccumulator acc;
  for (int rep = 0; rep < 100; ++rep) {
    const Tensor x = mixture.Sample(rng);
    ASSERT_EQ(x.rows(), 1000);
    EXPECT_FALSE(x.requires_grad());
    for (Index i = 0; i < x.rows(); ++i) acc.Add(x(i, 0));
  }
  double mean = 0, second = 0;
  for (int k = 0; k < 2; ++k) {
    mean += w[k] * mu[k];
    second += w[k] * (sigma[k] * sigma[k] + mu[k] * mu[k]);
  }
  const double variance = second - mean * mean;
  double fourth = 0;
  for (int k = 0; k < 2; ++k) {
    const double d = mu[k] - mean, s2 = sigma[k] * sigma[k];
    fourth += w[k] * (d * d * d * d + 6 * d * d * s2 + 3 * s2 * s2);
  }
  EXPECT_MEAN_NEAR(acc, mean);
  EXPECT_TRUE(::provi::testing::VarianceNear(acc, variance, fourth));
}

// Per-lane weights: lane 0 always draws from N(-10, 1), lane 1 from
// N(10, 1); a component of zero weight is never drawn.
TEST(MixtureTest, SampleUsesEachLanesWeights) {
  Rng rng = MakeRng(4);
  const Mixture mixture(
      Categorical::FromProbs(RealTensor(Mat({{1.0, 0.0}, {0.0, 1.0}}))),
      Normal(-10.0, 1.0), Normal(10.0, 1.0));
  for (int rep = 0; rep < 200; ++rep) {
    const Tensor x = mixture.Sample(rng);
    ASSERT_EQ(x.rows(), 2);
    EXPECT_LT(x(0, 0), 0);
    EXPECT_GT(x(1, 0), 0);
  }
}

TEST(MixtureTest, ValidateNamesThePart) {
  const Categorical two = Categorical::FromProbs(RealTensor(Mat({{0.5, 0.5}})));
  ExpectError(Mixture(two, Normal(0.0, 1.0)).Validate(),
              absl::StatusCode::kInvalidArgument,
              "Mixture: 1 components for a mixing distribution of 2 "
              "categories");
  ExpectError(Mixture(two, Normal(0.0, 1.0), Normal(0.0, -1.0)).Validate(),
              absl::StatusCode::kInvalidArgument,
              "Mixture: component 1 (Normal): Normal: parameter 'scale'");
  ExpectError(Mixture(Categorical::FromProbs(RealTensor(Mat({{0.5, 0.6}}))),
                      Normal(0.0, 1.0), Normal(1.0, 1.0))
                  .Validate(),
              absl::StatusCode::kInvalidArgument,
              "Mixture: mixing distribution: ");
  ExpectError(Mixture(two, Normal(0.0, 1.0), Exponential(1.0)).Validate(),
              absl::StatusCode::kInvalidArgument,
              "component 1 (Exponential) has the support [0, inf) but "
              "component 0 has (-inf, inf)");
  ExpectError(
      Mixture(two, Normal(0.0, 1.0).Expand(1, 2), Normal(0.0, 1.0)).Validate(),
      absl::StatusCode::kInvalidArgument,
      "component 1 (Normal) has 1 columns but component 0 has 2");
  ExpectError(
      Mixture(two, Normal(0.0, 1.0).Expand(3, 1), Normal(0.0, 1.0).Expand(2, 1))
          .Validate(),
      absl::StatusCode::kInvalidArgument,
      "the lanes (rows) do not broadcast: mixing 1, component 0 3, "
      "component 1 2");
  Rng rng = MakeRng(5);
  ExpectError(CatchStatus([&] { Mixture(two, Normal(0.0, 1.0)).Sample(rng); }),
              absl::StatusCode::kInvalidArgument, "1 components");
  EXPECT_FALSE(Mixture(two, Normal(0.0, 1.0), Normal(1.0, 1.0)).has_rsample());
  EXPECT_EQ(Mixture(two, Normal(0.0, 1.0), Normal(1.0, 1.0)).support(),
            Support::Real());
}

}  // namespace
}  // namespace provi
