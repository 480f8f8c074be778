// Copyright 2026 The provi Authors.
//
// HalfNormal: densities against a closed form evaluated in R, sampler
// moments, pathwise gradients against analytic derivatives, validation.
// Statistical checks follow the flake budget in statistical_testing.h.

#include "distributions/half_normal.h"

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

constexpr double kPi = 3.14159265358979323846;

TEST(HalfNormalTest, LogProbMatchesR) {
  // Rscript -e 'x=c(0,0.7,2.5); s=c(1,0.5,2);
  //   print(0.5*log(2/pi) - log(s) - x^2/(2*s^2), digits=17)'
  // (equal to log(2) + dnorm(x, 0, s, log=TRUE) to the last digit).
  const HalfNormal half_normal(RealTensor(Mat({{1.0}, {0.5}, {2.0}})));
  const Tensor lp = half_normal.LogProb(RealTensor(Mat({{0.0}, {0.7}, {2.5}})));
  ASSERT_EQ(lp.rows(), 3);
  ASSERT_EQ(lp.cols(), 1);
  const double expected[] = {-0.22579135264472741, -0.51264417208478197,
                             -1.70018853320467267};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(lp(i, 0), expected[i], DensityTolerance(expected[i]));
  }
}

TEST(HalfNormalTest, LogProbSumsTheEvent) {
  const HalfNormal half_normal =
      HalfNormal(RealTensor(Mat({{1.0, 0.5, 2.0}}))).Expand(2, 3);
  const Tensor lp = half_normal.LogProb(RealTensor(Mat({{0.0, 0.7, 2.5}})));
  ASSERT_EQ(lp.rows(), 2);
  // The sum of the three values of LogProbMatchesR.
  const double expected =
      -0.22579135264472741 - 0.51264417208478197 - 1.70018853320467267;
  EXPECT_NEAR(lp(0, 0), expected, DensityTolerance(expected));
  EXPECT_NEAR(lp(1, 0), expected, DensityTolerance(expected));
}

TEST(HalfNormalTest, LogProbGradientMatchesFiniteDifferences) {
  ::provi::testing::ExpectAd(
      [](const auto& x, const auto& scale) {
        using TensorType = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<TensorType, Tensor>) {
          return HalfNormal(scale).LogProb(x);
        } else {
          // The reference path: the same formula on double tensors.
          const auto z = x / scale;
          return RowSum(Square(z) * -0.5 - Log(scale) - 0.22579135264472743236);
        }
      },
      Mat({{0.3, 1.2}, {2.5, 0.1}}), Mat({{1.0}, {2.0}}));
}

TEST(HalfNormalTest, SampleMoments) {
  const double sigma = 1.7;
  Rng rng = MakeRng(1);
  const HalfNormal half_normal = HalfNormal(sigma).Expand(1000, 1);
  MeanAccumulator acc;
  for (int rep = 0; rep < 50; ++rep) {
    const Tensor x = half_normal.Sample(rng);
    EXPECT_FALSE(x.requires_grad());
    for (Index i = 0; i < x.rows(); ++i) {
      ASSERT_GE(x(i, 0), 0);
      acc.Add(x(i, 0));
    }
  }
  // Raw moments σ√(2/π), σ², 2σ³√(2/π), 3σ⁴.
  const double c = std::sqrt(2 / kPi);
  const double m1 = sigma * c, m2 = sigma * sigma,
               m3 = 2 * std::pow(sigma, 3) * c, m4 = 3 * std::pow(sigma, 4);
  const double fourth =
      m4 - 4 * m1 * m3 + 6 * m1 * m1 * m2 - 3 * std::pow(m1, 4);
  EXPECT_MEAN_NEAR(acc, m1);
  EXPECT_TRUE(::provi::testing::VarianceNear(acc, m2 - m1 * m1, fourth));
}

// d/dσ E[x²] = d/dσ σ² = 2σ; and d/dσ E[x] = √(2/π). Each gradient
// estimate averages 1,000 lanes.
TEST(HalfNormalTest, PathwiseGradientIsUnbiased) {
  const double s = 1.3;
  Rng rng = MakeRng(2);
  Parameter sigma(Matrix::Constant(1, 1, s));
  MeanAccumulator d_square, d_mean;
  for (int rep = 0; rep < 200; ++rep) {
    TapeScope scope;
    sigma.ZeroGrad();
    const Tensor x = HalfNormal(sigma.tensor()).Expand(1000, 1).RSample(rng);
    Backward(MeanAll(Square(x)));
    d_square.Add(sigma.grad()(0, 0));
    sigma.ZeroGrad();
    Tape::Current().ZeroAdjoints();
    Backward(MeanAll(x));
    d_mean.Add(sigma.grad()(0, 0));
  }
  EXPECT_MEAN_NEAR(d_square, 2 * s);
  EXPECT_MEAN_NEAR(d_mean, std::sqrt(2 / kPi));
}

TEST(HalfNormalTest, ValidateNamesTheParameterAndValue) {
  const absl::Status bad_scale =
      HalfNormal(RealTensor(Mat({{1.0, -2.0}}))).Validate();
  EXPECT_EQ(bad_scale.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_scale.message(), HasSubstr("HalfNormal"));
  EXPECT_THAT(bad_scale.message(), HasSubstr("'scale'"));
  EXPECT_THAT(bad_scale.message(), HasSubstr("-2"));
  EXPECT_THAT(HalfNormal(0.0).Validate().message(), HasSubstr("= 0"));
  EXPECT_THAT(HalfNormal(RealTensor(Mat({{1.0, 2.0}})))
                  .Expand(4, 3)
                  .Validate()
                  .message(),
              HasSubstr("expanded shape 4x3"));
  EXPECT_TRUE(HalfNormal(1.0).Expand(4, 3).Validate().ok());
}

TEST(HalfNormalTest, LogProbOfANegativeValueIsAnError) {
  const HalfNormal half_normal = HalfNormal(1.0).Expand(2, 1);
  EXPECT_EQ(half_normal.support(), Support::NonNegative());
  const absl::Status status = CatchStatus([&] {
    half_normal.LogProb(RealTensor(Mat({{0.5}, {-0.5}})));
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("HalfNormal: value element (1, 0)"));
  EXPECT_THAT(status.message(), HasSubstr("outside the support [0, inf)"));
}

}  // namespace
}  // namespace provi
