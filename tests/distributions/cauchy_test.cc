// Copyright 2026 The provi Authors.
//
// Cauchy: densities against R, sampler quantiles (the family has no
// moments), pathwise gradients against analytic derivatives, validation.
// Statistical checks follow the flake budget in statistical_testing.h.

#include "distributions/cauchy.h"

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

TEST(CauchyTest, LogProbMatchesR) {
  // Rscript -e 'print(dcauchy(c(0.3,-1.2,2.5), c(0.1,0,1), c(1,0.5,2),
  //                           log=TRUE), digits=17)'
  const Cauchy cauchy(RealTensor(Mat({{0.1}, {0.0}, {1.0}})),
                      RealTensor(Mat({{1.0}, {0.5}, {2.0}})));
  const Tensor lp = cauchy.LogProb(RealTensor(Mat({{0.3}, {-1.2}, {2.5}})));
  ASSERT_EQ(lp.rows(), 3);
  ASSERT_EQ(lp.cols(), 1);
  const double expected[] = {-1.1839505990026815, -2.3626055953443275,
                             -2.2841641690377652};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(lp(i, 0), expected[i], DensityTolerance(expected[i]));
  }
}

TEST(CauchyTest, LogProbSumsTheEventAndBroadcasts) {
  // Parameters broadcast like an outer product: loc per column, scale per
  // row; each lane sums its two components.
  // Rscript -e 'for (s in c(1, 0.5)) print(sum(dcauchy(c(0.3,-1.2),
  //             c(0.1,0), s, log=TRUE)), digits=17)'
  const Cauchy cauchy(RealTensor(Mat({{0.1, 0.0}})),
                      RealTensor(Mat({{1.0}, {0.5}})));
  EXPECT_EQ(cauchy.rows(), 2);
  EXPECT_EQ(cauchy.cols(), 2);
  const Tensor lp = cauchy.LogProb(RealTensor(Mat({{0.3, -1.2}})));
  ASSERT_EQ(lp.rows(), 2);
  const double expected[] = {-3.2206785241571922, -2.9626083057520556};
  for (int i = 0; i < 2; ++i) {
    EXPECT_NEAR(lp(i, 0), expected[i], DensityTolerance(expected[i]));
  }
}

TEST(CauchyTest, LogProbGradientMatchesFiniteDifferences) {
  ::provi::testing::ExpectAd(
      [](const auto& x, const auto& loc, const auto& scale) {
        using TensorType = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<TensorType, Tensor>) {
          return Cauchy(loc, scale).LogProb(x);
        } else {
          // The reference path: the same formula on double tensors.
          const auto z = (x - loc) / scale;
          return RowSum(-Log1p(Square(z)) - Log(scale) -
                        1.14472988584940017414);
        }
      },
      Mat({{0.3, -1.2}, {2.5, 0.1}}), Mat({{0.1, 0.0}}), Mat({{1.0}, {2.0}}));
}

// P(x <= loc + q scale) = ½ + arctan(q) / π: ¼, ½ and ¾ at q = -1, 0, 1.
// Each indicator's mean is a binomial proportion, z-tested against p.
TEST(CauchyTest, SampleQuantiles) {
  const double loc = 1.5, scale = 2.0;
  Rng rng = MakeRng(1);
  const Cauchy cauchy = Cauchy(loc, scale).Expand(1000, 1);
  MeanAccumulator below_lower, below_median, below_upper;
  for (int rep = 0; rep < 50; ++rep) {
    const Tensor x = cauchy.Sample(rng);
    EXPECT_FALSE(x.requires_grad());
    for (Index i = 0; i < x.rows(); ++i) {
      below_lower.Add(x(i, 0) <= loc - scale ? 1 : 0);
      below_median.Add(x(i, 0) <= loc ? 1 : 0);
      below_upper.Add(x(i, 0) <= loc + scale ? 1 : 0);
    }
  }
  EXPECT_MEAN_NEAR(below_lower, 0.25);
  EXPECT_MEAN_NEAR(below_median, 0.5);
  EXPECT_MEAN_NEAR(below_upper, 0.75);
}

// The Cauchy has no mean, so the integrand is log(1 + x²), whose
// expectation is known in closed form: log(1 + x²) = 2 log|x + i| and
// log|z + i| is harmonic in the upper half-plane, so its Cauchy(μ, σ)
// average is its value at μ + iσ (the Poisson integral):
// E[log(1 + x²)] = log(μ² + (σ + 1)²), with gradient
// (2μ, 2(σ + 1)) / (μ² + (σ + 1)²).
TEST(CauchyTest, PathwiseGradientIsUnbiased) {
  const double m = 0.7, s = 1.3;
  Rng rng = MakeRng(2);
  Parameter mu(Matrix::Constant(1, 1, m));
  Parameter sigma(Matrix::Constant(1, 1, s));
  MeanAccumulator d_mu, d_sigma;
  for (int rep = 0; rep < 200; ++rep) {
    TapeScope scope;
    mu.ZeroGrad();
    sigma.ZeroGrad();
    const Tensor x =
        Cauchy(mu.tensor(), sigma.tensor()).Expand(1000, 1).RSample(rng);
    Backward(MeanAll(Log1p(Square(x))));
    d_mu.Add(mu.grad()(0, 0));
    d_sigma.Add(sigma.grad()(0, 0));
  }
  const double r = m * m + (s + 1) * (s + 1);
  EXPECT_MEAN_NEAR(d_mu, 2 * m / r);
  EXPECT_MEAN_NEAR(d_sigma, 2 * (s + 1) / r);
}

TEST(CauchyTest, ValidateNamesTheParameterAndValue) {
  const absl::Status bad_scale =
      Cauchy(0.0, RealTensor(Mat({{1.0, -2.0}}))).Validate();
  EXPECT_EQ(bad_scale.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_scale.message(), HasSubstr("Cauchy"));
  EXPECT_THAT(bad_scale.message(), HasSubstr("'scale'"));
  EXPECT_THAT(bad_scale.message(), HasSubstr("-2"));
  EXPECT_THAT(Cauchy(INFINITY, 1.0).Validate().message(), HasSubstr("'loc'"));
  EXPECT_THAT(
      Cauchy(RealTensor(Mat({{1.0, 2.0}})), RealTensor(Mat({{1.0, 2.0, 3.0}})))
          .Validate()
          .message(),
      HasSubstr("do not broadcast"));
  EXPECT_TRUE(Cauchy(0.0, 1.0).Expand(4, 3).Validate().ok());
}

TEST(CauchyTest, LogProbRejectsBadValues) {
  const Cauchy cauchy = Cauchy(0.0, 1.0).Expand(2, 3);
  EXPECT_THAT(CatchStatus([&] {
                cauchy.LogProb(RealTensor(Mat({{1.0, 2.0}})));
              }).message(),
              HasSubstr("Cauchy: value of shape 1x2"));
  const absl::Status nan =
      CatchStatus([&] { cauchy.LogProb(Tensor(std::nan(""))); });
  EXPECT_EQ(nan.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(nan.message(), HasSubstr("outside the support"));
}

}  // namespace
}  // namespace provi
