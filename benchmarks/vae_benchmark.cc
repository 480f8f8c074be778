// Copyright 2026 The provi Authors.
//
// One gradient step of a VAE's objective (forward pass, estimator, backward
// pass; no optimiser update), written three ways in one binary so the ratios
// come from one run (benchmarks/vae_models.h has the three and the exact
// definitions):
//
//   *_Provi        `Expectation(Elbo(model, guide))` or
//                  `Expectation(Iwelbo(model, guide, 5))`, `GradEstimate`,
//                  model and guide programs with nn::Mlp layers in a
//                  ParamStore and a plate over the batch;
//   *_Direct       the same objective with ad/ operations and Parameters;
//   *_HandWritten  plain Eigen with hand-derived gradients.
//
// Networks (LeakyReLU hidden layers, Bernoulli likelihood from logits,
// N(0, I) prior, softplus scales):
//
//   Paper   encoder 784-200-(10 locs, 10 scales), decoder 10-200-784;
//   Common  encoder 784-400-(20 locs, 20 scales), decoder 20-400-784.
//
// Objectives: BM_Elbo_* (one sample per image) and BM_Iwelbo5_* (IWELBO with
// K = 5 particles per image), each the sum over the batch. The argument is
// the batch size (64 to 1024). Random binarised images and weights from
// fixed seeds; provi::Real (float by default; double under --config=f64);
// one thread. items_per_second counts images.
//
//   ./bazelw run //benchmarks:vae_benchmark -- --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true
//
// tests/benchmarks/vae_models_test.cc checks that the three compute the same
// value and gradients from the same noise.

#include "base/real.h"
#include "benchmark/benchmark.h"
#include "benchmarks/vae_models.h"

namespace provi {
namespace vae_benchmark {
namespace {

constexpr uint64_t kWeightSeed = 1;
constexpr uint64_t kImageSeed = 2;
constexpr uint64_t kNoiseSeed = 3;

template <typename Vae>
void RunSteps(benchmark::State& state, const VaeArchitecture& architecture,
              int particles) {
  const Index batch = state.range(0);
  const VaeWeights weights = RandomWeights(architecture, kWeightSeed);
  const Matrix images = RandomImages(batch, architecture.pixels, kImageSeed);
  Vae vae(architecture, weights, images, particles, kNoiseSeed);
  vae.Step();  // warms up the arena and the tape's node list
  for (auto _ : state) {
    benchmark::DoNotOptimize(vae.Step());
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

void BM_Elbo_Paper_Provi(benchmark::State& state) {
  RunSteps<ProviVae>(state, kPaperVae, 1);
}
void BM_Elbo_Paper_Direct(benchmark::State& state) {
  RunSteps<DirectVae>(state, kPaperVae, 1);
}
void BM_Elbo_Paper_HandWritten(benchmark::State& state) {
  RunSteps<HandWrittenVae>(state, kPaperVae, 1);
}
void BM_Elbo_Common_Provi(benchmark::State& state) {
  RunSteps<ProviVae>(state, kCommonVae, 1);
}
void BM_Elbo_Common_Direct(benchmark::State& state) {
  RunSteps<DirectVae>(state, kCommonVae, 1);
}
void BM_Elbo_Common_HandWritten(benchmark::State& state) {
  RunSteps<HandWrittenVae>(state, kCommonVae, 1);
}
void BM_Iwelbo5_Paper_Provi(benchmark::State& state) {
  RunSteps<ProviVae>(state, kPaperVae, 5);
}
void BM_Iwelbo5_Paper_Direct(benchmark::State& state) {
  RunSteps<DirectVae>(state, kPaperVae, 5);
}
void BM_Iwelbo5_Paper_HandWritten(benchmark::State& state) {
  RunSteps<HandWrittenVae>(state, kPaperVae, 5);
}
void BM_Iwelbo5_Common_Provi(benchmark::State& state) {
  RunSteps<ProviVae>(state, kCommonVae, 5);
}
void BM_Iwelbo5_Common_Direct(benchmark::State& state) {
  RunSteps<DirectVae>(state, kCommonVae, 5);
}
void BM_Iwelbo5_Common_HandWritten(benchmark::State& state) {
  RunSteps<HandWrittenVae>(state, kCommonVae, 5);
}

void Batches(benchmark::internal::Benchmark* b) {
  b->RangeMultiplier(2)->Range(64, 1024)->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_Elbo_Paper_Provi)->Apply(Batches);
BENCHMARK(BM_Elbo_Paper_Direct)->Apply(Batches);
BENCHMARK(BM_Elbo_Paper_HandWritten)->Apply(Batches);
BENCHMARK(BM_Elbo_Common_Provi)->Apply(Batches);
BENCHMARK(BM_Elbo_Common_Direct)->Apply(Batches);
BENCHMARK(BM_Elbo_Common_HandWritten)->Apply(Batches);
BENCHMARK(BM_Iwelbo5_Paper_Provi)->Apply(Batches);
BENCHMARK(BM_Iwelbo5_Paper_Direct)->Apply(Batches);
BENCHMARK(BM_Iwelbo5_Paper_HandWritten)->Apply(Batches);
BENCHMARK(BM_Iwelbo5_Common_Provi)->Apply(Batches);
BENCHMARK(BM_Iwelbo5_Common_Direct)->Apply(Batches);
BENCHMARK(BM_Iwelbo5_Common_HandWritten)->Apply(Batches);

}  // namespace
}  // namespace vae_benchmark
}  // namespace provi
