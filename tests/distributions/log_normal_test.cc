// Copyright 2026 The provi Authors.
//
// LogNormal: densities against R, sampler moments, pathwise gradients
// against analytic derivatives, validation. Statistical checks follow the
// flake budget in statistical_testing.h.

#include "distributions/log_normal.h"

#include <cmath>
#include <type_traits>

#include "ad/ops.h"
#include "ad/tape.h"
#include "base/random.h"
#include "base/status_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/expect_ad.h"
#include "tests/testing/statistical_testing.h"

namespace provi {
namespace {

using ::provi::testing::DensityTolerance;
using ::provi::testing::Mat;
using ::provi::testing::MeanAccumulator;
using ::provi::testing::RealTensor;
using ::testing::HasSubstr;

// E[x^k] = exp(k μ + k² σ² / 2) for x ~ LogNormal(μ, σ).
double RawMoment(int k, double mu, double sigma) {
  return std::exp(k * mu + k * k * sigma * sigma / 2);
}

TEST(LogNormalTest, LogProbMatchesR) {
  // Rscript -e 'print(dlnorm(c(0.5,1.7,3.2), c(0.1,0,1), c(1,0.5,2),
  //                          log=TRUE), digits=17)'
  const LogNormal log_normal(RealTensor(Mat({{0.1}, {0.0}, {1.0}})),
                             RealTensor(Mat({{1.0}, {0.5}, {2.0}})));
  const Tensor lp = log_normal.LogProb(RealTensor(Mat({{0.5}, {1.7}, {3.2}})));
  ASSERT_EQ(lp.rows(), 3);
  ASSERT_EQ(lp.cols(), 1);
  const double expected[] = {-0.54033257765982257, -1.31955228535749325,
                             -2.77856379691283006};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(lp(i, 0), expected[i], DensityTolerance(expected[i]));
  }
}

TEST(LogNormalTest, LogProbSumsTheEventAndBroadcasts) {
  // Rscript -e 'print(sum(dlnorm(c(0.3,1.2,2.5), 0.5, 1.5, log=TRUE)),
  //                   digits=17)'
  const LogNormal log_normal = LogNormal(0.5, 1.5).Expand(2, 3);
  EXPECT_EQ(log_normal.rows(), 2);
  EXPECT_EQ(log_normal.cols(), 3);
  const Tensor lp = log_normal.LogProb(RealTensor(Mat({{0.3, 1.2, 2.5}})));
  ASSERT_EQ(lp.rows(), 2);
  const double expected = -4.574015049303914;
  EXPECT_NEAR(lp(0, 0), expected, DensityTolerance(expected));
  EXPECT_NEAR(lp(1, 0), expected, DensityTolerance(expected));
}

TEST(LogNormalTest, LogProbGradientMatchesFiniteDifferences) {
  ::provi::testing::ExpectAd(
      [](const auto& x, const auto& loc, const auto& scale) {
        using TensorType = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<TensorType, Tensor>) {
          return LogNormal(loc, scale).LogProb(x);
        } else {
          // The reference path: the same formula on double tensors.
          const auto log_x = Log(x);
          const auto z = (log_x - loc) / scale;
          return RowSum(Square(z) * -0.5 - Log(scale) - log_x -
                        0.91893853320467274178);
        }
      },
      Mat({{0.3, 1.2}, {2.5, 0.1}}), Mat({{0.1, -0.4}}), Mat({{1.0}, {2.0}}));
}

TEST(LogNormalTest, SampleMoments) {
  const double mu = 0.2, sigma = 0.5;
  Rng rng = MakeRng(1);
  const LogNormal log_normal = LogNormal(mu, sigma).Expand(1000, 1);
  MeanAccumulator acc;
  for (int rep = 0; rep < 50; ++rep) {
    const Tensor x = log_normal.Sample(rng);
    EXPECT_FALSE(x.requires_grad());
    for (Index i = 0; i < x.rows(); ++i) acc.Add(x(i, 0));
  }
  const double m1 = RawMoment(1, mu, sigma), m2 = RawMoment(2, mu, sigma),
               m3 = RawMoment(3, mu, sigma), m4 = RawMoment(4, mu, sigma);
  const double variance = m2 - m1 * m1;
  const double fourth =
      m4 - 4 * m1 * m3 + 6 * m1 * m1 * m2 - 3 * std::pow(m1, 4);
  EXPECT_MEAN_NEAR(acc, m1);
  EXPECT_TRUE(::provi::testing::VarianceNear(acc, variance, fourth));
}

// d/dθ E[x] for x ~ LogNormal(μ, σ): E[x] = e^(μ + σ²/2), so the gradient is
// (E[x], σ E[x]). Each gradient estimate averages 1,000 lanes.
TEST(LogNormalTest, PathwiseGradientIsUnbiased) {
  const double m = 0.3, s = 0.6;
  Rng rng = MakeRng(2);
  Parameter mu(Matrix::Constant(1, 1, m));
  Parameter sigma(Matrix::Constant(1, 1, s));
  MeanAccumulator d_mu, d_sigma;
  for (int rep = 0; rep < 200; ++rep) {
    TapeScope scope;
    mu.ZeroGrad();
    sigma.ZeroGrad();
    const Tensor x =
        LogNormal(mu.tensor(), sigma.tensor()).Expand(1000, 1).RSample(rng);
    Backward(MeanAll(x));
    d_mu.Add(mu.grad()(0, 0));
    d_sigma.Add(sigma.grad()(0, 0));
  }
  const double mean = std::exp(m + s * s / 2);
  EXPECT_MEAN_NEAR(d_mu, mean);
  EXPECT_MEAN_NEAR(d_sigma, s * mean);
}

TEST(LogNormalTest, ValidateNamesTheParameterAndValue) {
  const absl::Status bad_scale =
      LogNormal(0.0, RealTensor(Mat({{1.0, -2.0}}))).Validate();
  EXPECT_EQ(bad_scale.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_scale.message(), HasSubstr("LogNormal"));
  EXPECT_THAT(bad_scale.message(), HasSubstr("'scale'"));
  EXPECT_THAT(bad_scale.message(), HasSubstr("-2"));
  EXPECT_THAT(LogNormal(std::nan(""), 1.0).Validate().message(),
              HasSubstr("'loc'"));
  EXPECT_THAT(LogNormal(RealTensor(Mat({{1.0, 2.0}})), 1.0)
                  .Expand(4, 3)
                  .Validate()
                  .message(),
              HasSubstr("expanded shape 4x3"));
  EXPECT_TRUE(LogNormal(0.0, 1.0).Expand(4, 3).Validate().ok());
}

TEST(LogNormalTest, LogProbRejectsValuesOutsideTheSupport) {
  const LogNormal log_normal(0.0, 1.0);
  EXPECT_EQ(log_normal.support(), Support::Positive());
  for (const double bad : {-1.0, 0.0}) {
    const absl::Status status =
        CatchStatus([&] { log_normal.LogProb(Tensor(bad)); });
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr("LogNormal: value"));
    EXPECT_THAT(status.message(), HasSubstr("outside the support"));
  }
}

}  // namespace
}  // namespace provi
