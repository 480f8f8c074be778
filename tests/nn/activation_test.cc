// Copyright 2026 The provi Authors.
//
// nn::Apply: each activation's values against independent double-precision
// formulas, its gradient against finite differences, and its cost on the
// tape (one node, none for the identity).

#include "nn/activation.h"

#include <cmath>
#include <functional>
#include <vector>

#include "ad/ops.h"
#include "ad/tape.h"
#include "ad/tensor.h"
#include "base/real.h"
#include "gtest/gtest.h"
#include "tests/testing/expect_ad.h"

namespace provi {
namespace nn {
namespace {

using ::provi::testing::ExpectAd;
using ::provi::testing::Mat;

// Inputs exactly representable in float, covering both signs, zero and the
// saturating regions of tanh and sigmoid.
const std::vector<double>& Inputs() {
  static const std::vector<double> inputs = {-30.0, -3.0, -0.5, 0.0,
                                             0.75,  2.0,  30.0};
  return inputs;
}

struct Case {
  Activation activation;
  double slope;
  std::function<double(double)> reference;
};

std::vector<Case> Cases() {
  return {
      {Activation::kIdentity, kDefaultLeakyReluSlope,
       [](double x) { return x; }},
      {Activation::kRelu, kDefaultLeakyReluSlope,
       [](double x) { return x > 0 ? x : 0.0; }},
      {Activation::kLeakyRelu, kDefaultLeakyReluSlope,
       [](double x) { return x > 0 ? x : 0.01 * x; }},
      {Activation::kLeakyRelu, 0.2,
       [](double x) { return x > 0 ? x : 0.2 * x; }},
      {Activation::kTanh, kDefaultLeakyReluSlope,
       [](double x) { return std::tanh(x); }},
      {Activation::kSoftplus, kDefaultLeakyReluSlope,
       [](double x) { return std::log1p(std::exp(x)); }},
      {Activation::kSigmoid, kDefaultLeakyReluSlope,
       [](double x) { return 1.0 / (1.0 + std::exp(-x)); }},
  };
}

TEST(ActivationTest, ValuesMatchTheirDefinitions) {
  Matrix x(1, static_cast<Index>(Inputs().size()));
  for (size_t i = 0; i < Inputs().size(); ++i) {
    x(0, static_cast<Index>(i)) = static_cast<Real>(Inputs()[i]);
  }
  for (const Case& c : Cases()) {
    const Tensor y = Apply(c.activation, Tensor(x), c.slope);
    ASSERT_EQ(y.rows(), 1);
    ASSERT_EQ(y.cols(), x.cols());
    for (Index i = 0; i < x.cols(); ++i) {
      const double expected = c.reference(static_cast<double>(x(0, i)));
      // The inputs are exact in Real, so only the rounding inside the
      // activation counts: at most three operations (exp, an addition, a
      // division or log1p), each within one ulp, whose relative errors add
      // without amplification. 4 epsilon relative bounds that; zero results
      // (relu, tanh at 0) are exact.
      const double tolerance = 4 * kRealEpsilon * std::abs(expected);
      EXPECT_NEAR(y(0, i), expected, tolerance)
          << "activation " << static_cast<int>(c.activation) << " at "
          << x(0, i);
    }
  }
}

TEST(ActivationTest, LeakyReluDefaultSlopeIsOneHundredth) {
  const Tensor y = Apply(Activation::kLeakyRelu, Tensor(Real(-2)));
  EXPECT_EQ(y.item(), Real(-2) * static_cast<Real>(0.01));
}

TEST(ActivationTest, GradientsMatchFiniteDifferences) {
  // Away from the kinks of relu and leaky relu at 0.
  const auto x = Mat({{-2.5, -0.4, 0.3, 1.7}, {0.9, -1.1, 2.2, -0.05}});
  for (const Case& c : Cases()) {
    SCOPED_TRACE(static_cast<int>(c.activation));
    ExpectAd([&](const auto& t) { return Apply(c.activation, t, c.slope); }, x);
  }
}

TEST(ActivationTest, EachActivationIsOneNodeAndIdentityIsNone) {
  TapeScope scope;
  const Tensor x = Variable(Matrix::Constant(3, 2, Real(0.5)));
  for (const Case& c : Cases()) {
    const size_t before = Tape::Current().size();
    const Tensor y = Apply(c.activation, x, c.slope);
    const size_t expected = c.activation == Activation::kIdentity ? 0 : 1;
    EXPECT_EQ(Tape::Current().size() - before, expected)
        << "activation " << static_cast<int>(c.activation);
    if (c.activation == Activation::kIdentity) {
      EXPECT_EQ(y.value_data(), x.value_data());
    }
  }
}

}  // namespace
}  // namespace nn
}  // namespace provi
