// Copyright 2026 The provi Authors.
//
// Digamma, trigamma and the stable sigmoid family against reference values.

#include "base/special_functions.h"

#include <cmath>

#include "gtest/gtest.h"

namespace provi {
namespace {

// Rscript -e 'x <- c(0.05, 0.5, 1, 2.5, 7.3, 30, -0.5, -2.7);
//   print(digamma(x), digits=17); print(trigamma(x), digits=17)'
const double kX[] = {0.05, 0.5, 1, 2.5, 7.3, 30, -0.5, -2.7};
const double kDigamma[] = {-20.497844991299871,  -1.963510026021423,
                           -0.57721566490153231, 0.70315664064524341,
                           1.9178203356379862,   3.3844381326855251,
                           0.036489973978577089, -1.1153471291406851};
const double kTrigamma[] = {401.53235734211506,  4.934802200544679,
                            1.6449340668482264,  0.49035775610023491,
                            0.14679576813142711, 0.03389506035773994,
                            8.934802200544679,   14.769375845132291};

TEST(SpecialFunctionsTest, DigammaAndTrigammaMatchR) {
  for (int i = 0; i < 8; ++i) {
    EXPECT_NEAR(Digamma(kX[i]), kDigamma[i],
                1e-13 * std::max(1.0, std::abs(kDigamma[i])))
        << "x = " << kX[i];
    EXPECT_NEAR(Trigamma(kX[i]), kTrigamma[i],
                1e-12 * std::max(1.0, std::abs(kTrigamma[i])))
        << "x = " << kX[i];
  }
  EXPECT_TRUE(std::isnan(Digamma(0.0)));
  EXPECT_TRUE(std::isnan(Digamma(-3.0)));
  EXPECT_TRUE(std::isnan(Trigamma(-1.0)));
}

TEST(SpecialFunctionsTest, StableSigmoidFamily) {
  EXPECT_DOUBLE_EQ(Log1pExp(800.0), 800.0);
  EXPECT_NEAR(Log1pExp(-800.0), 0.0, 1e-300);
  EXPECT_NEAR(Log1pExp(0.0), std::log(2.0), 1e-15);
  EXPECT_DOUBLE_EQ(LogSigmoid(-800.0), -800.0);
  EXPECT_DOUBLE_EQ(Sigmoid(800.0), 1.0);
  EXPECT_EQ(Sigmoid(-800.0), 0.0);
  EXPECT_NEAR(Sigmoid(1.0), 1.0 / (1.0 + std::exp(-1.0)), 1e-15);
  EXPECT_NEAR(Sigmoid(-1.0f), 1.0f / (1.0f + std::exp(1.0f)), 1e-7f);
}

}  // namespace
}  // namespace provi
