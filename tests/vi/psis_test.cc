// Copyright 2026 The provi Authors.
//
// Tests of PSIS and its generalized Pareto fit against distributions whose
// tail shape is known. Statistical comparisons use |z| < 5 with fixed seeds
// (statistical_testing.h: flake budget below 1e-4); the k-hat thresholds
// are checked where the true shape is at least 2.5 standard errors of the
// estimate away from them.

#include "vi/psis.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "absl/random/distributions.h"
#include "base/random.h"
#include "gtest/gtest.h"
#include "tests/testing/statistical_testing.h"
#include "tests/testing/status_testing.h"

namespace provi {
namespace {

using ::provi::testing::ExpectError;
using ::provi::testing::kZThreshold;

constexpr double kInf = std::numeric_limits<double>::infinity();

// n draws of GPD(k, sigma), sorted ascending (inverse CDF).
std::vector<double> ParetoDraws(double k, double sigma, int n, uint64_t seed) {
  Rng rng = MakeRng(seed);
  GeneralizedPareto gpd{k, sigma};
  std::vector<double> x;
  for (int i = 0; i < n; ++i)
    x.push_back(gpd.Quantile(absl::Uniform(rng, 0.0, 1.0)));
  std::sort(x.begin(), x.end());
  return x;
}

TEST(GeneralizedParetoTest, QuantileInvertsTheSurvivalFunction) {
  const GeneralizedPareto gpd{0.5, 2.0};
  const double x = gpd.Quantile(0.9);
  // Survival (1 + k x / sigma)^(-1/k) = 0.1.
  EXPECT_NEAR(std::pow(1 + 0.5 * x / 2.0, -1 / 0.5), 0.1, 1e-12);
  const GeneralizedPareto exponential{0.0, 2.0};
  EXPECT_NEAR(exponential.Quantile(0.9), -2 * std::log(0.1), 1e-12);
}

// The fit recovers known shapes within 5 standard errors; the maximum
// likelihood standard error of k is (1 + k) / √n, which Zhang and
// Stephens' estimator attains to within a few percent.
TEST(GeneralizedParetoTest, FitRecoversTheShape) {
  const int n = 2000;
  uint64_t seed = 11;
  for (double k : {-0.2, 0.2, 0.5, 0.8, 1.2}) {
    const std::vector<double> x = ParetoDraws(k, 1.5, n, ++seed);
    absl::StatusOr<GeneralizedPareto> fit =
        FitGeneralizedPareto(x, /*weakly_informative_prior=*/false);
    ASSERT_TRUE(fit.ok()) << fit.status();
    const double se = (1 + k) / std::sqrt(static_cast<double>(n));
    EXPECT_LT(std::abs(fit->k - k), kZThreshold * se) << "k = " << k;
    EXPECT_LT(std::abs(fit->sigma / 1.5 - 1), kZThreshold * 2 * se)
        << "k = " << k;
  }
}

TEST(GeneralizedParetoTest, PriorShrinksTowardsOneHalf) {
  const std::vector<double> x = ParetoDraws(0.1, 1.0, 20, 3);
  absl::StatusOr<GeneralizedPareto> raw = FitGeneralizedPareto(x, false);
  absl::StatusOr<GeneralizedPareto> shrunk = FitGeneralizedPareto(x, true);
  ASSERT_TRUE(raw.ok() && shrunk.ok());
  EXPECT_NEAR(shrunk->k, (20 * raw->k + 5) / 30, 1e-12);
}

TEST(GeneralizedParetoTest, RejectsBadInput) {
  ExpectError(FitGeneralizedPareto(std::vector<double>{1, 2, 3}),
              absl::StatusCode::kInvalidArgument, "at least 5");
  ExpectError(FitGeneralizedPareto(std::vector<double>{1, 2, 3, 5, 4}),
              absl::StatusCode::kInvalidArgument, "sorted");
  ExpectError(FitGeneralizedPareto(std::vector<double>{0, 0, 0, 0, 0}),
              absl::StatusCode::kInvalidArgument, "every exceedance is 0");
}

// Log ratios log p(x) - log q(x) of `draws` draws x ~ q = N(0, q_sd² I) in
// `dims` dimensions, for p = N(0, I) (or, with `student_dof` > 0, a product
// of Student-t's with that many degrees of freedom).
std::vector<double> NormalProposalLogRatios(int dims, double q_sd,
                                            double student_dof, int draws,
                                            uint64_t seed) {
  Rng rng = MakeRng(seed);
  std::vector<double> ratios;
  for (int s = 0; s < draws; ++s) {
    double r = 0;
    for (int d = 0; d < dims; ++d) {
      const double x = q_sd * absl::Gaussian<double>(rng);
      const double log_q = -0.5 * (x / q_sd) * (x / q_sd) - std::log(q_sd);
      const double log_p = student_dof > 0 ? -0.5 * (student_dof + 1) *
                                                 std::log1p(x * x / student_dof)
                                           : -0.5 * x * x;
      r += log_p - log_q;
    }
    ratios.push_back(r);
  }
  return ratios;
}

// A proposal a little wider than the target has bounded weights: k < 0.
TEST(PsisTest, WideProposalIsGood) {
  absl::StatusOr<PsisResult> psis =
      Psis(NormalProposalLogRatios(5, 1.2, 0, 4000, 21));
  ASSERT_TRUE(psis.ok()) << psis.status();
  EXPECT_LT(psis->pareto_k, 0.3);
  EXPECT_EQ(psis->level(), ParetoKLevel::kGood);
  EXPECT_EQ(psis->tail_length, 190);  // ⌈3 √4000⌉
}

// q = N(0, s²) against p = N(0, 1): the weights' tail index is 1 - s², so
// k = 0.19 for s = 0.9 (good) and 0.75 for s = 0.5 (the brief's too-narrow
// guide), heavier still in several dimensions.
TEST(PsisTest, SlightlyNarrowProposalIsGood) {
  absl::StatusOr<PsisResult> psis =
      Psis(NormalProposalLogRatios(1, 0.9, 0, 4000, 22));
  ASSERT_TRUE(psis.ok()) << psis.status();
  EXPECT_LT(psis->pareto_k, kParetoKGood);
}

TEST(PsisTest, HalfWidthProposalIsUnreliable) {
  absl::StatusOr<PsisResult> psis =
      Psis(NormalProposalLogRatios(5, 0.5, 0, 4000, 23));
  ASSERT_TRUE(psis.ok()) << psis.status();
  EXPECT_GT(psis->pareto_k, kParetoKUsable);
  EXPECT_EQ(psis->level(), ParetoKLevel::kUnreliable);
}

// A normal proposal for a Student-t(3) target: the ratio grows like
// exp(x²/2), k = 1.
TEST(PsisTest, NormalProposalForStudentTIsUnreliable) {
  absl::StatusOr<PsisResult> psis =
      Psis(NormalProposalLogRatios(3, 1.0, 3.0, 4000, 24));
  ASSERT_TRUE(psis.ok()) << psis.status();
  EXPECT_GT(psis->pareto_k, kParetoKUsable);
}

// The weighted mean of x under a shifted, wider proposal estimates the
// target's mean (0) and sd (1) within 5 standard errors (sd / √ESS).
TEST(PsisTest, WeightsCorrectMoments) {
  const int draws = 4000;
  Rng rng = MakeRng(25);
  Eigen::MatrixXd values(draws, 1);
  std::vector<double> ratios;
  for (int s = 0; s < draws; ++s) {
    const double x = 0.4 + 1.3 * absl::Gaussian<double>(rng);
    values(s, 0) = x;
    const double z = (x - 0.4) / 1.3;
    ratios.push_back(-0.5 * x * x + 0.5 * z * z);
  }
  absl::StatusOr<PsisResult> psis = Psis(ratios);
  ASSERT_TRUE(psis.ok()) << psis.status();
  EXPECT_NEAR(psis->log_weights.array().exp().sum(), 1.0, 1e-12);
  const WeightedMoments m = ComputeWeightedMoments(values, psis->log_weights);
  const double se = 1 / std::sqrt(psis->effective_sample_size);
  EXPECT_LT(std::abs(m.mean(0)), kZThreshold * se);
  EXPECT_LT(std::abs(m.sd(0) - 1), kZThreshold * se);
  // Unweighted, the proposal's own moments are far off.
  const WeightedMoments plain = ComputeWeightedMoments(
      values, Eigen::VectorXd::Constant(draws, -std::log(draws)));
  EXPECT_GT(std::abs(plain.mean(0)), 10 * se);
}

TEST(PsisTest, ConstantRatiosHaveNoTail) {
  absl::StatusOr<PsisResult> psis = Psis(std::vector<double>(100, -3.0));
  ASSERT_TRUE(psis.ok()) << psis.status();
  EXPECT_EQ(psis->pareto_k, -kInf);
  EXPECT_NEAR(psis->effective_sample_size, 100, 1e-9);
}

TEST(PsisTest, MinusInfinityIsWeightZero) {
  std::vector<double> ratios = NormalProposalLogRatios(1, 1.2, 0, 200, 26);
  ratios[7] = -kInf;
  absl::StatusOr<PsisResult> psis = Psis(ratios);
  ASSERT_TRUE(psis.ok()) << psis.status();
  EXPECT_EQ(psis->log_weights(7), -kInf);
  EXPECT_NEAR(psis->log_weights.array().exp().sum(), 1.0, 1e-12);
}

TEST(PsisTest, RejectsBadRatios) {
  std::vector<double> ratios(100, 0.0);
  ratios[3] = std::nan("");
  ExpectError(Psis(ratios), absl::StatusCode::kInvalidArgument, "draw 3");
  ExpectError(Psis(std::vector<double>(20, 0.0)),
              absl::StatusCode::kInvalidArgument, "at least 25");
}

TEST(PsisTest, Levels) {
  EXPECT_EQ(ClassifyParetoK(0.5), ParetoKLevel::kGood);
  EXPECT_EQ(ClassifyParetoK(0.7), ParetoKLevel::kUsable);
  EXPECT_EQ(ClassifyParetoK(0.71), ParetoKLevel::kUnreliable);
  EXPECT_EQ(ClassifyParetoK(std::nan("")), ParetoKLevel::kUnreliable);
  EXPECT_EQ(ParetoKLevelName(ParetoKLevel::kUsable), "usable");
}

}  // namespace
}  // namespace provi
