// Copyright 2026 The provi Authors.
//
// Delta: draws are the point, the density is log_density at the point and
// -∞ elsewhere, gradients flow to the point (pathwise) and to log_density
// (LogProb), validation.

#include "distributions/delta.h"

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

using ::provi::testing::Mat;
using ::provi::testing::RealTensor;
using ::testing::HasSubstr;

TEST(DeltaTest, SamplesAreThePoint) {
  Rng rng = MakeRng(1);
  const Delta delta = Delta(RealTensor(Mat({{0.5, -1.5}}))).Expand(3, 2);
  EXPECT_EQ(delta.support(), Support::Point());
  EXPECT_EQ(delta.rows(), 3);
  EXPECT_EQ(delta.cols(), 2);
  const Tensor x = delta.Sample(rng);
  ASSERT_EQ(x.rows(), 3);
  ASSERT_EQ(x.cols(), 2);
  for (Index i = 0; i < 3; ++i) {
    EXPECT_EQ(x(i, 0), Real(0.5));
    EXPECT_EQ(x(i, 1), Real(-1.5));
  }
}

TEST(DeltaTest, LogProbIsLogDensityAtThePointAndMinusInfinityElsewhere) {
  // Lane 1 differs from the point in one of its two components.
  const Delta delta(RealTensor(Mat({{0.5, -1.5}})),
                    RealTensor(Mat({{0.0}, {-2.0}, {1.25}})));
  EXPECT_EQ(delta.rows(), 3);
  const Tensor lp =
      delta.LogProb(RealTensor(Mat({{0.5, -1.5}, {0.5, -1.4}, {0.5, -1.5}})));
  ASSERT_EQ(lp.rows(), 3);
  ASSERT_EQ(lp.cols(), 1);
  EXPECT_EQ(lp(0, 0), 0);
  EXPECT_EQ(lp(1, 0), -INFINITY);
  EXPECT_EQ(lp(2, 0), Real(1.25));
  // The default log density is 0, and a broadcast value works.
  EXPECT_EQ(Delta(2.0).Expand(1, 3).LogProb(Tensor(2.0))(0, 0), 0);
}

TEST(DeltaTest, RSampleIsDifferentiableInThePoint) {
  Rng rng = MakeRng(2);
  Parameter point(Matrix::Constant(1, 2, 0.75));
  TapeScope scope;
  const Delta delta = Delta(point.tensor()).Expand(4, 2);
  EXPECT_TRUE(delta.has_rsample());
  const Tensor x = delta.RSample(rng);
  EXPECT_TRUE(x.requires_grad());
  EXPECT_FALSE(delta.Sample(rng).requires_grad());
  // d/dv Σ x² over 4 lanes = 4 · 2v per component.
  Backward(SumAll(Square(x)));
  EXPECT_EQ(point.grad()(0, 0), Real(6));
  EXPECT_EQ(point.grad()(0, 1), Real(6));
}

TEST(DeltaTest, LogProbIsDifferentiableInLogDensity) {
  Parameter log_density(Matrix::Constant(2, 1, -0.5));
  TapeScope scope;
  const Delta delta(Tensor(3.0), log_density.tensor());
  const Tensor lp = delta.LogProb(RealTensor(Mat({{3.0}, {2.0}})));
  EXPECT_EQ(lp(0, 0), Real(-0.5));
  EXPECT_EQ(lp(1, 0), -INFINITY);
  Backward(SumAll(lp));  // -∞ in lane 1, whose log density gets nothing
  EXPECT_EQ(log_density.grad()(0, 0), 1);
  EXPECT_EQ(log_density.grad()(1, 0), 0);
}

TEST(DeltaTest, ValidateNamesTheParameterAndValue) {
  const absl::Status bad_value =
      Delta(RealTensor(Mat({{1.0, NAN}}))).Validate();
  EXPECT_EQ(bad_value.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_value.message(),
              HasSubstr("Delta: parameter 'value' element (0, 1) = nan"));
  EXPECT_THAT(Delta(1.0, INFINITY).Validate().message(),
              HasSubstr("'log_density'"));
  EXPECT_THAT(
      Delta(RealTensor(Mat({{1.0, 2.0}})), RealTensor(Mat({{0.0, 0.0}})))
          .Validate()
          .message(),
      HasSubstr("one value per lane"));
  EXPECT_THAT(Delta(RealTensor(Mat({{1.0}, {2.0}})),
                    RealTensor(Mat({{0.0}, {0.0}, {0.0}})))
                  .Validate()
                  .message(),
              HasSubstr("do not broadcast"));
  EXPECT_TRUE(
      Delta(RealTensor(Mat({{1.0, 2.0}})), RealTensor(Mat({{0.0}, {1.0}})))
          .Validate()
          .ok());
}

TEST(DeltaTest, LogProbRejectsValuesOfTheWrongShape) {
  const Delta delta = Delta(0.0).Expand(2, 3);
  const absl::Status status = CatchStatus([&] {
    delta.LogProb(RealTensor(Mat({{1.0, 2.0}})));
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("Delta: value of shape 1x2"));
}

}  // namespace
}  // namespace provi
