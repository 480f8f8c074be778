// Copyright 2026 The provi Authors.
//
// A user's data-parallel program over MPI ranks, built outside provi's
// workspace through `@provi//:provi` and `@provi//distributed:mpi`:
// tests/downstream/check.sh builds it with the BUILD file and runs it with
// the mpirun command of README.md's "Depending on provi". Every rank fits
// the hand-written guide of the conjugate model (conjugate_model.h) on its
// shard of the data, the gradients combined over the ranks; rank 0 checks
// the averaged fit against the exact posterior. Exits non-zero (every rank)
// unless it is within tolerance.

#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "base/real.h"
#include "conjugate_model.h"
#include "distributed/mpi_communicator.h"
#include "vi/param_store.h"

int main(int argc, char** argv) {
  provi::MpiSession mpi(&argc, &argv);
  int result = 0;
  {
    provi::MpiCommunicator comm;
    provi::ParamStore store;
    const absl::Status status = conjugate::FitReplica(comm, 9, store);
    // Prints the status with the rank and ends every rank of the job.
    if (!status.ok()) provi::AbortJob(comm, status);
    if (comm.rank() == 0) {
      const std::string label = absl::StrCat(comm.size(), " ranks");
      const bool ok = conjugate::Check(label.c_str(), store.Get("loc")->item(),
                                       store.Get("scale")->item());
      std::printf("provi (Real = %s) over %d MPI ranks: %s\n", provi::kRealName,
                  comm.size(), ok ? "posterior recovered" : "WRONG posterior");
      result = ok ? 0 : 1;
    }
    // Every rank exits with rank 0's verdict.
    int64_t verdict[1] = {-result};
    if (!comm.AllreduceMin(absl::MakeSpan(verdict)).ok()) result = 1;
    result = static_cast<int>(-verdict[0]);
  }
  return result;
}
