// Copyright 2026 The provi Authors.

#include "distributed/mpi_communicator.h"

// MPI's C interface only: without these, Open MPI's mpi.h also declares its
// (deprecated) C++ bindings, whose inline functions, emitted in unoptimised
// builds, need libmpi_cxx, which `@openmpi` does not link.
#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1
#endif
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "base/check.h"

namespace provi {
namespace {

absl::Status MpiError(int code, const char* call) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) length = 0;
  return absl::UnavailableError(
      absl::StrCat(call, " failed: ", std::string(text, length)));
}

// MPI counts are ints: larger buffers go in chunks.
template <typename T>
absl::Status Allreduce(absl::Span<T> data, MPI_Datatype type, MPI_Op op,
                       MPI_Comm comm) {
  size_t done = 0;
  do {
    const int count =
        static_cast<int>(std::min<size_t>(data.size() - done, INT_MAX));
    const int code =
        MPI_Allreduce(MPI_IN_PLACE, data.data() + done, count, type, op, comm);
    if (code != MPI_SUCCESS) return MpiError(code, "MPI_Allreduce");
    done += static_cast<size_t>(count);
  } while (done < data.size());
  return absl::OkStatus();
}

}  // namespace

struct MpiCommunicator::Handle {
  MPI_Comm comm = MPI_COMM_NULL;
};

MpiSession::MpiSession(int* argc, char*** argv) {
  int provided = 0;
  const int code = MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  PROVI_CHECK(code == MPI_SUCCESS) << "MPI_Init_thread failed with " << code;
}

MpiSession::~MpiSession() { MPI_Finalize(); }

MpiCommunicator::MpiCommunicator() : handle_(new Handle) {
  PROVI_CHECK(MPI_Comm_dup(MPI_COMM_WORLD, &handle_->comm) == MPI_SUCCESS)
      << "MPI_Comm_dup failed (is an MpiSession alive?)";
  MPI_Comm_set_errhandler(handle_->comm, MPI_ERRORS_RETURN);
  MPI_Comm_rank(handle_->comm, &rank_);
  MPI_Comm_size(handle_->comm, &size_);
}

MpiCommunicator::~MpiCommunicator() {
  MPI_Comm_free(&handle_->comm);
  delete handle_;
}

absl::Status MpiCommunicator::AllreduceSum(absl::Span<float> data) {
  return Allreduce(data, MPI_FLOAT, MPI_SUM, handle_->comm);
}

absl::Status MpiCommunicator::AllreduceSum(absl::Span<double> data) {
  return Allreduce(data, MPI_DOUBLE, MPI_SUM, handle_->comm);
}

absl::Status MpiCommunicator::AllreduceMin(absl::Span<int64_t> data) {
  return Allreduce(data, MPI_INT64_T, MPI_MIN, handle_->comm);
}

absl::Status MpiCommunicator::Broadcast(std::string& data, int root) {
  if (root < 0 || root >= size_) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Broadcast root ", root, " is not a rank of a job of ", size_));
  }
  uint64_t length = data.size();
  int code = MPI_Bcast(&length, 1, MPI_UINT64_T, root, handle_->comm);
  if (code != MPI_SUCCESS) return MpiError(code, "MPI_Bcast");
  data.resize(length);
  for (uint64_t done = 0; done < length;) {
    const int count =
        static_cast<int>(std::min<uint64_t>(length - done, INT_MAX));
    code = MPI_Bcast(&data[done], count, MPI_CHAR, root, handle_->comm);
    if (code != MPI_SUCCESS) return MpiError(code, "MPI_Bcast");
    done += static_cast<uint64_t>(count);
  }
  return absl::OkStatus();
}

void AbortJob(const Communicator& comm, const absl::Status& status) {
  std::cerr << "rank " << comm.rank() << ": " << status << std::endl;
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::abort();  // MPI_Abort does not return
}

}  // namespace provi
