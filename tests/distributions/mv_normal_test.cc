// Copyright 2026 The provi Authors.
//
// MvNormal: densities against R (through the covariance, solve and chol),
// the covariance constructor, sampler means and covariances, pathwise
// gradients against analytic derivatives, validation. Statistical checks
// follow the flake budget in statistical_testing.h.

#include "distributions/mv_normal.h"

#include <cmath>
#include <type_traits>
#include <vector>

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

// The Cholesky factor used throughout, and its covariance L Lᵀ as R prints
// it (Rscript -e 'L=matrix(c(1.5,0,0, 0.3,0.8,0, -0.4,0.2,1.1), 3, 3,
// byrow=TRUE); print(L %*% t(L), digits=17)').
Eigen::MatrixXd ScaleTril() {
  return Mat({{1.5, 0.0, 0.0}, {0.3, 0.8, 0.0}, {-0.4, 0.2, 1.1}});
}
Eigen::MatrixXd Covariance() {
  return Mat({{2.25, 0.45, -0.6}, {0.45, 0.73, 0.04}, {-0.6, 0.04, 1.41}});
}

TEST(MvNormalTest, LogProbMatchesR) {
  // One mean per lane.
  // Rscript -e 'L=matrix(c(1.5,0,0, 0.3,0.8,0, -0.4,0.2,1.1), 3, 3,
  //   byrow=TRUE); S=L %*% t(L); R=chol(S);
  //   loc=matrix(c(0.1,-0.2,0.3, 1,0,-1), 2, 3, byrow=TRUE);
  //   x=matrix(c(0.5,0.1,-0.3, 0.2,0.4,0.6), 2, 3, byrow=TRUE);
  //   print(sapply(1:2, function(i) { d=x[i,]-loc[i,];
  //     -0.5*drop(t(d) %*% solve(S, d)) - sum(log(diag(R))) -
  //     1.5*log(2*pi) }), digits=17)'
  const MvNormal mv_normal(
      RealTensor(Mat({{0.1, -0.2, 0.3}, {1.0, 0.0, -1.0}})),
      RealTensor(ScaleTril()));
  EXPECT_EQ(mv_normal.rows(), 2);
  EXPECT_EQ(mv_normal.cols(), 3);
  const Tensor lp =
      mv_normal.LogProb(RealTensor(Mat({{0.5, 0.1, -0.3}, {0.2, 0.4, 0.6}})));
  ASSERT_EQ(lp.rows(), 2);
  ASSERT_EQ(lp.cols(), 1);
  const double expected[] = {-3.2320589638523343, -4.0638917806567418};
  for (int i = 0; i < 2; ++i) {
    EXPECT_NEAR(lp(i, 0), expected[i], DensityTolerance(expected[i]));
  }
}

TEST(MvNormalTest, SharedMeanAndFromCovarianceMatchR) {
  // Rscript -e 'L=matrix(c(1.5,0,0, 0.3,0.8,0, -0.4,0.2,1.1), 3, 3,
  //   byrow=TRUE); S=L %*% t(L); R=chol(S); loc=c(0.5,-1,2);
  //   x=matrix(c(0.5,0.1,-0.3, 0.2,0.4,0.6, 1,1,1, -2,0,3), 4, 3,
  //   byrow=TRUE); print(apply(x, 1, function(xi) { d=xi-loc;
  //     -0.5*drop(t(d) %*% solve(S, d)) - sum(log(diag(R))) -
  //     1.5*log(2*pi) }), digits=17)'
  const Tensor loc = RealTensor(Mat({{0.5, -1.0, 2.0}}));
  const Tensor x = RealTensor(Mat(
      {{0.5, 0.1, -0.3}, {0.2, 0.4, 0.6}, {1.0, 1.0, 1.0}, {-2.0, 0.0, 3.0}}));
  const double expected[] = {-6.7196875221627099, -6.1263817370387432,
                             -6.6541457407118383, -6.1818661263867689};
  const MvNormal from_tril(loc, RealTensor(ScaleTril()));
  const MvNormal from_covariance =
      MvNormal::FromCovariance(loc, RealTensor(Covariance()));
  EXPECT_TRUE(from_covariance.Validate().ok());
  for (const MvNormal* mv_normal : {&from_tril, &from_covariance}) {
    EXPECT_EQ(mv_normal->rows(), 1);
    const Tensor lp = mv_normal->LogProb(x);
    ASSERT_EQ(lp.rows(), 4);
    for (int i = 0; i < 4; ++i) {
      // The covariance path adds the Cholesky factorisation's rounding.
      EXPECT_NEAR(lp(i, 0), expected[i], 4 * DensityTolerance(expected[i]));
    }
  }
}

TEST(MvNormalTest, LogProbGradientMatchesFiniteDifferences) {
  // Only L's lower triangle is read: the gradient of the upper triangle is 0
  // on both paths.
  ::provi::testing::ExpectAd(
      [](const auto& x, const auto& loc, const auto& scale_tril) {
        using TensorType = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<TensorType, Tensor>) {
          return MvNormal(loc, scale_tril).LogProb(x);
        } else {
          // The reference path: the same formula on double tensors.
          const auto z = TriangularSolve(scale_tril, Transpose(x - loc));
          const std::vector<Index> diagonal = {0, 1, 2};
          return Transpose(ColSum(Square(z))) * -0.5 -
                 SumAll(Log(GatherCols(scale_tril, diagonal))) -
                 3 * 0.91893853320467274178;
        }
      },
      Mat({{0.5, 0.1, -0.3}, {0.2, 0.4, 0.6}}), Mat({{0.1, -0.2, 0.3}}),
      ScaleTril());
}

TEST(MvNormalTest, SampleMeansAndCovariances) {
  const Eigen::MatrixXd mean = Mat({{0.5, -1.0, 2.0}});
  const Eigen::MatrixXd covariance = Covariance();
  Rng rng = MakeRng(1);
  const MvNormal mv_normal =
      MvNormal(RealTensor(mean), RealTensor(ScaleTril())).Expand(1000, 3);
  EXPECT_TRUE(mv_normal.Validate().ok());
  MeanAccumulator component[3];
  MeanAccumulator product[3][3];  // (x_a - μ_a)(x_b - μ_b), b <= a
  for (int rep = 0; rep < 50; ++rep) {
    const Tensor x = mv_normal.Sample(rng);
    EXPECT_FALSE(x.requires_grad());
    ASSERT_EQ(x.rows(), 1000);
    ASSERT_EQ(x.cols(), 3);
    for (Index i = 0; i < x.rows(); ++i) {
      for (int a = 0; a < 3; ++a) {
        component[a].Add(x(i, a));
        for (int b = 0; b <= a; ++b) {
          product[a][b].Add((x(i, a) - mean(0, a)) * (x(i, b) - mean(0, b)));
        }
      }
    }
  }
  for (int a = 0; a < 3; ++a) {
    EXPECT_MEAN_NEAR(component[a], mean(0, a));
    for (int b = 0; b <= a; ++b) {
      EXPECT_MEAN_NEAR(product[a][b], covariance(a, b))
          << "covariance (" << a << ", " << b << ")";
    }
  }
}

// E‖x‖² = ‖μ‖² + tr(L Lᵀ) = ‖μ‖² + Σ L_ab², so the gradient is 2μ and 2L
// (0 above the diagonal, where L is 0). Each estimate averages 500 lanes.
TEST(MvNormalTest, PathwiseGradientIsUnbiased) {
  const Matrix mean = Mat({{0.5, -1.0, 2.0}}).cast<Real>();
  const Matrix tril = ScaleTril().cast<Real>();
  Rng rng = MakeRng(2);
  Parameter loc(mean);
  Parameter scale_tril(tril);
  MeanAccumulator d_loc[3], d_tril[3][3];
  for (int rep = 0; rep < 200; ++rep) {
    TapeScope scope;
    loc.ZeroGrad();
    scale_tril.ZeroGrad();
    const Tensor x =
        MvNormal(loc.tensor(), scale_tril.tensor()).Expand(500, 3).RSample(rng);
    Backward(SumAll(Square(x)) * Real(1.0 / 500));
    for (int a = 0; a < 3; ++a) {
      d_loc[a].Add(loc.grad()(0, a));
      for (int b = 0; b < 3; ++b) d_tril[a][b].Add(scale_tril.grad()(a, b));
    }
  }
  for (int a = 0; a < 3; ++a) {
    EXPECT_MEAN_NEAR(d_loc[a], 2 * mean(0, a));
    for (int b = 0; b < 3; ++b) {
      EXPECT_MEAN_NEAR(d_tril[a][b], 2 * tril(a, b))
          << "scale_tril (" << a << ", " << b << ")";
    }
  }
}

TEST(MvNormalTest, FromCovarianceRejectsIndefiniteMatrices) {
  const absl::Status status = CatchStatus([] {
    MvNormal::FromCovariance(Tensor(Matrix::Zero(1, 2)),
                             RealTensor(Mat({{1.0, 2.0}, {2.0, 1.0}})));
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("not positive definite"));
}

TEST(MvNormalTest, ValidateNamesTheParameterAndValue) {
  const Tensor loc = RealTensor(Mat({{0.0, 0.0, 0.0}}));
  EXPECT_THAT(MvNormal(loc, RealTensor(Mat({{1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}})))
                  .Validate()
                  .message(),
              HasSubstr("MvNormal: parameter 'scale_tril' is 2x3, not a "
                        "square matrix"));
  EXPECT_THAT(MvNormal(RealTensor(Mat({{0.0, 0.0}})), RealTensor(ScaleTril()))
                  .Validate()
                  .message(),
              HasSubstr("loc 1x2, scale_tril 3x3 do not broadcast"));
  EXPECT_THAT(
      MvNormal(loc, RealTensor(ScaleTril())).Expand(4, 2).Validate().message(),
      HasSubstr("expanded shape 4x2"));
  Eigen::MatrixXd upper = ScaleTril();
  upper(0, 2) = 0.5;
  const absl::Status not_lower = MvNormal(loc, RealTensor(upper)).Validate();
  EXPECT_EQ(not_lower.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(not_lower.message(),
              HasSubstr("'scale_tril' element (0, 2) = 0.5 must be 0"));
  Eigen::MatrixXd bad_diagonal = ScaleTril();
  bad_diagonal(1, 1) = -0.8;
  EXPECT_THAT(MvNormal(loc, RealTensor(bad_diagonal)).Validate().message(),
              HasSubstr("'scale_tril' element (1, 1) = -0.8 must be > 0"));
  Eigen::MatrixXd bad_below = ScaleTril();
  bad_below(2, 0) = NAN;
  EXPECT_THAT(MvNormal(loc, RealTensor(bad_below)).Validate().message(),
              HasSubstr("'scale_tril' element (2, 0) = nan must be finite"));
  EXPECT_THAT(
      MvNormal(RealTensor(Mat({{0.0, INFINITY, 0.0}})), RealTensor(ScaleTril()))
          .Validate()
          .message(),
      HasSubstr("'loc' element (0, 1) = inf"));
  EXPECT_TRUE(
      MvNormal(loc, RealTensor(ScaleTril())).Expand(4, 3).Validate().ok());
}

TEST(MvNormalTest, LogProbRejectsBadValues) {
  const MvNormal mv_normal =
      MvNormal(RealTensor(Mat({{0.0, 0.0, 0.0}})), RealTensor(ScaleTril()))
          .Expand(2, 3);
  const absl::Status shape = CatchStatus([&] {
    mv_normal.LogProb(RealTensor(Mat({{1.0, 2.0}})));
  });
  EXPECT_EQ(shape.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(shape.message(), HasSubstr("MvNormal: value of shape 1x2"));
  const absl::Status nan = CatchStatus([&] {
    mv_normal.LogProb(RealTensor(Mat({{1.0, NAN, 0.0}})));
  });
  EXPECT_THAT(nan.message(), HasSubstr("outside the support"));
}

}  // namespace
}  // namespace provi
