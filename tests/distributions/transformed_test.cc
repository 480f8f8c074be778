// Copyright 2026 The provi Authors.
//
// Transformed<Base>: densities against R (a log-normal through the exp
// bijector, a logit-normal through the interval bijector), the inverse
// cache, sampler moments of the log-normal, pathwise gradients, lanes.
// Statistical checks follow the flake budget in statistical_testing.h.

#include "distributions/transformed.h"

#include <algorithm>
#include <cmath>

#include "ad/ops.h"
#include "ad/tape.h"
#include "base/random.h"
#include "base/status_error.h"
#include "distributions/normal.h"
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

// u ~ N((0.2, -0.4), (0.7, 1.3)) elementwise.
Normal Base() {
  return Normal(RealTensor(Mat({{0.2, -0.4}})), RealTensor(Mat({{0.7, 1.3}})));
}

TEST(TransformedTest, ExpOfANormalIsLogNormal) {
  // Rscript -e 'print(sum(dlnorm(c(1.5, 0.3), c(0.2, -0.4), c(0.7, 1.3),
  //   log=TRUE)), digits=17)'
  const Transformed<Normal> log_normal(Base(),
                                       BijectorFor(Support::Positive()));
  EXPECT_EQ(log_normal.rows(), 1);
  EXPECT_EQ(log_normal.cols(), 2);
  EXPECT_EQ(log_normal.support().kind(), Support::Kind::kPositive);
  const Tensor lp = log_normal.LogProb(RealTensor(Mat({{1.5, 0.3}})));
  ASSERT_EQ(lp.rows(), 1);
  ASSERT_EQ(lp.cols(), 1);
  const double expected = -1.1793705500037692;
  EXPECT_NEAR(lp.item(), expected, DensityTolerance(expected, 4e-6));
}

TEST(TransformedTest, ScaledSigmoidOfANormalIsLogitNormal) {
  // x = a + (b - a) σ(u) on (a, b) = (-1, 3):
  // Rscript -e 'a=-1; b=3; y=c(0.5, 2.9); z=(y-a)/(b-a); u=log(z/(1-z));
  //   print(sum(dnorm(u, c(0.2, -0.4), c(0.7, 1.3), log=TRUE) -
  //   log((y-a)*(b-y)/(b-a))), digits=17)'
  const Transformed<Normal> logit_normal(Base(),
                                         BijectorFor(Support::Interval(-1, 3)));
  const Tensor lp = logit_normal.LogProb(RealTensor(Mat({{0.5, 2.9}})));
  const double expected = -4.7520745949024326;
  // 2.9 is near the bound, where σ⁻¹ loses a few digits in float.
  EXPECT_NEAR(lp.item(), expected, 10 * DensityTolerance(expected, 4e-6));
}

TEST(TransformedTest, LogProbOfTheDrawReusesItsUnconstrainedValue) {
  TapeScope tape;
  const Transformed<Normal> log_normal(Base(),
                                       BijectorFor(Support::Positive()));
  Rng rng = MakeRng(5);
  const Tensor x = log_normal.RSample(rng);
  const Tensor at_draw = log_normal.LogProb(x);
  const Tensor at_copy = log_normal.LogProb(Tensor(Matrix(x.value())));
  EXPECT_NEAR(at_draw.item(), at_copy.item(),
              DensityTolerance(at_copy.item(), 4e-6));
}

// x = exp(u), u ~ N(0.2, 0.7²): E x = exp(0.2 + 0.7²/2) and
// Var x = (exp(0.7²) - 1) exp(0.4 + 0.7²) (R: 1.5604901958326667,
// 1.5397719762048734).
TEST(TransformedTest, SamplerHasTheLogNormalMoments) {
  const Transformed<Normal> log_normal(Normal(0.2, 0.7),
                                       BijectorFor(Support::Positive()));
  Rng rng = MakeRng(21);
  const std::shared_ptr<const Distribution> lanes =
      log_normal.ExpandRows(20000);
  ASSERT_TRUE(lanes->Validate().ok());
  const Tensor draws = lanes->Sample(rng);
  EXPECT_FALSE(draws.requires_grad());
  ASSERT_EQ(draws.rows(), 20000);
  MeanAccumulator mean;
  for (Index i = 0; i < draws.rows(); ++i) {
    ASSERT_GT(draws(i, 0), 0);
    mean.Add(draws(i, 0));
  }
  EXPECT_MEAN_NEAR(mean, 1.5604901958326667);
  MeanAccumulator log_mean;
  for (Index i = 0; i < draws.rows(); ++i) log_mean.Add(std::log(draws(i, 0)));
  EXPECT_MEAN_NEAR(log_mean, 0.2);
}

TEST(TransformedTest, RSampleCarriesTheGradientThroughTheBijector) {
  TapeScope tape;
  const Tensor loc = Variable(Matrix::Constant(1, 1, Real(0.2)));
  const Transformed<Normal> log_normal(Normal(loc, Tensor(0.7)),
                                       BijectorFor(Support::Positive()));
  Rng rng = MakeRng(8);
  const Tensor x = log_normal.RSample(rng);
  Backward(x);
  // x = exp(loc + 0.7 ε), so ∂x/∂loc = x.
  EXPECT_NEAR(loc.adjoint()(0, 0), x.item(), 1e-6 * x.item());
}

TEST(TransformedTest, ValueOutsideTheSupportIsAnError) {
  const Transformed<Normal> log_normal(Base(),
                                       BijectorFor(Support::Positive()));
  try {
    log_normal.LogProb(RealTensor(Mat({{1.5, -0.3}})));
    ADD_FAILURE() << "no error";
  } catch (const StatusError& error) {
    EXPECT_EQ(error.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace provi
