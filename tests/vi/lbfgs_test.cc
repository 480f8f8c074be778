// Copyright 2026 The provi Authors.
//
// Tests of L-BFGS on functions with known minima: a curved valley, an
// ill-conditioned quadratic, a function undefined on part of the space,
// and a quadratic evaluated in single precision.

#include "vi/lbfgs.h"

#include <cmath>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/testing/status_testing.h"

namespace provi {
namespace {

using ::provi::testing::ExpectError;

absl::StatusOr<double> Rosenbrock(const Eigen::VectorXd& x,
                                  Eigen::VectorXd* g) {
  const double a = 1 - x(0);
  const double b = x(1) - x(0) * x(0);
  *g = Eigen::Vector2d(-2 * a - 400 * x(0) * b, 200 * b);
  return a * a + 100 * b * b;
}

TEST(LbfgsTest, Rosenbrock) {
  absl::StatusOr<LbfgsResult> r =
      MinimizeLbfgs(Rosenbrock, Eigen::Vector2d(-1.2, 1));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->converged()) << LbfgsTerminationName(r->termination);
  EXPECT_NEAR(r->x(0), 1, 1e-5);
  EXPECT_NEAR(r->x(1), 1, 1e-5);
  EXPECT_LT(r->iterations, 100);
}

// f = ½ (x - c)ᵀ A (x - c) with eigenvalues spread over 1e-2 .. 1e2 (a
// long thin ridge of a log density): the minimum is c.
TEST(LbfgsTest, IllConditionedQuadratic) {
  const int n = 30;
  Eigen::MatrixXd q = Eigen::MatrixXd::Identity(n, n);
  // A fixed rotation: Householder reflection through a dense vector.
  Eigen::VectorXd v = Eigen::VectorXd::LinSpaced(n, 1, 2);
  v.normalize();
  q -= 2 * v * v.transpose();
  Eigen::VectorXd eig(n);
  for (int i = 0; i < n; ++i) eig(i) = std::pow(10.0, -2 + 4.0 * i / (n - 1));
  const Eigen::MatrixXd a = q * eig.asDiagonal() * q.transpose();
  const Eigen::VectorXd c = Eigen::VectorXd::LinSpaced(n, -3, 3);
  auto f = [&](const Eigen::VectorXd& x,
               Eigen::VectorXd* g) -> absl::StatusOr<double> {
    *g = a * (x - c);
    return 0.5 * (x - c).dot(*g);
  };
  LbfgsOptions options;
  options.decrease_tolerance = 1e-14;
  absl::StatusOr<LbfgsResult> r =
      MinimizeLbfgs(f, Eigen::VectorXd::Zero(n), options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->converged()) << LbfgsTerminationName(r->termination);
  // f - f* < 1e-8 puts every eigendirection within √(2e-8 / λ) of c.
  EXPECT_LT(r->value, 1e-8);
  for (int i = 0; i < n; ++i) {
    EXPECT_NEAR((q.transpose() * (r->x - c))(i), 0,
                std::sqrt(2 * 1e-8 / eig(i)));
  }
}

// f(x) = -x - 1e-3 log(1 - x) on x < 1 (minimum at 0.999); errors for x
// >= 1. From x = -5 the slope hardly changes, so the line search expands
// its step past x = 1 and must come back.
TEST(LbfgsTest, StepsBackFromOutsideTheDomain) {
  int errors = 0;
  auto f = [&](const Eigen::VectorXd& x,
               Eigen::VectorXd* g) -> absl::StatusOr<double> {
    if (!(x(0) < 1)) {
      ++errors;
      return absl::InvalidArgumentError("x must be below 1");
    }
    *g = Eigen::VectorXd::Constant(1, -1 + 1e-3 / (1 - x(0)));
    return -x(0) - 1e-3 * std::log(1 - x(0));
  };
  absl::StatusOr<LbfgsResult> r =
      MinimizeLbfgs(f, Eigen::VectorXd::Constant(1, -5.0));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->converged()) << LbfgsTerminationName(r->termination);
  EXPECT_NEAR(r->x(0), 0.999, 1e-6);
  EXPECT_GT(errors, 0);
}

TEST(LbfgsTest, ErrorAtTheStartIsReturned) {
  auto f = [](const Eigen::VectorXd&,
              Eigen::VectorXd*) -> absl::StatusOr<double> {
    return absl::InvalidArgumentError("bad start");
  };
  ExpectError(MinimizeLbfgs(f, Eigen::VectorXd::Zero(2)),
              absl::StatusCode::kInvalidArgument, "bad start");
  auto nan = [](const Eigen::VectorXd& x,
                Eigen::VectorXd* g) -> absl::StatusOr<double> {
    *g = x;
    return std::nan("");
  };
  ExpectError(MinimizeLbfgs(nan, Eigen::VectorXd::Zero(2)),
              absl::StatusCode::kInvalidArgument, "starting point is nan");
}

TEST(LbfgsTest, RejectsOptions) {
  LbfgsOptions options;
  options.curvature = 1e-5;
  ExpectError(MinimizeLbfgs(Rosenbrock, Eigen::Vector2d(0, 0), options),
              absl::StatusCode::kInvalidArgument, "sufficient_decrease");
}

// A quadratic whose value and gradient are rounded to float, around a
// large offset (like a log density of many observations): L-BFGS cannot
// resolve the last decreases and says so by converging within the stated
// precision instead of reporting a failed line search.
TEST(LbfgsTest, SinglePrecisionObjectiveConvergesWithinPrecision) {
  const int n = 5;
  auto f = [&](const Eigen::VectorXd& x,
               Eigen::VectorXd* g) -> absl::StatusOr<double> {
    Eigen::VectorXd grad(n);
    double value = 1e4;
    for (int i = 0; i < n; ++i) {
      const double scale = std::pow(10.0, i);
      const float d = static_cast<float>(x(i) - 1);
      grad(i) = static_cast<float>(scale * d);
      value += 0.5 * scale * d * d;
    }
    *g = grad;
    return static_cast<float>(value);
  };
  LbfgsOptions options;
  options.value_precision = 1e-7;
  absl::StatusOr<LbfgsResult> r =
      MinimizeLbfgs(f, Eigen::VectorXd::Zero(n), options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->converged()) << LbfgsTerminationName(r->termination);
  for (int i = 0; i < n; ++i) {
    // Within the float rounding of the value: ½ λ δ² ~ 1e-3.
    EXPECT_NEAR(r->x(i), 1, 0.1 / std::sqrt(std::pow(10.0, i))) << i;
  }
}

TEST(LbfgsTest, MaxIterations) {
  LbfgsOptions options;
  options.max_iterations = 3;
  absl::StatusOr<LbfgsResult> r =
      MinimizeLbfgs(Rosenbrock, Eigen::Vector2d(-1.2, 1), options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->termination, LbfgsTermination::kMaxIterations);
  EXPECT_FALSE(r->converged());
  EXPECT_EQ(r->iterations, 3);
}

}  // namespace
}  // namespace provi
