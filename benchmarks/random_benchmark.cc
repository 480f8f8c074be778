// Copyright 2026 The provi Authors.
//
// Throughput of the random-number plumbing samplers use: provi's generator
// through `absl::BitGenRef` against the same generator called directly, and
// against std::mt19937_64.

#include <random>

#include "absl/random/bit_gen_ref.h"
#include "absl/random/distributions.h"
#include "base/random.h"
#include "base/real.h"
#include "benchmark/benchmark.h"

namespace provi {
namespace {

Real DrawGaussians(absl::BitGenRef gen, int n) {
  Real sum = 0;
  for (int i = 0; i < n; ++i) sum += absl::Gaussian<Real>(gen);
  return sum;
}

void BM_Gaussian_BitGenRef(benchmark::State& state) {
  Rng rng = MakeRng(1);
  const int n = static_cast<int>(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(DrawGaussians(rng, n));
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_Gaussian_BitGenRef)->Arg(1024);

void BM_Gaussian_Direct(benchmark::State& state) {
  Rng rng = MakeRng(1);
  const int n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    Real sum = 0;
    for (int i = 0; i < n; ++i) sum += absl::Gaussian<Real>(rng);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_Gaussian_Direct)->Arg(1024);

void BM_Gaussian_StdMt19937(benchmark::State& state) {
  std::mt19937_64 rng(1);
  std::normal_distribution<Real> normal;
  const int n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    Real sum = 0;
    for (int i = 0; i < n; ++i) sum += normal(rng);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_Gaussian_StdMt19937)->Arg(1024);

}  // namespace
}  // namespace provi
