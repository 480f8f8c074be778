// Copyright 2026 The provi Authors.
//
// File: examples/vae.cc
// -----------------------------------------------------------------------------
//
// Trains a variational autoencoder on binarised Fashion-MNIST and reports the
// test-set ELBO after each epoch:
//
//   ./bazelw run //examples:vae
//   ./bazelw run //examples:vae -- --epochs=10 --iwelbo_eval=1000
//   ./bazelw run //examples:vae -- --objective=iwelbo_dreg --particles=5
//   ./bazelw run //examples:vae -- --help
//   ./bazelw run //examples:vae -- --threads=2 --batch=256
//
// Data-parallel training (examples/vae_training.h, distributed/): over the
// cores of one machine with --threads=N, or over MPI ranks with the
// MPI-enabled build of this file, //examples:vae_mpi:
//
//   ./bazelw build //examples:vae_mpi
//   mpirun -np 2 bazel-bin/examples/vae_mpi --distributed --batch=256
//
// Either resumes from its last checkpoint with --resume, with any number of
// replicas.
//
// The model, the guide and the objectives are in examples/vae_model.h, the
// training loop in examples/vae_training.h. A missing or malformed data set,
// an invalid flag or a failing step prints the error and exits with status 1.

#include <cstdint>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "data/fashion_mnist.h"
#include "distributed/thread_communicator.h"
#include "examples/vae_model.h"
#include "examples/vae_training.h"
#ifdef PROVI_VAE_MPI
#include "distributed/mpi_communicator.h"
#endif

ABSL_FLAG(std::string, data_dir, provi::kDefaultFashionMnistDirectory,
          "Directory holding the Fashion-MNIST IDX files "
          "(train-images-idx3-ubyte.gz, ...; Debian's dataset-fashion-mnist).");
ABSL_FLAG(provi::examples::VaeObjective, objective,
          provi::examples::VaeObjective::kElbo,
          "Training objective: elbo, elbo_stl (sticking the landing), iwelbo, "
          "iwelbo_dreg (doubly reparameterised) or renyi.");
ABSL_FLAG(int, particles, 0,
          "Latent draws per image, K (0: 1 for elbo and elbo_stl, 5 for the "
          "others).");
ABSL_FLAG(double, renyi_alpha, 0.5, "The alpha of --objective=renyi (not 1).");
ABSL_FLAG(int64_t, batch, 64, "Images per minibatch.");
ABSL_FLAG(int, epochs, 1, "Passes over the 60,000 training images.");
ABSL_FLAG(int64_t, hidden, 400, "Width of the hidden layers.");
ABSL_FLAG(int64_t, latent, 20, "Dimension of the latent z.");
ABSL_FLAG(double, learning_rate, 1e-3, "Adam's learning rate.");
ABSL_FLAG(uint64_t, seed, 1,
          "Seeds the initial weights, the shuffling and the draws.");
ABSL_FLAG(std::string, output_dir, "/tmp/provi_vae",
          "Where the checkpoint (vae.params) and the PNG grids go; created if "
          "missing.");
ABSL_FLAG(int, iwelbo_eval, 0,
          "If > 0, also report the test IWELBO with this many particles at "
          "the end, on the first --eval_images test images.");
ABSL_FLAG(int64_t, eval_images, 1000,
          "Test images the --iwelbo_eval estimate averages over.");
ABSL_FLAG(int64_t, max_steps, 0,
          "If > 0, stop training after this many steps (quick smoke runs).");
ABSL_FLAG(int64_t, log_every, 100, "Steps between progress lines.");
ABSL_FLAG(int, threads, 0,
          "If > 0, data-parallel training over this many threads (each with "
          "its slice of every --batch).");
ABSL_FLAG(bool, resume, false,
          "Data-parallel only: resume from the latest checkpoint in "
          "<output_dir>/checkpoints.");
ABSL_FLAG(int64_t, checkpoint_every, 0,
          "Data-parallel only: steps between checkpoints (0: after each "
          "epoch).");
#ifdef PROVI_VAE_MPI
ABSL_FLAG(bool, distributed, false,
          "Data-parallel training over the MPI ranks of the job (launch with "
          "mpirun -np N).");
#endif

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Trains a variational autoencoder on binarised Fashion-MNIST and "
      "reports the test-set ELBO per image after each epoch.\n"
      "Usage: vae [--objective=elbo] [--epochs=1] [--data_dir=DIR] ...");
  absl::ParseCommandLine(argc, argv);

  provi::examples::VaeTrainingOptions options;
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.objective = absl::GetFlag(FLAGS_objective);
  options.particles = absl::GetFlag(FLAGS_particles);
  options.renyi_alpha = absl::GetFlag(FLAGS_renyi_alpha);
  options.batch = absl::GetFlag(FLAGS_batch);
  options.epochs = absl::GetFlag(FLAGS_epochs);
  options.hidden = absl::GetFlag(FLAGS_hidden);
  options.latent = absl::GetFlag(FLAGS_latent);
  options.learning_rate = absl::GetFlag(FLAGS_learning_rate);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.output_dir = absl::GetFlag(FLAGS_output_dir);
  options.iwelbo_eval = absl::GetFlag(FLAGS_iwelbo_eval);
  options.eval_images = absl::GetFlag(FLAGS_eval_images);
  options.max_steps = absl::GetFlag(FLAGS_max_steps);
  options.log_every = absl::GetFlag(FLAGS_log_every);

  options.resume = absl::GetFlag(FLAGS_resume);
  options.checkpoint_every = absl::GetFlag(FLAGS_checkpoint_every);

  absl::Status status;
#ifdef PROVI_VAE_MPI
  if (absl::GetFlag(FLAGS_distributed)) {
    provi::MpiSession mpi(&argc, &argv);
    provi::MpiCommunicator comm;
    bool failed_everywhere = false;
    options.communicator = &comm;
    options.failed_everywhere = &failed_everywhere;
    status = provi::examples::TrainVae(options, std::cout).status();
    if (!status.ok()) {
      std::cout.flush();
      // One rank's own error would leave the others waiting: end the job.
      if (!failed_everywhere) provi::AbortJob(comm, status);
      if (comm.rank() == 0) std::cerr << "vae: " << status << "\n";
      return 1;
    }
    return 0;
  }
#endif
  if (absl::GetFlag(FLAGS_threads) > 0) {
    status = provi::RunOnThreads(
        absl::GetFlag(FLAGS_threads), [&](provi::Communicator& comm) {
          provi::examples::VaeTrainingOptions mine = options;
          mine.communicator = &comm;
          return provi::examples::TrainVae(mine, std::cout).status();
        });
  } else {
    status = provi::examples::TrainVae(options, std::cout).status();
  }
  if (!status.ok()) {
    std::cout.flush();
    std::cerr << "vae: " << status << "\n";
    if (absl::IsNotFound(status)) {
      std::cerr << "vae: is Fashion-MNIST installed? ./bazelw installs "
                   "Debian's dataset-fashion-mnist; or point --data_dir at "
                   "the directory holding the four IDX files.\n";
    }
    return 1;
  }
  return 0;
}
