// Copyright 2026 The provi Authors.
//
// Laplace: densities against a closed form evaluated in R, sampler moments,
// pathwise gradients against analytic derivatives, validation. Statistical
// checks follow the flake budget in statistical_testing.h.

#include "distributions/laplace.h"

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

TEST(LaplaceTest, LogProbMatchesR) {
  // Rscript -e 'x=c(0.3,-1.2,2.5); m=c(0.1,0,1); b=c(1,0.5,2);
  //   print(-log(2*b) - abs(x-m)/b, digits=17)'
  const Laplace laplace(RealTensor(Mat({{0.1}, {0.0}, {1.0}})),
                        RealTensor(Mat({{1.0}, {0.5}, {2.0}})));
  const Tensor lp = laplace.LogProb(RealTensor(Mat({{0.3}, {-1.2}, {2.5}})));
  ASSERT_EQ(lp.rows(), 3);
  ASSERT_EQ(lp.cols(), 1);
  const double expected[] = {-0.89314718055994524, -2.39999999999999991,
                             -2.13629436111989079};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(lp(i, 0), expected[i], DensityTolerance(expected[i]));
  }
}

TEST(LaplaceTest, LogProbSumsTheEvent) {
  const Laplace laplace = Laplace(RealTensor(Mat({{0.1, 0.0, 1.0}})),
                                  RealTensor(Mat({{1.0, 0.5, 2.0}})))
                              .Expand(2, 3);
  const Tensor lp = laplace.LogProb(RealTensor(Mat({{0.3, -1.2, 2.5}})));
  ASSERT_EQ(lp.rows(), 2);
  // The sum of the three values of LogProbMatchesR.
  const double expected =
      -0.89314718055994524 - 2.39999999999999991 - 2.13629436111989079;
  EXPECT_NEAR(lp(0, 0), expected, DensityTolerance(expected));
  EXPECT_NEAR(lp(1, 0), expected, DensityTolerance(expected));
}

TEST(LaplaceTest, LogProbGradientMatchesFiniteDifferences) {
  // Values away from loc, where |x - loc| is differentiable.
  ::provi::testing::ExpectAd(
      [](const auto& x, const auto& loc, const auto& scale) {
        using TensorType = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<TensorType, Tensor>) {
          return Laplace(loc, scale).LogProb(x);
        } else {
          // The reference path: the same formula on double tensors.
          return RowSum(-Abs(x - loc) / scale - Log(scale) -
                        0.69314718055994530942);
        }
      },
      Mat({{0.3, -1.2}, {2.5, 0.1}}), Mat({{0.1, 0.0}}), Mat({{1.0}, {2.0}}));
}

TEST(LaplaceTest, SampleMoments) {
  const double loc = 1.5, scale = 0.7;
  Rng rng = MakeRng(1);
  const Laplace laplace = Laplace(loc, scale).Expand(1000, 1);
  MeanAccumulator acc;
  for (int rep = 0; rep < 50; ++rep) {
    const Tensor x = laplace.Sample(rng);
    EXPECT_FALSE(x.requires_grad());
    for (Index i = 0; i < x.rows(); ++i) acc.Add(x(i, 0));
  }
  // Variance 2b², fourth central moment 24b⁴.
  EXPECT_MEAN_NEAR(acc, loc);
  EXPECT_TRUE(::provi::testing::VarianceNear(acc, 2 * scale * scale,
                                             24 * std::pow(scale, 4)));
}

// E[x²] = μ² + 2b², so the gradient is (2μ, 4b). Each gradient estimate
// averages 1,000 lanes.
TEST(LaplaceTest, PathwiseGradientIsUnbiased) {
  const double m = -0.6, b = 1.1;
  Rng rng = MakeRng(2);
  Parameter mu(Matrix::Constant(1, 1, m));
  Parameter scale(Matrix::Constant(1, 1, b));
  MeanAccumulator d_mu, d_scale;
  for (int rep = 0; rep < 200; ++rep) {
    TapeScope scope;
    mu.ZeroGrad();
    scale.ZeroGrad();
    const Tensor x =
        Laplace(mu.tensor(), scale.tensor()).Expand(1000, 1).RSample(rng);
    Backward(MeanAll(Square(x)));
    d_mu.Add(mu.grad()(0, 0));
    d_scale.Add(scale.grad()(0, 0));
  }
  EXPECT_MEAN_NEAR(d_mu, 2 * m);
  EXPECT_MEAN_NEAR(d_scale, 4 * b);
}

TEST(LaplaceTest, ValidateNamesTheParameterAndValue) {
  const absl::Status bad_scale =
      Laplace(0.0, RealTensor(Mat({{1.0, -2.0}}))).Validate();
  EXPECT_EQ(bad_scale.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_scale.message(), HasSubstr("Laplace"));
  EXPECT_THAT(bad_scale.message(), HasSubstr("'scale'"));
  EXPECT_THAT(bad_scale.message(), HasSubstr("-2"));
  EXPECT_THAT(Laplace(std::nan(""), 1.0).Validate().message(),
              HasSubstr("'loc'"));
  EXPECT_THAT(Laplace(RealTensor(Mat({{1.0, 2.0}})), 1.0)
                  .Expand(4, 3)
                  .Validate()
                  .message(),
              HasSubstr("expanded shape 4x3"));
  EXPECT_TRUE(Laplace(0.0, 1.0).Expand(4, 3).Validate().ok());
}

TEST(LaplaceTest, LogProbRejectsBadValues) {
  const Laplace laplace(0.0, 1.0);
  const absl::Status status =
      CatchStatus([&] { laplace.LogProb(Tensor(std::nan(""))); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("Laplace: value"));
}

}  // namespace
}  // namespace provi
