// Copyright 2026 The provi Authors.
//
// Poisson: masses against R, gradients against finite differences, sampler
// frequencies and moments (small and large rates), measure-valued gradients
// against analytic derivatives, validation. Statistical checks follow the
// flake budget in statistical_testing.h.

#include "distributions/poisson.h"

#include <algorithm>
#include <cmath>
#include <limits>
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

// The Poisson mass, computed in the test in double.
double PoissonPmf(double rate, int k) {
  return std::exp(k * std::log(rate) - rate - std::lgamma(k + 1.0));
}

TEST(PoissonTest, LogProbMatchesR) {
  // Rscript -e 'print(dpois(c(0,3,12,1), c(0.5,2.5,10,1e-3), log=TRUE),
  //                   digits=17)'
  const Poisson poisson(RealTensor(Mat({{0.5}, {2.5}, {10.0}, {1e-3}})));
  const Tensor lp = poisson.LogProb(RealTensor(Mat({{0}, {3}, {12}, {1}})));
  ASSERT_EQ(lp.rows(), 4);
  ASSERT_EQ(lp.cols(), 1);
  const double expected[] = {-0.5, -1.5428872736055899, -2.3561933797333383,
                             -6.9087552789821363};
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(lp(i, 0), expected[i], DensityTolerance(expected[i]));
  }
}

TEST(PoissonTest, LogProbSumsTheEventAndBroadcasts) {
  // Rscript -e 'print(sum(dpois(c(2,0,5), c(1.5,0.2,4), log=TRUE)),
  //                   digits=17)'
  const Poisson poisson =
      Poisson(RealTensor(Mat({{1.5, 0.2, 4.0}}))).Expand(2, 3);
  EXPECT_EQ(poisson.rows(), 2);
  EXPECT_EQ(poisson.cols(), 3);
  const Tensor lp = poisson.LogProb(RealTensor(Mat({{2, 0, 5}})));
  ASSERT_EQ(lp.rows(), 2);
  EXPECT_NEAR(lp(0, 0), -3.4382369015262095, DensityTolerance(3.4));
  EXPECT_NEAR(lp(1, 0), -3.4382369015262095, DensityTolerance(3.4));
}

TEST(PoissonTest, LogProbGradientMatchesFiniteDifferences) {
  const Eigen::MatrixXd x = Mat({{0, 3, 12}, {5, 1, 2}});
  ::provi::testing::ExpectAd(
      [&](const auto& rate) {
        using U = std::decay_t<decltype(rate)>;
        if constexpr (std::is_same_v<U, Tensor>) {
          return Poisson(rate).LogProb(RealTensor(x));
        } else {
          // x log λ - λ - log x!, in double.
          const Eigen::MatrixXd log_factorial =
              (x.array() + 1).unaryExpr([](double v) {
                return std::lgamma(v);
              });
          return RowSum(U(x) * Log(rate) - rate - U(log_factorial));
        }
      },
      Mat({{0.4, 2.5, 9.0}, {3.3, 0.05, 1.0}}));
}

// Frequencies by a chi-square test over 0, ..., 19 and a tail cell, with
// mean and variance z-tests (Poisson: variance λ, fourth central moment
// λ (1 + 3λ)). The large rate exercises absl's other sampling regime.
TEST(PoissonTest, SampleFrequencies) {
  Rng rng = MakeRng(41);
  for (double rate : {3.7, 250.0}) {
    const Poisson poisson = Poisson(rate).Expand(1000, 2);
    // Cells [lo, lo + 1), ..., with everything beyond the last in one tail.
    const int lo = rate > 100 ? 200 : 0;
    const int cells = rate > 100 ? 100 : 20;
    std::vector<long> counts(static_cast<size_t>(cells) + 2, 0);
    MeanAccumulator moments;
    for (int rep = 0; rep < 20; ++rep) {
      const Tensor x = poisson.Sample(rng);
      EXPECT_FALSE(x.requires_grad());
      for (Index j = 0; j < 2; ++j) {
        for (Index i = 0; i < x.rows(); ++i) {
          const double v = x(i, j);
          ASSERT_TRUE(v >= 0 && v == std::floor(v)) << v;
          const int cell =
              std::clamp(static_cast<int>(v) - lo + 1, 0, cells + 1);
          ++counts[static_cast<size_t>(cell)];
          moments.Add(v);
        }
      }
    }
    // Cell 0 is everything below lo, cell cells + 1 everything at or above
    // lo + cells.
    std::vector<double> probs(static_cast<size_t>(cells) + 2, 0.0);
    double inside = 0;
    for (int k = 0; k < lo; ++k) probs[0] += PoissonPmf(rate, k);
    for (int c = 1; c <= cells; ++c) {
      probs[static_cast<size_t>(c)] = PoissonPmf(rate, lo + c - 1);
      inside += probs[static_cast<size_t>(c)];
    }
    probs[static_cast<size_t>(cells) + 1] = 1 - probs[0] - inside;
    EXPECT_TRUE(::provi::testing::ChiSquareFits(counts, probs)) << rate;
    EXPECT_MEAN_NEAR(moments, rate);
    EXPECT_TRUE(
        ::provi::testing::VarianceNear(moments, rate, rate * (1 + 3 * rate)))
        << rate;
  }
}

// ∂/∂λ E f(X) exactly: Σ_k f(k) pmf(k) (k / λ - 1), summed until the terms
// vanish.
double ExactDerivative(double (*f)(double), double rate) {
  double d = 0;
  for (int k = 0; k < 200; ++k) {
    d += f(k) * PoissonPmf(rate, k) * (k / rate - 1);
  }
  return d;
}

TEST(PoissonTest, MeasureValuedDerivativesAreUnbiased) {
  const double rate = 2.3;
  const std::vector<double (*)(double)> fs = {
      [](double x) { return x * x; }, [](double x) { return std::cos(x); },
      [](double x) { return 1 / (1 + x); }};
  Rng rng = MakeRng(42);
  for (auto f : fs) {
    Parameter lambda(Matrix::Constant(1, 1, static_cast<Real>(rate)));
    MeanAccumulator d_rate;
    for (int rep = 0; rep < 400; ++rep) {
      TapeScope scope;
      lambda.ZeroGrad();
      const Poisson poisson = Poisson(lambda.tensor()).Expand(500, 1);
      const Tensor x = poisson.Sample(rng);
      const std::vector<MvdTerm> terms = poisson.MvdTerms(x, rng);
      ASSERT_EQ(terms.size(), 1u);
      const MvdTerm& term = terms[0];
      ASSERT_TRUE(term.negative.has_value());
      Matrix diff(500, 1);
      for (Index i = 0; i < 500; ++i) {
        // The coupling: the same fresh X on both sides.
        ASSERT_EQ(term.positive(i, 0), (*term.negative)(i, 0) + 1);
        diff(i, 0) = static_cast<Real>(f(term.positive(i, 0)) -
                                       f((*term.negative)(i, 0)));
      }
      Backward(MeanAll((term.parameter - Detach(term.parameter)) *
                       term.constant * Tensor(diff)));
      d_rate.Add(lambda.grad()(0, 0));
    }
    EXPECT_MEAN_NEAR(d_rate, ExactDerivative(f, rate));
  }
}

TEST(PoissonTest, MvdTermsReplaceOneColumnAtATime) {
  Rng rng = MakeRng(43);
  const Poisson poisson = Poisson(RealTensor(Mat({{1.0, 20.0}}))).Expand(3, 2);
  const Tensor x = poisson.Sample(rng);
  const std::vector<MvdTerm> terms = poisson.MvdTerms(x, rng);
  ASSERT_EQ(terms.size(), 2u);
  for (Index t = 0; t < 2; ++t) {
    const MvdTerm& term = terms[static_cast<size_t>(t)];
    ASSERT_EQ(term.parameter.rows(), 3);
    for (Index i = 0; i < 3; ++i) {
      EXPECT_EQ(term.parameter(i, 0), t == 0 ? 1 : 20);
      EXPECT_EQ(term.positive(i, 1 - t), x(i, 1 - t));
      EXPECT_EQ((*term.negative)(i, 1 - t), x(i, 1 - t));
    }
  }
}

TEST(PoissonTest, ValidateNamesTheParameterAndValue) {
  const absl::Status zero = Poisson(RealTensor(Mat({{1.0, 0.0}}))).Validate();
  EXPECT_EQ(zero.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(zero.message(), HasSubstr("Poisson"));
  EXPECT_THAT(zero.message(), HasSubstr("'rate' element (0, 1) = 0"));
  EXPECT_THAT(Poisson(-2.5).Validate().message(), HasSubstr("-2.5"));
  EXPECT_THAT(
      Poisson(std::numeric_limits<double>::infinity()).Validate().message(),
      HasSubstr("inf"));
  EXPECT_THAT(
      Poisson(RealTensor(Mat({{1.0, 2.0}}))).Expand(2, 3).Validate().message(),
      HasSubstr("expanded shape 2x3"));
  Rng rng = MakeRng(44);
  EXPECT_THAT(CatchStatus([&] { Poisson(-1.0).Sample(rng); }).message(),
              HasSubstr("'rate'"));
}

TEST(PoissonTest, LogProbRejectsValuesOutsideTheSupport) {
  const Poisson poisson = Poisson(2.0).Expand(2, 1);
  for (double bad :
       {-1.0, 1.5, std::nan(""), std::numeric_limits<double>::infinity()}) {
    const absl::Status status =
        CatchStatus([&] { poisson.LogProb(Tensor(bad)); });
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(status.message(), HasSubstr("Poisson: value"));
    EXPECT_THAT(status.message(), HasSubstr("outside the support"));
  }
}

}  // namespace
}  // namespace provi
