// Copyright 2026 The provi Authors.
//
// ScatterAddRows and RowGroupLogSumExp: values, finite-difference gradients
// (expect_ad.h), empty and infinite groups, agreement with the particle-major
// reduction (Reshape + RowLogSumExp), and index errors.

#include <cmath>
#include <limits>
#include <vector>

#include "ad/ops.h"
#include "ad/tape.h"
#include "gtest/gtest.h"
#include "tests/testing/expect_ad.h"

namespace provi {
namespace {

using ::provi::testing::ExpectAd;
using ::provi::testing::ExpectAdFails;
using ::provi::testing::Mat;

const Eigen::MatrixXd kX =
    Mat({{0.3, -1.2}, {1.5, 0.7}, {-0.6, 0.9}, {0.2, -1.7}, {2.1, 0.4}});

TEST(ScatterAddRowsTest, SumsEachGroup) {
  const std::vector<Index> index = {2, 0, 2, 2, 0};
  const Tensor y = ScatterAddRows(Tensor(kX.cast<Real>().eval()), index, 4);
  ASSERT_EQ(y.rows(), 4);
  ASSERT_EQ(y.cols(), 2);
  EXPECT_NEAR(y(0, 0), 1.5 + 2.1, 1e-6);
  EXPECT_NEAR(y(0, 1), 0.7 + 0.4, 1e-6);
  EXPECT_EQ(y(1, 0), 0);  // no row goes to group 1
  EXPECT_NEAR(y(2, 0), 0.3 - 0.6 + 0.2, 1e-6);
  EXPECT_EQ(y(3, 1), 0);
  ExpectAd([&](const auto& x) { return ScatterAddRows(x, index, 4); }, kX);
}

TEST(ScatterAddRowsTest, IsTheAdjointOfGatherRows) {
  // <Gather(x), g> = <x, Scatter(g)> for any x, g.
  const std::vector<Index> index = {1, 1, 0, 2, 1};
  const Eigen::MatrixXd x = Mat({{0.5, 1}, {-2, 0.25}, {3, -1}});
  const Tensor gathered = GatherRows(Tensor(x.cast<Real>().eval()), index);
  const Tensor scattered =
      ScatterAddRows(Tensor(kX.cast<Real>().eval()), index, 3);
  const double lhs =
      (gathered.value().cast<double>().array() * kX.array()).sum();
  const double rhs =
      (scattered.value().cast<double>().array() * x.array()).sum();
  EXPECT_NEAR(lhs, rhs, 1e-5);
}

TEST(RowGroupLogSumExpTest, ReducesEachGroup) {
  const std::vector<Index> group = {1, 0, 1, 1, 0};
  const Tensor y = RowGroupLogSumExp(Tensor(kX.cast<Real>().eval()), group, 3);
  ASSERT_EQ(y.rows(), 3);
  EXPECT_NEAR(y(0, 0), std::log(std::exp(1.5) + std::exp(2.1)), 1e-5);
  EXPECT_NEAR(y(1, 1),
              std::log(std::exp(-1.2) + std::exp(0.9) + std::exp(-1.7)), 1e-5);
  EXPECT_EQ(y(2, 0), -std::numeric_limits<Real>::infinity());
  ExpectAd([&](const auto& x) { return RowGroupLogSumExp(x, group, 2); }, kX);
  // Large values are shifted, not overflowed.
  const Tensor big = RowGroupLogSumExp(
      Tensor(Mat({{1000}, {1000}}).cast<Real>().eval()), {0, 0}, 1);
  EXPECT_NEAR(big.item(), 1000 + std::log(2.0), 1e-3);
}

TEST(RowGroupLogSumExpTest, AgreesWithTheParticleMajorReduction) {
  // K = 3 particles of B = 2 data points, lane k B + b.
  const Eigen::MatrixXd v = Mat({{0.1}, {-0.4}, {1.2}, {0.8}, {-2.0}, {0.3}});
  const std::vector<Index> group = {0, 1, 0, 1, 0, 1};
  const Tensor weights(Mat({{1.5}, {-0.5}}).cast<Real>().eval());
  Matrix grouped_value, grouped_grad, reshaped_value, reshaped_grad;
  {
    TapeScope scope;
    const Tensor x = Variable(Matrix(v.cast<Real>()));
    const Tensor y = RowGroupLogSumExp(x, group, 2);
    Backward(SumAll(y * weights));
    grouped_value = y.value();
    grouped_grad = x.adjoint();
  }
  {
    TapeScope scope;
    const Tensor x = Variable(Matrix(v.cast<Real>()));
    const Tensor y = RowLogSumExp(Reshape(x, 2, 3));
    Backward(SumAll(y * weights));
    reshaped_value = y.value();
    reshaped_grad = x.adjoint();
  }
  EXPECT_TRUE(grouped_value.isApprox(reshaped_value, 1e-5));
  EXPECT_TRUE(grouped_grad.isApprox(reshaped_grad, 1e-5));
}

TEST(RowGroupLogSumExpTest, InfiniteGroupsPassNoGradient) {
  const double inf = std::numeric_limits<double>::infinity();
  TapeScope scope;
  const Tensor x = Variable(Matrix(Mat({{-inf}, {-inf}, {0.5}}).cast<Real>()));
  const Tensor y = RowGroupLogSumExp(x, {0, 0, 1}, 2);
  EXPECT_EQ(y(0, 0), -std::numeric_limits<Real>::infinity());
  Backward(SumAll(SliceRows(y, 1, 1)));
  EXPECT_EQ(x.adjoint()(0, 0), 0);
  EXPECT_NEAR(x.adjoint()(2, 0), 1, 1e-6);
}

TEST(RowGroupsTest, BadIndicesAreErrors) {
  ExpectAdFails(
      [](const auto& x) {
        return ScatterAddRows(x, {0, 1, 2}, 2);
      },
      Mat({{1}, {2}, {3}}));
  ExpectAdFails(
      [](const auto& x) {
        return ScatterAddRows(x, {0, 1}, 2);
      },
      Mat({{1}, {2}, {3}}));
  ExpectAdFails(
      [](const auto& x) {
        return RowGroupLogSumExp(x, {0, -1, 0}, 2);
      },
      Mat({{1}, {2}, {3}}));
  ExpectAdFails(
      [](const auto& x) {
        return RowGroupLogSumExp(x, {0, 0, 0}, -1);
      },
      Mat({{1}, {2}, {3}}));
  ExpectAd([](const auto& x) { return ScatterAddRows(x, {}, 3); },
           Eigen::MatrixXd(0, 2));
}

}  // namespace
}  // namespace provi
