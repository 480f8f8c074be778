// Copyright 2026 The provi Authors.
//
// Predictive: prior and posterior predictive draws of a normal model against
// their closed-form distributions (latents, deterministic sites, resampled
// observations), site selection and order, reproducibility, the summary's
// statistics against values computed here, its table, an autoguide with a
// support that depends on another latent, and errors.
//
// Statistical checks use |z| < 5 (tests/testing/statistical_testing.h,
// 5.7e-7 per comparison; this binary makes fewer than 20).

#include "vi/predictive.h"

#include <cmath>
#include <string>
#include <vector>

#include "ad/ops.h"
#include "distributions/normal.h"
#include "distributions/uniform.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/primitives.h"
#include "tests/testing/statistical_testing.h"
#include "tests/testing/status_testing.h"
#include "vi/autoguide.h"

namespace provi {
namespace {

using ::provi::testing::ExpectError;
using ::provi::testing::MeanAccumulator;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// mu ~ N(0, 2²); y_i ~ N(mu, 1) for the data's rows; twice_mu = 2 mu.
void Model(const Tensor& y) {
  const Tensor mu = sample("mu", Normal(0.0, 2.0));
  deterministic("twice_mu", mu * Real(2));
  Plate data("data", y.rows());
  observe("y", Normal(mu, 1.0).Expand(y.rows(), 1), y);
}

// A guide with fixed parameters: mu ~ N(1.5, 0.5²).
void Guide(const Tensor&) {
  sample("mu", Normal(param("m", Tensor(1.5)),
                      param("s", Tensor(0.5), Support::Positive())));
}

Tensor Data() {
  Matrix y(3, 1);
  y << 7.0, 7.5, 8.0;
  return Tensor(y);
}

std::vector<std::string> Names(const PredictiveSamples& samples) {
  std::vector<std::string> names;
  for (const PredictiveSite& site : samples.sites) names.push_back(site.name);
  return names;
}

// Mean and variance z-tests of a column of draws from N(mean, sd²) (the
// variance's fourth central moment is 3 sd⁴).
void ExpectNormalDraws(const Eigen::VectorXd& draws, double mean, double sd) {
  MeanAccumulator acc;
  for (Index i = 0; i < draws.size(); ++i) acc.Add(draws(i));
  EXPECT_MEAN_NEAR(acc, mean);
  EXPECT_TRUE(
      ::provi::testing::VarianceNear(acc, sd * sd, 3 * sd * sd * sd * sd));
}

TEST(PredictiveTest, PriorPredictiveDrawsTheJointPrior) {
  absl::StatusOr<PredictiveSamples> draws =
      PriorPredictive(Model, {.num_samples = 4000, .seed = 1}, Data());
  ASSERT_TRUE(draws.ok()) << draws.status();
  EXPECT_EQ(draws->num_samples, 4000);
  EXPECT_THAT(Names(*draws), ElementsAre("mu", "twice_mu", "y"));
  const PredictiveSite& mu = *draws->Find("mu");
  const PredictiveSite& twice = *draws->Find("twice_mu");
  const PredictiveSite& y = *draws->Find("y");
  EXPECT_EQ(y.rows, 3);
  EXPECT_EQ(y.cols, 1);
  ASSERT_EQ(y.draws.rows(), 4000);
  ASSERT_EQ(y.draws.cols(), 3);
  ExpectNormalDraws(mu.draws.col(0), 0, 2);
  // Observations are resampled: y_i ~ N(0, 2² + 1) marginally, and
  // y_i - mu ~ N(0, 1) given mu; deterministic sites follow the draw.
  ExpectNormalDraws(y.draws.col(2), 0, std::sqrt(5.0));
  ExpectNormalDraws(y.draws.col(0) - mu.draws.col(0), 0, 1);
  for (Index s = 0; s < 4000; ++s) {
    ASSERT_NEAR(twice.draws(s, 0), 2 * mu.draws(s, 0), 1e-5);
  }
}

TEST(PredictiveTest, PosteriorPredictiveReplaysTheGuide) {
  ParamStore store;
  absl::StatusOr<PredictiveSamples> draws =
      Predictive(Model, Guide, store, {.num_samples = 4000, .seed = 2}, Data());
  ASSERT_TRUE(draws.ok()) << draws.status();
  EXPECT_TRUE(store.Contains("m"));
  const PredictiveSite& mu = *draws->Find("mu");
  const PredictiveSite& y = *draws->Find("y");
  ExpectNormalDraws(mu.draws.col(0), 1.5, 0.5);
  // Replicated data around the guide's mu, not the observed 7 to 8.
  ExpectNormalDraws(y.draws.col(1), 1.5, std::sqrt(1.25));
  ExpectNormalDraws(y.draws.col(1) - mu.draws.col(0), 0, 1);
  // Sites only in the guide are not returned.
  EXPECT_EQ(draws->Find("m"), nullptr);
}

TEST(PredictiveTest, ReturnSitesSelectAndOrder) {
  ParamStore store;
  absl::StatusOr<PredictiveSamples> draws = Predictive(
      Model, Guide, store,
      {.num_samples = 10, .return_sites = {"y", "twice_mu"}, .seed = 3},
      Data());
  ASSERT_TRUE(draws.ok()) << draws.status();
  EXPECT_THAT(Names(*draws), ElementsAre("y", "twice_mu"));
  ExpectError(Predictive(Model, Guide, store,
                         {.num_samples = 10, .return_sites = {"nu"}}, Data()),
              absl::StatusCode::kNotFound,
              "no sample or deterministic site of the model is named 'nu'");
  ExpectError(PriorPredictive(Model, {.num_samples = 0}, Data()),
              absl::StatusCode::kInvalidArgument, "num_samples = 0");
  ExpectError(
      PriorPredictive(Model, {.num_samples = 5, .return_sites = {"y", "y"}},
                      Data()),
      absl::StatusCode::kInvalidArgument, "names 'y' twice");
}

double NormalLogPdf(double x, double mean, double sd) {
  const double z = (x - mean) / sd;
  return -0.5 * z * z - std::log(sd) - 0.5 * std::log(2 * M_PI);
}

TEST(PredictiveTest, LogWeightsArePerDrawDensityRatios) {
  ParamStore store;
  absl::StatusOr<PredictiveSamples> draws = Predictive(Model, Guide, store,
                                                       {.num_samples = 50,
                                                        .return_sites = {"mu"},
                                                        .seed = 6,
                                                        .log_weights = true},
                                                       Data());
  ASSERT_TRUE(draws.ok()) << draws.status();
  ASSERT_EQ(draws->log_weights.size(), 50u);
  const Eigen::VectorXd mu = draws->Find("mu")->draws.col(0);
  const Matrix y = Data().value();
  // log N(mu; 0, 2) + Σ log N(y_i; mu, 1) - log N(mu; 1.5, 0.5), at the
  // returned draw's mu: the weight belongs to the same draw.
  const double tolerance = kRealIsDouble ? 1e-9 : 1e-5;
  for (Index s = 0; s < 50; ++s) {
    double expected = NormalLogPdf(mu(s), 0, 2) - NormalLogPdf(mu(s), 1.5, 0.5);
    for (Index i = 0; i < y.rows(); ++i) {
      expected += NormalLogPdf(y(i, 0), mu(s), 1);
    }
    EXPECT_NEAR(draws->log_weights[static_cast<size_t>(s)], expected,
                tolerance * std::abs(expected))
        << "draw " << s;
  }
  // Off by default.
  absl::StatusOr<PredictiveSamples> plain =
      Predictive(Model, Guide, store, {.num_samples = 5, .seed = 6}, Data());
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_TRUE(plain->log_weights.empty());
}

TEST(PredictiveTest, TheSeedFixesTheDraws) {
  const auto run = [](uint64_t seed) {
    ParamStore store;
    return Predictive(Model, Guide, store, {.num_samples = 20, .seed = seed},
                      Data());
  };
  absl::StatusOr<PredictiveSamples> a = run(4), b = run(4), c = run(5);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->Find("y")->draws, b->Find("y")->draws);
  EXPECT_NE(a->Find("y")->draws, c->Find("y")->draws);
}

TEST(PredictiveTest, ErrorsNameTheDrawAndTheSite) {
  auto bad_model = [](const Tensor& y) {
    const Tensor mu = sample("mu", Normal(0.0, 2.0));
    observe("y", Normal(mu, mu - 100), y);  // a negative scale
  };
  ExpectError(PriorPredictive(bad_model, {.num_samples = 3}, Data()),
              absl::StatusCode::kInvalidArgument,
              "Predictive, draw 0: sample site 'y': Normal: parameter 'scale'");
  int calls = 0;
  auto growing = [&calls](const Tensor&) {
    sample("x", Normal(0.0, 1.0).Expand(1, 1 + (calls++ % 2)));
  };
  ExpectError(
      PriorPredictive(growing, {.num_samples = 3}, Data()),
      absl::StatusCode::kInvalidArgument,
      "Predictive, draw 1: sample site 'x': the value is 1x2 in this draw "
      "but 1x1");
  int runs = 0;
  auto sometimes = [&runs](const Tensor&) {
    if (runs++ % 2 == 0) sample("x", Normal(0.0, 1.0));
  };
  ExpectError(PriorPredictive(sometimes, {.num_samples = 4}, Data()),
              absl::StatusCode::kInvalidArgument,
              "the site named 'x' appears in 2 of the 4 draws");
}

TEST(PredictiveTest, SummaryStatisticsAndLabels) {
  // Draws 1, 2, ..., 5 of a 1x1 site; type-7 quantiles interpolate at
  // p (n - 1): 5% -> 1.2, 50% -> 3, 95% -> 4.8; sd = √2.5.
  PredictiveSamples samples;
  samples.num_samples = 5;
  PredictiveSite scalar{"a", 1, 1, Eigen::MatrixXd(5, 1)};
  scalar.draws << 3, 1, 5, 2, 4;
  PredictiveSite row{"v", 1, 2, Eigen::MatrixXd::Zero(5, 2)};
  row.draws.col(1).setConstant(7);
  PredictiveSite matrix{"L", 2, 2, Eigen::MatrixXd::Zero(5, 4)};
  samples.sites = {scalar, row, matrix};
  const PredictiveSummary summary = Summarize(samples);
  ASSERT_EQ(summary.elements.size(), 7u);
  const ElementSummary& a = *summary.Find("a");
  EXPECT_EQ(a.label, "a");
  EXPECT_DOUBLE_EQ(a.mean, 3);
  EXPECT_DOUBLE_EQ(a.sd, std::sqrt(2.5));
  EXPECT_DOUBLE_EQ(a.q05, 1.2);
  EXPECT_DOUBLE_EQ(a.median, 3);
  EXPECT_DOUBLE_EQ(a.q95, 4.8);
  EXPECT_EQ(summary.Find("v", 1)->label, "v[1]");
  EXPECT_EQ(summary.Find("v", 1)->mean, 7);
  EXPECT_EQ(summary.Find("v", 1)->sd, 0);
  const ElementSummary& l10 = *summary.Find("L", 1);
  EXPECT_EQ(l10.label, "L[1,0]");
  EXPECT_EQ(l10.row, 1);
  EXPECT_EQ(l10.col, 0);
  EXPECT_EQ(summary.Find("L", 4), nullptr);
  const std::string table = summary.ToString();
  EXPECT_THAT(table, HasSubstr("mean       std    median      5.0%     95.0%"));
  EXPECT_THAT(table, HasSubstr("       a      3.00      1.58      3.00      "
                               "1.20      4.80\n"));
  EXPECT_THAT(table, HasSubstr("  L[1,0]      0.00"));
}

// alpha ~ U(0, 1), beta ~ U(0, 1 - alpha) under AutoNormal: every draw
// replayed through the model respects its own bound.
void TriangleModel() {
  const Tensor alpha = sample("alpha", Uniform(0.0, 1.0));
  const Tensor beta = sample("beta", Uniform(0.0, 1 - alpha));
  deterministic("sum", alpha + beta);
}

TEST(PredictiveTest, AutoguideWithADependentSupport) {
  AutoNormal guide(TriangleModel);
  ParamStore store;
  absl::StatusOr<PredictiveSamples> draws =
      Predictive(TriangleModel, guide, store, {.num_samples = 500, .seed = 6});
  ASSERT_TRUE(draws.ok()) << draws.status();
  const PredictiveSite& sum = *draws->Find("sum");
  for (Index s = 0; s < 500; ++s) {
    ASSERT_GE(sum.draws(s, 0), 0);
    ASSERT_LE(sum.draws(s, 0), 1);
  }
  const PredictiveSummary summary = Summarize(*draws);
  EXPECT_LE(summary.Find("sum")->q95, 1);
}

}  // namespace
}  // namespace provi
