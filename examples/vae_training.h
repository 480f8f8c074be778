// Copyright 2026 The provi Authors.
//
// File: examples/vae_training.h
// -----------------------------------------------------------------------------
//
// `TrainVae` is the whole of examples/vae.cc but the flags: it trains the VAE
// of examples/vae_model.h on binarised Fashion-MNIST (data/fashion_mnist.h)
// with Adam and reports as it goes, on `out`:
//
//   * every `log_every` steps, a progress line: the epoch, the step, the mean
//     objective per image over the last `log_every` steps and steps/s;
//   * after each epoch, the test-set ELBO per image (every test image, in
//     batches, one latent draw each, with the trained guide and no
//     gradients), the epoch's time, and a checkpoint of the ParamStore
//     (`<output_dir>/vae.params`, replaced each epoch);
//   * at the end, optionally the test-set IWELBO with `iwelbo_eval`
//     particles on the first `eval_images` test images (a tighter bound on
//     log p(x)), and two PNG grids: `reconstructions.png` (test images, each
//     followed by its reconstruction's pixel probabilities, decoded from the
//     posterior mean) and `samples.png` (pixel probabilities of images
//     decoded from prior draws z ~ N(0, I)).
//
// Data-parallel training. With `communicator` set, every member of it (an
// MPI rank, or a thread of `RunOnThreads`) calls `TrainVae` with the same
// options and trains one replica (distributed/data_parallel.h): the
// members walk the same shuffled minibatches of `batch` images and each
// takes its slice (ShardOf), the gradients are summed over the replicas
// (Combine::kSum: the objective sums its minibatch, so the sum over the
// slices is the one-process objective of the whole minibatch), and every
// replica takes the same Adam step. Rank 0 alone reports on `out`, writes
// the checkpoint and the pictures; each member evaluates its slice of the
// test set and the sums are reduced. Checkpoints of the training state go
// to `<output_dir>/checkpoints` (distributed/checkpoint.h) after each epoch
// and every `checkpoint_every` steps; `resume` restarts from the latest,
// with any number of members.
//
// Errors are returned, never thrown: InvalidArgument for bad options; the
// data loader's status (naming the file) for a missing or malformed data
// set; the status of a failing step (e.g. a non-finite objective) or of a
// file that cannot be written.
//
// Example:
//
//   provi::examples::VaeTrainingOptions options;
//   options.epochs = 10;
//   absl::StatusOr<provi::examples::VaeTrainingResult> result =
//       provi::examples::TrainVae(options, std::cout);
//   if (!result.ok()) { std::cerr << result.status() << "\n"; return 1; }

#ifndef PROVI_EXAMPLES_VAE_TRAINING_H_
#define PROVI_EXAMPLES_VAE_TRAINING_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "data/fashion_mnist.h"
#include "distributed/communicator.h"
#include "examples/vae_model.h"

namespace provi {
namespace examples {

// VaeTrainingOptions
//
// Everything examples/vae.cc has a flag for; the defaults are the flags'.
struct VaeTrainingOptions {
  // Where the four Fashion-MNIST IDX files are.
  std::string data_dir = kDefaultFashionMnistDirectory;
  VaeObjective objective = VaeObjective::kElbo;
  // Latent draws per image, K; 0 takes DefaultParticles(objective).
  int particles = 0;
  // The α of the Rényi objective.
  double renyi_alpha = 0.5;
  Index batch = 64;
  int epochs = 1;
  Index hidden = 400;
  Index latent = 20;
  double learning_rate = 1e-3;
  uint64_t seed = 1;
  // Created if missing.
  std::string output_dir = "/tmp/provi_vae";
  // If > 0, the test IWELBO with this many particles at the end.
  int iwelbo_eval = 0;
  // The number of test images the IWELBO is averaged over.
  Index eval_images = 1000;
  // If > 0, training stops after this many steps in all (for smoke runs).
  int64_t max_steps = 0;
  // Steps between progress lines.
  int64_t log_every = 100;
  // Data-parallel training over this communicator's members (not owned;
  // nullptr: this process alone). See the file comment.
  Communicator* communicator = nullptr;
  // Data-parallel only: restart from the latest checkpoint, and take one
  // every `checkpoint_every` steps (0: after each epoch only).
  bool resume = false;
  int64_t checkpoint_every = 0;
  // Data-parallel only: if set, receives whether a failure was shared by
  // every member (DataParallelSvi::failed_everywhere).
  bool* failed_everywhere = nullptr;
};

// VaeTrainingResult
//
// What `TrainVae` measured and wrote.
struct VaeTrainingResult {
  int64_t steps = 0;
  // The test ELBO per image after each epoch (nats).
  std::vector<double> test_elbo;
  // The test IWELBO per image, NaN unless iwelbo_eval > 0.
  double test_iwelbo = 0;
  // Training time (excluding evaluation) and its rate.
  double train_seconds = 0;
  double steps_per_second = 0;
  std::string checkpoint_path;
  std::string reconstructions_path;
  std::string samples_path;
};

// TrainVae()
//
// See the file comment.
absl::StatusOr<VaeTrainingResult> TrainVae(const VaeTrainingOptions& options,
                                           std::ostream& out);

}  // namespace examples
}  // namespace provi

#endif  // PROVI_EXAMPLES_VAE_TRAINING_H_
