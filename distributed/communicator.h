// Copyright 2026 The provi Authors.
//
// File: distributed/communicator.h
// -----------------------------------------------------------------------------
//
// `Communicator` is what data-parallel training (distributed/data_parallel.h)
// needs from a group of replicas: each of `size()` members, numbered by its
// `rank()` from 0, calls the same collectives in the same order, and each
// call returns when every member has made it. Two implementations:
//
//   MpiCommunicator     processes on one or many machines, over Open MPI
//                       (distributed/mpi_communicator.h; an optional Bazel
//                       target, //distributed:mpi)
//   ThreadCommunicator  threads of one process, for the cores of one
//                       machine (distributed/thread_communicator.h)
//
// Both have the semantics below; tests run the same code over either.
//
// A collective either completes on every member or fails on every member
// that reaches it: a member that leaves the group (its thread returns, its
// process dies) ends the collectives the others wait in with an error naming
// it (threads), or has the whole job ended by `mpirun` (processes); nothing
// waits forever for a member that is gone.
//
// Example:
//
//   absl::Status Train(provi::Communicator& comm) {
//     std::vector<double> partial = {LocalSum(comm.rank())};
//     PROVI_RETURN_IF_ERROR(comm.AllreduceSum(absl::MakeSpan(partial)));
//     // partial[0] is now the sum over all ranks, on every rank.
//   }

#ifndef PROVI_DISTRIBUTED_COMMUNICATOR_H_
#define PROVI_DISTRIBUTED_COMMUNICATOR_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace provi {

// Communicator
//
// See the file comment. Each member owns its own `Communicator` object and
// uses it from one thread at a time.
class Communicator {
 public:
  virtual ~Communicator() = default;

  // rank(), size()
  //
  // This member's number in [0, size()), and the number of members.
  virtual int rank() const = 0;
  virtual int size() const = 0;

  // AllreduceSum()
  //
  // Replaces `data` on every member by the elementwise sum over the
  // members' `data` (every member passes the same length). The order of
  // the additions is the implementation's, but every member receives the
  // same bits.
  virtual absl::Status AllreduceSum(absl::Span<float> data) = 0;
  virtual absl::Status AllreduceSum(absl::Span<double> data) = 0;

  // AllreduceMin()
  //
  // Replaces `data` on every member by the elementwise minimum over the
  // members (every member passes the same length).
  virtual absl::Status AllreduceMin(absl::Span<int64_t> data) = 0;

  // Broadcast()
  //
  // Replaces `data` on every member by `root`'s.
  virtual absl::Status Broadcast(std::string& data, int root) = 0;
};

// AgreeOnStatus()
//
// OK on every member if `local` is OK on every member; else, on every
// member, the error of the lowest failing rank (its code, and its message
// after "rank <r>: "). Collective: for results only some members may have
// failed to compute, before the members go on to a collective that needs
// every member's result.
absl::Status AgreeOnStatus(Communicator& comm, const absl::Status& local);

}  // namespace provi

#endif  // PROVI_DISTRIBUTED_COMMUNICATOR_H_
