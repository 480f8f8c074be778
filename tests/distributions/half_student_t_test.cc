// Copyright 2026 The provi Authors.
//
// HalfStudentT: densities against the closed form written here in double
// (and against its limits, the half-Cauchy at ν = 1), sampler moments,
// pathwise gradients in scale and df against analytic derivatives,
// validation. Statistical checks follow the flake budget in
// statistical_testing.h.

#include "distributions/half_student_t.h"

#include <cmath>
#include <limits>
#include <type_traits>

#include "ad/ops.h"
#include "ad/tape.h"
#include "base/random.h"
#include "base/status_error.h"
#include "distributions/half_cauchy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/expect_ad.h"
#include "tests/testing/statistical_testing.h"
#include "tests/testing/status_testing.h"

namespace provi {
namespace {

using ::provi::testing::DensityTolerance;
using ::provi::testing::ExpectError;
using ::provi::testing::Mat;
using ::provi::testing::MeanAccumulator;
using ::provi::testing::RealTensor;

constexpr double kPi = 3.14159265358979323846;

// The half-t density, 2 t_ν(x / s) / s, from its definition.
double HalfStudentTLogPdf(double x, double nu, double s) {
  const double z = x / s;
  return std::log(2.0) + std::lgamma((nu + 1) / 2) - std::lgamma(nu / 2) -
         0.5 * std::log(nu * kPi) - std::log(s) -
         (nu + 1) / 2 * std::log1p(z * z / nu);
}

// E|T|^k of a standard t with ν > k degrees of freedom.
double AbsoluteMoment(double k, double nu) {
  return std::exp(k / 2 * std::log(nu) + std::lgamma((k + 1) / 2) +
                  std::lgamma((nu - k) / 2) - 0.5 * std::log(kPi) -
                  std::lgamma(nu / 2));
}

TEST(HalfStudentTTest, LogProbMatchesTheClosedForm) {
  const HalfStudentT half_t(RealTensor(Mat({{1.5}, {3.0}, {30.0}})),
                            RealTensor(Mat({{1.0}, {0.5}, {2.0}})));
  const Tensor lp = half_t.LogProb(RealTensor(Mat({{0.3}, {0.0}, {5.5}})));
  ASSERT_EQ(lp.rows(), 3);
  ASSERT_EQ(lp.cols(), 1);
  const double expected[] = {HalfStudentTLogPdf(0.3, 1.5, 1.0),
                             HalfStudentTLogPdf(0.0, 3.0, 0.5),
                             HalfStudentTLogPdf(5.5, 30.0, 2.0)};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(lp(i, 0), expected[i], DensityTolerance(expected[i]));
  }
  // A worked value: ν = 3, s = 1 at x = 1: log(2 · 2 / (π √3) · (4/3)^-2).
  const double worked =
      std::log(4 / (kPi * std::sqrt(3.0))) - 2 * std::log(4.0 / 3);
  EXPECT_NEAR(HalfStudentT(3.0, 1.0).LogProb(Tensor(1.0)).item(), worked,
              DensityTolerance(worked));
}

TEST(HalfStudentTTest, OneDegreeOfFreedomIsTheHalfCauchy) {
  const Tensor x = RealTensor(Mat({{0.1, 2.0, 40.0}}));
  const Tensor t = HalfStudentT(1.0, 2.5).Expand(1, 3).LogProb(x);
  const Tensor cauchy = HalfCauchy(2.5).Expand(1, 3).LogProb(x);
  EXPECT_NEAR(t.item(), cauchy.item(), DensityTolerance(cauchy.item()));
}

TEST(HalfStudentTTest, LogProbGradientMatchesFiniteDifferences) {
  ::provi::testing::ExpectAd(
      [](const auto& x, const auto& df, const auto& scale) {
        using TensorType = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<TensorType, Tensor>) {
          return HalfStudentT(df, scale).LogProb(x);
        } else {
          // The reference path: the closed form on double tensors.
          const auto z = x / scale;
          const auto a = (df + 1.0) * 0.5;
          return RowSum(Log1p(Square(z) / df) * -a + Lgamma(a) -
                        Lgamma(df * 0.5) - Log(df * kPi) * 0.5 - Log(scale) +
                        std::log(2.0));
        }
      },
      Mat({{0.3, 1.2}, {2.5, 0.1}}), Mat({{1.5, 7.0}}), Mat({{1.0}, {2.0}}));
}

// ν = 12: the mean, and the variance, whose sample version needs the
// fourth moment (finite for ν > 8 so that the z-test's normal
// approximation holds), from E|T|^k.
TEST(HalfStudentTTest, SampleMoments) {
  const double nu = 12, s = 1.5;
  Rng rng = MakeRng(1);
  const HalfStudentT half_t = HalfStudentT(nu, s).Expand(1000, 1);
  MeanAccumulator acc;
  for (int rep = 0; rep < 100; ++rep) {
    const Tensor x = half_t.Sample(rng);
    EXPECT_FALSE(x.requires_grad());
    for (Index i = 0; i < x.rows(); ++i) {
      ASSERT_GE(x(i, 0), 0);
      acc.Add(x(i, 0));
    }
  }
  double m[5];
  for (int k = 1; k <= 4; ++k) m[k] = std::pow(s, k) * AbsoluteMoment(k, nu);
  const double mean = m[1];
  const double variance = m[2] - mean * mean;
  const double fourth = m[4] - 4 * mean * m[3] + 6 * mean * mean * m[2] -
                        3 * mean * mean * mean * mean;
  EXPECT_MEAN_NEAR(acc, mean);
  EXPECT_TRUE(::provi::testing::VarianceNear(acc, variance, fourth));
}

// E[x²] = s² ν / (ν - 2): gradient (2 s ν / (ν - 2), -2 s² / (ν - 2)²) in
// (s, ν); each estimate averages 1,000 lanes.
TEST(HalfStudentTTest, PathwiseGradientIsUnbiased) {
  const double s = 1.2, n = 10;
  Rng rng = MakeRng(2);
  Parameter scale(Matrix::Constant(1, 1, s));
  Parameter nu(Matrix::Constant(1, 1, n));
  MeanAccumulator d_scale, d_nu;
  for (int rep = 0; rep < 400; ++rep) {
    TapeScope scope;
    scale.ZeroGrad();
    nu.ZeroGrad();
    const Tensor x =
        HalfStudentT(nu.tensor(), scale.tensor()).Expand(1000, 1).RSample(rng);
    Backward(MeanAll(Square(x)));
    d_scale.Add(scale.grad()(0, 0));
    d_nu.Add(nu.grad()(0, 0));
  }
  EXPECT_MEAN_NEAR(d_scale, 2 * s * n / (n - 2));
  EXPECT_MEAN_NEAR(d_nu, -2 * s * s / ((n - 2) * (n - 2)));
}

TEST(HalfStudentTTest, ValidateAndSupport) {
  ExpectError(HalfStudentT(RealTensor(Mat({{3.0, -1.0}})), 1.0).Validate(),
              absl::StatusCode::kInvalidArgument,
              "HalfStudentT: parameter 'df' element (0, 1) = -1");
  ExpectError(HalfStudentT(3.0, 0.0).Validate(),
              absl::StatusCode::kInvalidArgument, "'scale'");
  ExpectError(HalfStudentT(RealTensor(Mat({{1.0, 2.0}})),
                           RealTensor(Mat({{1.0, 2.0, 3.0}})))
                  .Validate(),
              absl::StatusCode::kInvalidArgument, "do not broadcast");
  const HalfStudentT expanded = HalfStudentT(3.0, 1.0).Expand(4, 3);
  EXPECT_TRUE(expanded.Validate().ok());
  EXPECT_EQ(expanded.rows(), 4);
  EXPECT_EQ(expanded.cols(), 3);
  ExpectError(
      HalfStudentT(RealTensor(Mat({{1.0, 2.0}})), 1.0).Expand(4, 3).Validate(),
      absl::StatusCode::kInvalidArgument,
      "do not broadcast to the expanded shape 4x3");
  // The sampler draws Gamma(df / 2), as StudentT's does.
  ExpectError(
      HalfStudentT(std::numeric_limits<Real>::denorm_min(), 1.0).Validate(),
      absl::StatusCode::kInvalidArgument, "df / 2 > 0");
  EXPECT_EQ(HalfStudentT(3.0, 1.0).support(), Support::NonNegative());
  ExpectError(CatchStatus([] { HalfStudentT(3.0, 1.0).LogProb(Tensor(-0.5)); }),
              absl::StatusCode::kInvalidArgument,
              "HalfStudentT: value element (0, 0) = -0.5 is outside");
}

}  // namespace
}  // namespace provi
