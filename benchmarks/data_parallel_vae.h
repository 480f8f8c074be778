// Copyright 2026 The provi Authors.
//
// File: benchmarks/data_parallel_vae.h
// -----------------------------------------------------------------------------
//
// The VAE step the data-parallel benchmarks time (distributed_benchmark.cc
// over threads, mpi_benchmark.cc over MPI ranks): the VAE of
// examples/vae_model.h, 784-400-20, ELBO with one latent draw per image,
// Adam 1e-3, on random binarised images; one full SVI step (estimate,
// combination over the replicas, Adam). A replica takes its slice
// (ShardOf) of the global minibatch.
//
// Example:
//
//   provi::benchmarks::VaeReplica replica;
//   const provi::Matrix images = provi::benchmarks::RandomImages(256, 1);
//   PROVI_RETURN_IF_ERROR(provi::benchmarks::DataParallelSteps(
//       comm, replica, images, /*steps=*/10));

#ifndef PROVI_BENCHMARKS_DATA_PARALLEL_VAE_H_
#define PROVI_BENCHMARKS_DATA_PARALLEL_VAE_H_

#include <cstdint>

#include "absl/random/distributions.h"
#include "absl/status/status.h"
#include "ad/tensor.h"
#include "base/check.h"
#include "base/random.h"
#include "benchmark/benchmark.h"
#include "distributed/data_parallel.h"
#include "estimators/expectation.h"
#include "examples/vae_model.h"
#include "vi/optimizers.h"
#include "vi/param_store.h"
#include "vi/svi.h"

namespace provi {
namespace benchmarks {

// `rows` random binarised 784-pixel images (each pixel 1 with probability
// 0.3), fixed by `seed`.
inline Matrix RandomImages(Index rows, uint64_t seed) {
  Rng rng = MakeRng(seed);
  Matrix images(rows, 784);
  for (Index k = 0; k < images.size(); ++k) {
    images.data()[k] = absl::Bernoulli(rng, 0.3) ? Real(1) : Real(0);
  }
  return images;
}

// VaeReplica
//
// One replica's networks, store, optimizer and objective.
struct VaeReplica {
  examples::VaeNetworks networks{examples::VaeArchitecture{784, 400, 20}, 1};
  ParamStore store;
  Adam adam{AdamOptions{1e-3}};
  Expectation<examples::VaeObjectiveProgram> objective{
      examples::MakeVaeObjective(examples::VaeObjective::kElbo, networks)};
  int64_t steps = 0;  // taken so far, over every call below
};

// DataParallelSteps()
//
// `steps` data-parallel steps of `replica` on its slice of `images` (the
// global minibatch), over `comm`.
inline absl::Status DataParallelSteps(Communicator& comm, VaeReplica& replica,
                                      const Matrix& images, int steps) {
  DataParallelOptions options;
  options.combine = Combine::kSum;
  options.seed = 1;
  SviOptions quiet;
  quiet.progress = false;
  DataParallelSvi svi(comm, replica.objective, replica.adam, replica.store,
                      options, quiet);
  svi.parallel().set_step(replica.steps);
  const Shard mine = ShardOf(images.rows(), comm.rank(), comm.size());
  const Tensor x(Matrix(images.middleRows(mine.begin, mine.size())));
  for (int k = 0; k < steps; ++k) {
    absl::StatusOr<Real> value = svi.Step(x, Index{1});
    if (!value.ok()) return value.status();
  }
  replica.steps = svi.step();
  return absl::OkStatus();
}

// OneProcessSteps()
//
// The baseline: `steps` steps of plain `Svi` on all of `images`.
inline absl::Status OneProcessSteps(VaeReplica& replica, const Matrix& images,
                                    int steps) {
  SviOptions quiet;
  quiet.progress = false;
  Svi svi(replica.objective, replica.adam, replica.store, quiet);
  const Tensor x(images);
  for (int k = 0; k < steps; ++k) {
    absl::StatusOr<Real> value = svi.Step(x, Index{1});
    if (!value.ok()) return value.status();
  }
  return absl::OkStatus();
}

// The steps per benchmark iteration of the binaries: threads are started
// once per iteration, and their first step warms their arenas.
inline constexpr int kStepsPerIteration = 10;

// The baseline benchmark of both binaries: `OneProcessSteps` on a
// minibatch of state.range(0) images; items_per_second counts steps.
inline void RunOneProcessBenchmark(benchmark::State& state) {
  const Matrix images = RandomImages(state.range(0), 2);
  VaeReplica replica;
  PROVI_CHECK(OneProcessSteps(replica, images, 1).ok());
  for (auto _ : state) {
    PROVI_CHECK(OneProcessSteps(replica, images, kStepsPerIteration).ok());
  }
  state.SetItemsProcessed(state.iterations() * kStepsPerIteration);
}

}  // namespace benchmarks
}  // namespace provi

#endif  // PROVI_BENCHMARKS_DATA_PARALLEL_VAE_H_
