// Copyright 2026 The provi Authors.
//
// Known-answer tests of the fit checks and of deterministic VI: a guide
// equal to the posterior has k-hat well below 0.5, a guide too narrow
// has k-hat above 0.7, deterministic full-rank VI recovers a Gaussian
// posterior exactly, and the plateau rule stops on a flat objective and
// not on a rising one. Seeds are fixed; the k-hat comparisons sit many
// standard errors from their thresholds (psis_test.cc).

#include <cmath>

#include "Eigen/Dense"
#include "absl/random/distributions.h"
#include "base/random.h"
#include "distributions/normal.h"
#include "gtest/gtest.h"
#include "runtime/primitives.h"
#include "tests/testing/linear_gaussian.h"
#include "vi/autoguide.h"
#include "vi/convergence.h"
#include "vi/deterministic_vi.h"
#include "vi/fit_diagnostics.h"
#include "vi/laplace.h"
#include "vi/param_store.h"

namespace provi {
namespace {

using ::provi::testing::LinearGaussian;

// The straight-line posterior N(m, C) as a full-rank guide with sd scaled
// by `width`: width 1 is the posterior itself.
absl::StatusOr<FitDiagnostics> CheckScaledPosterior(
    double width, DiagnoseOptions options = {}) {
  AutoMultivariateNormal<decltype(&LinearGaussian::Model)> guide(
      &LinearGaussian::Model);
  ParamStore store;
  const Tensor data = LinearGaussian::Data();
  if (absl::Status s = guide.SetUp(data); !s.ok()) return s;
  const Eigen::Matrix2d l =
      LinearGaussian::PosteriorCovariance().llt().matrixL();
  if (absl::Status s = guide.SetJointNormal(
          store, LinearGaussian::PosteriorMean().transpose().cast<Real>(),
          (width * l).cast<Real>());
      !s.ok()) {
    return s;
  }
  options.seed = 7;
  return Diagnose(&LinearGaussian::Model, guide, store, options, data);
}

TEST(DiagnoseTest, ExactGuideIsGood) {
  absl::StatusOr<FitDiagnostics> check = CheckScaledPosterior(1.0);
  ASSERT_TRUE(check.ok()) << check.status();
  // The ratios are constant up to rounding: no tail.
  EXPECT_LT(check->psis.pareto_k, 0.2);
  EXPECT_EQ(check->psis.level(), ParetoKLevel::kGood);
  EXPECT_NE(check->Report().find("(good)"), std::string::npos);
  // A good k-hat is not re-estimated.
  EXPECT_EQ(check->log_ratios.size(), 4000u);
}

// A borderline or worse k-hat from the first 4,000 draws is re-estimated
// from max_draws; every draw reaches on_draw, in step with the ratios.
TEST(DiagnoseTest, BorderlineKHatIsReestimatedFromMoreDraws) {
  DiagnoseOptions options;
  options.max_draws = 12000;
  int calls = 0;
  options.on_draw = [&](const Trace&) { ++calls; };
  absl::StatusOr<FitDiagnostics> check = CheckScaledPosterior(0.4, options);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_EQ(check->log_ratios.size(), 12000u);
  EXPECT_EQ(calls, 12000);
  EXPECT_EQ(check->psis.log_weights.size(), 12000);
  EXPECT_GT(check->psis.pareto_k, kParetoKUsable);

  options.max_draws = 0;  // no extension
  calls = 0;
  check = CheckScaledPosterior(0.4, options);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_EQ(check->log_ratios.size(), 4000u);
  EXPECT_EQ(calls, 4000);
}

TEST(DiagnoseTest, RejectsBadOptions) {
  DiagnoseOptions options;
  options.draws = 0;
  EXPECT_EQ(CheckScaledPosterior(1.0, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.draws = 100;
  options.extend_above = std::nan("");
  EXPECT_EQ(CheckScaledPosterior(1.0, options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// A guide with sd s times the posterior's has weights whose tail shape is
// 1 - s² (psis_test.cc): 0.84 at s = 0.4. (At s = 0.5 in these two
// dimensions, k = 0.75 sits within one standard error of 0.7; psis_test.cc
// checks s = 0.5 in five.)
TEST(DiagnoseTest, NarrowGuideIsUnreliable) {
  absl::StatusOr<FitDiagnostics> check = CheckScaledPosterior(0.4);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_GT(check->psis.pareto_k, kParetoKUsable);
  EXPECT_NE(check->Report().find("misses part of the posterior"),
            std::string::npos);
}

// On a Gaussian posterior the moment-matched fixed draws make
// deterministic VI exact: the fit is the posterior, from a poor start.
TEST(DeterministicViTest, GaussianPosteriorIsExact) {
  AutoMultivariateNormal<decltype(&LinearGaussian::Model)> guide(
      &LinearGaussian::Model);
  ParamStore store;
  absl::StatusOr<DeterministicViSummary> fit =
      FitDeterministicFullRank(guide, store, {}, LinearGaussian::Data());
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_TRUE(fit->converged) << LbfgsTerminationName(fit->termination);
  const Eigen::Vector2d mean = LinearGaussian::PosteriorMean();
  const Eigen::Matrix2d covariance = LinearGaussian::PosteriorCovariance();
  const Eigen::MatrixXd fitted = fit->scale_tril * fit->scale_tril.transpose();
  const double tolerance = sizeof(Real) == sizeof(float) ? 1e-3 : 1e-6;
  for (int i = 0; i < 2; ++i) {
    EXPECT_NEAR(fit->loc(i), mean(i), tolerance * std::sqrt(covariance(i, i)));
    for (int j = 0; j < 2; ++j) {
      EXPECT_NEAR(
          fitted(i, j), covariance(i, j),
          10 * tolerance * std::sqrt(covariance(i, i) * covariance(j, j)));
    }
  }
  absl::StatusOr<Matrix> stored = guide.Covariance(store);
  ASSERT_TRUE(stored.ok());
  EXPECT_NEAR((*stored)(0, 1), covariance(0, 1),
              1e-2 * std::sqrt(covariance(0, 0) * covariance(1, 1)));
}

TEST(DeterministicViTest, RejectsTooFewDraws) {
  DeterministicViOptions options;
  options.draws = 3;
  const UnconstrainedLogDensityFunction f =
      [](const Eigen::VectorXd& x,
         Eigen::VectorXd* g) -> absl::StatusOr<double> {
    *g = -x;
    return -0.5 * x.squaredNorm();
  };
  EXPECT_EQ(
      FitDeterministicFullRankDensity(f, Eigen::VectorXd::Zero(2),
                                      Eigen::MatrixXd::Identity(2, 2), options)
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
}

// Noise of sd 1 around a constant: converged after two windows of
// patience; around a line rising by 0.01 per step (5 per window of 500,
// far above the noise's standard error of 0.06): never.
TEST(PlateauRuleTest, FlatConvergesRisingDoesNot) {
  Rng rng = MakeRng(3);
  PlateauRule flat(500, 2, 2);
  int64_t steps = 0;
  while (!flat.Add(-100 + absl::Gaussian<double>(rng)) && steps < 100000) {
    ++steps;
  }
  EXPECT_TRUE(flat.converged());
  EXPECT_LT(steps, 5000);
  PlateauRule rising(500, 2, 2);
  for (int64_t t = 0; t < 20000; ++t) {
    rising.Add(-100 + 0.01 * static_cast<double>(t) +
               absl::Gaussian<double>(rng));
  }
  EXPECT_FALSE(rising.converged());
  EXPECT_NEAR(rising.last_improvement(), 5, 0.5);
}

TEST(PlateauRuleTest, Validate) {
  EXPECT_FALSE(PlateauRule::Validate(5, 2, 2).ok());
  EXPECT_FALSE(PlateauRule::Validate(100, 0, 2).ok());
  EXPECT_TRUE(PlateauRule::Validate(100, 2, 1).ok());
  EXPECT_EQ(PlateauRule::DefaultWindow(1000), 100);
  EXPECT_EQ(PlateauRule::DefaultWindow(20000), 1000);
}

}  // namespace
}  // namespace provi
