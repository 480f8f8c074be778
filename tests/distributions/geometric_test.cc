// Copyright 2026 The provi Authors.
//
// Geometric: masses against R, gradients against finite differences (also
// at p = 1), sampler frequencies and moments, measure-valued gradients
// against analytic derivatives, validation. Statistical checks follow the
// flake budget in statistical_testing.h.

#include "distributions/geometric.h"

#include <algorithm>
#include <cmath>
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

// The geometric mass p (1 - p)^k, computed in the test in double.
double GeometricPmf(double p, int k) { return p * std::pow(1 - p, k); }

TEST(GeometricTest, LogProbMatchesR) {
  // Rscript -e 'print(dgeom(c(0,4,10,0), c(0.3,0.5,0.05,1), log=TRUE),
  //                   digits=17)'
  const Geometric geometric(RealTensor(Mat({{0.3}, {0.5}, {0.05}, {1.0}})));
  const Tensor lp = geometric.LogProb(RealTensor(Mat({{0}, {4}, {10}, {0}})));
  ASSERT_EQ(lp.rows(), 4);
  ASSERT_EQ(lp.cols(), 1);
  const double expected[] = {-1.2039728043259361, -3.4657359027997265,
                             -3.5086652174294963, 0.0};
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(lp(i, 0), expected[i], DensityTolerance(expected[i]));
  }
  // p = 1 puts no mass above 0.
  EXPECT_EQ(Geometric(1.0).LogProb(Tensor(2)).item(), -kInfinity);
}

TEST(GeometricTest, LogProbSumsTheEventAndBroadcasts) {
  // Rscript -e 'print(sum(dgeom(c(2,0,5), c(0.5,0.2,0.04), log=TRUE)),
  //                   digits=17)'
  const Geometric geometric =
      Geometric(RealTensor(Mat({{0.5, 0.2, 0.04}}))).Expand(2, 3);
  EXPECT_EQ(geometric.rows(), 2);
  EXPECT_EQ(geometric.cols(), 3);
  const Tensor lp = geometric.LogProb(RealTensor(Mat({{2, 0, 5}})));
  ASSERT_EQ(lp.rows(), 2);
  EXPECT_NEAR(lp(0, 0), -7.1118652515834127, DensityTolerance(7.1));
  EXPECT_NEAR(lp(1, 0), -7.1118652515834127, DensityTolerance(7.1));
}

TEST(GeometricTest, LogProbGradientMatchesFiniteDifferences) {
  const Eigen::MatrixXd x = Mat({{0, 3, 12}, {5, 1, 2}});
  ::provi::testing::ExpectAd(
      [&](const auto& p) {
        using U = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<U, Tensor>) {
          return Geometric(p).LogProb(RealTensor(x));
        } else {
          // log p + x log(1 - p), in double.
          return RowSum(Log(p) + U(x) * Log1p(-p));
        }
      },
      Mat({{0.4, 0.25, 0.9}, {0.33, 0.05, 0.6}}));
}

TEST(GeometricTest, LogProbGradientIsFiniteAtCertainSuccess) {
  // d/dp log p(0) = 1 / p = 1 at p = 1: the x log(1 - p) term with x = 0
  // must not contribute 0 * inf.
  TapeScope scope;
  const Tensor probs = Variable(Matrix::Constant(1, 1, 1));
  const Tensor lp = Geometric(probs).LogProb(Tensor(0));
  EXPECT_EQ(lp.item(), 0);
  Backward(lp);
  EXPECT_NEAR(probs.adjoint()(0, 0), 1.0, 1e-6);
}

// Frequencies by a chi-square test over 0, ..., 24 and a tail cell, with
// mean and variance z-tests: mean q/p, variance q/p², fourth central moment
// q (p² - 9p + 9) / p⁴ (q = 1 - p).
TEST(GeometricTest, SampleFrequencies) {
  Rng rng = MakeRng(51);
  for (double p : {0.3, 0.02}) {
    const Geometric geometric = Geometric(p).Expand(1000, 2);
    const int cells = 25;
    std::vector<long> counts(cells + 1, 0);
    MeanAccumulator moments;
    for (int rep = 0; rep < 20; ++rep) {
      const Tensor x = geometric.Sample(rng);
      EXPECT_FALSE(x.requires_grad());
      for (Index j = 0; j < 2; ++j) {
        for (Index i = 0; i < x.rows(); ++i) {
          const double v = x(i, j);
          ASSERT_TRUE(v >= 0 && v == std::floor(v)) << v;
          ++counts[static_cast<size_t>(std::min<double>(v, cells))];
          moments.Add(v);
        }
      }
    }
    std::vector<double> probs;
    for (int k = 0; k < cells; ++k) probs.push_back(GeometricPmf(p, k));
    probs.push_back(std::pow(1 - p, cells));  // P(X >= cells)
    EXPECT_TRUE(::provi::testing::ChiSquareFits(counts, probs)) << p;
    const double q = 1 - p;
    EXPECT_MEAN_NEAR(moments, q / p);
    EXPECT_TRUE(::provi::testing::VarianceNear(
        moments, q / (p * p), q * (p * p - 9 * p + 9) / std::pow(p, 4)))
        << p;
  }
  // p = 1: the first trial succeeds.
  const Tensor certain = Geometric(1.0).Expand(50, 1).Sample(rng);
  for (Index i = 0; i < 50; ++i) ASSERT_EQ(certain(i, 0), 0);
}

// ∂/∂p E f(X) exactly: Σ_k f(k) pmf(k) (1/p - k/(1 - p)), summed until the
// terms vanish.
double ExactDerivative(double (*f)(double), double p) {
  double d = 0;
  for (int k = 0; k < 2000; ++k) {
    d += f(k) * GeometricPmf(p, k) * (1 / p - k / (1 - p));
  }
  return d;
}

TEST(GeometricTest, MeasureValuedDerivativesAreUnbiased) {
  const double p = 0.3;
  const std::vector<double (*)(double)> fs = {
      [](double x) { return x; }, [](double x) { return x * x; },
      [](double x) { return 1 / (1 + x); },
      [](double x) { return std::cos(x); }};
  // Closed forms for the first and third, as a check on the series:
  // E X = q/p, E 1/(1+X) = -p log p / q.
  EXPECT_NEAR(ExactDerivative(fs[0], p), -1 / (p * p), 1e-9);
  EXPECT_NEAR(ExactDerivative(fs[2], p),
              -(std::log(p) + 1 - p) / ((1 - p) * (1 - p)), 1e-9);
  Rng rng = MakeRng(52);
  for (auto f : fs) {
    Parameter probs(Matrix::Constant(1, 1, static_cast<Real>(p)));
    MeanAccumulator d_p;
    for (int rep = 0; rep < 400; ++rep) {
      TapeScope scope;
      probs.ZeroGrad();
      const Geometric geometric = Geometric(probs.tensor()).Expand(500, 1);
      const Tensor x = geometric.Sample(rng);
      const std::vector<MvdTerm> terms = geometric.MvdTerms(x, rng);
      ASSERT_EQ(terms.size(), 1u);
      const MvdTerm& term = terms[0];
      ASSERT_TRUE(term.negative.has_value());
      Matrix diff(500, 1);
      for (Index i = 0; i < 500; ++i) {
        // The coupling: x⁻ = 1 + x⁺ + X'.
        ASSERT_GT((*term.negative)(i, 0), term.positive(i, 0));
        EXPECT_NEAR(term.constant(i, 0), 1 / p, 1e-5);
        diff(i, 0) = static_cast<Real>(f(term.positive(i, 0)) -
                                       f((*term.negative)(i, 0)));
      }
      Backward(MeanAll((term.parameter - Detach(term.parameter)) *
                       term.constant * Tensor(diff)));
      d_p.Add(probs.grad()(0, 0));
    }
    EXPECT_MEAN_NEAR(d_p, ExactDerivative(f, p));
  }
}

TEST(GeometricTest, MvdTermsReplaceOneColumnAtATime) {
  Rng rng = MakeRng(53);
  const Geometric geometric =
      Geometric(RealTensor(Mat({{0.5, 0.25}}))).Expand(3, 2);
  const Tensor x = geometric.Sample(rng);
  const std::vector<MvdTerm> terms = geometric.MvdTerms(x, rng);
  ASSERT_EQ(terms.size(), 2u);
  for (Index t = 0; t < 2; ++t) {
    const MvdTerm& term = terms[static_cast<size_t>(t)];
    for (Index i = 0; i < 3; ++i) {
      EXPECT_EQ(term.parameter(i, 0), t == 0 ? Real(0.5) : Real(0.25));
      EXPECT_EQ(term.positive(i, 1 - t), x(i, 1 - t));
      EXPECT_EQ((*term.negative)(i, 1 - t), x(i, 1 - t));
    }
  }
}

TEST(GeometricTest, ValidateNamesTheParameterAndValue) {
  const absl::Status zero = Geometric(RealTensor(Mat({{0.5, 0.0}}))).Validate();
  EXPECT_EQ(zero.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(zero.message(), HasSubstr("Geometric"));
  EXPECT_THAT(zero.message(), HasSubstr("'probs' element (0, 1) = 0"));
  EXPECT_THAT(zero.message(), HasSubstr("(0, 1]"));
  EXPECT_THAT(Geometric(1.5).Validate().message(), HasSubstr("1.5"));
  EXPECT_THAT(Geometric(std::nan("")).Validate().message(),
              HasSubstr("'probs'"));
  EXPECT_TRUE(Geometric(1.0).Validate().ok());
  EXPECT_THAT(Geometric(RealTensor(Mat({{0.5, 0.5}})))
                  .Expand(2, 3)
                  .Validate()
                  .message(),
              HasSubstr("expanded shape 2x3"));
  Rng rng = MakeRng(54);
  EXPECT_THAT(CatchStatus([&] { Geometric(0.0).Sample(rng); }).message(),
              HasSubstr("'probs'"));
}

TEST(GeometricTest, LogProbRejectsValuesOutsideTheSupport) {
  const Geometric geometric = Geometric(0.5).Expand(2, 1);
  for (double bad : {-1.0, 0.5, std::nan("")}) {
    const absl::Status status =
        CatchStatus([&] { geometric.LogProb(Tensor(bad)); });
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(status.message(), HasSubstr("Geometric: value"));
    EXPECT_THAT(status.message(), HasSubstr("outside the support"));
  }
}

}  // namespace
}  // namespace provi
