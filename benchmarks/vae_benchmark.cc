// Copyright 2026 The provi Authors.
//
// One gradient step of a VAE's objective (forward pass, estimator, backward
// pass; no optimiser update), written up to three ways in one binary so the
// ratios come from one run (benchmarks/vae_models.h has them and the exact
// definitions):
//
//   *_Provi        `Expectation(Elbo(model, guide))`, or `Iwelbo`, `Vimco`
//                  or `IwelboDreg(model, guide, K)`, `GradEstimate`, model
//                  and guide programs with nn::Mlp layers in a ParamStore
//                  and a plate over the batch;
//   *_Direct       the ELBO or IWELBO with ad/ operations and Parameters;
//   *_HandWritten  plain Eigen with hand-derived gradients.
//
// Networks (LeakyReLU hidden layers, Bernoulli likelihood from logits,
// N(0, I) prior, softplus scales):
//
//   Paper   encoder 784-200-(10 locs, 10 scales), decoder 10-200-784;
//   Common  encoder 784-400-(20 locs, 20 scales), decoder 20-400-784.
//
// Objectives, each the sum over the batch: BM_Elbo_* (one sample per image;
// the argument is the batch, 64 to 1024) and, with K particles per image,
// BM_Iwelbo_*, BM_Vimco_* and BM_IwelboDreg_* (arguments batch and K: K = 2
// and 5 at batches 64 to 1024, K = 50 at 64 and 128). Random binarised
// images and weights from fixed seeds; provi::Real (float by default;
// double under --config=f64); one thread. items_per_second counts images.
//
//   ./bazelw run //benchmarks:vae_benchmark -- --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true
//
// The K-particle rows alone, provi against hand-written, in about ten
// minutes:
//
//   ./bazelw run //benchmarks:vae_benchmark --
//       --benchmark_filter='(Iwelbo|Vimco|IwelboDreg)_.*_(Provi|HandWritten)'
//       --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true
//       --benchmark_min_time=0.2 --benchmark_report_aggregates_only=true
//
// tests/benchmarks/vae_models_test.cc checks that the versions compute the
// same value and gradients from the same noise.

#include <memory>
#include <type_traits>

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
              int particles, Estimator estimator = Estimator::kIwelbo) {
  const Index batch = state.range(0);
  const VaeWeights weights = RandomWeights(architecture, kWeightSeed);
  const Matrix images = RandomImages(batch, architecture.pixels, kImageSeed);
  auto vae = [&] {
    if constexpr (std::is_same_v<Vae, DirectVae>) {
      return std::make_unique<Vae>(architecture, weights, images, particles,
                                   kNoiseSeed);  // IWELBO only
    } else {
      return std::make_unique<Vae>(architecture, weights, images, particles,
                                   kNoiseSeed, estimator);
    }
  }();
  vae->Step();  // warms up the arena and the tape's node list
  for (auto _ : state) {
    benchmark::DoNotOptimize(vae->Step());
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

// The K-particle steps: the arguments are the batch and K.
template <typename Vae>
void RunParticleSteps(benchmark::State& state,
                      const VaeArchitecture& architecture,
                      Estimator estimator) {
  RunSteps<Vae>(state, architecture, static_cast<int>(state.range(1)),
                estimator);
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

// BM_<Estimator>_<Network>_<Implementation>, one function each.
#define PROVI_PARTICLE_BENCHMARK(name, network, vae, estimator)    \
  void BM_##name##_##network##_##vae(benchmark::State& state) {    \
    RunParticleSteps<vae##Vae>(state, k##network##Vae, estimator); \
  }                                                                \
  BENCHMARK(BM_##name##_##network##_##vae)->Apply(BatchesAndParticles)

void Batches(benchmark::internal::Benchmark* b) {
  b->RangeMultiplier(2)->Range(64, 1024)->Unit(benchmark::kMillisecond);
}

// K = 2 and 5 at every batch; K = 50 at the two smallest (3,200 and 6,400
// lanes, already more than K = 5 at batch 1024), which keeps the binary's
// run time to minutes.
void BatchesAndParticles(benchmark::internal::Benchmark* b) {
  b->ArgNames({"batch", "K"})->Unit(benchmark::kMillisecond);
  for (const int k : {2, 5}) {
    for (int batch = 64; batch <= 1024; batch *= 2) b->Args({batch, k});
  }
  for (const int batch : {64, 128}) b->Args({batch, 50});
}

BENCHMARK(BM_Elbo_Paper_Provi)->Apply(Batches);
BENCHMARK(BM_Elbo_Paper_Direct)->Apply(Batches);
BENCHMARK(BM_Elbo_Paper_HandWritten)->Apply(Batches);
BENCHMARK(BM_Elbo_Common_Provi)->Apply(Batches);
BENCHMARK(BM_Elbo_Common_Direct)->Apply(Batches);
BENCHMARK(BM_Elbo_Common_HandWritten)->Apply(Batches);

PROVI_PARTICLE_BENCHMARK(Iwelbo, Paper, Provi, Estimator::kIwelbo);
PROVI_PARTICLE_BENCHMARK(Iwelbo, Paper, Direct, Estimator::kIwelbo);
PROVI_PARTICLE_BENCHMARK(Iwelbo, Paper, HandWritten, Estimator::kIwelbo);
PROVI_PARTICLE_BENCHMARK(Iwelbo, Common, Provi, Estimator::kIwelbo);
PROVI_PARTICLE_BENCHMARK(Iwelbo, Common, Direct, Estimator::kIwelbo);
PROVI_PARTICLE_BENCHMARK(Iwelbo, Common, HandWritten, Estimator::kIwelbo);
PROVI_PARTICLE_BENCHMARK(Vimco, Paper, Provi, Estimator::kVimco);
PROVI_PARTICLE_BENCHMARK(Vimco, Paper, HandWritten, Estimator::kVimco);
PROVI_PARTICLE_BENCHMARK(Vimco, Common, Provi, Estimator::kVimco);
PROVI_PARTICLE_BENCHMARK(Vimco, Common, HandWritten, Estimator::kVimco);
PROVI_PARTICLE_BENCHMARK(IwelboDreg, Paper, Provi, Estimator::kIwelboDreg);
PROVI_PARTICLE_BENCHMARK(IwelboDreg, Paper, HandWritten,
                         Estimator::kIwelboDreg);
PROVI_PARTICLE_BENCHMARK(IwelboDreg, Common, Provi, Estimator::kIwelboDreg);
PROVI_PARTICLE_BENCHMARK(IwelboDreg, Common, HandWritten,
                         Estimator::kIwelboDreg);

}  // namespace
}  // namespace vae_benchmark
}  // namespace provi
