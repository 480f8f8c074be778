// Copyright 2026 The provi Authors.
//
// File: distributed/mpi_communicator.h
// -----------------------------------------------------------------------------
//
// Data parallelism across processes and machines over Open MPI: one
// replica per MPI rank, launched as users of MPI expect,
//
//   mpirun -np 4 bazel-bin/examples/vae_mpi --distributed
//
// `MpiSession` initialises and finalises MPI for the process;
// `MpiCommunicator` is a `Communicator` (distributed/communicator.h) over
// MPI_COMM_WORLD whose collectives are MPI_Allreduce (in place; sums of
// float or double, minima of int64) and MPI_Bcast. MPI errors come back as
// statuses (the communicator's error handler is MPI_ERRORS_RETURN).
//
// Failure behaviour:
//   * a rank whose step fails with a Status (a NaN at a site, say) fails
//     the step on every rank with that status, "rank r: " in front
//     (distributed/data_parallel.h); such an error, which
//     `DataParallelSvi::failed_everywhere()` reports, ends every rank the
//     same way, through MPI_Finalize;
//   * an error only one rank sees (a file it cannot write) must end the
//     job with `AbortJob`, which prints the status with the rank and calls
//     MPI_Abort: `mpirun` then ends every rank. (Returning from `main`
//     instead would leave the others waiting in their next collective.)
//   * a rank that dies (a signal, a crash, exit without MPI_Finalize) is
//     noticed by `mpirun`, which ends every other rank within about a
//     second and exits non-zero, naming the rank and the signal.
// In every case the last checkpoint (distributed/checkpoint.h) resumes the
// run, with any number of ranks.
//
// This target, //distributed:mpi, needs Open MPI (Debian's libopenmpi-dev
// and openmpi-bin; ./bazelw installs them). It is tagged manual, so that
// `bazel test //...` builds without it.
//
// Example:
//
//   int main(int argc, char** argv) {
//     provi::MpiSession mpi(&argc, &argv);
//     provi::MpiCommunicator comm;
//     provi::DataParallelSvi svi(comm, ...);   // see data_parallel.h
//     absl::Status status = Train(svi);
//     if (!status.ok() && !svi.failed_everywhere()) {
//       provi::AbortJob(comm, status);
//     }
//     if (!status.ok() && comm.rank() == 0) std::cerr << status << "\n";
//     return status.ok() ? 0 : 1;
//   }

#ifndef PROVI_DISTRIBUTED_MPI_COMMUNICATOR_H_
#define PROVI_DISTRIBUTED_MPI_COMMUNICATOR_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "distributed/communicator.h"

namespace provi {

// MpiSession
//
// RAII: MPI_Init_thread (MPI_THREAD_FUNNELED: one thread of the process
// calls MPI) in the constructor, MPI_Finalize in the destructor. One per
// process, made at the start of main.
class MpiSession {
 public:
  MpiSession(int* argc, char*** argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
};

// MpiCommunicator
//
// Every rank of the job (a duplicate of MPI_COMM_WORLD). Needs a live
// `MpiSession`; destroy it before the session ends.
class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator();
  ~MpiCommunicator() override;
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  absl::Status AllreduceSum(absl::Span<float> data) override;
  absl::Status AllreduceSum(absl::Span<double> data) override;
  absl::Status AllreduceMin(absl::Span<int64_t> data) override;
  absl::Status Broadcast(std::string& data, int root) override;

 private:
  struct Handle;
  Handle* handle_;  // the MPI_Comm, kept out of this header
  int rank_ = 0;
  int size_ = 1;
};

// AbortJob()
//
// Prints "rank <r>: <status>" on stderr and ends every process of the job
// (MPI_Abort with exit code 1). For errors not every rank shares; see the
// file comment.
[[noreturn]] void AbortJob(const Communicator& comm,
                           const absl::Status& status);

}  // namespace provi

#endif  // PROVI_DISTRIBUTED_MPI_COMMUNICATOR_H_
