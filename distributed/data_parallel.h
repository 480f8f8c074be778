// Copyright 2026 The provi Authors.
//
// File: distributed/data_parallel.h
// -----------------------------------------------------------------------------
//
// Data-parallel stochastic variational inference. Every member of a
// `Communicator` (an MPI rank, or a thread of `RunOnThreads`) holds a full
// replica: its own ParamStore, optimizer and objective. At each step every
// replica
//
//   1. estimates the objective's gradient on its own minibatch (its shard of
//      the data) with its own random stream, `StepSeed(seed, rank, step)`;
//   2. sums every gradient of its store, its objective value and its
//      weight over the replicas with ONE `AllreducePiecesSum` (preceded by
//      a 9-integer `AllreduceMin` in which the replicas agree that the step
//      succeeded everywhere and that their parameters have the same
//      layout): the threads backend reduces the gradients where they lie,
//      MPI through one packed buffer;
//   3. applies the same optimiser step to the combined gradient,
//
// so the replicas' parameters stay identical. This is the `Svi` loop of
// vi/svi.h unchanged: `DataParallelSvi` installs step 2 as the
// `SviOptions::gradient_hook`.
//
// Combining the replicas' estimates. With g_r the gradient replica r
// estimated and w_r its weight (`DataParallelOptions::weight`):
//
//   Combine::kWeightedMean   Σ_r w_r g_r / Σ_r w_r. For objectives in which
//       each replica estimates the WHOLE data set's objective: a plate of
//       the full size N subsampled to the replica's minibatch, whose log
//       densities are scaled by N / B_r. If replica r draws its minibatch
//       from its shard of N_r of the N points, E[g_r] is N / N_r times the
//       shard's gradient, and the weights w_r = N_r make the combination an
//       unbiased estimate of the full-data gradient for any number of
//       replicas and shards of any sizes. When every replica's minibatch
//       is a slice of one global minibatch (w_r = B_r), the combination is
//       exactly the one-process estimate on the global minibatch.
//   Combine::kSum   Σ_r g_r. For objectives that are a sum over the
//       replica's own data (no scaling to the full data set, like the VAE
//       of examples/, whose objective sums its minibatch): the sum over
//       replicas is the objective of the union of their minibatches.
//
// The objective value each step returns is combined in the same way, so
// every replica sees the same (global) value, and the callbacks and the
// convergence rule of `SviOptions` make the same decisions everywhere.
//
// Consistency checks. At the first step and every `check_every` steps, the
// replicas also compare a 64-bit checksum of their parameters: replicas
// created from different initial values, or diverged, end the step on
// every replica with FailedPrecondition naming the first rank that differs
// from rank 0. Parameters of different names or shapes, and replicas at
// different step counts, are caught at every step.
//
// Failures. An estimate that fails on one replica (an invalid value at a
// site, a non-finite objective or gradient) fails the step on EVERY
// replica, with the status of the lowest failing rank, prefixed with
// "rank r: " (the site named as in one process); nothing is updated
// anywhere. See distributed/mpi_communicator.h for processes that die.
//
// Checkpoints. `Save(directory)` writes the parameters, the optimizer's
// state and the step count from rank 0 alone, atomically (see
// distributed/checkpoint.h); `Restore(directory)` loads them on every
// replica, whatever the number of replicas that wrote them, and checks that
// all loaded the same. Training resumed from step s takes the same steps
// as one never interrupted, given the same minibatches (the random streams
// depend only on the seed, the rank and the step).
//
// Example (one replica; the same code runs on every rank):
//
//   provi::ParamStore store;
//   provi::Adam adam({.learning_rate = 1e-3});
//   auto objective = provi::Expectation(MyObjective(...));
//   provi::DataParallelOptions options;
//   options.combine = provi::Combine::kSum;
//   options.seed = 1;
//   provi::DataParallelSvi svi(comm, objective, adam, store, options);
//   const provi::Shard mine = provi::ShardOf(batch, comm.rank(), comm.size());
//   for (...) {
//     PROVI_ASSIGN_OR_RETURN(provi::Real total,
//                            svi.Step(global_batch.middleRows(mine.begin,
//                                                             mine.size())));
//   }
//   PROVI_RETURN_IF_ERROR(svi.Save("/tmp/checkpoints"));

#ifndef PROVI_DISTRIBUTED_DATA_PARALLEL_H_
#define PROVI_DISTRIBUTED_DATA_PARALLEL_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "base/real.h"
#include "distributed/checkpoint.h"
#include "distributed/communicator.h"
#include "estimators/expectation.h"
#include "vi/optimizers.h"
#include "vi/param_store.h"
#include "vi/svi.h"
#include "vi/svi_options.h"

namespace provi {

// Combine
//
// How the replicas' gradient estimates are combined; see the file comment.
enum class Combine { kWeightedMean, kSum };

// DataParallelOptions
struct DataParallelOptions {
  Combine combine = Combine::kWeightedMean;
  // This replica's weight under kWeightedMean: the size of its shard of
  // the data (or of its minibatch, when the minibatches are slices of one
  // global minibatch). Positive and finite; ignored by kSum.
  double weight = 1;
  // The parameters are compared across replicas at the first step and
  // every `check_every` steps; 0 compares them only at the first step.
  int64_t check_every = 100;
  // The random streams: replica r's step s draws from a generator seeded
  // by StepSeed(seed, r, s).
  uint64_t seed = 0;
};

// StepSeed()
//
// The seed of `rank`'s generator at step `step` (0-based, counted over
// resumed runs): a SplitMix64 hash of the three, so that streams of
// different ranks and steps are unrelated, and a resumed run draws what an
// uninterrupted one would have.
uint64_t StepSeed(uint64_t seed, int rank, int64_t step);

// Shard
//
// The rows [begin, end) of a data set (or of a minibatch) that one rank
// takes.
struct Shard {
  int64_t begin = 0;
  int64_t end = 0;
  int64_t size() const { return end - begin; }
};

// ShardOf()
//
// `rank`'s contiguous part of `count` rows split over `size` ranks: the
// sizes differ by at most one, and the parts of ranks 0, 1, ... follow one
// another. Requires 0 <= rank < size and count >= 0.
Shard ShardOf(int64_t count, int rank, int size);

// DataParallel
//
// The non-template half of `DataParallelSvi`: the combination of gradients
// (`CombineGradients`, the body of the gradient hook), the checks, and the
// step count. Holds references to the communicator and the store.
class DataParallel {
 public:
  DataParallel(Communicator& comm, ParamStore& store,
               DataParallelOptions options);

  // CombineGradients()
  //
  // Step 2 of the file comment, given the replica's local result: replaces
  // the store's gradients by their combination and returns the combined
  // objective value, or the error every replica returns. Collective.
  absl::StatusOr<double> CombineGradients(absl::StatusOr<double> local);

  // CheckReplicas()
  //
  // Compares the parameters' checksums now (collective): OK, or
  // FailedPrecondition naming the first rank that differs from rank 0.
  absl::Status CheckReplicas();

  // Shared()
  //
  // Returns `status`, noting a failure of a collective that every replica
  // returned (see `failed_everywhere`).
  absl::Status Shared(absl::Status status);

  // failed_everywhere()
  //
  // Whether a step, check or checkpoint of this object failed with an
  // error that every replica returned (a failed estimate on some rank,
  // replicas that disagree, a checkpoint rank 0 could not write): every
  // rank can then end in the same way. An error a rank returns while this
  // is false is its own; over MPI, end the job with `AbortJob`
  // (distributed/mpi_communicator.h) rather than leave the others waiting.
  bool failed_everywhere() const { return failed_everywhere_; }

  // step(), set_step()
  //
  // The index of the next step (the number of combinations made, plus the
  // steps of the checkpoint restored).
  int64_t step() const { return step_; }
  void set_step(int64_t step) { step_ = step; }

  Communicator& communicator() { return comm_; }
  ParamStore& store() { return store_; }
  const DataParallelOptions& options() const { return options_; }

 private:
  absl::StatusOr<double> Combine(absl::StatusOr<double> local);
  // Fails naming the first parameter with a non-finite gradient, else
  // multiplies every gradient by `weight` in place.
  absl::Status CheckAndWeigh(Real weight);

  Communicator& comm_;
  ParamStore& store_;
  DataParallelOptions options_;
  int64_t step_ = 0;
  bool failed_everywhere_ = false;
  // The gradients and totals as pieces of one reduction, reused across
  // steps.
  std::vector<absl::Span<Real>> pieces_;
};

// DataParallelSvi<F>
//
// `Svi` (vi/svi.h) with the gradients combined over the replicas of
// `comm`; see the file comment. The objective, optimizer, store and
// communicator must outlive it. On ranks other than 0 the progress line
// and the CSV log of `svi_options` are turned off: rank 0 reports, with
// the combined values.
template <typename F>
class DataParallelSvi {
 public:
  DataParallelSvi(Communicator& comm, Expectation<F>& objective,
                  Optimizer& optimizer, ParamStore& store,
                  DataParallelOptions options = {}, SviOptions svi_options = {})
      : objective_(objective),
        optimizer_(optimizer),
        parallel_(comm, store, std::move(options)),
        svi_(objective, optimizer, store,
             WithHook(std::move(svi_options), comm.rank())) {
    Reseed();
  }
  DataParallelSvi(const DataParallelSvi&) = delete;
  DataParallelSvi& operator=(const DataParallelSvi&) = delete;

  // Step()
  //
  // One data-parallel step on this replica's minibatch `args...`
  // (collective): the combined objective value, or the error every
  // replica returns.
  template <typename... Args>
  absl::StatusOr<Real> Step(Args&&... args) {
    return svi_.Step(std::forward<Args>(args)...);
  }

  // Run()
  //
  // `Svi::Run` with the same minibatch at every step (collective).
  template <typename... Args>
  absl::StatusOr<SviSummary> Run(int64_t num_steps, Args&&... args) {
    return svi_.Run(num_steps, std::forward<Args>(args)...);
  }

  // Save(), Restore()
  //
  // Checkpoints (collective); see the file comment and
  // distributed/checkpoint.h.
  absl::Status Save(const std::string& directory) {
    return parallel_.Shared(SaveCheckpoint(parallel_.communicator(), directory,
                                           parallel_.store(), optimizer_,
                                           parallel_.step()));
  }
  absl::Status Restore(const std::string& directory) {
    absl::StatusOr<int64_t> step = RestoreCheckpoint(
        parallel_.communicator(), directory, parallel_.store(), optimizer_);
    if (!step.ok()) return parallel_.Shared(step.status());
    parallel_.set_step(*step);
    Reseed();
    return parallel_.CheckReplicas();
  }

  // step()
  //
  // The index of the next step, counted over resumed runs.
  int64_t step() const { return parallel_.step(); }

  // failed_everywhere()
  //
  // See `DataParallel::failed_everywhere`.
  bool failed_everywhere() const { return parallel_.failed_everywhere(); }

  DataParallel& parallel() { return parallel_; }
  Svi<F>& svi() { return svi_; }

 private:
  SviOptions WithHook(SviOptions options, int rank) {
    if (rank != 0) {
      options.progress = false;
      options.csv_path.clear();
    }
    options.gradient_hook = [this](absl::StatusOr<double> local) {
      absl::StatusOr<double> combined =
          parallel_.CombineGradients(std::move(local));
      Reseed();  // for the next step
      return combined;
    };
    return options;
  }

  void Reseed() {
    objective_.Seed(StepSeed(parallel_.options().seed,
                             parallel_.communicator().rank(),
                             parallel_.step()));
  }

  Expectation<F>& objective_;
  Optimizer& optimizer_;
  DataParallel parallel_;
  Svi<F> svi_;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTED_DATA_PARALLEL_H_
