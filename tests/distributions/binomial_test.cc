// Copyright 2026 The provi Authors.
//
// Binomial: masses against R, gradients against finite differences (also
// at p = 0 and p = 1), sampler frequencies, enumeration, measure-valued
// gradients against analytic derivatives, validation. Statistical checks
// follow the flake budget in statistical_testing.h.

#include "distributions/binomial.h"

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

// The binomial mass, computed in the test in double.
double BinomialPmf(int n, double p, int k) {
  return std::exp(std::lgamma(n + 1.0) - std::lgamma(k + 1.0) -
                  std::lgamma(n - k + 1.0)) *
         std::pow(p, k) * std::pow(1 - p, n - k);
}

TEST(BinomialTest, LogProbMatchesR) {
  // Rscript -e 'print(dbinom(c(0,3,10,7,0,10), 10,
  //                          c(0.2,0.5,0.9,0.35,0,1), log=TRUE), digits=17)'
  const Binomial binomial(
      10, RealTensor(Mat({{0.2}, {0.5}, {0.9}, {0.35}, {0.0}, {1.0}})));
  const Tensor lp =
      binomial.LogProb(RealTensor(Mat({{0}, {3}, {10}, {7}, {0}, {10}})));
  ASSERT_EQ(lp.rows(), 6);
  ASSERT_EQ(lp.cols(), 1);
  const double expected[] = {-2.2314355131420971,
                             -2.1439800628174059,
                             -1.0536051565782627,
                             -3.8536118769860592,
                             0.0,
                             0.0};
  for (int i = 0; i < 6; ++i) {
    EXPECT_NEAR(lp(i, 0), expected[i], DensityTolerance(expected[i]));
  }
  // p = 0 puts no mass above 0.
  EXPECT_EQ(Binomial(10, 0.0).LogProb(Tensor(1)).item(), -kInfinity);
}

TEST(BinomialTest, LogProbSumsTheEventAndBroadcasts) {
  // Rscript -e 'print(sum(dbinom(c(1,4), 5, c(0.2,0.7), log=TRUE)),
  //                   digits=17); print(sum(dbinom(c(5,0), 5, c(0.2,0.7),
  //                   log=TRUE)), digits=17)'
  const Binomial binomial =
      Binomial(5, RealTensor(Mat({{0.2, 0.7}}))).Expand(2, 2);
  EXPECT_EQ(binomial.rows(), 2);
  EXPECT_EQ(binomial.cols(), 2);
  EXPECT_EQ(binomial.total_count(), 5);
  const Tensor lp = binomial.LogProb(RealTensor(Mat({{1, 4}, {5, 0}})));
  EXPECT_NEAR(lp(0, 0), -1.9138088729036042, DensityTolerance(1.9));
  EXPECT_NEAR(lp(1, 0), -14.067053583800181, DensityTolerance(14.1));
}

TEST(BinomialTest, LogProbGradientMatchesFiniteDifferences) {
  const int n = 7;
  const Eigen::MatrixXd x = Mat({{0, 3, 7}, {5, 1, 2}});
  ::provi::testing::ExpectAd(
      [&](const auto& p) {
        using U = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<U, Tensor>) {
          return Binomial(n, p).LogProb(RealTensor(x));
        } else {
          // log C(n, x) + x log p + (n - x) log(1 - p), in double.
          Eigen::MatrixXd log_choose(2, 3);
          for (Index j = 0; j < 3; ++j) {
            for (Index i = 0; i < 2; ++i) {
              log_choose(i, j) = std::lgamma(n + 1.0) -
                                 std::lgamma(x(i, j) + 1) -
                                 std::lgamma(n - x(i, j) + 1);
            }
          }
          const U xs(x);
          return RowSum(U(log_choose) + xs * Log(p) +
                        (static_cast<double>(n) - xs) * Log1p(-p));
        }
      },
      Mat({{0.2, 0.6, 0.9}, {0.35, 0.5, 0.05}}));
}

TEST(BinomialTest, LogProbGradientIsFiniteAtBoundaryProbabilities) {
  // d/dp log p(0) = -n / (1 - p) = -n at p = 0; d/dp log p(n) = n / p = n
  // at p = 1. The terms with a zero count must not contribute 0 * inf.
  TapeScope scope;
  const Tensor probs = Variable(RealTensor(Mat({{0.0}, {1.0}})).value());
  const Tensor lp = Binomial(4, probs).LogProb(RealTensor(Mat({{0}, {4}})));
  EXPECT_EQ(lp(0, 0), 0);
  EXPECT_EQ(lp(1, 0), 0);
  Backward(SumAll(lp));
  EXPECT_NEAR(probs.adjoint()(0, 0), -4.0, 1e-6);
  EXPECT_NEAR(probs.adjoint()(1, 0), 4.0, 1e-6);
}

TEST(BinomialTest, SampleFrequencies) {
  Rng rng = MakeRng(31);
  const int n = 12;
  const double p = 0.35;
  const Binomial binomial = Binomial(n, p).Expand(1000, 2);
  std::vector<long> counts(n + 1, 0);
  MeanAccumulator mean;
  for (int rep = 0; rep < 20; ++rep) {
    const Tensor x = binomial.Sample(rng);
    EXPECT_FALSE(x.requires_grad());
    ASSERT_EQ(x.rows(), 1000);
    ASSERT_EQ(x.cols(), 2);
    for (Index j = 0; j < 2; ++j) {
      for (Index i = 0; i < x.rows(); ++i) {
        ASSERT_TRUE(x(i, j) >= 0 && x(i, j) <= n) << x(i, j);
        ++counts[static_cast<size_t>(x(i, j))];
        mean.Add(x(i, j));
      }
    }
  }
  std::vector<double> pmf;
  for (int k = 0; k <= n; ++k) pmf.push_back(BinomialPmf(n, p, k));
  EXPECT_TRUE(::provi::testing::ChiSquareFits(counts, pmf));
  EXPECT_MEAN_NEAR(mean, n * p);
  // n p (1 - p) and the binomial fourth central moment
  // n p q (1 + 3 (n - 2) p q).
  const double pq = p * (1 - p);
  EXPECT_TRUE(::provi::testing::VarianceNear(mean, n * pq,
                                             n * pq * (1 + 3 * (n - 2) * pq)));

  // The point masses at the boundary probabilities.
  const Tensor edges =
      Binomial(9, RealTensor(Mat({{0.0, 1.0}}))).Expand(100, 2).Sample(rng);
  for (Index i = 0; i < 100; ++i) {
    ASSERT_EQ(edges(i, 0), 0);
    ASSERT_EQ(edges(i, 1), 9);
  }
}

TEST(BinomialTest, EnumerateSupportListsJointValuesInOrder) {
  const Binomial binomial(2, RealTensor(Mat({{0.3, 0.6}, {0.9, 0.5}})));
  const std::vector<Tensor> values = binomial.EnumerateSupport();
  ASSERT_EQ(values.size(), 9u);  // (n + 1)^C = 3^2
  std::vector<double> total(2, 0.0);
  for (size_t t = 0; t < values.size(); ++t) {
    ASSERT_EQ(values[t].rows(), 2);
    ASSERT_EQ(values[t].cols(), 2);
    for (Index i = 0; i < 2; ++i) {
      EXPECT_EQ(values[t](i, 0), static_cast<Real>(t / 3));
      EXPECT_EQ(values[t](i, 1), static_cast<Real>(t % 3));
    }
    const Tensor lp = binomial.LogProb(values[t]);
    for (Index i = 0; i < 2; ++i) total[i] += std::exp(lp(i, 0));
  }
  // Each mass is within DensityTolerance of its value, relatively.
  const double tolerance =
      static_cast<double>(values.size()) * DensityTolerance(1.0);
  EXPECT_NEAR(total[0], 1.0, tolerance);
  EXPECT_NEAR(total[1], 1.0, tolerance);

  EXPECT_EQ(Binomial(15, 0.5).Expand(1, 4).EnumerateSupport().size(), 65536u);
  const absl::Status status =
      CatchStatus([] { Binomial(16, 0.5).Expand(1, 4).EnumerateSupport(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("Binomial"));
  EXPECT_THAT(status.message(), HasSubstr("17^4"));
}

// ∂/∂p E f(X) for X ~ Binomial(n, p), exactly: Σ_k f(k) ∂pmf(k)/∂p with
// ∂pmf(k)/∂p = pmf(k) (k / p - (n - k) / (1 - p)).
double ExactDerivative(double (*f)(double), int n, double p) {
  double d = 0;
  for (int k = 0; k <= n; ++k) {
    d += f(k) * BinomialPmf(n, p, k) * (k / p - (n - k) / (1 - p));
  }
  return d;
}

TEST(BinomialTest, MeasureValuedDerivativesAreUnbiased) {
  const int n = 6;
  const double p = 0.35;
  const std::vector<double (*)(double)> fs = {
      [](double x) { return x * x; }, [](double x) { return std::cos(x); },
      [](double x) { return 1 / (1 + x); }};
  Rng rng = MakeRng(32);
  for (auto f : fs) {
    Parameter probs(Matrix::Constant(1, 1, static_cast<Real>(p)));
    MeanAccumulator d_p;
    for (int rep = 0; rep < 400; ++rep) {
      TapeScope scope;
      probs.ZeroGrad();
      const Binomial binomial = Binomial(n, probs.tensor()).Expand(500, 1);
      const Tensor x = binomial.Sample(rng);
      const std::vector<MvdTerm> terms = binomial.MvdTerms(x, rng);
      ASSERT_EQ(terms.size(), 1u);
      const MvdTerm& term = terms[0];
      ASSERT_TRUE(term.negative.has_value());
      Matrix diff(500, 1);
      for (Index i = 0; i < 500; ++i) {
        // The coupling: x⁺ = x⁻ + 1, both within {0, ..., n}.
        ASSERT_EQ(term.positive(i, 0), (*term.negative)(i, 0) + 1);
        ASSERT_LE(term.positive(i, 0), n);
        diff(i, 0) = static_cast<Real>(f(term.positive(i, 0)) -
                                       f((*term.negative)(i, 0)));
      }
      Backward(MeanAll((term.parameter - Detach(term.parameter)) *
                       term.constant * Tensor(diff)));
      d_p.Add(probs.grad()(0, 0));
    }
    EXPECT_MEAN_NEAR(d_p, ExactDerivative(f, n, p));
  }
}

TEST(BinomialTest, MvdWithNoTrialsHasNoGradient) {
  Rng rng = MakeRng(33);
  const Binomial none = Binomial(0, 0.4).Expand(3, 1);
  const std::vector<MvdTerm> terms = none.MvdTerms(none.Sample(rng), rng);
  ASSERT_EQ(terms.size(), 1u);
  for (Index i = 0; i < 3; ++i) {
    EXPECT_EQ(terms[0].constant(i, 0), 0);
    EXPECT_EQ(terms[0].positive(i, 0), 0);
    EXPECT_EQ((*terms[0].negative)(i, 0), 0);
  }
}

TEST(BinomialTest, ValidateNamesTheParameterAndValue) {
  const absl::Status bad_probs =
      Binomial(3, RealTensor(Mat({{0.5, 1.2}}))).Validate();
  EXPECT_EQ(bad_probs.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_probs.message(), HasSubstr("Binomial"));
  EXPECT_THAT(bad_probs.message(), HasSubstr("'probs'"));
  EXPECT_THAT(bad_probs.message(), HasSubstr("1.2"));
  const absl::Status bad_count = Binomial(-3, 0.5).Validate();
  EXPECT_THAT(bad_count.message(), HasSubstr("'total_count' = -3"));
  EXPECT_THAT(Binomial(3, RealTensor(Mat({{0.5, 0.5}})))
                  .Expand(2, 3)
                  .Validate()
                  .message(),
              HasSubstr("expanded shape 2x3"));
  EXPECT_TRUE(Binomial(0, 1.0).Validate().ok());
  // Samplers report an invalid count instead of passing it on.
  Rng rng = MakeRng(34);
  EXPECT_THAT(CatchStatus([&] { Binomial(-3, 0.5).Sample(rng); }).message(),
              HasSubstr("'total_count'"));
  EXPECT_THAT(CatchStatus([&] { Binomial(3, 1.5).Sample(rng); }).message(),
              HasSubstr("'probs'"));
}

TEST(BinomialTest, LogProbRejectsValuesOutsideTheSupport) {
  const Binomial binomial = Binomial(10, 0.5).Expand(2, 1);
  for (double bad : {11.0, -1.0, 2.5, std::nan("")}) {
    const absl::Status status =
        CatchStatus([&] { binomial.LogProb(Tensor(bad)); });
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(status.message(), HasSubstr("Binomial: value"));
    EXPECT_THAT(status.message(), HasSubstr("{0, ..., 10}"));
  }
}

}  // namespace
}  // namespace provi
