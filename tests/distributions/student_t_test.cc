// Copyright 2026 The provi Authors.
//
// StudentT: densities against R, sampler moments, pathwise gradients in all
// three parameters (df through the implicitly reparameterised gamma draw)
// against analytic derivatives, validation. Statistical checks follow the
// flake budget in statistical_testing.h.

#include "distributions/student_t.h"

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

TEST(StudentTTest, LogProbMatchesR) {
  // R's dt has no location or scale; shifted and scaled by hand:
  // Rscript -e 'x=c(0.3,-1.2,2.5); df=c(1.5,3,10); m=c(0.1,0,1); s=c(1,0.5,2);
  //   print(dt((x-m)/s, df, log=TRUE) - log(s), digits=17)'
  const StudentT student(RealTensor(Mat({{1.5}, {3.0}, {10.0}})),
                         RealTensor(Mat({{0.1}, {0.0}, {1.0}})),
                         RealTensor(Mat({{1.0}, {0.5}, {2.0}})));
  const Tensor lp = student.LogProb(RealTensor(Mat({{0.3}, {-1.2}, {2.5}})));
  ASSERT_EQ(lp.rows(), 3);
  ASSERT_EQ(lp.cols(), 1);
  const double expected[] = {-1.1095469202286075, -2.4509089016239454,
                             -1.9380314810017536};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(lp(i, 0), expected[i], DensityTolerance(expected[i]));
  }
}

TEST(StudentTTest, LogProbBroadcastsParametersOfDifferentShapes) {
  // df per column and scale per lane broadcast like an outer product to
  // 3x3; each lane sums its three components.
  const StudentT student(RealTensor(Mat({{1.5, 3.0, 10.0}})), 0.0,
                         RealTensor(Mat({{1.0}, {0.5}, {2.0}})));
  EXPECT_EQ(student.rows(), 3);
  EXPECT_EQ(student.cols(), 3);
  const Tensor lp = student.LogProb(Tensor(0.7));
  ASSERT_EQ(lp.rows(), 3);
  // Rscript -e 'df=c(1.5,3,10); for (s in c(1,0.5,2))
  //   print(sum(dt(0.7/s, df, log=TRUE) - log(s)), digits=17)'
  const double expected[] = {-3.9404576067619814, -3.9767408056722249,
                             -5.3460158714608248};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(lp(i, 0), expected[i], DensityTolerance(expected[i]));
  }
}

TEST(StudentTTest, LogProbGradientMatchesFiniteDifferences) {
  ::provi::testing::ExpectAd(
      [](const auto& x, const auto& df, const auto& loc, const auto& scale) {
        using TensorType = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<TensorType, Tensor>) {
          return StudentT(df, loc, scale).LogProb(x);
        } else {
          // The reference path: the same formula on double tensors.
          const auto z = (x - loc) / scale;
          const auto a = (df + 1.0) * 0.5;
          return RowSum(Log1p(Square(z) / df) * -a + Lgamma(a) -
                        Lgamma(df * 0.5) - Log(df) * 0.5 - Log(scale) -
                        0.57236494292470008707);
        }
      },
      Mat({{0.3, -1.2}, {2.5, 0.1}}), Mat({{1.5, 7.0}}), Mat({{0.1, 0.0}}),
      Mat({{1.0}, {2.0}}));
}

// ν = 10: mean loc, variance scale² ν/(ν - 2), fourth central moment
// 3 scale⁴ ν² / ((ν - 2)(ν - 4)); the eighth moment exists (ν > 8), so the
// sample variance is close to normal.
TEST(StudentTTest, SampleMoments) {
  const double nu = 10, loc = -0.5, scale = 1.5;
  Rng rng = MakeRng(1);
  const StudentT student = StudentT(nu, loc, scale).Expand(1000, 1);
  MeanAccumulator acc;
  for (int rep = 0; rep < 100; ++rep) {
    const Tensor x = student.Sample(rng);
    EXPECT_FALSE(x.requires_grad());
    for (Index i = 0; i < x.rows(); ++i) acc.Add(x(i, 0));
  }
  const double s2 = scale * scale;
  EXPECT_MEAN_NEAR(acc, loc);
  EXPECT_TRUE(::provi::testing::VarianceNear(
      acc, s2 * nu / (nu - 2), 3 * s2 * s2 * nu * nu / ((nu - 2) * (nu - 4))));
}

// E[x²] = μ² + σ² ν/(ν - 2), so the gradient in (μ, σ, ν) is
// (2μ, 2σ ν/(ν - 2), -2σ²/(ν - 2)²). The ν component checks the implicit
// reparameterisation of the χ² draw. Each estimate averages 1,000 lanes.
TEST(StudentTTest, PathwiseGradientIsUnbiasedInAllParameters) {
  const double m = 0.4, s = 1.2, n = 10;
  Rng rng = MakeRng(2);
  Parameter mu(Matrix::Constant(1, 1, m));
  Parameter sigma(Matrix::Constant(1, 1, s));
  Parameter nu(Matrix::Constant(1, 1, n));
  MeanAccumulator d_mu, d_sigma, d_nu;
  for (int rep = 0; rep < 400; ++rep) {
    TapeScope scope;
    mu.ZeroGrad();
    sigma.ZeroGrad();
    nu.ZeroGrad();
    const Tensor x = StudentT(nu.tensor(), mu.tensor(), sigma.tensor())
                         .Expand(1000, 1)
                         .RSample(rng);
    Backward(MeanAll(Square(x)));
    d_mu.Add(mu.grad()(0, 0));
    d_sigma.Add(sigma.grad()(0, 0));
    d_nu.Add(nu.grad()(0, 0));
  }
  EXPECT_MEAN_NEAR(d_mu, 2 * m);
  EXPECT_MEAN_NEAR(d_sigma, 2 * s * n / (n - 2));
  EXPECT_MEAN_NEAR(d_nu, -2 * s * s / ((n - 2) * (n - 2)));
}

// E|T| for T ~ t(ν), ν > 1: 2√ν Γ((ν + 1)/2) / (√π (ν - 1) Γ(ν/2)).
double MeanAbsoluteT(double nu) {
  return 2 * std::exp(0.5 * std::log(nu) + std::lgamma((nu + 1) / 2) -
                      0.5 * std::log(3.14159265358979323846) -
                      std::log(nu - 1) - std::lgamma(nu / 2));
}

// A heavy-tailed case: ν = 3, where x² has no finite variance, so the
// integrand is |x| (E|x| = σ E|T|). The reference derivative in ν is the
// central difference of the exact closed form (error ~1e-10).
TEST(StudentTTest, PathwiseGradientInDfIsUnbiasedForHeavyTails) {
  const double s = 0.8, n = 3;
  Rng rng = MakeRng(3);
  Parameter sigma(Matrix::Constant(1, 1, s));
  Parameter nu(Matrix::Constant(1, 1, n));
  MeanAccumulator d_sigma, d_nu;
  for (int rep = 0; rep < 400; ++rep) {
    TapeScope scope;
    sigma.ZeroGrad();
    nu.ZeroGrad();
    const Tensor x =
        StudentT(nu.tensor(), 0.0, sigma.tensor()).Expand(1000, 1).RSample(rng);
    Backward(MeanAll(Abs(x)));
    d_sigma.Add(sigma.grad()(0, 0));
    d_nu.Add(nu.grad()(0, 0));
  }
  const double h = 1e-5;
  EXPECT_MEAN_NEAR(d_sigma, MeanAbsoluteT(n));
  EXPECT_MEAN_NEAR(d_nu,
                   s * (MeanAbsoluteT(n + h) - MeanAbsoluteT(n - h)) / (2 * h));
}

TEST(StudentTTest, ConstantDfCostsNoGradientWork) {
  Rng rng = MakeRng(4);
  Parameter loc(Matrix::Constant(1, 1, 0.0));
  TapeScope scope;
  const Tensor df(4.0);
  const Tensor x = StudentT(df, loc.tensor(), 1.0).Expand(5, 2).RSample(rng);
  EXPECT_TRUE(x.requires_grad());
  EXPECT_EQ(x.rows(), 5);
  EXPECT_EQ(x.cols(), 2);
  Backward(SumAll(x));
  EXPECT_EQ(loc.grad()(0, 0), 10);
}

TEST(StudentTTest, ValidateNamesTheParameterAndValue) {
  const absl::Status bad_df =
      StudentT(RealTensor(Mat({{3.0, -1.0}})), 0.0, 1.0).Validate();
  EXPECT_EQ(bad_df.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_df.message(), HasSubstr("StudentT"));
  EXPECT_THAT(bad_df.message(), HasSubstr("'df' element (0, 1) = -1"));
  EXPECT_THAT(StudentT(3.0, 0.0, 0.0).Validate().message(),
              HasSubstr("'scale'"));
  EXPECT_THAT(StudentT(3.0, std::nan(""), 1.0).Validate().message(),
              HasSubstr("'loc'"));
  EXPECT_THAT(StudentT(RealTensor(Mat({{1.0, 2.0}})),
                       RealTensor(Mat({{1.0, 2.0, 3.0}})), 1.0)
                  .Validate()
                  .message(),
              HasSubstr("do not broadcast"));
  EXPECT_TRUE(StudentT(3.0, 0.0, 1.0).Expand(4, 3).Validate().ok());
}

TEST(StudentTTest, LogProbRejectsBadValues) {
  const StudentT student(3.0, 0.0, 1.0);
  const absl::Status status =
      CatchStatus([&] { student.LogProb(Tensor(INFINITY)); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("StudentT: value"));
}

}  // namespace
}  // namespace provi
