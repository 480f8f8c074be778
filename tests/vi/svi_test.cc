// Copyright 2026 The provi Authors.
//
// Svi: the objective is maximised (a conjugate Normal–Normal ELBO reaches
// the exact posterior), the value is the sum of the program's entries, the
// CSV log, callbacks and Stan's relative-tolerance rule, and errors.

#include "vi/svi.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "ad/ops.h"
#include "base/status_error.h"
#include "distributions/normal.h"
#include "estimators/expectation.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "handlers/density.h"
#include "handlers/replay.h"
#include "handlers/trace.h"
#include "runtime/primitives.h"
#include "tests/testing/statistical_testing.h"
#include "vi/convergence.h"
#include "vi/optimizers.h"
#include "vi/param_store.h"

namespace provi {
namespace {

using ::testing::HasSubstr;

// The flake budget of tests/testing/statistical_testing.h (|z| < 5,
// a two-sided tail of 5.7e-7 per comparison).
constexpr double kZ = ::provi::testing::kZThreshold;

std::string TestPath(absl::string_view name) {
  const char* root = std::getenv("TEST_TMPDIR");
  return (std::filesystem::path(root != nullptr ? root : "/tmp") /
          std::string(name))
      .string();
}

// -----------------------------------------------------------------------------
// The conjugate Normal–Normal model and its ELBO
// -----------------------------------------------------------------------------
//
//   μ ~ N(μ0, σ0²),  x_i | μ ~ N(μ, σ²), i = 1..n;
//   posterior N(m, s²) with τ = 1/s² = 1/σ0² + n/σ², m = (μ0/σ0² + Σx/σ²)/τ.
//
// Guide q(μ) = N(loc, scale) with loc = param("loc"), scale =
// param("scale", positive), i.e. scale = e^u for the stored u. The ELBO is
// written directly: trace the guide, score its draw under the model with
// handlers::LogDensity, subtract the guide's log density.

constexpr double kMu0 = 0.0;
constexpr double kSigma0 = 2.0;
constexpr double kSigma = 1.5;
const std::vector<double> kData = {1.2, 0.4, 2.1, 1.7, 0.9,
                                   1.4, 2.6, 0.3, 1.1, 1.8};

double PosteriorPrecision() {
  return 1 / (kSigma0 * kSigma0) +
         static_cast<double>(kData.size()) / (kSigma * kSigma);
}
double PosteriorMean() {
  double sum = 0;
  for (double x : kData) sum += x;
  return (kMu0 / (kSigma0 * kSigma0) + sum / (kSigma * kSigma)) /
         PosteriorPrecision();
}
double PosteriorSd() { return 1 / std::sqrt(PosteriorPrecision()); }

double NormalLogPdf(double x, double mu, double sigma) {
  const double z = (x - mu) / sigma;
  return -0.5 * z * z - std::log(sigma) - 0.91893853320467274178;
}

// log p(x) = log p(x | μ) + log p(μ) - log p(μ | x) at any μ, here m.
double LogEvidence() {
  const double m = PosteriorMean();
  double log_p = NormalLogPdf(m, kMu0, kSigma0);
  for (double x : kData) log_p += NormalLogPdf(x, m, kSigma);
  return log_p - NormalLogPdf(m, m, PosteriorSd());
}

Tensor DataColumn() {
  Matrix x(static_cast<Index>(kData.size()), 1);
  for (size_t i = 0; i < kData.size(); ++i) {
    x(static_cast<Index>(i), 0) = static_cast<Real>(kData[i]);
  }
  return Tensor(x);
}

Tensor Guide() {
  const Tensor loc = param("loc", Tensor(0.0));
  const Tensor scale = param("scale", Tensor(1.0), Support::Positive());
  return sample("mu", Normal(loc, scale));
}

void Model(const Tensor& x) {
  const Tensor mu = sample("mu", Normal(kMu0, kSigma0));
  Plate data("data", x.rows());
  observe("x", Normal(mu, kSigma).Expand(x.rows(), 1), x);
}

Tensor Elbo(const Tensor& x) {
  auto guide_run = handlers::Trace(Guide)();
  ThrowIfError(guide_run.status());
  auto log_joint = handlers::LogDensity(handlers::Replay(
      [](const Tensor& data) { Model(data); }, guide_run->trace))(x);
  ThrowIfError(log_joint.status());
  return log_joint->total - guide_run->trace.LogProbSum();
}

// SGD with a constant learning rate η reaches a stationary distribution
// around the optimum, which we average over (Polyak averaging). With
// d = loc - m and the pathwise gradients (ε ~ N(0, 1), s = scale)
//
//   g_loc = -τ (d + s ε),   g_u = 1 - τ s² ε² - τ s d ε,
//
// stationarity gives E[d] = 0 and E[s²] = 1/τ exactly (the mean update is
// zero), so the averages of loc and of scale² estimate m and s² without
// bias. Their noise: d is AR(1) with ρ_d = 1 - ητ and innovation variance
// η² τ² E[s²] = η² τ, so Var(d) = η / (2 - ητ); u linearised about its
// optimum is AR(1) with ρ_u = 1 - 2η and innovation variance η² σ_g², σ_g²
// = Var(g_u) ≈ 2 + τ Var(d), so Var(u) = η σ_g² / (4 (1 - η)). An average of
// N steps of an AR(1) series has variance at most Var / N · (1 + ρ)/(1 - ρ),
// and sqrt(mean scale²) has standard deviation s · sd(mean u) by the delta
// method. With η = 0.01, τ = 4.69, N = 20000 these are 0.0033 (loc) and
// 0.0023 (scale), about 0.7% and 0.5% of the posterior sd.
TEST(SviTest, MaximisesTheElboToTheExactPosterior) {
  const double eta = 0.01;
  const int64_t burn_in = 3000;  // u relaxes like 0.98^t from 0 to log s
  const int64_t averaged = 20000;
  const double tau = PosteriorPrecision();
  const double var_d = eta / (2 - eta * tau);
  const double rho_d = 1 - eta * tau;
  const double sd_loc = std::sqrt(var_d / static_cast<double>(averaged) *
                                  (1 + rho_d) / (1 - rho_d));
  const double var_u = eta * (2 + tau * var_d) / (4 * (1 - eta));
  const double rho_u = 1 - 2 * eta;
  const double sd_scale =
      PosteriorSd() * std::sqrt(var_u / static_cast<double>(averaged) *
                                (1 + rho_u) / (1 - rho_u));

  ParamStore store;
  SgdOptions sgd_options;
  sgd_options.learning_rate = eta;
  Sgd sgd(sgd_options);
  auto objective = Expectation(Elbo);
  objective.Seed(2026);
  double loc_sum = 0;
  double scale2_sum = 0;
  SviOptions options;
  options.check_convergence = false;  // every step feeds the average
  options.callbacks.push_back([&](int64_t step, double) {
    if (step >= burn_in) {
      loc_sum += (*store.Unconstrained("loc"))->value()(0, 0);
      scale2_sum +=
          std::exp(2.0 * (*store.Unconstrained("scale"))->value()(0, 0));
    }
    return true;
  });
  Svi svi(objective, sgd, store, options);
  const Tensor x = DataColumn();
  absl::StatusOr<SviSummary> summary = svi.Run(burn_in + averaged, x);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->steps, burn_in + averaged);
  EXPECT_FALSE(summary->converged);

  const double loc_mean = loc_sum / static_cast<double>(averaged);
  const double scale_rms =
      std::sqrt(scale2_sum / static_cast<double>(averaged));
  EXPECT_NEAR(loc_mean, PosteriorMean(), kZ * sd_loc);
  EXPECT_NEAR(scale_rms, PosteriorSd(), kZ * sd_scale);

  // Near the optimum the ELBO is log p(x) - KL(q || posterior), and
  // E[KL] ≈ τ Var(d) / 2 + Var(u) = 0.017 here; 0.1 is six times that gap.
  EXPECT_NEAR(summary->moving_average, LogEvidence(), 0.1);
}

// -----------------------------------------------------------------------------
// Step: the value is the sum of the entries; the gradient is ascended
// -----------------------------------------------------------------------------

// The objective (w + 3, 2w + 4) per lane has value 3w + 7 and gradient 3;
// one SGD step of ascent with lr 0.1 from w = 0 gives w = 0.3.
TEST(SviTest, StepSumsTheValueAndAscendsTheGradient) {
  ParamStore store;
  SgdOptions options;
  options.learning_rate = 0.1;
  Sgd sgd(options);
  Matrix weights(2, 1);
  weights << 1, 2;
  Matrix offsets(2, 1);
  offsets << 3, 4;
  auto objective = Expectation([&]() -> Tensor {
    return param("w", Tensor(0.0)) * Tensor(weights) + Tensor(offsets);
  });
  Svi svi(objective, sgd, store);
  absl::StatusOr<Real> value = svi.Step();
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_NEAR(*value, 7.0, 1e-6);
  EXPECT_NEAR((*store.Unconstrained("w"))->value()(0, 0), 0.3, 1e-6);
  value = svi.Step();
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_NEAR(*value, 7.9, 1e-5);
  EXPECT_NEAR((*store.Unconstrained("w"))->value()(0, 0), 0.6, 1e-6);
  EXPECT_EQ(svi.steps(), 2);
}

// The gradient hook runs between the estimate and the optimiser step, on
// failures too, and what it returns is what the step goes on with.
TEST(SviTest, GradientHookReplacesValueAndGradient) {
  ParamStore store;
  SgdOptions options;
  options.learning_rate = 0.1;
  Sgd sgd(options);
  bool fail = false;
  auto objective = Expectation([&]() -> Tensor {
    const Tensor w = param("w", Tensor(0.0));
    if (fail) {
      sample("z", Normal(w, Tensor(std::numeric_limits<Real>::quiet_NaN())));
    }
    return w * Real(2);
  });
  std::vector<std::string> seen;
  SviOptions svi_options;
  svi_options.gradient_hook =
      [&](absl::StatusOr<double> local) -> absl::StatusOr<double> {
    seen.push_back(local.ok() ? std::to_string(*local)
                              : std::string(local.status().message()));
    if (!local.ok()) return absl::AbortedError("replaced error");
    // Double the gradient (2 -> 4) and report 10.
    (*store.Unconstrained("w"))->grad() *= Real(2);
    return 10.0;
  };
  Svi svi(objective, sgd, store, svi_options);
  absl::StatusOr<Real> value = svi.Step();
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, Real(10));
  EXPECT_NEAR((*store.Unconstrained("w"))->value()(0, 0), 0.4, 1e-6);
  fail = true;
  value = svi.Step();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_THAT(seen[1], HasSubstr("'z'"));
  EXPECT_EQ(value.status(), absl::AbortedError("replaced error"));
  EXPECT_NEAR((*store.Unconstrained("w"))->value()(0, 0), 0.4, 1e-6);
}

// -----------------------------------------------------------------------------
// Run: log, callbacks, convergence
// -----------------------------------------------------------------------------

// By default the ELBO plateau rule runs: a budget too short for it to
// compare two windows ends unconverged, with a warning; a long budget on
// this small conjugate model stops early, converged, without one.
TEST(SviTest, DefaultConvergenceRuleStopsOrWarns) {
  {
    ParamStore store;
    Adam adam({.learning_rate = 0.05});
    auto objective = Expectation(Elbo);
    objective.Seed(7);
    Svi svi(objective, adam, store);
    absl::StatusOr<SviSummary> summary = svi.Run(50, DataColumn());
    ASSERT_TRUE(summary.ok()) << summary.status();
    EXPECT_EQ(summary->steps, 50);
    EXPECT_FALSE(summary->converged);
    EXPECT_THAT(summary->warning, ::testing::HasSubstr("used all 50 steps"));
  }
  {
    ParamStore store;
    Adam adam({.learning_rate = 0.05});
    auto objective = Expectation(Elbo);
    objective.Seed(7);
    Svi svi(objective, adam, store);
    absl::StatusOr<SviSummary> summary = svi.Run(100000, DataColumn());
    ASSERT_TRUE(summary.ok()) << summary.status();
    EXPECT_TRUE(summary->converged);
    EXPECT_LT(summary->steps, 100000);
    EXPECT_TRUE(summary->warning.empty());
  }
}

TEST(SviTest, CsvLogHasOneLinePerStep) {
  ParamStore store;
  Adam adam({.learning_rate = 0.05});
  auto objective = Expectation(Elbo);
  objective.Seed(7);
  std::vector<double> seen;
  SviOptions options;
  options.csv_path = TestPath("svi_log.csv");
  options.callbacks.push_back([&seen](int64_t step, double value) {
    EXPECT_EQ(step, static_cast<int64_t>(seen.size()));
    seen.push_back(value);
    return true;
  });
  Svi svi(objective, adam, store, options);
  absl::StatusOr<SviSummary> summary = svi.Run(25, DataColumn());
  ASSERT_TRUE(summary.ok()) << summary.status();
  ASSERT_EQ(seen.size(), 25u);

  std::ifstream in(options.csv_path);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_EQ(line, "step,objective,seconds");
  double previous_seconds = 0;
  for (int64_t step = 0; step < 25; ++step) {
    ASSERT_TRUE(std::getline(in, line)) << "missing line for step " << step;
    const std::vector<std::string> fields = absl::StrSplit(line, ',');
    ASSERT_EQ(fields.size(), 3u) << line;
    EXPECT_EQ(std::stoll(fields[0]), step);
    // %.17g round-trips a double exactly.
    EXPECT_EQ(std::strtod(fields[1].c_str(), nullptr),
              seen[static_cast<size_t>(step)]);
    const double seconds = std::strtod(fields[2].c_str(), nullptr);
    EXPECT_GE(seconds, previous_seconds);
    previous_seconds = seconds;
  }
  EXPECT_FALSE(std::getline(in, line)) << "extra line: " << line;
}

TEST(SviTest, CallbackReturningFalseStopsTheRun) {
  ParamStore store;
  Adam adam;
  auto objective = Expectation(Elbo);
  objective.Seed(8);
  SviOptions options;
  int other_calls = 0;
  options.callbacks.push_back([](int64_t step, double) { return step < 6; });
  options.callbacks.push_back([&other_calls](int64_t, double) {
    ++other_calls;
    return true;
  });
  Svi svi(objective, adam, store, options);
  absl::StatusOr<SviSummary> summary = svi.Run(1000, DataColumn());
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->steps, 7);
  EXPECT_TRUE(summary->stopped_by_callback);
  EXPECT_FALSE(summary->converged);
  EXPECT_EQ(other_calls, 7);  // every callback runs after every step
  EXPECT_EQ(svi.steps(), 7);
}

// The ELBO settles within a few hundred steps at lr 0.05; Stan's rule with
// its default tolerance stops the run long before the 100000 allowed.
TEST(SviTest, ConvergenceRuleStopsAConvergedRunEarly) {
  ParamStore store;
  Adam adam({.learning_rate = 0.05});
  auto objective = Expectation(Elbo);
  objective.Seed(9);
  SviOptions options;
  options.rel_tol = 0.01;
  options.eval_every = 100;
  const int64_t max_steps = 100000;
  Svi svi(objective, adam, store, options);
  absl::StatusOr<SviSummary> summary = svi.Run(max_steps, DataColumn());
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_TRUE(summary->converged);
  EXPECT_LT(summary->steps, max_steps / 10);
  EXPECT_GE(summary->steps, 2 * options.eval_every);
  EXPECT_EQ(summary->steps % options.eval_every, 0);
}

// -----------------------------------------------------------------------------
// Errors
// -----------------------------------------------------------------------------

TEST(SviTest, ErrorsAreStatuses) {
  ParamStore store;
  Sgd sgd;
  {
    auto objective = Expectation(Elbo);
    SviOptions options;
    options.csv_path = TestPath("no/such/dir/log.csv");
    Svi svi(objective, sgd, store, options);
    absl::StatusOr<SviSummary> summary = svi.Run(10, DataColumn());
    EXPECT_EQ(summary.status().code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(svi.steps(), 0);
  }
  {
    auto objective = Expectation(
        [] { return param("bad", Tensor(-1.0), Support::Positive()); });
    Svi svi(objective, sgd, store);
    absl::StatusOr<SviSummary> summary = svi.Run(10);
    EXPECT_EQ(summary.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(summary.status().message(), HasSubstr("SVI step 0"));
    EXPECT_THAT(summary.status().message(), HasSubstr("param site 'bad'"));
  }
  {
    auto objective = Expectation([] { return Tensor(1.0); });
    Svi svi(objective, sgd, store);
    EXPECT_EQ(svi.Step().status().code(),
              absl::StatusCode::kFailedPrecondition);
  }
  {
    auto objective = Expectation([] {
      return param("w", Tensor(1.0)) * std::numeric_limits<Real>::quiet_NaN();
    });
    Svi svi(objective, sgd, store);
    EXPECT_EQ(svi.Step().status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ((*store.Unconstrained("w"))->value()(0, 0), Real(1));
  }
  {
    auto objective = Expectation([] { return param("v", Tensor(1.0)); });
    SviOptions options;
    options.rel_tol = -1;
    Svi svi(objective, sgd, store, options);
    EXPECT_EQ(svi.Run(10).status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(SviTest, NonFiniteGradientNamesTheParameterByItsStoreName) {
  // The objective is finite (√0 = 0) but its gradient is not (1 / (2 √0)):
  // the error names the second parameter by the address of its param site.
  ParamStore store;
  Sgd sgd;
  auto objective = Expectation([] {
    const Tensor a = param("a", Tensor(1.0));
    Scope encoder("encoder");
    const Tensor w = param("w", Tensor(Matrix(Matrix::Zero(1, 2))));
    return a + SumAll(Sqrt(w));
  });
  Svi svi(objective, sgd, store);
  absl::StatusOr<Real> step = svi.Step();
  ASSERT_EQ(step.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(step.status().message(),
              HasSubstr("parameter 'encoder/w' has a non-finite gradient: "
                        "element (0, 0) is "));
  EXPECT_THAT(step.status().message(), HasSubstr("nothing was updated"));
  EXPECT_EQ((*store.Unconstrained("a"))->value()(0, 0), Real(1));
  // The optimizer on its own names parameters by their index.
  EXPECT_THAT(std::string(sgd.Step(store.parameter_pointers()).message()),
              HasSubstr("parameter 1 has a non-finite gradient"));
}

// -----------------------------------------------------------------------------
// RelativeToleranceRule on its own
// -----------------------------------------------------------------------------

// A constant objective converges at the first evaluation that has a
// previous block to compare with: after two blocks, not before.
TEST(RelativeToleranceRuleTest, ConstantObjectiveConvergesAfterTwoBlocks) {
  RelativeToleranceRule rule(0.01, 10, 5);
  for (int step = 1; step < 20; ++step) {
    EXPECT_FALSE(rule.Add(-50.0)) << "step " << step;
  }
  EXPECT_TRUE(rule.Add(-50.0));
  EXPECT_EQ(rule.evaluations(), 1);
  EXPECT_EQ(rule.mean_change(), 0.0);
}

// Relative changes |Δ| / max(|f_k|, |f_{k-1}|, 1) of a growing objective
// stay above the tolerance.
TEST(RelativeToleranceRuleTest, TrendingObjectiveDoesNotConverge) {
  RelativeToleranceRule rule(0.01, 10, 3);
  for (int step = 0; step < 1000; ++step) {
    // Block means grow by 10% per block: relative change 1/11 > 0.01.
    EXPECT_FALSE(rule.Add(100 * std::pow(1.1, step / 10)));
  }
  EXPECT_GT(rule.evaluations(), 90);
  // Below magnitude 1 the change is absolute: 0.02 per block > 0.01.
  RelativeToleranceRule small(0.01, 1, 3);
  for (int step = 0; step < 40; ++step) {
    EXPECT_FALSE(small.Add(0.02 * step));
  }
}

// Feeds one value per block (eval_every = 1), each level chosen so that its
// relative change from the previous one is the next of `changes`; returns
// after the first convergence, or after all.
void FeedChanges(RelativeToleranceRule& rule,
                 const std::vector<double>& changes) {
  double level = 10;
  rule.Add(level);
  for (double change : changes) {
    level /= 1 - change;  // (new - old) / new = change
    if (rule.Add(level)) return;
  }
}

TEST(RelativeToleranceRuleTest, EitherTheMeanOrTheMedianSuffices) {
  // Windows of 3: (0.5, 0.5, 0) -> (0, 0.5, 0): the median is 0 while the
  // mean is 0.17.
  RelativeToleranceRule by_median(0.01, 1, 3);
  FeedChanges(by_median, {0.5, 0.5, 0.0, 0.0, 0.5});
  EXPECT_TRUE(by_median.converged());
  EXPECT_EQ(by_median.evaluations(), 4);
  EXPECT_NEAR(by_median.median_change(), 0.0, 1e-12);
  EXPECT_GT(by_median.mean_change(), 0.1);

  // (0.5, 0.5, 0.012) -> (0.012, 0.5, 0.012) -> (0.012, 0, 0.012): the mean
  // 0.008 is below 0.01 while the median 0.012 is not.
  RelativeToleranceRule by_mean(0.01, 1, 3);
  FeedChanges(by_mean, {0.5, 0.5, 0.012, 0.012, 0.0, 0.5});
  EXPECT_TRUE(by_mean.converged());
  EXPECT_EQ(by_mean.evaluations(), 5);
  EXPECT_NEAR(by_mean.mean_change(), 0.008, 1e-9);
  EXPECT_NEAR(by_mean.median_change(), 0.012, 1e-9);
}

TEST(RelativeToleranceRuleTest, StansDefaultWindowsAndValidation) {
  EXPECT_EQ(RelativeToleranceRule::DefaultWindows(10000, 100), 10);
  EXPECT_EQ(RelativeToleranceRule::DefaultWindows(1000, 100), 2);
  EXPECT_FALSE(RelativeToleranceRule::Validate(0, 100, 2).ok());
  EXPECT_FALSE(RelativeToleranceRule::Validate(0.01, 0, 2).ok());
  EXPECT_FALSE(RelativeToleranceRule::Validate(0.01, 100, 0).ok());
  EXPECT_TRUE(RelativeToleranceRule::Validate(0.01, 100, 2).ok());
}

}  // namespace
}  // namespace provi
