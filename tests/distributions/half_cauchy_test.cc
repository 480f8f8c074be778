// Copyright 2026 The provi Authors.
//
// HalfCauchy: densities against a closed form evaluated in R, sampler
// quantiles (the family has no moments), pathwise gradients against
// analytic derivatives, validation. Statistical checks follow the flake
// budget in statistical_testing.h.

#include "distributions/half_cauchy.h"

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

TEST(HalfCauchyTest, LogProbMatchesR) {
  // Rscript -e 'x=c(0,0.7,2.5); s=c(1,0.5,2);
  //   print(log(2)-log(pi)-log(s)-log1p((x/s)^2), digits=17)'
  // (equal to log(2) + dcauchy(x, 0, s, log=TRUE) within 1e-16).
  const HalfCauchy half_cauchy(RealTensor(Mat({{1.0}, {0.5}, {2.0}})));
  const Tensor lp = half_cauchy.LogProb(RealTensor(Mat({{0.0}, {0.7}, {2.5}})));
  ASSERT_EQ(lp.rows(), 3);
  ASSERT_EQ(lp.cols(), 1);
  const double expected[] = {-0.45158270528945488, -0.84362479306547855,
                             -2.08571323031392675};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(lp(i, 0), expected[i], DensityTolerance(expected[i]));
  }
}

TEST(HalfCauchyTest, LogProbGradientMatchesFiniteDifferences) {
  ::provi::testing::ExpectAd(
      [](const auto& x, const auto& scale) {
        using TensorType = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<TensorType, Tensor>) {
          return HalfCauchy(scale).LogProb(x);
        } else {
          // The reference path: the same formula on double tensors.
          const auto z = x / scale;
          return RowSum(-Log1p(Square(z)) - Log(scale) -
                        0.45158270528945486473);
        }
      },
      Mat({{0.3, 1.2}, {2.5, 0.1}}), Mat({{1.0}, {2.0}}));
}

// 1x1 and full-shape operands take the fused one-node path.
TEST(HalfCauchyTest, FusedLogProbGradientMatchesFiniteDifferences) {
  const auto log_prob = [](const auto& x, const auto& scale) {
    using TensorType = std::decay_t<decltype(x)>;
    if constexpr (std::is_same_v<TensorType, Tensor>) {
      return HalfCauchy(scale).LogProb(x);
    } else {
      const auto z = x / scale;
      return RowSum(
          BroadcastTo(-Log1p(Square(z)) - Log(scale) - 0.45158270528945486473,
                      x.rows(), x.cols()));
    }
  };
  ::provi::testing::ExpectAd(log_prob, Mat({{0.3, 1.2}, {2.5, 0.1}}),
                             Mat({{1.0, 0.5}, {2.0, 3.0}}));
  ::provi::testing::ExpectAd(log_prob, Mat({{0.3, 1.2}, {2.5, 0.1}}),
                             Mat({{1.5}}));
  ::provi::testing::ExpectAd(log_prob, Mat({{0.7}}), Mat({{1.5}}));
}

// P(x <= q scale) = (2/π) arctan(q): ¼ at q = tan(π/8), ½ at q = 1 (the
// median is `scale`), ¾ at q = tan(3π/8). Binomial z-tests.
TEST(HalfCauchyTest, SampleQuantiles) {
  const double scale = 1.7;
  Rng rng = MakeRng(1);
  const HalfCauchy half_cauchy = HalfCauchy(scale).Expand(1000, 1);
  MeanAccumulator below_lower, below_median, below_upper;
  for (int rep = 0; rep < 50; ++rep) {
    const Tensor x = half_cauchy.Sample(rng);
    EXPECT_FALSE(x.requires_grad());
    for (Index i = 0; i < x.rows(); ++i) {
      ASSERT_GE(x(i, 0), 0);
      below_lower.Add(x(i, 0) <= 0.41421356237309505 * scale ? 1 : 0);
      below_median.Add(x(i, 0) <= scale ? 1 : 0);
      below_upper.Add(x(i, 0) <= 2.4142135623730950 * scale ? 1 : 0);
    }
  }
  EXPECT_MEAN_NEAR(below_lower, 0.25);
  EXPECT_MEAN_NEAR(below_median, 0.5);
  EXPECT_MEAN_NEAR(below_upper, 0.75);
}

// log(1 + x²) is even, so its HalfCauchy(σ) mean is its Cauchy(0, σ) mean,
// log((σ + 1)²) (see cauchy_test.cc): the gradient is 2 / (σ + 1).
TEST(HalfCauchyTest, PathwiseGradientIsUnbiased) {
  const double s = 1.3;
  Rng rng = MakeRng(2);
  Parameter sigma(Matrix::Constant(1, 1, s));
  MeanAccumulator d_sigma;
  for (int rep = 0; rep < 200; ++rep) {
    TapeScope scope;
    sigma.ZeroGrad();
    const Tensor x = HalfCauchy(sigma.tensor()).Expand(1000, 1).RSample(rng);
    Backward(MeanAll(Log1p(Square(x))));
    d_sigma.Add(sigma.grad()(0, 0));
  }
  EXPECT_MEAN_NEAR(d_sigma, 2 / (s + 1));
}

TEST(HalfCauchyTest, ValidateNamesTheParameterAndValue) {
  const absl::Status bad_scale =
      HalfCauchy(RealTensor(Mat({{1.0, -2.0}}))).Validate();
  EXPECT_EQ(bad_scale.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_scale.message(), HasSubstr("HalfCauchy"));
  EXPECT_THAT(bad_scale.message(), HasSubstr("'scale'"));
  EXPECT_THAT(bad_scale.message(), HasSubstr("-2"));
  EXPECT_THAT(HalfCauchy(INFINITY).Validate().message(), HasSubstr("inf"));
  EXPECT_TRUE(HalfCauchy(1.0).Expand(4, 3).Validate().ok());
}

TEST(HalfCauchyTest, LogProbOfANegativeValueIsAnError) {
  const HalfCauchy half_cauchy(1.0);
  EXPECT_EQ(half_cauchy.support(), Support::NonNegative());
  const absl::Status status =
      CatchStatus([&] { half_cauchy.LogProb(Tensor(-0.25)); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("HalfCauchy: value"));
  EXPECT_THAT(status.message(), HasSubstr("outside the support"));
}

}  // namespace
}  // namespace provi
