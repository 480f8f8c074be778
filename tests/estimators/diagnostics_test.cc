// Copyright 2026 The provi Authors.
//
// The variance report: its statistics against known values, the side-by-side
// table, and its errors.

#include "estimators/diagnostics.h"

#include <string>

#include "distributions/bernoulli.h"
#include "estimators/strategies.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/primitives.h"

namespace provi {
namespace {

using ::testing::HasSubstr;

TEST(DiagnosticsTest, ExactEstimatorHasZeroVarianceAndTheExactMean) {
  Parameter p(Matrix::Constant(1, 1, 0.3));
  auto exact = Expectation([&] {
    return sample("b", Bernoulli::FromProbs(p.tensor()), Enumerate()) * 2.0;
  });
  const absl::StatusOr<VarianceReport> report = MeasureGradientVariance(
      "enumeration", [&] { return exact.GradEstimate(); }, {{"p", &p}}, 50);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->parameters.size(), 1u);
  EXPECT_NEAR(report->parameters[0].mean(0, 0), 2.0, 1e-5);
  EXPECT_NEAR(report->parameters[0].variance(0, 0), 0.0, 1e-8);
  EXPECT_EQ(report->runs_per_estimate, 2.0);
  EXPECT_GT(report->seconds_per_estimate, 0.0);
  EXPECT_GE(report->cpu_seconds_per_estimate, 0.0);
}

TEST(DiagnosticsTest, ScoreFunctionVarianceMatchesItsClosedForm) {
  // The score-function estimate of d/dp E[2b] is 2b (b - p) / (p (1 - p)):
  // 2/p with probability p, else 0. Its variance is 4 (1 - p) / p.
  const double p0 = 0.3;
  Parameter p(Matrix::Constant(1, 1, static_cast<Real>(p0)));
  auto sf = Expectation([&] {
    return sample("b", Bernoulli::FromProbs(p.tensor()), ScoreFunction()) * 2.0;
  });
  sf.Seed(1);
  const absl::StatusOr<VarianceReport> report = MeasureGradientVariance(
      "score function", [&] { return sf.GradEstimate(); }, {{"p", &p}}, 20000);
  ASSERT_TRUE(report.ok());
  const double variance = 4 * (1 - p0) / p0;
  // Sample variance of a two-point variable: standard error from its
  // fourth central moment; |z| < 5 (flake budget of statistical_testing.h).
  const double a = 2 / p0 - 2, b = -2;  // centred values
  const double mu4 = p0 * a * a * a * a + (1 - p0) * b * b * b * b;
  const double se = std::sqrt((mu4 - variance * variance) / 20000);
  EXPECT_NEAR(report->parameters[0].variance(0, 0), variance, 5 * se);
  EXPECT_NEAR(report->parameters[0].snr(0, 0), 2 / std::sqrt(variance), 0.05);
}

TEST(DiagnosticsTest, ComparisonTableNamesEveryReport) {
  Parameter w(Matrix::Constant(2, 2, 1.0));
  auto program = Expectation([&] { return SumAll(w.tensor()); });
  auto r = MeasureGradientVariance(
      "direct", [&] { return program.GradEstimate(); }, {{"w", &w}}, 3);
  ASSERT_TRUE(r.ok());
  const std::string table = CompareVarianceReports({*r, *r});
  EXPECT_THAT(table, HasSubstr("direct"));
  EXPECT_THAT(table, HasSubstr("w[1,1]"));
  EXPECT_THAT(table, HasSubstr("ms per estimate"));
  EXPECT_THAT(r->ToString(), HasSubstr("w[0,0]"));
}

TEST(DiagnosticsTest, Errors) {
  Parameter w(Matrix::Constant(1, 1, 1.0));
  auto fine = [] {
    return absl::StatusOr<GradientEstimate>(GradientEstimate{});
  };
  EXPECT_FALSE(MeasureGradientVariance("x", fine, {{"w", &w}}, 1).ok());
  EXPECT_FALSE(MeasureGradientVariance("x", fine, {{"w", nullptr}}, 5).ok());
  auto failing = [] {
    return absl::StatusOr<GradientEstimate>(absl::InternalError("boom"));
  };
  EXPECT_EQ(
      MeasureGradientVariance("x", failing, {{"w", &w}}, 5).status().code(),
      absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace provi
