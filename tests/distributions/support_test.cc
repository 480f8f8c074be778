// Copyright 2026 The provi Authors.
//
// Supports: ordered vectors, one-hot vectors and intervals with tensor
// bounds (membership, messages, broadcasting, ownership of the bounds,
// equality).

#include "distributions/support.h"

#include <cmath>
#include <limits>
#include <vector>

#include "ad/ops.h"
#include "ad/tape.h"
#include "ad/tensor.h"
#include "base/status_error.h"
#include "distributions/bijector.h"
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

TEST(SupportTest, OrderedRowsIncrease) {
  const Support ordered = Support::Ordered();
  EXPECT_FALSE(ordered.is_elementwise());
  EXPECT_FALSE(ordered.is_discrete());
  EXPECT_EQ(ordered.ToString(), "ordered vectors");
  EXPECT_TRUE(
      ordered.Check(RealTensor(Mat({{-2, 0.5, 3}, {1, 1, 2}})), "v").ok());
  // Rows are checked one by one: a decrease across rows is fine.
  EXPECT_TRUE(ordered.Check(RealTensor(Mat({{5}, {-1}})), "v").ok());
  ExpectError(ordered.Check(RealTensor(Mat({{0, 1, 3}, {1, 2, 1.5}})), "value"),
              absl::StatusCode::kInvalidArgument,
              "value element (1, 2) = 1.5 is below the element before it, 2");
  ExpectError(ordered.Check(RealTensor(Mat({{0, std::nan(""), 3}})), "value"),
              absl::StatusCode::kInvalidArgument,
              "value element (0, 1) = nan is not finite");
  ExpectError(
      ordered.Check(
          RealTensor(Mat({{-std::numeric_limits<double>::infinity(), 0.0}})),
          "value"),
      absl::StatusCode::kInvalidArgument, "is not finite");
}

// The vectorised membership test of the elementwise supports (ContainsAll)
// agrees with the element-by-element one (Contains) on values at and
// around the bounds, and for the integer supports around the edges of
// Real's integers: halves just below 2^(digits - 1), where the spacing of
// Real becomes 1, and beyond it, where every Real is an integer; signed
// zeros, subnormals, infinities and NaN.
// Each value is tested alone and at every position of a longer array of
// members, so the vector loop and its remainder both see it.
TEST(SupportTest, VectorisedMembershipAgreesElementByElement) {
  using R = provi::Real;
  constexpr int kDigits = std::numeric_limits<R>::digits;
  const R m = std::ldexp(R(1), kDigits - 1);
  const std::vector<R> values = {
      // Around the small integers.
      0, -R(0), 1, 2, 3, 5, 6, -1, -2, -3, -4, R(0.5), -R(0.5), R(2.5), R(3.5),
      std::nextafter(R(3.5), R(4)), std::nextafter(R(-2), R(-3)),
      std::nextafter(R(1), R(0)), std::nextafter(R(1), R(2)),
      std::nextafter(R(5), R(6)),
      // Around m, where the spacing of R becomes 1, then 2.
      m - R(0.5), m - 1, m, m + 1, m + 2, m + 3, -m, -(m + 1), -(m + 3),
      // Far beyond it, the extremes, and non-numbers.
      R(1e30), -R(1e30), std::numeric_limits<R>::max(),
      std::numeric_limits<R>::denorm_min(), std::numeric_limits<R>::min(),
      std::numeric_limits<R>::infinity(), -std::numeric_limits<R>::infinity(),
      std::numeric_limits<R>::quiet_NaN()};
  const std::vector<Support> supports = {
      Support::Boolean(),
      Support::IntegerInterval(-3, 5),
      Support::IntegerInterval(m - 3, m + 4),
      Support::IntegerInterval(-R(1e30), R(1e30)),
      Support::NonNegativeInteger(),
      Support::Real(),
      Support::Positive(),
      Support::NonNegative(),
      Support::UnitInterval(),
      Support::Interval(-2, R(3.5)),
      Support::Interval(0, std::numeric_limits<R>::infinity()),
      Support::Simplex()};
  for (const Support& support : supports) {
    // Members only, 37 of them (past any vector width and its remainder).
    std::vector<R> members;
    for (R v : values) {
      if (support.Contains(v)) members.push_back(v);
    }
    ASSERT_FALSE(members.empty()) << support.ToString();
    std::vector<R> filled(37);
    for (size_t i = 0; i < filled.size(); ++i) {
      filled[i] = members[i % members.size()];
    }
    EXPECT_TRUE(
        support.ContainsAll(filled.data(), static_cast<Index>(filled.size())))
        << support.ToString();
    for (R v : values) {
      const bool expected = support.Contains(v);
      EXPECT_EQ(support.ContainsAll(&v, 1), expected)
          << support.ToString() << " at " << v;
      for (size_t at : {size_t{0}, size_t{7}, size_t{16}, size_t{36}}) {
        std::vector<R> array = filled;
        array[at] = v;
        EXPECT_EQ(
            support.ContainsAll(array.data(), static_cast<Index>(array.size())),
            expected)
            << support.ToString() << " at " << v << " in position " << at;
      }
    }
  }
}

TEST(SupportTest, OneHotRowsHaveOneOneAndZerosElsewhere) {
  const Support one_hot = Support::OneHot();
  EXPECT_FALSE(one_hot.is_elementwise());
  EXPECT_TRUE(one_hot.is_discrete());
  EXPECT_EQ(one_hot.ToString(), "one-hot vectors");
  EXPECT_TRUE(one_hot.Check(RealTensor(Mat({{0, 1, 0}, {1, 0, 0}})), "v").ok());
  ExpectError(one_hot.Check(RealTensor(Mat({{0, 1, 0}, {0, 1, 1}})), "value"),
              absl::StatusCode::kInvalidArgument,
              "value row 1 is not one-hot: it has 2 elements equal to 1");
  ExpectError(one_hot.Check(RealTensor(Mat({{0, 0, 0}})), "value"),
              absl::StatusCode::kInvalidArgument,
              "value row 0 is not one-hot: it has 0 elements equal to 1");
  ExpectError(one_hot.Check(RealTensor(Mat({{0, 0.5, 0.5}})), "value"),
              absl::StatusCode::kInvalidArgument,
              "value row 0 is not one-hot: element (0, 1) = 0.5 is neither 0 "
              "nor 1");
  ExpectError(one_hot.Check(RealTensor(Mat({{1, std::nan("")}})), "value"),
              absl::StatusCode::kInvalidArgument, "element (0, 1) = nan");
  // Elementwise, only 0 and 1 belong.
  EXPECT_TRUE(one_hot.Contains(0));
  EXPECT_TRUE(one_hot.Contains(1));
  EXPECT_FALSE(one_hot.Contains(Real(0.5)));
  // Discrete: no bijector maps the reals onto it.
  EXPECT_THAT(CatchStatus([&] { BijectorFor(one_hot); }).message(),
              ::testing::HasSubstr("discrete support one-hot vectors"));
}

TEST(SupportTest, TensorBoundsCheckEachElement) {
  // Lower per column, upper per row: element (i, j) in [lower_j, upper_i].
  const Support s = Support::Interval(RealTensor(Mat({{0.0, 1.0}})),
                                      RealTensor(Mat({{2.0}, {1.5}})));
  EXPECT_TRUE(s.has_tensor_bounds());
  EXPECT_FALSE(s.bounds_require_grad());
  EXPECT_EQ(s.kind(), Support::Kind::kInterval);
  EXPECT_EQ(s.lower(), 0);
  EXPECT_EQ(s.upper(), 2);
  EXPECT_TRUE(s.is_elementwise());
  EXPECT_TRUE(s.Check(RealTensor(Mat({{0.0, 2.0}, {1.5, 1.0}})), "v").ok());
  ExpectError(s.Check(RealTensor(Mat({{0.0, 2.0}, {1.5, 1.6}})), "value"),
              absl::StatusCode::kInvalidArgument,
              "value element (1, 1) = 1.6 is outside the support [1, 1.5]");
  // A 1x1 value (an observation under a broadcast distribution) is checked
  // against every element's bounds; the message gives the broadcast
  // position.
  EXPECT_TRUE(s.Check(Tensor(1.2), "v").ok());
  ExpectError(s.Check(Tensor(1.8), "value"), absl::StatusCode::kInvalidArgument,
              "value element (1, 0) = 1.8 is outside the support [0, 1.5]");
  ExpectError(s.Check(RealTensor(Mat({{0.5, 1.0, 1.0}})), "value"),
              absl::StatusCode::kInvalidArgument,
              "value of shape 1x3 does not broadcast with the bounds");
  ExpectError(Support::Interval(RealTensor(Mat({{0.0, 2.0}})), Tensor(1.0))
                  .Check(RealTensor(Mat({{0.5, 1.0}})), "value"),
              absl::StatusCode::kInvalidArgument,
              "lower = 2 and upper = 1; an interval needs lower <= upper");
  EXPECT_THAT(s.ToString(), ::testing::HasSubstr("within [0, 2]"));
}

TEST(SupportTest, ScalarConstantBoundsAreAPlainInterval) {
  const Support plain = Support::Interval(Tensor(0.5), Tensor(2.0));
  EXPECT_FALSE(plain.has_tensor_bounds());
  EXPECT_EQ(plain, Support::Interval(0.5, 2));
  EXPECT_EQ(plain.ToString(), "[0.5, 2]");
}

TEST(SupportTest, BoundsOnTheTape) {
  Parameter alpha(Matrix::Constant(1, 1, 0.25));
  TapeScope scope;
  // Stan's real<lower=0, upper=1-alpha>.
  const Support s = Support::Interval(Tensor(0.0), 1 - alpha.tensor());
  EXPECT_TRUE(s.has_tensor_bounds());
  EXPECT_TRUE(s.bounds_require_grad());
  EXPECT_TRUE(s.Check(Tensor(0.7), "v").ok());
  EXPECT_FALSE(s.Check(Tensor(0.8), "v").ok());
  // The owned copy keeps the values as constants.
  const Support owned = s.WithOwnedBounds();
  EXPECT_TRUE(owned.has_tensor_bounds());
  EXPECT_FALSE(owned.bounds_require_grad());
  EXPECT_EQ(owned.upper_bound().item(), Real(0.75));
  EXPECT_FALSE(owned == s);
  EXPECT_TRUE(s == s);
  const Support copy = s;
  EXPECT_TRUE(copy == s);
}

TEST(SupportTest, EqualTensorBoundsCompareEqual) {
  const Support a =
      Support::Interval(RealTensor(Mat({{0.0, 1.0}})), Tensor(3.0));
  const Support b =
      Support::Interval(RealTensor(Mat({{0.0, 1.0}})), Tensor(3.0));
  const Support c =
      Support::Interval(RealTensor(Mat({{0.0, 1.5}})), Tensor(3.0));
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(a == c);
  EXPECT_FALSE(a == Support::Interval(0, 3));
}

}  // namespace
}  // namespace provi
