// Copyright 2026 The provi Authors.
//
// File: tests/distributed/mpi_trainer.cc
// -----------------------------------------------------------------------------
//
// Trains the problem of data_parallel_testing.h over MPI ranks, for
// mpi_failure_test.sh: with checkpoints, optionally resumed, optionally
// with one rank killed (SIGKILL) or failing (a NaN at a site) at a step.
// Rank 0 writes the final parameters with --output; --compare_with checks
// them against another run's file.
//
//   mpirun -np 2 mpi_trainer --steps=60 --checkpoint_dir=/tmp/c --output=/tmp/p

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "distributed/mpi_communicator.h"
#include "tests/testing/data_parallel_testing.h"
#include "vi/param_store.h"

ABSL_FLAG(int64_t, steps, 60, "Train until this step index.");
ABSL_FLAG(std::string, checkpoint_dir, "", "Checkpoint directory.");
ABSL_FLAG(int64_t, checkpoint_every, 10, "Steps between checkpoints.");
ABSL_FLAG(bool, resume, false, "Start from the checkpoint.");
ABSL_FLAG(int, kill_rank, -1, "This rank kills itself (SIGKILL) ...");
ABSL_FLAG(int64_t, kill_step, -1, "... before this step.");
ABSL_FLAG(int, fail_rank, -1, "This rank's estimate fails (NaN) ...");
ABSL_FLAG(int64_t, fail_step, -1, "... at this step.");
ABSL_FLAG(std::string, output, "", "Rank 0 saves the final parameters here.");
ABSL_FLAG(std::string, compare_with, "",
          "A parameter file the final parameters must match ...");
ABSL_FLAG(double, tolerance, 0, "... to this relative difference.");

namespace {

absl::Status Compare(const provi::ParamStore& store, const std::string& path,
                     double tolerance) {
  provi::ParamStore other;
  if (absl::Status status = other.Load(path, provi::LoadOptions{false});
      !status.ok()) {
    return status;
  }
  const double difference = provi::testing::RelativeDifference(
      provi::testing::PackedValues(store), provi::testing::PackedValues(other));
  std::cout << "relative difference from " << path << ": " << difference
            << "\n";
  if (!(difference <= tolerance)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the parameters differ from ", path, " by ", difference,
                     " > ", tolerance));
  }
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  provi::MpiSession mpi(&argc, &argv);
  absl::ParseCommandLine(argc, argv);
  provi::MpiCommunicator comm;
  provi::testing::Replica replica;
  provi::testing::TrainingPlan plan;
  plan.steps = absl::GetFlag(FLAGS_steps);
  plan.checkpoint_dir = absl::GetFlag(FLAGS_checkpoint_dir);
  plan.checkpoint_every = absl::GetFlag(FLAGS_checkpoint_every);
  plan.resume = absl::GetFlag(FLAGS_resume);
  plan.fail_rank = absl::GetFlag(FLAGS_fail_rank);
  plan.fail_step = absl::GetFlag(FLAGS_fail_step);
  const int kill_rank = absl::GetFlag(FLAGS_kill_rank);
  const int64_t kill_step = absl::GetFlag(FLAGS_kill_step);
  plan.before_step = [&](int rank, int64_t step) {
    if (rank == kill_rank && step == kill_step) {
      std::cerr << "mpi_trainer: rank " << rank << " kills itself before step "
                << step << std::endl;
      raise(SIGKILL);
    }
  };
  bool everywhere = false;
  plan.failed_everywhere = &everywhere;
  absl::Status status = provi::testing::TrainDataParallel(comm, replica, plan);
  if (status.ok() && comm.rank() == 0 && !absl::GetFlag(FLAGS_output).empty()) {
    status = replica.store.Save(absl::GetFlag(FLAGS_output));
  }
  if (status.ok() && !absl::GetFlag(FLAGS_compare_with).empty()) {
    status = Compare(replica.store, absl::GetFlag(FLAGS_compare_with),
                     absl::GetFlag(FLAGS_tolerance));
  }
  if (!status.ok()) {
    // An error every rank returned ends every rank normally (rank 0
    // reports it); one rank's own error ends the job.
    if (!everywhere) provi::AbortJob(comm, status);
    if (comm.rank() == 0) std::cerr << "mpi_trainer: " << status << "\n";
    return 1;
  }
  if (comm.rank() == 0) {
    std::cout << "mpi_trainer: " << comm.size() << " ranks reached step "
              << plan.steps << "\n";
  }
  return 0;
}
