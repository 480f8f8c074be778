// Copyright 2026 The provi Authors.
//
// Cost per gradient estimate of each strategy for the per-point assignment
// site of a Gaussian mixture (3 components, 500 points), with the component
// means a global pathwise latent:
//
//   μ ~ q(μ) = N(m, exp(log_s))  (1 x 3, pathwise)
//   c_i ~ q(c_i) = Categorical(softmax(φ_i)), i = 1..500 (the strategy under
//   test)
//   ELBO_i = log π(c_i) + log N(x_i; μ_{c_i}, 1) - log q(c_i)
//            + (log p(μ) - log q(μ)) / 500          (one value per lane)
//
// Benchmarks: score function, score function with a moving-average baseline,
// lane-wise enumeration (3 runs for all 500 lanes), MVD (3 value runs), and
// the pathwise-only cost of the same program with the assignments fixed (the
// floor). Counter `logit_grad_var`: the variance of d ELBO / d φ_{0,0} over
// 500 estimates, measured before timing; `runs`: program executions per
// estimate.
//
// The estimator advisor on the same program (estimators/advisor.h):
// `BM_Mixture_Advise` times one pilot (`Advise` with its default budget,
// which tries four strategies at each of the two sites) and
// `BM_Mixture_AdvisedSviStep` one training step of the advised estimator
// (gradient estimate and an Adam update, ascending the ELBO), so the
// pilot's cost relative to a 1,000-step run is Advise / (1000 x step).
// Counters: `pilot_runs`, the program executions of the pilot; `runs`, the
// step's.
//
//   ./bazelw run -c opt //benchmarks:estimators_benchmark --
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

#include <memory>
#include <vector>

#include "ad/ops.h"
#include "benchmark/benchmark.h"
#include "benchmarks/mixture_model.h"
#include "estimators/advisor.h"
#include "estimators/diagnostics.h"
#include "estimators/expectation.h"
#include "estimators/strategies.h"
#include "vi/optimizers.h"

namespace provi {
namespace {

void RunStrategy(benchmark::State& state,
                 std::shared_ptr<const SiteStrategy> strategy) {
  MixtureModel mixture;
  auto objective =
      Expectation([&] { return mixture.Elbo(Pathwise(), strategy); });
  objective.Seed(7);
  const absl::StatusOr<VarianceReport> report = MeasureGradientVariance(
      "", [&] { return objective.GradEstimate(); }, {{"phi", &mixture.phi}},
      500);
  if (!report.ok()) {
    state.SkipWithError(report.status().ToString().c_str());
    return;
  }
  for (auto _ : state) {
    mixture.phi.ZeroGrad();
    mixture.m.ZeroGrad();
    mixture.log_s.ZeroGrad();
    benchmark::DoNotOptimize(objective.GradEstimate());
  }
  state.counters["logit_grad_var"] = report->parameters[0].variance(0, 0);
  state.counters["runs"] = report->runs_per_estimate;
}

void BM_Mixture_PathwiseOnlyFloor(benchmark::State& state) {
  RunStrategy(state, nullptr);
}
BENCHMARK(BM_Mixture_PathwiseOnlyFloor)->Unit(benchmark::kMicrosecond);

void BM_Mixture_ScoreFunction(benchmark::State& state) {
  RunStrategy(state, ScoreFunction());
}
BENCHMARK(BM_Mixture_ScoreFunction)->Unit(benchmark::kMicrosecond);

void BM_Mixture_ScoreFunctionMovingAverage(benchmark::State& state) {
  RunStrategy(state, ScoreFunction(MovingAverageBaseline(0.9)));
}
BENCHMARK(BM_Mixture_ScoreFunctionMovingAverage)->Unit(benchmark::kMicrosecond);

void BM_Mixture_Enumerate(benchmark::State& state) {
  RunStrategy(state, Enumerate());
}
BENCHMARK(BM_Mixture_Enumerate)->Unit(benchmark::kMicrosecond);

void BM_Mixture_Mvd(benchmark::State& state) { RunStrategy(state, Mvd()); }
BENCHMARK(BM_Mixture_Mvd)->Unit(benchmark::kMicrosecond);

void BM_Mixture_Advise(benchmark::State& state) {
  MixtureModel mixture;
  auto program = [&mixture] {
    return mixture.Elbo(Pathwise(), ScoreFunction());
  };
  const std::vector<ReportedParameter> params = {
      {"phi", &mixture.phi}, {"m", &mixture.m}, {"log_s", &mixture.log_s}};
  double runs = 0;
  for (auto _ : state) {
    const absl::StatusOr<Advice> advice = Advise(program, params);
    if (!advice.ok()) {
      state.SkipWithError(advice.status().ToString().c_str());
      return;
    }
    runs = advice->pilot_runs;
  }
  state.counters["pilot_runs"] = runs;
}
BENCHMARK(BM_Mixture_Advise)->Unit(benchmark::kMillisecond);

void BM_Mixture_AdvisedSviStep(benchmark::State& state) {
  MixtureModel mixture;
  auto program = [&mixture] {
    return mixture.Elbo(Pathwise(), ScoreFunction());
  };
  std::vector<Parameter*> parameters = {&mixture.phi, &mixture.m,
                                        &mixture.log_s};
  const absl::StatusOr<Advice> advice = Advise(
      program,
      {{"phi", parameters[0]}, {"m", parameters[1]}, {"log_s", parameters[2]}});
  if (!advice.ok()) {
    state.SkipWithError(advice.status().ToString().c_str());
    return;
  }
  auto objective = Expectation(WithStrategies(program, advice->choice));
  objective.Seed(7);
  Adam adam;
  int runs = 0;
  for (auto _ : state) {
    for (Parameter* p : parameters) p->ZeroGrad();
    const absl::StatusOr<GradientEstimate> g = objective.GradEstimate();
    if (!g.ok()) {
      state.SkipWithError(g.status().ToString().c_str());
      return;
    }
    runs = g->runs;
    for (Parameter* p : parameters) p->grad() *= Real(-1);  // ascent
    const absl::Status step = adam.Step(parameters);
    if (!step.ok()) {
      state.SkipWithError(step.ToString().c_str());
      return;
    }
  }
  state.counters["runs"] = runs;
}
BENCHMARK(BM_Mixture_AdvisedSviStep)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace provi
