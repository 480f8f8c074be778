// Copyright 2026 The provi Authors.
//
// Exponential: densities against R, sampler moments, pathwise and
// measure-valued gradients against analytic derivatives, validation.
// Statistical checks follow the flake budget in statistical_testing.h.

#include "distributions/exponential.h"

#include <cmath>
#include <type_traits>
#include <vector>

#include "ad/ops.h"
#include "ad/tape.h"
#include "base/random.h"
#include "base/status_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/expect_ad.h"
#include "tests/testing/statistical_testing.h"

namespace provi {
namespace {

using ::provi::testing::DensityTolerance;
using ::provi::testing::Mat;
using ::provi::testing::MeanAccumulator;
using ::provi::testing::RealTensor;
using ::testing::HasSubstr;

TEST(ExponentialTest, LogProbMatchesR) {
  // Rscript -e 'print(dexp(c(0.3,0,2.5), c(1,0.5,3), log=TRUE), digits=17)'
  const Exponential exponential(RealTensor(Mat({{1.0}, {0.5}, {3.0}})));
  const Tensor lp = exponential.LogProb(RealTensor(Mat({{0.3}, {0.0}, {2.5}})));
  ASSERT_EQ(lp.rows(), 3);
  ASSERT_EQ(lp.cols(), 1);
  const double expected[] = {-0.29999999999999999, -0.69314718055994529,
                             -6.40138771133189000};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(lp(i, 0), expected[i], DensityTolerance(expected[i]));
  }
}

TEST(ExponentialTest, LogProbSumsTheEvent) {
  const Exponential exponential =
      Exponential(RealTensor(Mat({{1.0, 0.5, 3.0}}))).Expand(2, 3);
  const Tensor lp = exponential.LogProb(RealTensor(Mat({{0.3, 0.0, 2.5}})));
  ASSERT_EQ(lp.rows(), 2);
  // The sum of the three values of LogProbMatchesR.
  const double expected =
      -0.29999999999999999 - 0.69314718055994529 - 6.40138771133189000;
  EXPECT_NEAR(lp(0, 0), expected, DensityTolerance(expected));
  EXPECT_NEAR(lp(1, 0), expected, DensityTolerance(expected));
}

TEST(ExponentialTest, LogProbGradientMatchesFiniteDifferences) {
  ::provi::testing::ExpectAd(
      [](const auto& x, const auto& rate) {
        using TensorType = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<TensorType, Tensor>) {
          return Exponential(rate).LogProb(x);
        } else {
          // The reference path: the same formula on double tensors.
          return RowSum(Log(rate) - x * rate);
        }
      },
      Mat({{0.3, 1.2}, {2.5, 0.1}}), Mat({{1.0}, {2.0}}));
}

TEST(ExponentialTest, SampleMoments) {
  const double rate = 2.5;
  Rng rng = MakeRng(1);
  const Exponential exponential = Exponential(rate).Expand(1000, 1);
  MeanAccumulator acc;
  for (int rep = 0; rep < 50; ++rep) {
    const Tensor x = exponential.Sample(rng);
    EXPECT_FALSE(x.requires_grad());
    for (Index i = 0; i < x.rows(); ++i) {
      ASSERT_GE(x(i, 0), 0);
      acc.Add(x(i, 0));
    }
  }
  // Mean 1/λ, variance 1/λ², fourth central moment 9/λ⁴.
  EXPECT_MEAN_NEAR(acc, 1 / rate);
  EXPECT_TRUE(::provi::testing::VarianceNear(acc, 1 / (rate * rate),
                                             9 / std::pow(rate, 4)));
}

// E[x²] = 2/λ², so d/dλ E[x²] = -4/λ³. Each gradient estimate averages
// 1,000 lanes.
TEST(ExponentialTest, PathwiseGradientIsUnbiased) {
  const double r = 1.7;
  Rng rng = MakeRng(2);
  Parameter rate(Matrix::Constant(1, 1, r));
  MeanAccumulator d_rate;
  for (int rep = 0; rep < 200; ++rep) {
    TapeScope scope;
    rate.ZeroGrad();
    const Tensor x = Exponential(rate.tensor()).Expand(1000, 1).RSample(rng);
    Backward(MeanAll(Square(x)));
    d_rate.Add(rate.grad()(0, 0));
  }
  EXPECT_MEAN_NEAR(d_rate, -4 / std::pow(r, 3));
}

// The MVD estimate of d/dλ E[f(x)] from the couplings, for several f.
TEST(ExponentialTest, MeasureValuedDerivativesAreUnbiased) {
  struct Case {
    double (*f)(double);
    double d_rate;  // analytic d/dλ E[f]
  };
  const double lambda = 1.7;
  // E[x²] = 2/λ²; E[x³] = 6/λ³; E[cos x] = Re λ/(λ - i) = λ²/(λ² + 1).
  const std::vector<Case> cases = {
      {[](double x) { return x * x; }, -4 / std::pow(lambda, 3)},
      {[](double x) { return x * x * x; }, -18 / std::pow(lambda, 4)},
      {[](double x) { return std::cos(x); },
       2 * lambda / std::pow(lambda * lambda + 1, 2)},
  };
  Rng rng = MakeRng(3);
  for (const Case& c : cases) {
    Parameter rate(Matrix::Constant(1, 1, lambda));
    MeanAccumulator d_rate;
    for (int rep = 0; rep < 400; ++rep) {
      TapeScope scope;
      rate.ZeroGrad();
      const Exponential exponential = Exponential(rate.tensor()).Expand(500, 1);
      const Tensor x = exponential.Sample(rng);
      const std::vector<MvdTerm> terms = exponential.MvdTerms(x, rng);
      ASSERT_EQ(terms.size(), 1u);
      const MvdTerm& term = terms[0];
      ASSERT_TRUE(term.negative.has_value());
      Matrix diff(x.rows(), 1);
      for (Index i = 0; i < x.rows(); ++i) {
        diff(i, 0) = static_cast<Real>(c.f(term.positive(i, 0)) -
                                       c.f((*term.negative)(i, 0)));
      }
      Backward(MeanAll((term.parameter - Detach(term.parameter)) *
                       term.constant * Tensor(diff)));
      d_rate.Add(rate.grad()(0, 0));
    }
    EXPECT_MEAN_NEAR(d_rate, c.d_rate);
  }
}

TEST(ExponentialTest, MvdTermsReplaceOneColumnAtATime) {
  Rng rng = MakeRng(4);
  const Exponential exponential =
      Exponential(RealTensor(Mat({{1.0, 4.0}}))).Expand(3, 2);
  const Tensor x = exponential.Sample(rng);
  const std::vector<MvdTerm> terms = exponential.MvdTerms(x, rng);
  ASSERT_EQ(terms.size(), 2u);  // one rate per column
  for (Index column = 0; column < 2; ++column) {
    const MvdTerm& term = terms[static_cast<size_t>(column)];
    const Index other = 1 - column;
    EXPECT_EQ(term.parameter.rows(), 3);
    EXPECT_EQ(term.parameter.cols(), 1);
    EXPECT_EQ(term.parameter(0, 0), column == 0 ? 1 : 4);
    ASSERT_TRUE(term.negative.has_value());
    for (Index i = 0; i < 3; ++i) {
      EXPECT_EQ(term.constant(i, 0), column == 0 ? 1 : Real(0.25));
      EXPECT_EQ(term.positive(i, other), x(i, other));
      EXPECT_EQ((*term.negative)(i, other), x(i, other));
      // The Gamma(2, λ) draw extends the shared exponential draw.
      EXPECT_GT((*term.negative)(i, column), term.positive(i, column));
    }
  }
}

TEST(ExponentialTest, ValidateNamesTheParameterAndValue) {
  const absl::Status bad_rate =
      Exponential(RealTensor(Mat({{1.0, -2.0}}))).Validate();
  EXPECT_EQ(bad_rate.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_rate.message(), HasSubstr("Exponential"));
  EXPECT_THAT(bad_rate.message(), HasSubstr("'rate' element (0, 1) = -2"));
  EXPECT_THAT(Exponential(RealTensor(Mat({{1.0, 2.0}})))
                  .Expand(4, 3)
                  .Validate()
                  .message(),
              HasSubstr("expanded shape 4x3"));
  EXPECT_TRUE(Exponential(1.0).Expand(4, 3).Validate().ok());
}

TEST(ExponentialTest, LogProbOfANegativeValueIsAnError) {
  const Exponential exponential(2.0);
  EXPECT_EQ(exponential.support(), Support::NonNegative());
  const absl::Status status =
      CatchStatus([&] { exponential.LogProb(Tensor(-1e-3)); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("Exponential: value"));
  EXPECT_THAT(status.message(), HasSubstr("outside the support [0, inf)"));
}

}  // namespace
}  // namespace provi
