// Copyright 2026 The provi Authors.

#include "base/real.h"

#include <cmath>
#include <type_traits>

#include "gtest/gtest.h"

namespace provi {
namespace {

TEST(RealTest, MatchesBuildConfiguration) {
#if defined(PROVI_REAL_DOUBLE)
  EXPECT_TRUE((std::is_same_v<Real, double>));
  EXPECT_STREQ(kRealName, "double");
#else
  EXPECT_TRUE((std::is_same_v<Real, float>));
  EXPECT_STREQ(kRealName, "float");
#endif
  EXPECT_EQ(kRealIsDouble, (std::is_same_v<Real, double>));
}

TEST(RealTest, ConstantsHaveTheirMeaning) {
  EXPECT_EQ(Real{1} + kRealEpsilon / 4, Real{1});
  EXPECT_NE(Real{1} + kRealEpsilon, Real{1});
  EXPECT_TRUE(std::isinf(kInfinity));
  EXPECT_GT(kInfinity, Real{0});
  EXPECT_TRUE(std::isnan(kNaN));
}

}  // namespace
}  // namespace provi
