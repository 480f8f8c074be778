// Copyright 2026 The provi Authors.
//
// The estimator advisor (estimators/advisor.h): every combination it tries
// and the one it chooses estimate the exact gradient without bias (a model
// of two Bernoulli sites and a Normal, whose expected cost and gradient are
// sums over four branches; z-tests from the standard error, flake budget in
// tests/testing/statistical_testing.h); on a 3-component Gaussian
// mixture over 500 points it chooses enumeration for the assignments and
// the pathwise strategy for the means, with a pilot of fewer than 5% of the
// program executions of 1,000 training steps; biased strategies are tried
// and chosen only when allowed; bad input is a Status.

#include "estimators/advisor.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "ad/ops.h"
#include "benchmarks/mixture_model.h"
#include "distributions/bernoulli.h"
#include "distributions/normal.h"
#include "estimators/expectation.h"
#include "estimators/strategies.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/primitives.h"
#include "tests/testing/statistical_testing.h"

namespace provi {
namespace {

using ::provi::testing::MeanAccumulator;

double Sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

// b1 ~ Bernoulli(σ(t1)), b2 ~ Bernoulli(σ(t2 + b1)), z ~ Normal(mu, 1);
// cost (b1 + 2 b2 - z)².
struct TwoCoins {
  Parameter t1{Matrix::Constant(1, 1, 0.3)};
  Parameter t2{Matrix::Constant(1, 1, -0.4)};
  Parameter mu{Matrix::Constant(1, 1, 0.7)};

  Tensor Cost() {
    const Tensor b1 = sample("b1", Bernoulli::FromLogits(t1.tensor()));
    const Tensor b2 = sample("b2", Bernoulli::FromLogits(t2.tensor() + b1));
    const Tensor z = sample("z", Normal(mu.tensor(), 1.0));
    return Square(b1 + b2 * 2.0 - z);
  }

  std::vector<ReportedParameter> params() {
    return {{"t1", &t1}, {"t2", &t2}, {"mu", &mu}};
  }

  // d/d(t1, t2, mu) of E[(b1 + 2 b2 - z)²] = Σ p(b1) p(b2 | b1)
  // ((b1 + 2 b2 - mu)² + 1).
  std::vector<double> ExactGradient() const {
    const double m = mu.value()(0, 0);
    const double p1 = Sigmoid(t1.value()(0, 0));
    std::vector<double> g(3, 0.0);
    for (int b1 = 0; b1 <= 1; ++b1) {
      const double q1 = b1 == 1 ? p1 : 1 - p1;
      const double dq1 = (b1 == 1 ? 1 : -1) * p1 * (1 - p1);
      const double p2 = Sigmoid(t2.value()(0, 0) + b1);
      for (int b2 = 0; b2 <= 1; ++b2) {
        const double q2 = b2 == 1 ? p2 : 1 - p2;
        const double dq2 = (b2 == 1 ? 1 : -1) * p2 * (1 - p2);
        const double d = b1 + 2 * b2 - m;
        const double h = d * d + 1;
        g[0] += dq1 * q2 * h;
        g[1] += q1 * dq2 * h;
        g[2] += q1 * q2 * (-2 * d);
      }
    }
    return g;
  }
};

// The mean of `n` gradient estimates of `model` under `strategies` against
// the exact gradient.
void ExpectUnbiased(TwoCoins& model, const StrategyMap& strategies,
                    const std::string& label, uint64_t seed) {
  constexpr int kEstimates = 2000;
  auto objective = Expectation(
      WithStrategies([&model] { return model.Cost(); }, strategies));
  objective.Seed(seed);
  std::vector<MeanAccumulator> acc(3);
  std::vector<Parameter*> params = {&model.t1, &model.t2, &model.mu};
  for (int i = 0; i < kEstimates; ++i) {
    for (Parameter* p : params) p->ZeroGrad();
    ASSERT_TRUE(objective.GradEstimate().ok());
    for (size_t k = 0; k < params.size(); ++k) {
      acc[k].Add(params[k]->grad()(0, 0));
    }
  }
  const std::vector<double> exact = model.ExactGradient();
  for (size_t k = 0; k < params.size(); ++k) {
    EXPECT_MEAN_NEAR(acc[k], exact[k]) << label << ", parameter " << k;
  }
}

TEST(AdvisorTest, EveryCombinationTriedAndTheChoiceAreUnbiased) {
  TwoCoins model;
  const absl::StatusOr<Advice> advice =
      Advise([&model] { return model.Cost(); }, model.params());
  ASSERT_TRUE(advice.ok()) << advice.status();
  ASSERT_EQ(advice->sites.size(), 3u);
  EXPECT_EQ(advice->sites[0].site, "b1");
  EXPECT_EQ(advice->sites[0].parameters, std::vector<std::string>{"t1"});
  EXPECT_EQ(advice->sites[1].parameters,
            std::vector<std::string>{"t2"});  // t2 + b1: b1 is data
  EXPECT_EQ(advice->sites[2].parameters, std::vector<std::string>{"mu"});
  ASSERT_EQ(advice->choice.size(), 3u);
  uint64_t seed = 100;
  ExpectUnbiased(model, advice->choice, "the choice", ++seed);
  for (const SiteAdvice& site : advice->sites) {
    for (const StrategyTrial& trial : site.trials) {
      ASSERT_TRUE(trial.status.ok()) << site.site << " " << trial.label;
      EXPECT_FALSE(trial.biased);
      StrategyMap combination = advice->choice;
      combination[site.site] = trial.strategy;
      ExpectUnbiased(model, combination, site.site + ": " + trial.label,
                     ++seed);
    }
  }
}

// A group is advised as one: every strategy at both sites at once, the
// variance of both sites' parameters, one choice for both; the choice and
// every combination tried are unbiased. A group of two families tries only
// the strategies both support.
TEST(AdvisorTest, GroupsAreAdvisedJointly) {
  TwoCoins model;
  AdvisorOptions options;
  options.groups = {{"b2", "b1"}};
  const absl::StatusOr<Advice> advice =
      Advise([&model] { return model.Cost(); }, model.params(), options);
  ASSERT_TRUE(advice.ok()) << advice.status();
  std::cout << advice->ToString();
  ASSERT_EQ(advice->sites.size(), 2u);
  const SiteAdvice& coins = advice->sites[0];
  EXPECT_EQ(coins.site, "b1 + b2");  // in the order the program draws them
  EXPECT_EQ(coins.sites, (std::vector<std::string>{"b1", "b2"}));
  EXPECT_EQ(coins.family, "Bernoulli");
  EXPECT_EQ(coins.parameters, (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(coins.trials.size(), 5u);
  EXPECT_EQ(advice->sites[1].sites, std::vector<std::string>{"z"});
  ASSERT_EQ(advice->choice.size(), 3u);
  EXPECT_EQ(advice->choice.at("b1"), advice->choice.at("b2"));
  uint64_t seed = 300;
  ExpectUnbiased(model, advice->choice, "the choice", ++seed);
  for (const StrategyTrial& trial : coins.trials) {
    ASSERT_TRUE(trial.status.ok()) << trial.label;
    StrategyMap combination = advice->choice;
    combination["b1"] = trial.strategy;
    combination["b2"] = trial.strategy;
    ExpectUnbiased(model, combination, "b1 + b2: " + trial.label, ++seed);
  }

  options.groups = {{"b1", "z"}};
  const absl::StatusOr<Advice> mixed =
      Advise([&model] { return model.Cost(); }, model.params(), options);
  ASSERT_TRUE(mixed.ok()) << mixed.status();
  const SiteAdvice& group = mixed->sites[0];
  EXPECT_EQ(group.family, "Bernoulli/Normal");
  std::vector<std::string> labels;
  for (const StrategyTrial& trial : group.trials) labels.push_back(trial.label);
  EXPECT_EQ(labels, (std::vector<std::string>{"score function",
                                              "score function + moving average",
                                              "measure-valued derivative"}));
  EXPECT_EQ(mixed->sites[1].site, "b2");

  for (const std::vector<std::vector<std::string>>& bad :
       std::vector<std::vector<std::vector<std::string>>>{
           {{"b1", "b2"}, {"b2"}}, {{"b1", "b1"}}, {{}}, {{"b3"}}}) {
    options.groups = bad;
    EXPECT_EQ(Advise([&model] { return model.Cost(); }, model.params(), options)
                  .status()
                  .code(),
              absl::StatusCode::kInvalidArgument);
  }
}

TEST(AdvisorTest, MixtureEnumeratesAssignmentsAndReparameterisesMeans) {
  MixtureModel mixture;
  const std::shared_ptr<AutoStrategy> strategy = Auto();
  auto program = [&] { return mixture.Elbo(strategy, strategy); };
  const absl::StatusOr<Advice> advice = Advise(
      program,
      {{"phi", &mixture.phi}, {"m", &mixture.m}, {"log_s", &mixture.log_s}});
  ASSERT_TRUE(advice.ok()) << advice.status();
  std::cout << advice->ToString();
  ASSERT_EQ(advice->sites.size(), 2u);
  const SiteAdvice& mu = advice->sites[0];
  const SiteAdvice& c = advice->sites[1];
  EXPECT_EQ(mu.site, "mu");
  EXPECT_EQ(mu.parameters, (std::vector<std::string>{"m", "log_s"}));
  EXPECT_EQ(c.site, "c");
  EXPECT_EQ(c.parameters, std::vector<std::string>{"phi"});
  EXPECT_EQ(c.lanes, MixtureModel::kPoints);
  ASSERT_GE(mu.chosen, 0);
  ASSERT_GE(c.chosen, 0);
  EXPECT_EQ(mu.trials[mu.chosen].label, "pathwise");
  EXPECT_EQ(c.trials[c.chosen].label, "enumeration");

  // Adopted by the program's Auto() sites, the choice enumerates c: one
  // run per component.
  strategy->Adopt(*advice);
  auto objective = Expectation(program);
  objective.Seed(3);
  const absl::StatusOr<GradientEstimate> step = objective.GradEstimate();
  ASSERT_TRUE(step.ok()) << step.status();
  EXPECT_EQ(step->runs, MixtureModel::kComponents);
  // The pilot executes the program fewer than 5% as often as 1,000 steps
  // of the advised estimator (its time is in estimators_benchmark).
  EXPECT_LE(advice->pilot_runs, 0.05 * 1000 * step->runs);
}

// A strategy whose estimate would take more runs than the limit is reported
// as such and never run: MVD at a 64 x 50 Normal takes two runs per column
// of its location and of its scale (its lanes run together), 200 in all,
// over a limit of 100.
TEST(AdvisorTest, AStrategyOverTheRunLimitIsSkippedBeforeItRuns) {
  Parameter loc(Matrix::Zero(64, 50));
  int executions = 0;
  auto program = [&] {
    ++executions;
    const Tensor z = sample("z", Normal(loc.tensor(), 1.0));
    return RowSum(Square(z - 0.5));
  };
  AdvisorOptions options;
  options.warmup_estimates = 0;
  options.max_runs_per_estimate = 100;
  const absl::StatusOr<Advice> advice =
      Advise(program, {{"loc", &loc}}, options);
  ASSERT_TRUE(advice.ok()) << advice.status();
  std::cout << advice->ToString();
  ASSERT_EQ(advice->sites.size(), 1u);
  const SiteAdvice& z = advice->sites[0];
  bool found = false;
  for (const StrategyTrial& trial : z.trials) {
    if (trial.label != "measure-valued derivative") continue;
    found = true;
    EXPECT_EQ(trial.status.code(), absl::StatusCode::kResourceExhausted);
    EXPECT_THAT(std::string(trial.status.message()),
                ::testing::HasSubstr("more than its limit of 100"));
  }
  EXPECT_TRUE(found);
  ASSERT_GE(z.chosen, 0);
  EXPECT_EQ(z.trials[z.chosen].label, "pathwise");
  // Discovery, 4 estimates of each of pathwise and the two score-function
  // strategies, and the one run of MVD's that scheduled the rest.
  EXPECT_EQ(executions, 1 + 3 * 4 + 1);
  EXPECT_NE(advice->ToString().find("failed: "), std::string::npos);
}

// A strategy that learns across estimates is measured after its warm-up:
// with a cost that depends on the site's value alone, fitted control
// variates are exact once both values have been seen, so their measured
// variance is zero; measured cold, it is not.
TEST(AdvisorTest, StatefulStrategiesAreMeasuredWarm) {
  Parameter t(Matrix::Constant(8, 1, 0.2));
  auto program = [&] {
    return sample("b", Bernoulli::FromLogits(t.tensor())) * 3.0;
  };
  auto control_variates = [](const Advice& advice) {
    for (const StrategyTrial& trial : advice.sites.at(0).trials) {
      if (trial.label == "score function + control variates") return trial;
    }
    ADD_FAILURE() << "not tried";
    return StrategyTrial();
  };
  const absl::StatusOr<Advice> warm = Advise(program, {{"t", &t}});
  ASSERT_TRUE(warm.ok()) << warm.status();
  const StrategyTrial warm_trial = control_variates(*warm);
  EXPECT_EQ(warm_trial.warmup_estimates, AdvisorOptions().warmup_estimates);
  EXPECT_LT(warm_trial.variance, 1e-10);
  for (const StrategyTrial& trial : warm->sites[0].trials) {
    if (trial.label == "score function" || trial.label == "enumeration") {
      EXPECT_EQ(trial.warmup_estimates, 0) << trial.label;
    }
  }

  AdvisorOptions cold;
  cold.warmup_estimates = 0;
  const absl::StatusOr<Advice> measured_cold =
      Advise(program, {{"t", &t}}, cold);
  ASSERT_TRUE(measured_cold.ok()) << measured_cold.status();
  const StrategyTrial cold_trial = control_variates(*measured_cold);
  EXPECT_EQ(cold_trial.warmup_estimates, 0);
  EXPECT_GT(cold_trial.variance, 1e-3);
}

// Draws with the family's sampler and adds nothing: a biased strategy with
// no variance at all, which would win every comparison.
class Frozen final : public SiteStrategy {
 public:
  absl::string_view name() const override { return "frozen"; }
  bool biased() const override { return true; }
  Tensor Draw(SiteRun& run) const override {
    return run.distribution().Sample(run.gen());
  }
};

TEST(AdvisorTest, BiasedStrategiesOnlyWhenAllowed) {
  TwoCoins model;
  auto program = [&model] { return model.Cost(); };
  AdvisorOptions options;
  options.sites = {"b1"};
  options.candidates = {std::make_shared<Frozen>()};
  absl::StatusOr<Advice> advice = Advise(program, model.params(), options);
  ASSERT_TRUE(advice.ok()) << advice.status();
  ASSERT_EQ(advice->sites.size(), 1u);
  for (const StrategyTrial& trial : advice->sites[0].trials) {
    EXPECT_NE(trial.label, "frozen");
  }
  EXPECT_EQ(advice->ToString().find("biased"), std::string::npos);

  options.allow_biased = true;
  advice = Advise(program, model.params(), options);
  ASSERT_TRUE(advice.ok()) << advice.status();
  const SiteAdvice& b1 = advice->sites[0];
  ASSERT_GE(b1.chosen, 0);
  EXPECT_EQ(b1.trials[b1.chosen].label, "frozen");
  EXPECT_TRUE(b1.trials[b1.chosen].biased);
  EXPECT_NE(advice->ToString().find("biased <- chosen"), std::string::npos);
}

TEST(AdvisorTest, BadInputIsAStatus) {
  TwoCoins model;
  auto program = [&model] { return model.Cost(); };
  EXPECT_EQ(Advise(program, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Advise(program, {{"t1", nullptr}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  AdvisorOptions one;
  one.estimates = 1;
  EXPECT_EQ(Advise(program, model.params(), one).status().code(),
            absl::StatusCode::kInvalidArgument);
  AdvisorOptions negative_warmup;
  negative_warmup.warmup_estimates = -1;
  EXPECT_EQ(Advise(program, model.params(), negative_warmup).status().code(),
            absl::StatusCode::kInvalidArgument);
  AdvisorOptions no_runs;
  no_runs.max_runs_per_estimate = 0;
  EXPECT_EQ(Advise(program, model.params(), no_runs).status().code(),
            absl::StatusCode::kInvalidArgument);
  AdvisorOptions unknown;
  unknown.sites = {"b3"};
  const absl::Status status = Advise(program, model.params(), unknown).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("'b3'"), std::string::npos) << status;
  // The program's own errors come back, too.
  const absl::Status failing =
      Advise([&model] { return Tensor(Matrix::Zero(2, 2)) + model.Cost(); },
             model.params())
          .status();
  EXPECT_FALSE(failing.ok());
}

TEST(AdvisorTest, AutoUsesTheDefaultUntilItAdopts) {
  TwoCoins model;
  auto strategy = Auto();
  auto program = [&] {
    const Tensor b =
        sample("b", Bernoulli::FromLogits(model.t1.tensor()), strategy);
    return b * 3.0;
  };
  auto objective = Expectation(program);
  objective.Seed(5);
  absl::StatusOr<GradientEstimate> g = objective.GradEstimate();
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->runs, 1);  // the default: the score function
  const absl::StatusOr<Advice> advice = Advise(program, {{"t1", &model.t1}});
  ASSERT_TRUE(advice.ok()) << advice.status();
  strategy->Adopt(*advice);
  EXPECT_EQ(strategy->choice().size(), 1u);
  EXPECT_FALSE(strategy->biased());
  // A cost with no noise but the site's: the winner has zero variance:
  // enumeration or the measure-valued derivative (two runs each, both exact
  // at a Bernoulli site whose cost is fixed by its value; which of the two
  // is cheaper is a matter of timing) or, once fitted, the control
  // variates (one run, so they win when measured warm).
  const SiteAdvice& b = advice->sites.at(0);
  ASSERT_GE(b.chosen, 0);
  const StrategyTrial& chosen = b.trials[b.chosen];
  EXPECT_LT(chosen.variance, 1e-10) << chosen.label;
  const bool two_runs = chosen.label == "enumeration" ||
                        chosen.label == "measure-valued derivative";
  EXPECT_TRUE(two_runs || chosen.label == "score function + control variates")
      << chosen.label;
  // Auto learns across estimates exactly when its adopted choice does.
  EXPECT_EQ(strategy->learns(), chosen.strategy->learns());
  EXPECT_EQ(chosen.strategy->learns(), !two_runs) << chosen.label;
  // The objective's own state learns the control variates in a few
  // estimates; enumeration and the measure-valued derivative are exact
  // from the first.
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(objective.GradEstimate().ok());
  model.t1.ZeroGrad();
  g = objective.GradEstimate();
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->runs, two_runs ? 2 : 1) << chosen.label;
  const double p = Sigmoid(0.3);
  EXPECT_NEAR(model.t1.grad()(0, 0), 3 * p * (1 - p), 1e-5);
}

}  // namespace
}  // namespace provi
