// Copyright 2026 The provi Authors.
//
// Bijectors: known values, round trips, membership of the codomain,
// log-Jacobians against determinants of finite-difference Jacobians computed
// in double precision, gradients against finite differences, column counts,
// `BijectorFor` and shape errors.

#include "distributions/bijector.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "Eigen/LU"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/status_error.h"
#include "distributions/internal/bijector_math.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/expect_ad.h"
#include "tests/testing/statistical_testing.h"
#include "tests/testing/status_testing.h"

namespace provi {
namespace {

namespace dm = ::provi::distributions_internal;
using ::provi::testing::Mat;
using ::provi::testing::RealTensor;
using ::testing::HasSubstr;

using DoubleTensor = BasicTensor<double>;

// One bijector under test, with the same map in double precision (the
// templates the class evaluates in `Real`) and the constrained coordinates
// whose Jacobian the log-determinant refers to.
struct Case {
  std::string name;
  std::shared_ptr<const Bijector> bijector;
  std::function<DoubleTensor(const DoubleTensor&)> forward;
  std::function<DoubleTensor(const DoubleTensor&)> log_det;
  // The free coordinates of one row's constrained value (a row vector).
  std::function<Eigen::RowVectorXd(const Eigen::MatrixXd&)> free;
  Eigen::MatrixXd u;  // unconstrained test points, one per row
};

Eigen::RowVectorXd AllColumns(const Eigen::MatrixXd& x) { return x.row(0); }

// Stick breaking: the first K - 1 components (the last is determined).
Eigen::RowVectorXd HeadColumns(const Eigen::MatrixXd& x) {
  return x.row(0).head(x.cols() - 1);
}

// Lower Cholesky: the lower triangle, packed row by row.
Eigen::RowVectorXd LowerTriangle(const Eigen::MatrixXd& l) {
  Eigen::RowVectorXd packed(l.rows() * (l.rows() + 1) / 2);
  Index k = 0;
  for (Index i = 0; i < l.rows(); ++i) {
    for (Index j = 0; j <= i; ++j) packed(k++) = l(i, j);
  }
  return packed;
}

// Per-element bounds of the tensor-bounded sigmoid (1 x 3, one per column).
const Eigen::MatrixXd kLowerBounds = Mat({{-1.0, 0.0, 2.0}});
const Eigen::MatrixXd kUpperBounds = Mat({{1.0, 0.5, 10.0}});

std::vector<Case> Cases() {
  const Eigen::MatrixXd elementwise =
      Mat({{0.3, -1.2, 2.0}, {1.5, 0.7, -0.4}, {-3.0, 0.0, 4.5}});
  auto same = [](const DoubleTensor& u) { return u; };
  return {
      {"Identity", std::make_shared<IdentityBijector>(), same,
       [](const DoubleTensor& u) {
         return DoubleTensor(Eigen::MatrixXd::Zero(u.rows(), 1));
       },
       AllColumns, elementwise},
      {"Exp", std::make_shared<ExpBijector>(),
       [](const DoubleTensor& u) { return Exp(u); },
       [](const DoubleTensor& u) { return RowSum(u); }, AllColumns,
       elementwise},
      {"Softplus", std::make_shared<SoftplusBijector>(),
       [](const DoubleTensor& u) { return Softplus(u); },
       [](const DoubleTensor& u) { return RowSum(LogSigmoid(u)); }, AllColumns,
       elementwise},
      {"Sigmoid", std::make_shared<SigmoidBijector>(),
       [](const DoubleTensor& u) { return dm::IntervalForward(u, 0.0, 1.0); },
       [](const DoubleTensor& u) {
         return dm::IntervalLogAbsDetJacobian(u, 0.0, 1.0);
       },
       AllColumns, elementwise},
      {"AffineSigmoid", std::make_shared<SigmoidBijector>(-2, 5),
       [](const DoubleTensor& u) { return dm::IntervalForward(u, -2.0, 5.0); },
       [](const DoubleTensor& u) {
         return dm::IntervalLogAbsDetJacobian(u, -2.0, 5.0);
       },
       AllColumns, elementwise},
      {"TensorSigmoid",
       std::make_shared<SigmoidBijector>(RealTensor(kLowerBounds),
                                         RealTensor(kUpperBounds)),
       [](const DoubleTensor& u) {
         return dm::IntervalForward(u, DoubleTensor(kLowerBounds),
                                    DoubleTensor(kUpperBounds));
       },
       [](const DoubleTensor& u) {
         return dm::IntervalLogAbsDetJacobian(u, DoubleTensor(kLowerBounds),
                                              DoubleTensor(kUpperBounds));
       },
       AllColumns, elementwise},
      {"Ordered", std::make_shared<OrderedBijector>(),
       [](const DoubleTensor& u) { return dm::OrderedForward(u); },
       [](const DoubleTensor& u) { return dm::OrderedLogAbsDetJacobian(u); },
       AllColumns,
       Mat({{0.3, -1.2, 2.0, 0.5}, {0, 0, 0, 0}, {4.0, 1.0, -3.0, 2.5}})},
      {"StickBreaking", std::make_shared<StickBreakingBijector>(),
       [](const DoubleTensor& u) { return dm::StickBreakingForward(u); },
       [](const DoubleTensor& u) {
         return dm::StickBreakingLogAbsDetJacobian(u);
       },
       HeadColumns,
       Mat({{0.3, -1.2, 2.0, 0.5}, {0, 0, 0, 0}, {-3.0, 1.0, 4.0, -2.5}})},
      {"LowerCholesky", std::make_shared<LowerCholeskyBijector>(),
       [](const DoubleTensor& u) { return dm::LowerCholeskyForward(u); },
       [](const DoubleTensor& u) {
         return dm::LowerCholeskyLogAbsDetJacobian(u);
       },
       LowerTriangle, Mat({{0.3, -1.2, 0.8, 2.0, 0.5, -0.7}})},
  };
}

// Comparisons of a `Real` computation with a double reference: a few
// hundred ulps of Real, relative to the magnitude, covers the rounding of
// the handful of operations each value goes through (and of the
// finite-difference reference, ~1e-9 in double, for Jacobians).
double Tolerance(double reference) {
  return (kRealIsDouble ? 1e-8 : 5e-5) * std::max(1.0, std::abs(reference));
}

TEST(BijectorTest, KnownValues) {
  const Tensor uniform =
      StickBreakingBijector().Forward(Tensor(Matrix::Zero(2, 3)));
  ASSERT_EQ(uniform.rows(), 2);
  ASSERT_EQ(uniform.cols(), 4);
  for (Index i = 0; i < 2; ++i) {
    for (Index j = 0; j < 4; ++j)
      EXPECT_NEAR(uniform(i, j), 0.25, Tolerance(0.25));
  }
  const Tensor zeros =
      StickBreakingBijector().Inverse(Tensor(Matrix::Constant(1, 5, 0.2)));
  for (Index j = 0; j < 4; ++j) EXPECT_NEAR(zeros(0, j), 0.0, Tolerance(0.0));

  // (a, b, c, d, e, f) -> [[e^a, 0, 0], [b, e^c, 0], [d, e, e^f]].
  const Tensor l = LowerCholeskyBijector().Forward(
      RealTensor(Mat({{0.1, 2.0, -0.3, 4.0, 5.0, 0.6}})));
  const Eigen::MatrixXd expected = Mat({{std::exp(0.1), 0, 0},
                                        {2.0, std::exp(-0.3), 0},
                                        {4.0, 5.0, std::exp(0.6)}});
  ASSERT_EQ(l.rows(), 3);
  ASSERT_EQ(l.cols(), 3);
  for (Index i = 0; i < 3; ++i) {
    for (Index j = 0; j < 3; ++j) {
      EXPECT_NEAR(l(i, j), expected(i, j), Tolerance(expected(i, j)));
    }
  }

  EXPECT_NEAR(SigmoidBijector(2, 5).Forward(Tensor(0)).item(), 3.5,
              Tolerance(3.5));
  // Tensor bounds: each element at the midpoint of its own interval.
  const Tensor mid =
      SigmoidBijector(RealTensor(kLowerBounds), RealTensor(kUpperBounds))
          .Forward(Tensor(Matrix::Zero(2, 3)));
  for (Index i = 0; i < 2; ++i) {
    for (Index j = 0; j < 3; ++j) {
      const double expected = 0.5 * (kLowerBounds(0, j) + kUpperBounds(0, j));
      EXPECT_NEAR(mid(i, j), expected, Tolerance(expected));
    }
  }
  // (1, 0, log 2) -> (1, 1 + 1, 2 + 2); and back.
  const Tensor ordered =
      OrderedBijector().Forward(RealTensor(Mat({{1.0, 0.0, std::log(2.0)}})));
  EXPECT_NEAR(ordered(0, 0), 1.0, Tolerance(1.0));
  EXPECT_NEAR(ordered(0, 1), 2.0, Tolerance(2.0));
  EXPECT_NEAR(ordered(0, 2), 4.0, Tolerance(4.0));
  const Tensor gaps =
      OrderedBijector().Inverse(RealTensor(Mat({{-3.0, -1.0, 4.0}})));
  EXPECT_NEAR(gaps(0, 0), -3.0, Tolerance(3.0));
  EXPECT_NEAR(gaps(0, 1), std::log(2.0), Tolerance(1.0));
  EXPECT_NEAR(gaps(0, 2), std::log(5.0), Tolerance(2.0));
  EXPECT_NEAR(SoftplusBijector().Inverse(Tensor(std::log(2.0))).item(), 0.0,
              Tolerance(0.0));
  EXPECT_NEAR(ExpBijector().Inverse(Tensor(1)).item(), 0.0, 0.0);
  EXPECT_EQ(IdentityBijector().Forward(Tensor(1.5)).item(), Real(1.5));
}

TEST(BijectorTest, InverseUndoesForward) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    const Tensor u = RealTensor(c.u);
    const Tensor back = c.bijector->Inverse(c.bijector->Forward(u));
    ASSERT_EQ(back.rows(), u.rows());
    ASSERT_EQ(back.cols(), u.cols());
    for (Index j = 0; j < u.cols(); ++j) {
      for (Index i = 0; i < u.rows(); ++i) {
        EXPECT_NEAR(back(i, j), c.u(i, j), Tolerance(c.u(i, j)))
            << "(" << i << ", " << j << ")";
      }
    }
  }
}

TEST(BijectorTest, ForwardLandsInTheCodomain) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    // The test points, and points far out where the maps saturate.
    for (const double scale : {1.0, 8.0}) {
      const Tensor x = c.bijector->Forward(RealTensor(c.u * scale));
      EXPECT_TRUE(c.bijector->codomain().Check(x, c.name).ok())
          << c.bijector->codomain().Check(x, c.name);
      EXPECT_EQ(x.cols(), c.bijector->ConstrainedCols(c.u.cols()));
      EXPECT_EQ(c.bijector->UnconstrainedCols(x.cols()), c.u.cols());
    }
  }
  // Saturated affine maps stay inside the closed interval whatever the
  // rounding of lower + (upper - lower) σ(u).
  for (const auto& [lower, upper] :
       std::vector<std::pair<Real, Real>>{{Real(0.1), Real(0.3)},
                                          {Real(-0.7), Real(0.9)},
                                          {Real(1e-3), Real(3.3)}}) {
    const SigmoidBijector narrow(lower, upper);
    const Tensor ends = narrow.Forward(RealTensor(Mat({{-50, 50}})));
    EXPECT_TRUE(narrow.codomain().Check(ends, "ends").ok())
        << narrow.codomain().Check(ends, "ends");
  }
}

// log |det J| per row, J the finite-difference Jacobian (central
// differences in double) of the row's free constrained coordinates with
// respect to its unconstrained values.
double FiniteDifferenceLogDet(const Case& c, const Eigen::RowVectorXd& u) {
  const Index n = u.size();
  Eigen::MatrixXd jacobian(c.free(c.forward(DoubleTensor(u)).value()).size(),
                           n);
  for (Index k = 0; k < n; ++k) {
    const double h = 1e-6 * std::max(1.0, std::abs(u(k)));
    Eigen::RowVectorXd plus = u, minus = u;
    plus(k) += h;
    minus(k) -= h;
    jacobian.col(k) = (c.free(c.forward(DoubleTensor(plus)).value()) -
                       c.free(c.forward(DoubleTensor(minus)).value()))
                          .transpose() /
                      (2 * h);
  }
  EXPECT_EQ(jacobian.rows(), jacobian.cols()) << "the map must be square";
  return std::log(std::abs(jacobian.determinant()));
}

TEST(BijectorTest, LogAbsDetJacobianMatchesFiniteDifferences) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    const Tensor log_det = c.bijector->LogAbsDetJacobian(RealTensor(c.u));
    ASSERT_EQ(log_det.rows(), c.u.rows());
    ASSERT_EQ(log_det.cols(), 1);
    for (Index i = 0; i < c.u.rows(); ++i) {
      const double expected = FiniteDifferenceLogDet(c, c.u.row(i));
      EXPECT_NEAR(log_det(i, 0), expected, Tolerance(expected)) << "row " << i;
    }
  }
}

// Reverse-mode gradients of Forward and of the log-determinant, each
// against finite differences of the double-precision map.
TEST(BijectorTest, GradientsMatchFiniteDifferences) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    ::provi::testing::ExpectAd(
        [&](const auto& u) {
          if constexpr (std::is_same_v<std::decay_t<decltype(u)>, Tensor>) {
            return c.bijector->Forward(u);
          } else {
            return c.forward(u);
          }
        },
        c.u);
    ::provi::testing::ExpectAd(
        [&](const auto& u) {
          if constexpr (std::is_same_v<std::decay_t<decltype(u)>, Tensor>) {
            return c.bijector->LogAbsDetJacobian(u);
          } else {
            return c.log_det(u);
          }
        },
        c.u);
  }
}

// The inverses' gradients too: a parameter store initialises from a
// constrained value, and a density over a constrained variable may be
// evaluated through them.
TEST(BijectorTest, InverseGradientsMatchFiniteDifferences) {
  ::provi::testing::ExpectAd(
      [](const auto& x) { return dm::StickBreakingInverse(x); },
      Mat({{0.1, 0.2, 0.3, 0.4}, {0.7, 0.05, 0.05, 0.2}}));
  ::provi::testing::ExpectAd(
      [](const auto& l) { return dm::LowerCholeskyInverse(l); },
      Mat({{1.5, 0, 0}, {0.3, 0.8, 0}, {-2.0, 0.4, 2.5}}));
  ::provi::testing::ExpectAd(
      [](const auto& x) { return dm::IntervalInverse(x, -1.0, 3.0); },
      Mat({{-0.5, 0.1, 2.9}}));
  ::provi::testing::ExpectAd(
      [](const auto& x) { return dm::SoftplusInverse(x); },
      Mat({{1e-3, 0.5, 30.0}}));
  ::provi::testing::ExpectAd(
      [](const auto& y) { return dm::OrderedInverse(y); },
      Mat({{-0.5, 0.1, 2.9}, {3.0, 3.5, 10.0}}));
  ::provi::testing::ExpectAd(
      [](const auto& x, const auto& lower, const auto& upper) {
        return dm::IntervalInverse(x, lower, upper);
      },
      Mat({{-0.5, 0.1, 2.9}}), Mat({{-1.0, 0.0, 2.0}}), Mat({{0.0}, {3.0}}));
}

// With tensor bounds the map is differentiable in the bounds too (a support
// that depends on other latents passes their gradient on): Forward and the
// log-determinant against finite differences in (u, lower, upper).
TEST(BijectorTest, TensorBoundGradientsMatchFiniteDifferences) {
  const auto forward = [](const auto& u, const auto& lower, const auto& upper) {
    if constexpr (std::is_same_v<std::decay_t<decltype(u)>, Tensor>) {
      return SigmoidBijector(lower, upper).Forward(u);
    } else {
      return dm::IntervalForward(u, lower, upper);
    }
  };
  const auto log_det = [](const auto& u, const auto& lower, const auto& upper) {
    if constexpr (std::is_same_v<std::decay_t<decltype(u)>, Tensor>) {
      return SigmoidBijector(lower, upper).LogAbsDetJacobian(u);
    } else {
      return dm::IntervalLogAbsDetJacobian(u, lower, upper);
    }
  };
  const Eigen::MatrixXd u = Mat({{0.3, -1.2, 2.0}, {1.5, 0.7, -0.4}});
  // Per-column lower bounds, one upper bound per row, and a shared pair.
  ::provi::testing::ExpectAd(forward, u, Mat({{-1.0, 0.0, 2.0}}),
                             Mat({{3.0}, {4.0}}));
  ::provi::testing::ExpectAd(log_det, u, Mat({{-1.0, 0.0, 2.0}}),
                             Mat({{3.0}, {4.0}}));
  ::provi::testing::ExpectAd(forward, u, Mat({{0.0}}), Mat({{0.5}}));
  ::provi::testing::ExpectAd(log_det, u, Mat({{0.0}}), Mat({{0.5}}));
}

TEST(BijectorTest, TensorBoundsStayInsideAndReportBadBounds) {
  // Far out the map saturates onto each element's own bound exactly.
  const Tensor lower = RealTensor(Mat({{0.1, -0.7, 1e-3}}));
  const Tensor upper = RealTensor(Mat({{0.3, 0.9, 3.3}}));
  const SigmoidBijector bijector(lower, upper);
  const Tensor ends =
      bijector.Forward(RealTensor(Mat({{-50, 50, 50}, {50, -50, -50}})));
  EXPECT_TRUE(bijector.codomain().Check(ends, "ends").ok())
      << bijector.codomain().Check(ends, "ends");
  EXPECT_EQ(ends(0, 0), lower(0, 0));
  EXPECT_EQ(ends(1, 0), upper(0, 0));
  // Bounds that cross, are infinite or do not broadcast.
  ::provi::testing::ExpectError(CatchStatus([] {
                                  SigmoidBijector(
                                      RealTensor(Mat({{0.0, 2.0}})),
                                      RealTensor(Mat({{1.0, 1.0}})));
                                }),
                                absl::StatusCode::kInvalidArgument,
                                "element (0, 1) has the interval [2, 1]");
  ::provi::testing::ExpectError(
      CatchStatus([] {
        SigmoidBijector(
            RealTensor(Mat({{0.0, 2.0}})),
            RealTensor(Mat({{1.0, std::numeric_limits<double>::infinity()}})));
      }),
      absl::StatusCode::kInvalidArgument, "finite");
  ::provi::testing::ExpectError(
      CatchStatus([] {
        SigmoidBijector(RealTensor(Mat({{0.0, 2.0}})),
                        RealTensor(Mat({{1.0, 3.0, 4.0}})));
      }),
      absl::StatusCode::kInvalidArgument, "do not broadcast together");
  ::provi::testing::ExpectError(
      CatchStatus([&] {
        bijector.Forward(RealTensor(Mat({{0.0, 1.0}})));
      }),
      absl::StatusCode::kInvalidArgument,
      "do not broadcast to the value's shape 1x2");
}

TEST(BijectorTest, StickBreakingIsAccurateForTinyComponents) {
  // A component of 1e-30 survives the forward map (computed in log space)
  // and comes back exactly; the tail sums of the inverse do not cancel.
  const Tensor x =
      StickBreakingBijector().Forward(RealTensor(Mat({{-70.0, 0.0}})));
  EXPECT_GT(x(0, 0), 0);
  EXPECT_NEAR(std::log(x(0, 0)), -70.0 - std::log(2.0), Tolerance(70.0));
  const Tensor u = StickBreakingBijector().Inverse(x);
  EXPECT_NEAR(u(0, 0), -70.0, Tolerance(70.0));
  EXPECT_NEAR(u(0, 1), 0.0, Tolerance(0.0));
}

TEST(BijectorTest, StickBreakingOntoOneCategory) {
  const StickBreakingBijector bijector;
  const Tensor x = bijector.Forward(Tensor(Matrix(2, 0)));
  ASSERT_EQ(x.rows(), 2);
  ASSERT_EQ(x.cols(), 1);
  EXPECT_EQ(x(0, 0), 1);
  EXPECT_EQ(x(1, 0), 1);
  EXPECT_EQ(bijector.LogAbsDetJacobian(Tensor(Matrix(2, 0)))(1, 0), 0);
}

TEST(BijectorTest, ColumnCounts) {
  EXPECT_EQ(ExpBijector().ConstrainedCols(4), 4);
  EXPECT_EQ(ExpBijector().UnconstrainedCols(4), 4);
  EXPECT_EQ(StickBreakingBijector().ConstrainedCols(3), 4);
  EXPECT_EQ(StickBreakingBijector().UnconstrainedCols(4), 3);
  EXPECT_THAT(CatchStatus([] {
                StickBreakingBijector().UnconstrainedCols(0);
              }).message(),
              HasSubstr("StickBreaking"));
  EXPECT_EQ(LowerCholeskyBijector().ConstrainedCols(10), 4);
  EXPECT_EQ(LowerCholeskyBijector().ConstrainedCols(0), 0);
  EXPECT_EQ(LowerCholeskyBijector().UnconstrainedCols(4), 10);
  EXPECT_THAT(
      CatchStatus([] { LowerCholeskyBijector().ConstrainedCols(5); }).message(),
      HasSubstr("LowerCholesky: 5"));
}

TEST(BijectorTest, ShapeErrorsAreInvalidArgument) {
  const LowerCholeskyBijector cholesky;
  for (const Eigen::MatrixXd& bad :
       {Mat({{1, 2, 3}, {4, 5, 6}}), Mat({{1, 2, 3, 4, 5}})}) {
    const absl::Status forward =
        CatchStatus([&] { cholesky.Forward(RealTensor(bad)); });
    EXPECT_EQ(forward.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(forward.message(), HasSubstr("LowerCholesky"));
    EXPECT_THAT(CatchStatus([&] {
                  cholesky.LogAbsDetJacobian(RealTensor(bad));
                }).message(),
                HasSubstr("D(D+1)/2"));
  }
  EXPECT_THAT(CatchStatus([&] {
                cholesky.Inverse(RealTensor(Mat({{1, 0, 0}, {2, 3, 0}})));
              }).message(),
              HasSubstr("square"));
  EXPECT_THAT(CatchStatus([] {
                StickBreakingBijector().Inverse(Tensor(Matrix(2, 0)));
              }).message(),
              HasSubstr("StickBreaking"));
  for (const auto& bounds : std::vector<std::pair<double, double>>{
           {1, 1}, {2, 1}, {0, std::numeric_limits<double>::infinity()}}) {
    const absl::Status status = CatchStatus([&] {
      SigmoidBijector(static_cast<Real>(bounds.first),
                      static_cast<Real>(bounds.second));
    });
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr("lower < upper"));
  }
}

TEST(BijectorTest, BijectorForEachSupport) {
  struct Expected {
    Support support;
    const char* name;
  };
  const Expected expected[] = {
      {Support::Real(), "Identity"},
      {Support::Point(), "Identity"},
      {Support::Positive(), "Exp"},
      {Support::NonNegative(), "Exp"},
      {Support::UnitInterval(), "Sigmoid"},
      {Support::Interval(-1, 4), "Sigmoid"},
      {Support::Simplex(), "StickBreaking"},
      {Support::Ordered(), "Ordered"},
      {Support::LowerCholesky(), "LowerCholesky"},
      {Support::Interval(RealTensor(Mat({{0.0, 1.0}})),
                         RealTensor(Mat({{1.0, 3.0}}))),
       "Sigmoid"},
  };
  for (const Expected& e : expected) {
    SCOPED_TRACE(e.support.ToString());
    const std::shared_ptr<const Bijector> bijector = BijectorFor(e.support);
    ASSERT_NE(bijector, nullptr);
    EXPECT_EQ(bijector->name(), e.name);
    // The codomain is the support itself, or inside it ((0, inf) for
    // [0, inf), the reals for a point's "any real").
    if (e.support.kind() != Support::Kind::kNonNegative &&
        e.support.kind() != Support::Kind::kPoint) {
      EXPECT_EQ(bijector->codomain(), e.support);
    }
  }
  for (const Support& discrete :
       {Support::Boolean(), Support::NonNegativeInteger(),
        Support::IntegerInterval(0, 5)}) {
    const absl::Status status = CatchStatus([&] { BijectorFor(discrete); });
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr("discrete"));
    EXPECT_THAT(status.message(), HasSubstr(discrete.ToString()));
  }
  EXPECT_THAT(CatchStatus([] {
                BijectorFor(Support::Interval(
                    0, std::numeric_limits<Real>::infinity()));
              }).message(),
              HasSubstr("finite"));
}

}  // namespace
}  // namespace provi
