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
#include <vector>

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

  // AllreducePiecesSum()
  //
  // `AllreduceSum` of the concatenation of `pieces`, left in the pieces:
  // replaces each piece on every member by the elementwise sum over the
  // members' corresponding pieces, with the same bits as `AllreduceSum` of
  // one buffer holding the pieces one after the other. Every member passes
  // the same number of pieces, with the same lengths (else
  // InvalidArgument, naming the first rank and piece that differ from rank
  // 0's, on backends that can tell). The pieces must not overlap.
  //
  // The default implementation packs the pieces into a buffer, calls
  // `AllreduceSum` and unpacks; ThreadCommunicator reduces the members'
  // pieces where they lie, with no buffer and no copies.
  //
  // Example (the gradients of two parameters and a scalar, in one call):
  //
  //   double loss = local_loss;
  //   absl::Span<double> pieces[] = {absl::MakeSpan(w_grad),
  //                                  absl::MakeSpan(b_grad),
  //                                  absl::MakeSpan(&loss, 1)};
  //   PROVI_RETURN_IF_ERROR(comm.AllreducePiecesSum(pieces));
  virtual absl::Status AllreducePiecesSum(
      absl::Span<const absl::Span<float>> pieces);
  virtual absl::Status AllreducePiecesSum(
      absl::Span<const absl::Span<double>> pieces);

  // AllreduceMin()
  //
  // Replaces `data` on every member by the elementwise minimum over the
  // members (every member passes the same length).
  virtual absl::Status AllreduceMin(absl::Span<int64_t> data) = 0;

  // Broadcast()
  //
  // Replaces `data` on every member by `root`'s.
  virtual absl::Status Broadcast(std::string& data, int root) = 0;

 private:
  template <typename T>
  absl::Status PackedPiecesSum(absl::Span<const absl::Span<T>> pieces,
                               std::vector<T>& buffer);

  // The default AllreducePiecesSum's buffers, reused across calls.
  std::vector<float> float_buffer_;
  std::vector<double> double_buffer_;
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
