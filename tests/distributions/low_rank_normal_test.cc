// Copyright 2026 The provi Authors.
//
// LowRankNormal: densities against R (through the full covariance W Wᵀ +
// diag(s²)), sampler means and covariances, validation. Statistical checks
// follow the flake budget in statistical_testing.h.

#include "distributions/low_rank_normal.h"

#include <algorithm>
#include <cmath>

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

// W (3 x 2), s and loc used throughout, and the covariance W Wᵀ + diag(s²)
// as R prints it (Rscript -e 'W=matrix(c(0.8,-0.2, 0.3,0.5, -0.6,0.1), 3,
// 2, byrow=TRUE); s=c(0.5,1.2,0.7); print(W %*% t(W) + diag(s^2),
// digits=17)').
Eigen::MatrixXd Factor() { return Mat({{0.8, -0.2}, {0.3, 0.5}, {-0.6, 0.1}}); }
Eigen::MatrixXd Scale() { return Mat({{0.5, 1.2, 0.7}}); }
Eigen::MatrixXd Loc() { return Mat({{0.3, -1.0, 2.0}}); }
Eigen::MatrixXd Covariance() {
  return Mat({{0.93, 0.14, -0.5}, {0.14, 1.78, -0.13}, {-0.5, -0.13, 0.86}});
}

TEST(LowRankNormalTest, LogProbMatchesR) {
  // Rscript -e 'W=matrix(c(0.8,-0.2, 0.3,0.5, -0.6,0.1), 3, 2,
  //   byrow=TRUE); s=c(0.5,1.2,0.7); S=W %*% t(W) + diag(s^2); R=chol(S);
  //   loc=c(0.3,-1,2); x=matrix(c(0.1,-0.5,1, 2,0.3,-1, -0.7,-2.5,2.2,
  //   0.3,-1,2), 4, 3, byrow=TRUE); print(apply(x, 1, function(xi) {
  //   d=xi-loc; -0.5*drop(t(d) %*% solve(S, d)) - sum(log(diag(R))) -
  //   1.5*log(2*pi) }), digits=17)'
  const LowRankNormal low_rank(RealTensor(Loc()), RealTensor(Factor()),
                               RealTensor(Scale()));
  ASSERT_TRUE(low_rank.Validate().ok());
  EXPECT_EQ(low_rank.rows(), 1);
  EXPECT_EQ(low_rank.cols(), 3);
  const Tensor lp = low_rank.LogProb(RealTensor(Mat({{0.1, -0.5, 1.0},
                                                     {2.0, 0.3, -1.0},
                                                     {-0.7, -2.5, 2.2},
                                                     {0.3, -1.0, 2.0}})));
  ASSERT_EQ(lp.rows(), 4);
  ASSERT_EQ(lp.cols(), 1);
  const double expected[] = {-3.8496738423768186, -8.1791512403282258,
                             -3.9161572272343950, -2.7386241478407389};
  for (int i = 0; i < 4; ++i) {
    // The Woodbury path's rounding is a few times a direct solve's.
    EXPECT_NEAR(lp(i, 0), expected[i], 8 * DensityTolerance(expected[i])) << i;
  }
}

TEST(LowRankNormalTest, OneMeanPerLane) {
  // The same density as LogProbMatchesR's first and third rows, with the
  // mean given per lane and the values shifted by it.
  const LowRankNormal low_rank(
      RealTensor(Mat({{0.3, -1.0, 2.0}, {1.3, 0.0, 1.0}})),
      RealTensor(Factor()), RealTensor(Scale()));
  ASSERT_TRUE(low_rank.Validate().ok());
  const Tensor lp =
      low_rank.LogProb(RealTensor(Mat({{0.1, -0.5, 1.0}, {0.3, -1.5, 1.2}})));
  const double expected[] = {-3.8496738423768186, -3.9161572272343950};
  for (int i = 0; i < 2; ++i) {
    EXPECT_NEAR(lp(i, 0), expected[i], 8 * DensityTolerance(expected[i])) << i;
  }
}

// Sample means and covariances of 20000 lanes, z-tested: the covariance of
// a normal sample has standard error √((Σ_ii Σ_jj + Σ_ij²) / n).
TEST(LowRankNormalTest, SamplerHasTheMeanAndCovariance) {
  const Index n = 20000;
  const LowRankNormal low_rank(RealTensor(Loc()), RealTensor(Factor()),
                               RealTensor(Scale()));
  Rng rng = MakeRng(14);
  const Tensor draws = low_rank.ExpandRows(n)->Sample(rng);
  EXPECT_FALSE(draws.requires_grad());
  ASSERT_EQ(draws.rows(), n);
  const Eigen::MatrixXd x = draws.value().cast<double>();
  const Eigen::MatrixXd loc = Loc();
  const Eigen::MatrixXd covariance = Covariance();
  for (Index j = 0; j < 3; ++j) {
    MeanAccumulator mean;
    for (Index i = 0; i < n; ++i) mean.Add(x(i, j));
    EXPECT_MEAN_NEAR(mean, loc(0, j));
    for (Index k = j; k < 3; ++k) {
      double c = 0;
      for (Index i = 0; i < n; ++i) {
        c += (x(i, j) - loc(0, j)) * (x(i, k) - loc(0, k));
      }
      c /= static_cast<double>(n);
      const double se = std::sqrt((covariance(j, j) * covariance(k, k) +
                                   covariance(j, k) * covariance(j, k)) /
                                  static_cast<double>(n));
      EXPECT_NEAR(c, covariance(j, k), ::provi::testing::kZThreshold * se)
          << j << ", " << k;
    }
  }
}

TEST(LowRankNormalTest, RSampleIsOnTheTape) {
  TapeScope tape;
  const Tensor loc = Variable(Matrix(Loc().cast<Real>()));
  const LowRankNormal low_rank(loc, RealTensor(Factor()), RealTensor(Scale()));
  Rng rng = MakeRng(3);
  const Tensor x = low_rank.RSample(rng);
  ASSERT_TRUE(x.requires_grad());
  Backward(SumAll(x));
  // ∂ Σ x / ∂ loc = 1 for every component.
  for (Index j = 0; j < 3; ++j) EXPECT_EQ(loc.adjoint()(0, j), 1);
}

TEST(LowRankNormalTest, ValidationNamesTheParameter) {
  const absl::Status negative =
      LowRankNormal(RealTensor(Loc()), RealTensor(Factor()),
                    RealTensor(Mat({{0.5, -1.2, 0.7}})))
          .Validate();
  EXPECT_EQ(negative.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      negative.message(),
      HasSubstr("LowRankNormal: parameter 'diag_scale' element (0, 1)"));
  const absl::Status shapes =
      LowRankNormal(RealTensor(Mat({{0.3, -1.0}})), RealTensor(Factor()),
                    RealTensor(Scale()))
          .Validate();
  EXPECT_EQ(shapes.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(shapes.message(), HasSubstr("parameter shapes"));
  const absl::Status nan =
      LowRankNormal(RealTensor(Loc()),
                    RealTensor(Mat({{0.8, -0.2}, {NAN, 0.5}, {-0.6, 0.1}})),
                    RealTensor(Scale()))
          .Validate();
  EXPECT_THAT(nan.message(),
              HasSubstr("parameter 'cov_factor' element (1, 0)"));
}

TEST(LowRankNormalTest, ValueOfTheWrongWidthIsAnError) {
  const LowRankNormal low_rank(RealTensor(Loc()), RealTensor(Factor()),
                               RealTensor(Scale()));
  try {
    low_rank.LogProb(RealTensor(Mat({{0.1, -0.5}})));
    ADD_FAILURE() << "no error";
  } catch (const StatusError& error) {
    EXPECT_EQ(error.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(error.status().message(), HasSubstr("does not broadcast"));
  }
}

}  // namespace
}  // namespace provi
