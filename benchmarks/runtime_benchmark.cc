// Copyright 2026 The provi Authors.
//
// The cost of the effect runtime per site: a scalar model with 1,000 sample
// sites, run
//   (a) bare (no handler),
//   (b) under trace,
//   (c) under trace + replay + density,
// against hand-written loops making the same distribution calls without the
// runtime (RSample; RSample + LogProb + the running sum). Counter
// `ns_per_site`. The runtime's cost per handler per site, on top of the
// distribution's own, is ((b) - RSample) / 1 and ((c) - (RSample + LogProb))
// / 3: everything the runtime adds (the message, the address, validation,
// recording, replaying, accumulating) is charged to the handlers. (a) -
// RSample is what a site costs with no handler at all. The `_NoValidation`
// variants turn distribution validation off (SetDistributionValidation).
// See README.md for the table.
//
//   ./bazelw run //benchmarks:runtime_benchmark -- --benchmark_repetitions=10
//       --benchmark_enable_random_interleaving=true
//       --benchmark_report_aggregates_only=true

#include <string>
#include <vector>

#include "ad/ops.h"
#include "ad/tape.h"
#include "base/random.h"
#include "benchmark/benchmark.h"
#include "distributions/normal.h"
#include "handlers/density.h"
#include "handlers/replay.h"
#include "handlers/trace.h"
#include "runtime/handler.h"
#include "runtime/primitives.h"

namespace provi {
namespace {

constexpr int kSites = 1000;

const std::vector<std::string>& SiteNames() {
  static const std::vector<std::string>* names = [] {
    auto* n = new std::vector<std::string>();
    for (int i = 0; i < kSites; ++i) n->push_back("z" + std::to_string(i));
    return n;
  }();
  return *names;
}

void Model() {
  for (const std::string& name : SiteNames()) sample(name, Normal(0.0, 1.0));
}

void SetCounters(benchmark::State& state) {
  state.counters["ns_per_site"] =
      benchmark::Counter(kSites, benchmark::Counter::kIsIterationInvariantRate |
                                     benchmark::Counter::kInvert);
}

void BM_Sites_HandWritten_RSample(benchmark::State& state) {
  Rng rng = MakeRng(1);
  for (auto _ : state) {
    TapeScope scope;
    for (int i = 0; i < kSites; ++i) {
      benchmark::DoNotOptimize(Normal(0.0, 1.0).RSample(rng).value_data());
    }
  }
  SetCounters(state);
}
BENCHMARK(BM_Sites_HandWritten_RSample);

void BM_Sites_HandWritten_RSampleAndLogProb(benchmark::State& state) {
  Rng rng = MakeRng(1);
  for (auto _ : state) {
    TapeScope scope;
    Tensor total(0.0);
    for (int i = 0; i < kSites; ++i) {
      const Normal normal(0.0, 1.0);
      const Tensor z = normal.RSample(rng);
      total = total + SumAll(normal.LogProb(z));
    }
    benchmark::DoNotOptimize(total.value_data());
  }
  SetCounters(state);
}
BENCHMARK(BM_Sites_HandWritten_RSampleAndLogProb);

// The model run bare or under trace, with distribution validation on or off
// (SetDistributionValidation).
void RunSites(benchmark::State& state, bool traced, bool validate) {
  SetDistributionValidation(validate);
  SeedThreadRng(1);
  for (auto _ : state) {
    TapeScope scope;
    if (traced) {
      TraceHandler trace;
      HandlerScope s(trace);
      Model();
      benchmark::DoNotOptimize(trace.trace().size());
    } else {
      Model();
    }
  }
  SetDistributionValidation(true);
  SetCounters(state);
}

void BM_Sites_Bare(benchmark::State& state) { RunSites(state, false, true); }
BENCHMARK(BM_Sites_Bare);

void BM_Sites_Trace(benchmark::State& state) { RunSites(state, true, true); }
BENCHMARK(BM_Sites_Trace);

// What the runtime costs without the parameter and value checks.
void BM_Sites_Bare_NoValidation(benchmark::State& state) {
  RunSites(state, false, false);
}
BENCHMARK(BM_Sites_Bare_NoValidation);

void BM_Sites_Trace_NoValidation(benchmark::State& state) {
  RunSites(state, true, false);
}
BENCHMARK(BM_Sites_Trace_NoValidation);

void BM_Sites_TraceReplayDensity(benchmark::State& state) {
  SeedThreadRng(1);
  const auto recorded = handlers::Trace(Model)();
  for (auto _ : state) {
    TapeScope scope;
    TraceHandler trace;
    DensityHandler density;
    ReplayHandler replay(recorded->trace);
    HandlerScope s1(trace);
    HandlerScope s2(density);
    HandlerScope s3(replay);
    Model();
    benchmark::DoNotOptimize(density.total().value_data());
  }
  SetCounters(state);
}
BENCHMARK(BM_Sites_TraceReplayDensity);

}  // namespace
}  // namespace provi
