// Copyright 2026 The provi Authors.
//
// The weight initialisers: shapes, bounds, determinism, and the moments
// their definitions promise.
//
// Flake budget: the moment tests make 8 z-tests at |z| < 5 (two-sided tail
// 5.7e-7 each, see tests/testing/statistical_testing.h), so they would
// fail by chance with probability below 5e-6 even if the seeds were redrawn.

#include "nn/initializers.h"

#include <cmath>
#include <string>

#include "absl/status/status.h"
#include "ad/tensor.h"
#include "base/random.h"
#include "base/status_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/statistical_testing.h"

namespace provi {
namespace nn {
namespace {

using ::provi::testing::MeanAccumulator;
using ::provi::testing::MeanNear;
using ::provi::testing::VarianceNear;
using ::testing::HasSubstr;

// Large enough for tight z-tests: 60,000 independent entries.
constexpr Index kFanIn = 300;
constexpr Index kFanOut = 200;

MeanAccumulator Moments(const Matrix& w) {
  MeanAccumulator acc;
  for (Index k = 0; k < w.size(); ++k) acc.Add(static_cast<double>(w(k)));
  return acc;
}

// Mean 0 and variance `variance`, for a uniform on (-a, a) (fourth central
// moment a⁴ / 5 = 9 Var² / 5) or a normal (3 Var²).
void ExpectMoments(const Matrix& w, double variance, bool uniform) {
  ASSERT_EQ(w.rows(), kFanIn);
  ASSERT_EQ(w.cols(), kFanOut);
  const MeanAccumulator acc = Moments(w);
  EXPECT_TRUE(MeanNear(acc, 0.0));
  const double fourth = (uniform ? 9.0 / 5.0 : 3.0) * variance * variance;
  EXPECT_TRUE(VarianceNear(acc, variance, fourth));
  if (uniform) {
    const double bound = std::sqrt(3.0 * variance);
    EXPECT_LE(w.cwiseAbs().maxCoeff(), static_cast<Real>(bound));
  }
}

TEST(InitializersTest, GlorotUniformHasVarianceTwoOverFanSum) {
  Rng rng = MakeRng(11);
  ExpectMoments(GlorotUniform(kFanIn, kFanOut, rng), 2.0 / (kFanIn + kFanOut),
                /*uniform=*/true);
}

TEST(InitializersTest, GlorotNormalHasVarianceTwoOverFanSum) {
  Rng rng = MakeRng(12);
  ExpectMoments(GlorotNormal(kFanIn, kFanOut, rng), 2.0 / (kFanIn + kFanOut),
                /*uniform=*/false);
}

TEST(InitializersTest, HeUniformHasVarianceTwoOverFanIn) {
  Rng rng = MakeRng(13);
  ExpectMoments(HeUniform(kFanIn, kFanOut, rng), 2.0 / kFanIn,
                /*uniform=*/true);
}

TEST(InitializersTest, HeNormalHasVarianceTwoOverFanIn) {
  Rng rng = MakeRng(14);
  ExpectMoments(HeNormal(kFanIn, kFanOut, rng), 2.0 / kFanIn,
                /*uniform=*/false);
}

TEST(InitializersTest, ZerosIsZeroOfTheRequestedShape) {
  Rng rng = MakeRng(16);
  const Matrix w = Zeros(4, 7, rng);
  EXPECT_EQ(w.rows(), 4);
  EXPECT_EQ(w.cols(), 7);
  EXPECT_TRUE(w.isZero(0));
}

TEST(InitializersTest, SameGeneratorStateGivesTheSameMatrix) {
  Rng a = MakeRng(17);
  Rng b = MakeRng(17);
  Rng c = MakeRng(18);
  const Matrix wa = HeUniform(5, 3, a);
  EXPECT_EQ(wa, HeUniform(5, 3, b));
  EXPECT_NE(wa, HeUniform(5, 3, c));
}

TEST(InitializersTest, NonPositiveFansAreInvalidArgument) {
  Rng rng = MakeRng(19);
  const absl::Status status = CatchStatus([&] { GlorotUniform(0, 3, rng); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("GlorotUniform"));
  EXPECT_EQ(CatchStatus([&] { HeNormal(3, -1, rng); }).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CatchStatus([&] { Zeros(-1, 2, rng); }).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(CatchStatus([&] { Zeros(0, 2, rng); }).ok());
}

}  // namespace
}  // namespace nn
}  // namespace provi
