// Copyright 2026 The provi Authors.
//
// Every AD operation against central finite differences in double precision
// (see expect_ad.h), at ordinary points, broadcast shapes, zero-size shapes
// and points near domain boundaries; and every failure mode on both paths.

#include "ad/ops.h"

#include <cmath>
#include <limits>
#include <vector>

#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "tests/testing/expect_ad.h"

namespace provi {
namespace {

using ::provi::testing::ExpectAd;
using ::provi::testing::ExpectAdFails;
using ::provi::testing::Mat;

const Eigen::MatrixXd kA = Mat({{0.3, -1.2, 2.0}, {1.5, 0.7, -0.4}});
const Eigen::MatrixXd kB = Mat({{-0.6, 0.9, 1.1}, {0.2, -1.7, 0.5}});
const Eigen::MatrixXd kPositive = Mat({{0.3, 1.2, 2.0}, {1.5, 0.07, 4.4}});
const Eigen::MatrixXd kRow = Mat({{0.4, -0.8, 1.3}});
const Eigen::MatrixXd kCol = Mat({{0.9}, {-0.3}});
const Eigen::MatrixXd kScalar = Mat({{1.7}});
const Eigen::MatrixXd kEmptyRows = Eigen::MatrixXd(0, 3);
const Eigen::MatrixXd kEmpty = Eigen::MatrixXd(0, 0);

// Binary arithmetic, at equal shapes, every broadcast pattern (both orders),
// zero-size shapes, and every rejected pattern.
// `row`, `col` and `scalar` are the broadcast operands (positive ones for
// operations whose first argument must be positive).
template <typename F>
void CheckBinary(const F& f, const Eigen::MatrixXd& a, const Eigen::MatrixXd& b,
                 const Eigen::MatrixXd& row = kRow,
                 const Eigen::MatrixXd& col = kCol,
                 const Eigen::MatrixXd& scalar = kScalar) {
  ExpectAd(f, a, b);
  ExpectAd(f, a, row);
  ExpectAd(f, row, b);
  ExpectAd(f, a, col);
  ExpectAd(f, col, b);
  ExpectAd(f, a, scalar);
  ExpectAd(f, scalar, b);
  ExpectAd(f, scalar, scalar);
  ExpectAd(f, kEmptyRows, row);
  ExpectAd(f, kEmpty, kScalar);
  ExpectAdFails(f, a, Mat({{1, 2}}));
  ExpectAdFails(f, kCol, kRow);
  ExpectAdFails(f, a, Mat({{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}));
}

TEST(OpsTest, Add) {
  CheckBinary([](const auto& a, const auto& b) { return a + b; }, kA, kB);
}
TEST(OpsTest, Subtract) {
  CheckBinary([](const auto& a, const auto& b) { return a - b; }, kA, kB);
}
TEST(OpsTest, Multiply) {
  CheckBinary([](const auto& a, const auto& b) { return a * b; }, kA, kB);
}
TEST(OpsTest, Divide) {
  CheckBinary([](const auto& a, const auto& b) { return a / b; }, kA,
              kPositive);
}
TEST(OpsTest, Pow) {
  CheckBinary([](const auto& a, const auto& b) { return Pow(a, b); }, kPositive,
              kB, Mat({{0.4, 0.8, 1.3}}), Mat({{0.9}, {0.3}}));
  // Zero base with positive exponents: the exponent's derivative is 0 there.
  ExpectAd([](const auto& a, const auto& b) { return Pow(a, b); },
           Mat({{0.0, 0.5}}), Mat({{2.0, 3.0}}));
}

TEST(OpsTest, ScalarOperands) {
  ExpectAd([](const auto& x) { return x + 2.5; }, kA);
  ExpectAd([](const auto& x) { return 2.5 + x; }, kA);
  ExpectAd([](const auto& x) { return x - 2.5; }, kA);
  ExpectAd([](const auto& x) { return 2.5 - x; }, kA);
  ExpectAd([](const auto& x) { return x * -1.5; }, kA);
  ExpectAd([](const auto& x) { return -1.5 * x; }, kA);
  ExpectAd([](const auto& x) { return x / 4.0; }, kA);
  ExpectAd([](const auto& x) { return 4.0 / x; }, kPositive);
  ExpectAd([](const auto& x) { return PowScalar(x, 2.5); }, kPositive);
  ExpectAd([](const auto& x) { return PowScalar(x, 0.0); }, kPositive);
  ExpectAd([](const auto& x) { return PowScalar(x, 3.0); }, kA);
  ExpectAd([](const auto& x) { return -x; }, kA);
  ExpectAd([](const auto& x) { return x * 3.0; }, kScalar);
  ExpectAd([](const auto& x) { return x * 3.0; }, kEmptyRows);
}

TEST(OpsTest, ElementwiseFunctions) {
  for (const Eigen::MatrixXd& x : {kA, kScalar, kEmptyRows}) {
    ExpectAd([](const auto& v) { return Exp(v); }, x);
    ExpectAd([](const auto& v) { return Expm1(v); }, x);
    ExpectAd([](const auto& v) { return Square(v); }, x);
    ExpectAd([](const auto& v) { return Abs(v); }, x);
    ExpectAd([](const auto& v) { return Tanh(v); }, x);
    ExpectAd([](const auto& v) { return Sin(v); }, x);
    ExpectAd([](const auto& v) { return Cos(v); }, x);
    ExpectAd([](const auto& v) { return Sigmoid(v); }, x);
    ExpectAd([](const auto& v) { return LogSigmoid(v); }, x);
    ExpectAd([](const auto& v) { return Softplus(v); }, x);
    ExpectAd([](const auto& v) { return Relu(v); }, x);
    ExpectAd([](const auto& v) { return LeakyRelu(v, 0.01); }, x);
    ExpectAd([](const auto& v) { return Clamp(v, -1.0, 1.0); }, x);
  }
  for (const Eigen::MatrixXd& x : {kPositive, kScalar}) {
    ExpectAd([](const auto& v) { return Log(v); }, x);
    ExpectAd([](const auto& v) { return Log1p(v); }, x);
    ExpectAd([](const auto& v) { return Sqrt(v); }, x);
    ExpectAd([](const auto& v) { return Lgamma(v); }, x);
    ExpectAd([](const auto& v) { return Digamma(v); }, x);
  }
}

TEST(OpsTest, ElementwiseFunctionsNearDomainBoundaries) {
  // Log and friends just above 0 and -1; lgamma/digamma near the pole at 0
  // and on the negative axis between poles.
  const Eigen::MatrixXd tiny = Mat({{1e-3, 2e-2, 0.5}});
  ExpectAd([](const auto& v) { return Log(v); }, tiny);
  ExpectAd([](const auto& v) { return Sqrt(v); }, tiny);
  ExpectAd([](const auto& v) { return Log1p(v); }, Mat({{-0.99, -0.5, 0.0}}));
  ExpectAd([](const auto& v) { return Lgamma(v); }, Mat({{0.05, -0.5, -1.3}}));
  ExpectAd([](const auto& v) { return Digamma(v); }, Mat({{0.05, -0.5, -2.7}}));
  // Large |x|: the stable forms do not overflow.
  const Eigen::MatrixXd large = Mat({{-40.0, 40.0}});
  ExpectAd([](const auto& v) { return Softplus(v); }, large);
  ExpectAd([](const auto& v) { return LogSigmoid(v); }, large);
  ExpectAd([](const auto& v) { return Sigmoid(v); }, large);
}

// Exp underflows to exactly 0 wherever the result would be below the
// smallest normal number, whether the elements are computed one at a time
// (n = 1) or vectorised: a weight exp(lowest) must be 0, not the 5.6e-309 of
// a clamped argument.
TEST(OpsTest, ExpUnderflowsToZeroOnEveryPath) {
  const Real lowest = std::numeric_limits<Real>::lowest();
  const Real small = std::numeric_limits<Real>::min();
  for (const Index n : {1, 2, 3, 8, 17}) {
    Matrix x = Matrix::Constant(n, 1, lowest);
    if (n > 2) {
      x(1, 0) = Real(-800);
      x(2, 0) = Real(0);
    }
    const Tensor y = Exp(Tensor(x));
    for (Index i = 0; i < n; ++i) {
      if (x(i, 0) < -750) {
        EXPECT_EQ(y.value()(i, 0), 0) << "n = " << n;
      }
    }
    if (n > 2) {
      EXPECT_EQ(y.value()(2, 0), 1);
    }
  }
  // Results from the smallest normal number up are exp's, on both paths.
  const Real at_min = std::log(small) + Real(1e-3);
  const Tensor y = Exp(Tensor(Matrix::Constant(4, 1, at_min)));
  const Real expected = std::exp(at_min);
  EXPECT_NEAR(y.value()(0, 0), expected, 1e-6 * expected);
  EXPECT_NEAR(Exp(Tensor(at_min)).value()(0, 0), expected, 1e-6 * expected);
  ExpectAd([](const auto& v) { return Exp(v); }, Mat({{-30.0, 0.5, 3.0}}));
}

// Sigmoid, LogSigmoid and Softplus at -inf and at the lowest number give
// their limits exactly, one element at a time (n = 1) and vectorised: the
// exp inside them underflows to 0 rather than to Eigen's clamped value
// (2.9e-39 in float, 5.6e-309 in double).
TEST(OpsTest, LogisticFunctionsReachTheirLimitsOnEveryPath) {
  const Real inf = std::numeric_limits<Real>::infinity();
  const Real lowest = std::numeric_limits<Real>::lowest();
  for (const Index n : {1, 4, 17}) {
    for (const Real x : {-inf, lowest, Real(-800)}) {
      const Tensor t(Matrix::Constant(n, 1, x));
      const Matrix sigmoid = Sigmoid(t).value();
      const Matrix softplus = Softplus(t).value();
      const Matrix log_sigmoid = LogSigmoid(-t).value();
      for (Index i = 0; i < n; ++i) {
        EXPECT_EQ(sigmoid(i, 0), 0) << "n = " << n << ", x = " << x;
        EXPECT_EQ(softplus(i, 0), 0) << "n = " << n << ", x = " << x;
        EXPECT_EQ(log_sigmoid(i, 0), 0) << "n = " << n << ", x = " << x;
      }
    }
  }
}

TEST(OpsTest, ClampRejectsInvertedBounds) {
  ExpectAdFails([](const auto& v) { return Clamp(v, 1.0, -1.0); }, kA);
}

TEST(OpsTest, Where) {
  const Eigen::MatrixXd condition = Mat({{1, 0, 1}, {0, 0, 1}});
  auto where = [](const auto& c, const auto& a, const auto& b) {
    // The condition is read as a constant.
    return Where(Detach(c), a, b);
  };
  ExpectAd(where, condition, kA, kB);
  ExpectAd(where, condition, kRow, kB);
  ExpectAd(where, condition, kA, kScalar);
  ExpectAd(where, Mat({{1}, {0}}), kA, kB);
  ExpectAd(where, Mat({{1, 0, 1}}), kCol, kB);
  ExpectAdFails(where, Mat({{1, 0}}), kA, kB);
  ExpectAdFails(where, Mat({{1}, {0}}), kCol, kRow);
  // One full operand makes the others' broadcasts unambiguous.
  ExpectAd(where, condition, kCol, kRow);
}

TEST(OpsTest, Reductions) {
  for (const Eigen::MatrixXd& x : {kA, kRow, kCol, kScalar}) {
    ExpectAd([](const auto& v) { return SumAll(v); }, x);
    ExpectAd([](const auto& v) { return RowSum(v); }, x);
    ExpectAd([](const auto& v) { return ColSum(v); }, x);
    ExpectAd([](const auto& v) { return MeanAll(v); }, x);
    ExpectAd([](const auto& v) { return RowMean(v); }, x);
    ExpectAd([](const auto& v) { return ColMean(v); }, x);
    ExpectAd([](const auto& v) { return LogSumExpAll(v); }, x);
    ExpectAd([](const auto& v) { return RowLogSumExp(v); }, x);
    ExpectAd([](const auto& v) { return ColLogSumExp(v); }, x);
  }
  // Log-sum-exp stays finite where a naive form overflows.
  ExpectAd([](const auto& v) { return RowLogSumExp(v); },
           Mat({{80.0, 81.0}, {-80.0, -81.0}}));
  // Sums over nothing.
  ExpectAd([](const auto& v) { return ColSum(v); }, kEmptyRows);
  ExpectAd([](const auto& v) { return RowSum(v); }, Eigen::MatrixXd(3, 0));
}

TEST(OpsTest, LaneSum) {
  auto lane_sum = [](const auto& a, const auto& b, const auto& c) {
    using T = std::decay_t<decltype(a)>;
    const T terms[] = {a, b, c};
    return LaneSum<typename T::Scalar>(absl::MakeConstSpan(terms), 2);
  };
  // Two lanes from lane terms and shared scalars, checked against the sum
  // written out.
  ExpectAd(lane_sum, kCol, kScalar, Mat({{-2.5}}));
  ExpectAd(lane_sum, kCol, kCol, kScalar);
  {
    TapeScope scope;
    const Tensor a(Matrix(kCol.cast<Real>()));
    const Tensor s(Real(3));
    const Tensor terms[] = {a, s, a};
    const Tensor y = LaneSum<Real>(absl::MakeConstSpan(terms), 2);
    ASSERT_EQ(y.rows(), 2);
    EXPECT_NEAR(y.value()(0, 0), 2 * 0.9 + 1.5, 1e-5);
    EXPECT_NEAR(y.value()(1, 0), 2 * -0.3 + 1.5, 1e-5);
  }
  // One lane: every term is 1x1 and adds whole.
  auto one_lane = [](const auto& a, const auto& b) {
    using T = std::decay_t<decltype(a)>;
    const T terms[] = {a, b};
    return LaneSum<typename T::Scalar>(absl::MakeConstSpan(terms), 1);
  };
  ExpectAd(one_lane, kScalar, Mat({{0.25}}));
  // Other shapes and lane counts are errors.
  ExpectAdFails(lane_sum, kCol, kRow, kScalar);
  ExpectAdFails(lane_sum, kA, kCol, kScalar);
  ExpectAdFails(one_lane, kCol, kScalar);
  EXPECT_EQ(LaneSum<Real>({}, 3).rows(), 3);
  EXPECT_EQ(LaneSum<Real>({}, 3).value().sum(), 0);
}

TEST(OpsTest, ReductionsOfNothing) {
  const Tensor empty(Matrix(0, 3));
  EXPECT_EQ(SumAll(empty).item(), Real{0});
  EXPECT_TRUE(std::isnan(MeanAll(empty).item()));
  EXPECT_EQ(LogSumExpAll(empty).item(), -kInfinity);
  EXPECT_EQ(ColSum(empty).cols(), 3);
}

TEST(OpsTest, ShapeOperations) {
  ExpectAd([](const auto& v) { return Transpose(v); }, kA);
  ExpectAd([](const auto& v) { return Transpose(v); }, kRow);
  ExpectAd([](const auto& v) { return Transpose(v); }, kEmptyRows);
  ExpectAd([](const auto& v) { return SliceRows(v, 1, 1); }, kA);
  ExpectAd([](const auto& v) { return SliceRows(v, 0, 2); }, kA);
  ExpectAd([](const auto& v) { return SliceRows(v, 2, 0); }, kA);
  ExpectAd([](const auto& v) { return SliceCols(v, 1, 2); }, kA);
  ExpectAd([](const auto& v) { return SliceCols(v, 0, 0); }, kA);
  ExpectAdFails([](const auto& v) { return SliceRows(v, 1, 2); }, kA);
  ExpectAdFails([](const auto& v) { return SliceCols(v, -1, 1); }, kA);
  ExpectAd([](const auto& v) { return Reshape(v, 3, 2); }, kA);
  ExpectAd([](const auto& v) { return Reshape(v, 1, 6); }, kA);
  ExpectAdFails([](const auto& v) { return Reshape(v, 4, 2); }, kA);
  ExpectAd([](const auto& v) { return BroadcastTo(v, 4, 3); }, kRow);
  ExpectAd([](const auto& v) { return BroadcastTo(v, 2, 5); }, kCol);
  ExpectAd([](const auto& v) { return BroadcastTo(v, 3, 2); }, kScalar);
  ExpectAd([](const auto& v) { return BroadcastTo(v, 2, 3); }, kA);
  ExpectAdFails([](const auto& v) { return BroadcastTo(v, 3, 3); }, kA);
  ExpectAdFails([](const auto& v) { return BroadcastTo(v, 2, 2); }, kRow);
  ExpectAd([](const auto& v) { return Tile(v, 2, 3); }, kA);
  ExpectAd([](const auto& v) { return Tile(v, 3, 1); }, kScalar);
  ExpectAd([](const auto& v) { return Tile(v, 0, 2); }, kA);
  ExpectAdFails([](const auto& v) { return Tile(v, -1, 2); }, kA);
}

TEST(OpsTest, Concatenation) {
  // A std::vector, with the scalar type deduced from it.
  auto rows = [](const auto& a, const auto& b, const auto& c) {
    using T = std::decay_t<decltype(a)>;
    const std::vector<T> parts{a, b, c};
    return ConcatRows(parts);
  };
  auto cols = [](const auto& a, const auto& b, const auto& c) {
    using T = std::decay_t<decltype(a)>;
    const std::vector<T> parts{a, b, c};
    return ConcatCols(parts);
  };
  // A braced list.
  auto braced_rows = [](const auto& a, const auto& b, const auto& c) {
    return ConcatRows({a, b, c});
  };
  auto braced_cols = [](const auto& a, const auto& b, const auto& c) {
    return ConcatCols({a, b, c});
  };
  // A span, naming the scalar type.
  auto span_cols = [](const auto& a, const auto& b, const auto& c) {
    using T = std::decay_t<decltype(a)>;
    const T parts[] = {a, b, c};
    return ConcatCols<typename T::Scalar>(absl::MakeConstSpan(parts));
  };
  auto check_rows = [](const auto& concat_rows) {
    ExpectAd(concat_rows, kA, kRow, kB);
    ExpectAd(concat_rows, kA, kEmptyRows, kB);
    ExpectAdFails(concat_rows, kA, kCol, kB);
  };
  auto check_cols = [](const auto& concat_cols) {
    ExpectAd(concat_cols, kA, kCol, kB);
    ExpectAd(concat_cols, kCol, kCol, kCol);
    ExpectAdFails(concat_cols, kA, kRow, kB);
  };
  check_rows(rows);
  check_rows(braced_rows);
  check_cols(cols);
  check_cols(braced_cols);
  check_cols(span_cols);
}

TEST(OpsTest, ConcatenationValues) {
  const Tensor a(Matrix::Constant(1, 2, 1));
  const Tensor b(Matrix::Constant(1, 1, 2));
  const std::vector<Tensor> parts = {a, b, a};
  const Tensor by_cols = ConcatCols(parts);
  ASSERT_EQ(by_cols.rows(), 1);
  ASSERT_EQ(by_cols.cols(), 5);
  const Real expected[] = {1, 1, 2, 1, 1};
  for (Index j = 0; j < 5; ++j) EXPECT_EQ(by_cols(0, j), expected[j]) << j;
  const Tensor by_rows = ConcatRows({Transpose(a), b, Tensor(3.0)});
  ASSERT_EQ(by_rows.rows(), 4);
  ASSERT_EQ(by_rows.cols(), 1);
  EXPECT_EQ(by_rows(2, 0), 2);
  EXPECT_EQ(by_rows(3, 0), 3);
}

TEST(OpsTest, Gathers) {
  ExpectAd(
      [](const auto& v) {
        return GatherRows<typename std::decay_t<decltype(v)>::Scalar>(
            v, {1, 0, 1, 1});
      },
      kA);
  ExpectAd(
      [](const auto& v) {
        return GatherRows<typename std::decay_t<decltype(v)>::Scalar>(v, {});
      },
      kA);
  ExpectAd(
      [](const auto& v) {
        return GatherCols<typename std::decay_t<decltype(v)>::Scalar>(v,
                                                                      {2, 0});
      },
      kA);
  ExpectAdFails(
      [](const auto& v) {
        return GatherRows<typename std::decay_t<decltype(v)>::Scalar>(v,
                                                                      {0, 2});
      },
      kA);
  ExpectAdFails(
      [](const auto& v) {
        return GatherCols<typename std::decay_t<decltype(v)>::Scalar>(v,
                                                                      {0, 3});
      },
      kA);
  ExpectAdFails(
      [](const auto& v) {
        return GatherCols<typename std::decay_t<decltype(v)>::Scalar>(v, {0});
      },
      kA);
}

TEST(OpsTest, MatMul) {
  auto matmul = [](const auto& a, const auto& b) { return MatMul(a, b); };
  ExpectAd(matmul, kA,
           Transpose(Tensor(kB.cast<Real>().eval()))
               .value()
               .template cast<double>()
               .eval());
  ExpectAd(matmul, kRow, Mat({{1}, {2}, {3}}));
  ExpectAd(matmul, kEmptyRows, Mat({{1}, {2}, {3}}));
  ExpectAd(matmul, Eigen::MatrixXd(2, 0), Eigen::MatrixXd(0, 3));
  ExpectAdFails(matmul, kA, kB);
}

TEST(OpsTest, Cholesky) {
  const Eigen::MatrixXd spd =
      Mat({{4.0, 1.2, -0.6}, {1.2, 3.0, 0.4}, {-0.6, 0.4, 2.0}});
  auto chol = [](const auto& a) { return Cholesky(a); };
  ExpectAd(chol, spd);
  ExpectAd(chol, kScalar);
  ExpectAd(chol, kEmpty);
  // Only the lower triangle is read: garbage above the diagonal is ignored.
  Eigen::MatrixXd lower_only = spd;
  lower_only(0, 2) = 99.0;
  ExpectAd(chol, lower_only);
  // Through a product, as a full-rank Gaussian's scale would be used.
  ExpectAd([](const auto& a, const auto& b) { return MatMul(Cholesky(a), b); },
           spd, Mat({{1.0, -1.0}, {0.5, 2.0}, {-0.3, 0.1}}));
  ExpectAdFails(chol, Mat({{1.0, 2.0}, {2.0, 1.0}}));
  ExpectAdFails(chol, kA);
}

TEST(OpsTest, TriangularSolve) {
  const Eigen::MatrixXd l =
      Mat({{2.0, 0.0, 0.0}, {0.5, 1.5, 0.0}, {-0.4, 0.3, 1.2}});
  auto solve = [](const auto& a, const auto& b) {
    return TriangularSolve(a, b);
  };
  ExpectAd(solve, l, Mat({{1.0, 2.0}, {-1.0, 0.5}, {0.3, 0.7}}));
  ExpectAd(solve, l, Mat({{1.0}, {2.0}, {3.0}}));
  ExpectAd(solve, kScalar, Mat({{2.0, 4.0}}));
  ExpectAd(solve, l, Eigen::MatrixXd(3, 0));
  ExpectAdFails(solve, l, Mat({{1.0, 2.0}}));
  ExpectAdFails(solve, kA, kB);
}

TEST(OpsTest, CompositeExpression) {
  // A small network layer and a log-likelihood, end to end.
  ExpectAd(
      [](const auto& x, const auto& w, const auto& b) {
        const auto h = Tanh(MatMul(x, w) + b);
        return RowLogSumExp(h) - RowSum(Softplus(h));
      },
      kA, Mat({{0.1, -0.2}, {0.3, 0.4}, {-0.5, 0.6}}), Mat({{0.05, -0.05}}));
}

}  // namespace
}  // namespace provi
