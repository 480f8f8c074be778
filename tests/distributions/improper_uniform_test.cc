// Copyright 2026 The provi Authors.
//
// ImproperUniform: log density 0 on the support and -inf outside (an error
// while validation is on), broadcasting, no sampler, validation. (Sites with
// it under autoguides and in models: tests/vi/autoguide_test.cc.)

#include "distributions/improper_uniform.h"

#include <cmath>
#include <limits>

#include "ad/ops.h"
#include "ad/tape.h"
#include "base/random.h"
#include "base/status_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/expect_ad.h"
#include "tests/testing/statistical_testing.h"
#include "tests/testing/status_testing.h"

namespace provi {
namespace {

using ::provi::testing::ExpectError;
using ::provi::testing::Mat;
using ::provi::testing::RealTensor;

// Turns validation off for one scope.
class NoValidation {
 public:
  NoValidation() { SetDistributionValidation(false); }
  ~NoValidation() { SetDistributionValidation(true); }
};

TEST(ImproperUniformTest, LogDensityIsZeroOnTheSupport) {
  struct Case {
    Support support;
    Index rows, cols;
    Eigen::MatrixXd value;
  };
  const Case cases[] = {
      {Support::Real(), 2, 3, Mat({{-1e6, 0, 3}, {2, -4, 1e-9}})},
      {Support::Positive(), 1, 2, Mat({{1e-30, 4e20}})},
      {Support::Interval(-1, 2), 3, 1, Mat({{-1}, {0.5}, {2}})},
      {Support::Simplex(), 2, 3, Mat({{0.2, 0.3, 0.5}, {1, 0, 0}})},
      {Support::Ordered(), 2, 3, Mat({{-3, 0, 7}, {1, 1.5, 2}})},
      {Support::LowerCholesky(), 2, 2, Mat({{2, 0}, {-1, 0.5}})},
      {Support::Interval(Tensor(0.0), RealTensor(Mat({{1.0}, {3.0}}))), 2, 1,
       Mat({{0.9}, {2.9}})},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.support.ToString());
    const ImproperUniform flat(c.support, c.rows, c.cols);
    ASSERT_TRUE(flat.Validate().ok()) << flat.Validate();
    EXPECT_EQ(flat.rows(), c.rows);
    EXPECT_EQ(flat.cols(), c.cols);
    EXPECT_FALSE(flat.has_sample());
    EXPECT_FALSE(flat.has_rsample());
    const Tensor lp = flat.LogProb(RealTensor(c.value));
    ASSERT_EQ(lp.rows(), c.rows);
    ASSERT_EQ(lp.cols(), 1);
    for (Index i = 0; i < lp.rows(); ++i) EXPECT_EQ(lp(i, 0), 0) << i;
  }
}

TEST(ImproperUniformTest, ValuesBroadcastLikeAnyFamily) {
  // A 1x1 value under a 4x2 distribution: one entry per lane.
  const Tensor lp =
      ImproperUniform(Support::Positive(), 4, 2).LogProb(Tensor(3.0));
  ASSERT_EQ(lp.rows(), 4);
  EXPECT_EQ(lp(3, 0), 0);
  ExpectError(CatchStatus([] {
                ImproperUniform(Support::Real(), 2, 2)
                    .LogProb(RealTensor(Mat({{1, 2, 3}})));
              }),
              absl::StatusCode::kInvalidArgument,
              "ImproperUniform: value of shape 1x3 does not broadcast");
}

TEST(ImproperUniformTest, OutsideTheSupportIsAnErrorOrMinusInfinity) {
  const ImproperUniform positive(Support::Positive(), 3, 2);
  const Tensor value = RealTensor(Mat({{1, 2}, {-1, 2}, {3, 4}}));
  ExpectError(CatchStatus([&] { positive.LogProb(value); }),
              absl::StatusCode::kInvalidArgument,
              "ImproperUniform: value element (1, 0) = -1 is outside the "
              "support (0, inf)");
  const ImproperUniform ordered(Support::Ordered(), 2, 3);
  const Tensor unordered = RealTensor(Mat({{1, 2, 3}, {1, 3, 2}}));
  ExpectError(CatchStatus([&] { ordered.LogProb(unordered); }),
              absl::StatusCode::kInvalidArgument,
              "is below the element before it");
  const ImproperUniform bounded(
      Support::Interval(Tensor(0.0), RealTensor(Mat({{1.0}, {3.0}}))), 2, 1);
  NoValidation off;
  // Each lane on its own: only the lanes outside get -inf.
  const Tensor lp = positive.LogProb(value);
  EXPECT_EQ(lp(0, 0), 0);
  EXPECT_EQ(lp(1, 0), -kInfinity);
  EXPECT_EQ(lp(2, 0), 0);
  const Tensor lp_ordered = ordered.LogProb(unordered);
  EXPECT_EQ(lp_ordered(0, 0), 0);
  EXPECT_EQ(lp_ordered(1, 0), -kInfinity);
  // 2 is inside lane 1's [0, 3] but outside lane 0's [0, 1].
  const Tensor lp_bounded = bounded.LogProb(Tensor(2.0));
  EXPECT_EQ(lp_bounded(0, 0), -kInfinity);
  EXPECT_EQ(lp_bounded(1, 0), 0);
  const Tensor lp_cholesky = ImproperUniform(Support::LowerCholesky(), 2, 2)
                                 .LogProb(RealTensor(Mat({{1, 1}, {0, 1}})));
  EXPECT_EQ(SumAll(lp_cholesky).item(), -kInfinity);
}

TEST(ImproperUniformTest, HasNoSampler) {
  Rng rng = MakeRng(1);
  const ImproperUniform flat(Support::Positive(), 1, 1);
  ExpectError(CatchStatus([&] { flat.Sample(rng); }),
              absl::StatusCode::kFailedPrecondition,
              "ImproperUniform on (0, inf) is an improper prior and has no "
              "sampler");
  ExpectError(CatchStatus([&] { flat.RSample(rng); }),
              absl::StatusCode::kFailedPrecondition, "autoguide");
}

TEST(ImproperUniformTest, ValidateNamesTheProblem) {
  ExpectError(ImproperUniform(Support::Real(), 0, 2).Validate(),
              absl::StatusCode::kInvalidArgument,
              "ImproperUniform: shape 0x2 must be at least 1x1");
  ExpectError(ImproperUniform(Support::NonNegativeInteger(), 1, 1).Validate(),
              absl::StatusCode::kInvalidArgument, "is discrete");
  ExpectError(ImproperUniform(Support::LowerCholesky(), 2, 3).Validate(),
              absl::StatusCode::kInvalidArgument, "2x3 is not");
  const ImproperUniform expanded =
      ImproperUniform(Support::Real(), 1, 3).Expand(5, 3);
  EXPECT_EQ(expanded.rows(), 5);
  EXPECT_EQ(expanded.cols(), 3);
  EXPECT_EQ(expanded.ExpandRows(7)->rows(), 7);
}

}  // namespace
}  // namespace provi
