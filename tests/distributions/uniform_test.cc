// Copyright 2026 The provi Authors.
//
// Uniform: densities against R, the indicator outside the bounds, sampler
// moments, pathwise gradients against analytic derivatives, validation.
// Statistical checks follow the flake budget in statistical_testing.h.

#include "distributions/uniform.h"

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

TEST(UniformTest, LogProbMatchesR) {
  // Rscript -e 'print(dunif(c(0.3,-1.2,2.5), c(0,-2,1), c(1,0,4),
  //                         log=TRUE), digits=17)'
  const Uniform uniform(RealTensor(Mat({{0.0}, {-2.0}, {1.0}})),
                        RealTensor(Mat({{1.0}, {0.0}, {4.0}})));
  const Tensor lp = uniform.LogProb(RealTensor(Mat({{0.3}, {-1.2}, {2.5}})));
  ASSERT_EQ(lp.rows(), 3);
  ASSERT_EQ(lp.cols(), 1);
  const double expected[] = {0.0, -0.69314718055994529, -1.09861228866810978};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(lp(i, 0), expected[i], DensityTolerance(expected[i]));
  }
}

TEST(UniformTest, LogProbIncludesTheBoundsAndSumsTheEvent) {
  // The support is closed: both endpoints have the interior density.
  const Uniform uniform = Uniform(-2.0, 0.0).Expand(2, 3);
  const Tensor lp = uniform.LogProb(RealTensor(Mat({{-2.0, -1.2, 0.0}})));
  ASSERT_EQ(lp.rows(), 2);
  const double expected = 3 * -0.69314718055994529;
  EXPECT_NEAR(lp(0, 0), expected, DensityTolerance(expected));
  EXPECT_NEAR(lp(1, 0), expected, DensityTolerance(expected));
}

TEST(UniformTest, LogProbGradientMatchesFiniteDifferences) {
  // ∂/∂low = 1/(high - low), ∂/∂high = -1/(high - low), 0 in the value.
  ::provi::testing::ExpectAd(
      [](const auto& x, const auto& low, const auto& high) {
        using TensorType = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<TensorType, Tensor>) {
          return Uniform(low, high).LogProb(x);
        } else {
          // The reference path: the density inside the bounds.
          return RowSum(x * 0.0 - Log(high - low));
        }
      },
      Mat({{0.3, -1.2}, {2.5, 0.1}}), Mat({{-1.5, -2.0}, {0.0, -3.0}}),
      Mat({{0.5, 1.0}, {3.0, 0.2}}));
}

TEST(UniformTest, ValueOutsideItsOwnBoundsIsAnError) {
  // Bounds per lane; 0.5 lies in [0, 1] but not in [1, 4].
  const Uniform uniform(RealTensor(Mat({{0.0}, {1.0}})),
                        RealTensor(Mat({{1.0}, {4.0}})));
  // Its support has the bounds of each lane, inside [0, 4].
  const Support support = uniform.support();
  EXPECT_TRUE(support.has_tensor_bounds());
  EXPECT_EQ(support.lower(), 0);
  EXPECT_EQ(support.upper(), 4);
  EXPECT_EQ(Uniform(0.0, 1.0).support(), Support::Interval(0, 1));
  const absl::Status status =
      CatchStatus([&] { uniform.LogProb(Tensor(0.5)); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              HasSubstr("Uniform: value element (1, 0) = 0.5 is outside the "
                        "support [1, 4]"));
  // Outside every lane's bounds the shared support check reports it.
  const absl::Status below =
      CatchStatus([&] { Uniform(0.0, 1.0).LogProb(Tensor(-0.25)); });
  EXPECT_EQ(below.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(below.message(), HasSubstr("outside the support [0, 1]"));
}

TEST(UniformTest, WithoutValidationOutsideTheBoundsIsMinusInfinity) {
  const Uniform uniform(RealTensor(Mat({{0.0}, {1.0}})),
                        RealTensor(Mat({{1.0}, {4.0}})));
  SetDistributionValidation(false);
  const Tensor lp = uniform.LogProb(Tensor(0.5));
  SetDistributionValidation(true);
  EXPECT_EQ(lp(0, 0), 0);
  EXPECT_EQ(lp(1, 0), -INFINITY);
}

TEST(UniformTest, SampleMoments) {
  const double a = -1.0, b = 3.0;
  Rng rng = MakeRng(1);
  const Uniform uniform = Uniform(a, b).Expand(1000, 1);
  MeanAccumulator acc;
  for (int rep = 0; rep < 50; ++rep) {
    const Tensor x = uniform.Sample(rng);
    EXPECT_FALSE(x.requires_grad());
    for (Index i = 0; i < x.rows(); ++i) acc.Add(x(i, 0));
  }
  // Variance (b - a)²/12, fourth central moment (b - a)⁴/80.
  EXPECT_MEAN_NEAR(acc, (a + b) / 2);
  EXPECT_TRUE(::provi::testing::VarianceNear(acc, (b - a) * (b - a) / 12,
                                             std::pow(b - a, 4) / 80));
}

TEST(UniformTest, DrawsStayWithinTheBounds) {
  // Where rounding is coarsest relative to the interval: a width of two
  // units in the last place, and a width that rounds up (high - low is not
  // representable), so that u close to 1 would overshoot high if the
  // rounding of (high - low) u did not compensate.
  Rng rng = MakeRng(2);
  const Real wide = 1000;
  const Real bounds[][2] = {
      {wide, std::nextafter(std::nextafter(wide, 2 * wide), 2 * wide)},
      {Real(-7e-8), Real(1)},
      {Real(-1), Real(3e-8)}};
  for (const auto& [low, high] : bounds) {
    const Uniform uniform = Uniform(low, high).Expand(10000, 1);
    const Tensor x = uniform.Sample(rng);
    for (Index i = 0; i < x.rows(); ++i) {
      ASSERT_GE(x(i, 0), low);
      ASSERT_LE(x(i, 0), high);
    }
    EXPECT_TRUE(CatchStatus([&] { uniform.LogProb(x); }).ok());
  }
}

// E[x²] = (a² + ab + b²)/3, so the gradient is ((2a + b)/3, (a + 2b)/3).
// Each gradient estimate averages 1,000 lanes.
TEST(UniformTest, PathwiseGradientIsUnbiased) {
  const double a = -0.5, b = 2.0;
  Rng rng = MakeRng(3);
  Parameter low(Matrix::Constant(1, 1, a));
  Parameter high(Matrix::Constant(1, 1, b));
  MeanAccumulator d_low, d_high;
  for (int rep = 0; rep < 200; ++rep) {
    TapeScope scope;
    low.ZeroGrad();
    high.ZeroGrad();
    const Tensor x =
        Uniform(low.tensor(), high.tensor()).Expand(1000, 1).RSample(rng);
    Backward(MeanAll(Square(x)));
    d_low.Add(low.grad()(0, 0));
    d_high.Add(high.grad()(0, 0));
  }
  EXPECT_MEAN_NEAR(d_low, (2 * a + b) / 3);
  EXPECT_MEAN_NEAR(d_high, (a + 2 * b) / 3);
}

TEST(UniformTest, ValidateNamesTheParameterAndValue) {
  const absl::Status reversed =
      Uniform(RealTensor(Mat({{0.0}, {1.0}})), RealTensor(Mat({{1.0}, {0.5}})))
          .Validate();
  EXPECT_EQ(reversed.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(reversed.message(),
              HasSubstr("Uniform: parameter 'high' element (1, 0) = 0.5 must "
                        "be > low = 1"));
  EXPECT_THAT(Uniform(1.0, 1.0).Validate().message(), HasSubstr("'high'"));
  EXPECT_THAT(Uniform(-INFINITY, 1.0).Validate().message(),
              HasSubstr("'low' element (0, 0) = -inf must be finite"));
  EXPECT_THAT(
      Uniform(RealTensor(Mat({{0.0, 1.0}})), RealTensor(Mat({{2.0, 3.0, 4.0}})))
          .Validate()
          .message(),
      HasSubstr("do not broadcast"));
  // Outer-product bounds: low per column, high per lane.
  const Uniform outer(RealTensor(Mat({{0.0, 1.0}})),
                      RealTensor(Mat({{2.0}, {3.0}, {4.0}})));
  EXPECT_TRUE(outer.Validate().ok());
  EXPECT_EQ(outer.rows(), 3);
  EXPECT_EQ(outer.cols(), 2);
}

}  // namespace
}  // namespace provi
