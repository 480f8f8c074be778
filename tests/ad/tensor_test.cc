// Copyright 2026 The provi Authors.
//
// AllFinite (ad/tensor.h) against Eigen's element-by-element allFinite on
// every kind of value, at every position of vectors of several lengths
// (around the SIMD packet sizes, so that both the vectorised body and the
// scalar tail are covered), in both precisions; and ForEachChunk's pieces.

#include "ad/tensor.h"

#include <limits>
#include <vector>

#include "gtest/gtest.h"

namespace provi {
namespace {

template <typename T>
class AllFiniteTest : public ::testing::Test {};

using Scalars = ::testing::Types<float, double>;
TYPED_TEST_SUITE(AllFiniteTest, Scalars);

TYPED_TEST(AllFiniteTest, AgreesWithEigenAtEveryPositionAndLength) {
  using T = TypeParam;
  using Limits = std::numeric_limits<T>;
  const std::vector<T> finite = {T(0),
                                 -T(0),
                                 T(1),
                                 T(-2.5),
                                 Limits::max(),
                                 Limits::lowest(),
                                 Limits::min(),
                                 Limits::denorm_min(),
                                 -Limits::denorm_min()};
  const std::vector<T> non_finite = {Limits::infinity(), -Limits::infinity(),
                                     Limits::quiet_NaN(), -Limits::quiet_NaN()};
  for (Eigen::Index n : {1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 33, 1000}) {
    MatrixT<T> x = MatrixT<T>::Constant(n, 1, Limits::max());
    EXPECT_TRUE(AllFinite(x)) << "n = " << n;
    for (Eigen::Index at = 0; at < n; ++at) {
      for (T value : finite) {
        x(at) = value;
        EXPECT_TRUE(AllFinite(x))
            << "n = " << n << ", x(" << at << ") = " << value;
      }
      for (T value : non_finite) {
        x(at) = value;
        EXPECT_EQ(AllFinite(x), x.allFinite());
        EXPECT_FALSE(AllFinite(x))
            << "n = " << n << ", x(" << at << ") = " << value;
      }
      x(at) = Limits::lowest();
    }
  }
}

TYPED_TEST(AllFiniteTest, EmptyAndMatrixShapes) {
  using T = TypeParam;
  EXPECT_TRUE(AllFinite(MatrixT<T>(0, 0)));
  EXPECT_TRUE(AllFinite(MatrixT<T>(0, 5)));
  MatrixT<T> m = MatrixT<T>::Ones(3, 4);
  EXPECT_TRUE(AllFinite(m));
  m(2, 3) = std::numeric_limits<T>::infinity();
  EXPECT_FALSE(AllFinite(m));
  EXPECT_TRUE(AllFinite(m.leftCols(3)));  // an expression, not a matrix
  EXPECT_FALSE(AllFinite(m.array() + T(1)));
}

// ForEachChunk visits [0, n) once, in order, in pieces of at most
// kCacheChunk elements, writing through mutable maps and reading through
// const ones.
TEST(ForEachChunkTest, CoversEveryElementOnceInOrder) {
  for (const Index n : {Index{0}, Index{1}, kCacheChunk - 1, kCacheChunk,
                        kCacheChunk + 1, 3 * kCacheChunk + 5}) {
    std::vector<double> in(static_cast<size_t>(n));
    for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<double>(i);
    std::vector<double> out(in.size(), -1);
    Index seen = 0;
    int pieces = 0;
    ForEachChunk(
        n,
        [&](auto a, auto b) {
          EXPECT_LE(a.size(), kCacheChunk);
          EXPECT_GT(a.size(), 0);
          EXPECT_EQ(a(0), static_cast<double>(seen));
          b = 2 * a;
          seen += a.size();
          ++pieces;
        },
        static_cast<const double*>(in.data()), out.data());
    EXPECT_EQ(seen, n);
    EXPECT_EQ(pieces, (n + kCacheChunk - 1) / kCacheChunk);
    for (size_t i = 0; i < out.size(); ++i) {
      ASSERT_EQ(out[i], 2 * in[i]) << "n = " << n << ", i = " << i;
    }
  }
}

}  // namespace
}  // namespace provi
