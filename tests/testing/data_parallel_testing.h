// Copyright 2026 The provi Authors.
//
// File: tests/testing/data_parallel_testing.h
// -----------------------------------------------------------------------------
//
// The problem the data-parallel tests train, over threads
// (tests/distributed/data_parallel_test.cc) and over MPI ranks
// (tests/distributed/mpi_data_parallel_test.cc and mpi_trainer.cc), so that
// both backends run the same code.
//
// A latent linear model of kPoints points x_i in R^3 with a local latent
// z_i in R^2 and an amortised guide:
//
//   z_i ~ N(0, I),  x_i | z_i ~ N(z_i W + b, s²)          ("dec/...")
//   q(z_i | x_i) = N(x_i A + c, diag(t)²)                  ("enc/...")
//
// The per-point ELBO uses the reparameterised draw z_i = loc_i + t ε_i with
// ε_i GIVEN as data, and the objective scales the sum over the B points of
// a minibatch by kPoints / B, as a plate of size kPoints subsampled to B
// would. The global minibatch of step s and its noise are fixed functions
// of s, so a replica whose minibatch and noise are the r-th slice of the
// global ones computes exactly the r-th part of the one-process estimate:
// under Combine::kWeightedMean with weights B_r, N replicas reproduce one
// process up to the order of floating-point additions.

#ifndef PROVI_TESTS_TESTING_DATA_PARALLEL_TESTING_H_
#define PROVI_TESTS_TESTING_DATA_PARALLEL_TESTING_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ad/tensor.h"
#include "distributed/communicator.h"
#include "distributed/data_parallel.h"
#include "estimators/expectation.h"
#include "vi/optimizers.h"
#include "vi/param_store.h"

namespace provi {
namespace testing {

inline constexpr Index kPoints = 64;

// Replicas differ from one process only in the order of the additions: the
// relative tolerance of the combined gradient, and of the parameters after
// 100 Adam steps (Adam's normalised steps amplify rounding where a gradient
// is near zero).
inline constexpr bool kRealIsDouble = sizeof(Real) == sizeof(double);
inline constexpr double kGradientTolerance = kRealIsDouble ? 1e-5 : 2e-4;
inline constexpr double kParameterTolerance = kRealIsDouble ? 1e-5 : 2e-3;
inline constexpr Index kDim = 3;
inline constexpr Index kLatent = 2;

// The data set, kPoints x kDim, fixed.
const Matrix& LatentLinearData();

// The global minibatch of `step` (rows step * batch + i mod kPoints) and
// its noise (batch x kLatent standard normals fixed by the step).
Matrix GlobalBatch(int64_t step, Index batch);
Matrix GlobalNoise(int64_t step, Index batch);

// LatentLinearElbo
//
// The objective program of (x, ε): one scaled ELBO per point. If `poison`
// points at true, the likelihood's scale is NaN, so the "x" site fails
// (for the failure tests).
struct LatentLinearElbo {
  const bool* poison = nullptr;
  Tensor operator()(const Tensor& x, const Tensor& eps) const;
};

// Replica
//
// One replica's state: its store, Adam (lr 0.01), the objective.
struct Replica {
  ParamStore store;
  Adam adam{AdamOptions{0.01}};
  bool poison = false;
  Expectation<LatentLinearElbo> objective{LatentLinearElbo{&poison}};
};

// TrainingPlan
//
// What `TrainDataParallel` does.
struct TrainingPlan {
  int64_t steps = 100;         // train until this step index
  Index batch = 16;            // the global minibatch
  std::string checkpoint_dir;  // if set, a checkpoint every checkpoint_every
  int64_t checkpoint_every = 10;
  bool resume = false;  // start from checkpoint_dir's checkpoint
  // Rank `fail_rank` (if >= 0) poisons its step `fail_step`.
  int fail_rank = -1;
  int64_t fail_step = -1;
  // Called on every rank before each step (for the kill test).
  std::function<void(int rank, int64_t step)> before_step;
  // If set, receives DataParallelSvi::failed_everywhere() at the end.
  bool* failed_everywhere = nullptr;
};

// PackingCommunicator
//
// Forwards the required collectives to `inner`, so that its
// `AllreducePiecesSum` is the interface's default (pack, `AllreduceSum`,
// unpack), the path of the MPI backend: over a ThreadCommunicator, it
// compares that path with the threads backend's own.
class PackingCommunicator final : public Communicator {
 public:
  explicit PackingCommunicator(Communicator& inner) : inner_(inner) {}
  int rank() const override { return inner_.rank(); }
  int size() const override { return inner_.size(); }
  absl::Status AllreduceSum(absl::Span<float> data) override {
    return inner_.AllreduceSum(data);
  }
  absl::Status AllreduceSum(absl::Span<double> data) override {
    return inner_.AllreduceSum(data);
  }
  absl::Status AllreduceMin(absl::Span<int64_t> data) override {
    return inner_.AllreduceMin(data);
  }
  absl::Status Broadcast(std::string& data, int root) override {
    return inner_.Broadcast(data, root);
  }

 private:
  Communicator& inner_;
};

// TrainDataParallel()
//
// Trains `replica` over `comm` (collective): at each step this rank takes
// its slice (ShardOf) of the global minibatch and noise, and the weight of
// its slice's size. Returns the status of the first failing step.
absl::Status TrainDataParallel(Communicator& comm, Replica& replica,
                               const TrainingPlan& plan);

// TrainOneProcess()
//
// The reference: `Svi` alone on the global minibatches, for `steps` steps.
absl::Status TrainOneProcess(Replica& replica, int64_t steps, Index batch);

// One step's combined gradient (the store's gradients after one
// data-parallel step 0 from fresh parameters), packed in creation order.
absl::StatusOr<Matrix> FirstStepGradient(Communicator& comm, Index batch);
absl::StatusOr<Matrix> FirstStepGradientOneProcess(Index batch);

// Every parameter's unconstrained value (or gradient, with
// &Parameter::grad), packed in creation order (n x 1).
Matrix Packed(const ParamStore& store,
              const Matrix& (Parameter::*field)() const);
Matrix PackedValues(const ParamStore& store);

// The largest |a - b| relative to the largest |b| (a and b of one shape).
double RelativeDifference(const Matrix& a, const Matrix& b);

}  // namespace testing
}  // namespace provi

#endif  // PROVI_TESTS_TESTING_DATA_PARALLEL_TESTING_H_
