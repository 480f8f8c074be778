// Copyright 2026 The provi Authors.
//
// How cost grows with the amount of work, fitted by Google Benchmark's
// Complexity() (the "_BigO" row is the fitted coefficient, "_RMS" the
// relative misfit of the curve):
//
//   BM_TraceSites/n          a program of n scalar Normal sample sites under
//                            the trace handler, n = 10 ... 100,000: O(n),
//                            counter ns_per_site (flat when the runtime has
//                            no per-trace or per-lookup cost that grows)
//   BM_TraceBuiltNames/n     the same with each site's name built as the
//                            site runs (absl::StrCat("z", i), as a loop
//                            over data points names its sites)
//   BM_EnumerateLanes/k      the gradient estimate of a 3-component mixture
//                            over k points whose assignments (one discrete
//                            site per point, in a plate) are enumerated:
//                            O(k), 3 runs of the program whatever k (lanes
//                            are enumerated together, not 3^k runs)
//   BM_IwelboParticles/K     the IWELBO(K) gradient estimate of a normal
//                            model with a mean-field guide, K = 1 ... 1,024
//                            vectorised particles: O(K)
//
//   ./bazelw run //benchmarks:scaling_benchmark --
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/random.h"
#include "benchmark/benchmark.h"
#include "distributions/categorical.h"
#include "distributions/normal.h"
#include "estimators/expectation.h"
#include "estimators/strategies.h"
#include "handlers/trace.h"
#include "runtime/handler.h"
#include "runtime/primitives.h"
#include "vi/objectives.h"

namespace provi {
namespace {

// -----------------------------------------------------------------------------
// Trace of n sites
// -----------------------------------------------------------------------------

const std::vector<std::string>& SiteNames(size_t n) {
  static std::vector<std::string>* names = new std::vector<std::string>();
  while (names->size() < n) {
    names->push_back("z" + std::to_string(names->size()));
  }
  return *names;
}

// n = state.range(0) scalar Normal sites under the trace handler per
// iteration, site i named by name_of(i).
template <typename NameOf>
void TraceSites(benchmark::State& state, NameOf name_of) {
  const int n = static_cast<int>(state.range(0));
  SeedThreadRng(1);
  for (auto _ : state) {
    TraceHandler trace;
    {
      HandlerScope scope(trace);
      for (int i = 0; i < n; ++i) sample(name_of(i), Normal(0.0, 1.0));
    }
    benchmark::DoNotOptimize(trace.trace().size());
  }
  state.SetComplexityN(state.range(0));
  state.counters["ns_per_site"] = benchmark::Counter(
      static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate |
                                  benchmark::Counter::kInvert);
}

void BM_TraceSites(benchmark::State& state) {
  const std::vector<std::string>& names =
      SiteNames(static_cast<size_t>(state.range(0)));
  TraceSites(state, [&](int i) -> const std::string& {
    return names[static_cast<size_t>(i)];
  });
}

void BM_TraceBuiltNames(benchmark::State& state) {
  TraceSites(state, [](int i) { return absl::StrCat("z", i); });
}

void SiteCounts(benchmark::internal::Benchmark* b) {
  for (int n : {10, 100, 1000, 10000, 100000}) b->Arg(n);
  b->Complexity(benchmark::oN);
}
BENCHMARK(BM_TraceSites)->Apply(SiteCounts);
BENCHMARK(BM_TraceBuiltNames)->Apply(SiteCounts);

// One gradient estimate of `objective` per iteration, the parameters'
// gradients zeroed first; an error ends the benchmark with its Status.
template <typename Objective>
void TimeGradEstimates(benchmark::State& state, Objective& objective,
                       std::initializer_list<Parameter*> params) {
  for (auto _ : state) {
    for (Parameter* p : params) p->ZeroGrad();
    absl::StatusOr<GradientEstimate> estimate = objective.GradEstimate();
    if (!estimate.ok()) {
      state.SkipWithError(estimate.status().ToString().c_str());
      break;
    }
    for (Parameter* p : params) benchmark::DoNotOptimize(p->grad().data());
  }
}

// -----------------------------------------------------------------------------
// Enumeration over the lanes of a plate
// -----------------------------------------------------------------------------

constexpr Index kComponents = 3;

void BM_EnumerateLanes(benchmark::State& state) {
  const Index k = state.range(0);
  Rng rng = MakeRng(3);
  Matrix points(k, 1);
  for (Index i = 0; i < k; ++i) {
    points(i, 0) = static_cast<Real>(absl::Gaussian<double>(rng));
  }
  const Tensor x(points);
  Parameter logits(Matrix::Zero(k, kComponents));
  const Tensor means(
      (Matrix(1, kComponents) << Real(-2), Real(0), Real(3)).finished());
  // One value per point: log N(x_i; mean of c_i, 1) - log q(c_i), with
  // each point's assignment c_i enumerated.
  auto objective = Expectation([&] {
    Plate lanes("points", k);
    const Categorical q = Categorical::FromLogits(logits.tensor());
    const Tensor c = sample("c", q, Enumerate());
    std::vector<Index> index(static_cast<size_t>(k));
    for (Index i = 0; i < k; ++i) index[i] = static_cast<Index>(c(i, 0));
    const Tensor mean = GatherCols(Tile(means, k, 1), index);
    return Normal(mean, 1.0).LogProb(x) - q.LogProb(c);
  });
  objective.Seed(5);
  TimeGradEstimates(state, objective, {&logits});
  state.SetComplexityN(k);
}
BENCHMARK(BM_EnumerateLanes)
    ->RangeMultiplier(4)
    ->Range(16, 16384)
    ->Unit(benchmark::kMicrosecond)
    ->Complexity(benchmark::oN);

// -----------------------------------------------------------------------------
// IWELBO in the number of particles
// -----------------------------------------------------------------------------

constexpr Index kLatent = 10;

void BM_IwelboParticles(benchmark::State& state) {
  const int k = static_cast<int>(state.range(0));
  const Tensor y(Matrix::Constant(1, kLatent, Real(0.5)));
  Parameter loc(Matrix::Zero(1, kLatent));
  Parameter log_scale(Matrix::Zero(1, kLatent));
  auto model = [&y] {
    const Tensor z = sample("z", Normal(0.0, 1.0).Expand(1, kLatent));
    observe("y", Normal(z, 1.0), y);
  };
  auto guide = [&] {
    sample("z", Normal(loc.tensor(), Exp(log_scale.tensor())));
  };
  auto objective = Expectation(Iwelbo(model, guide, k));
  objective.Seed(9);
  TimeGradEstimates(state, objective, {&loc, &log_scale});
  state.SetComplexityN(k);
}
BENCHMARK(BM_IwelboParticles)
    ->RangeMultiplier(4)
    ->Range(1, 1024)
    ->Unit(benchmark::kMicrosecond)
    ->Complexity(benchmark::oN);

}  // namespace
}  // namespace provi
