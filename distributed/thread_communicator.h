// Copyright 2026 The provi Authors.
//
// File: distributed/thread_communicator.h
// -----------------------------------------------------------------------------
//
// Data parallelism over the cores of one machine: `RunOnThreads(n, fn)` runs
// `fn(communicator)` on n threads, one replica per thread, each with the
// `ThreadCommunicator` of its rank. Every replica owns its own ParamStore,
// optimizer and objective, exactly as an MPI rank does; provi's per-thread
// state (the AD tape and arena, the handler stack, the thread's generator,
// the trace storage) is thread-local, and the address table is shared under
// a lock, so replicas do not interfere.
//
// The collectives of `Communicator` are implemented with two barriers: each
// member publishes its buffer (or, for `AllreducePiecesSum`, its list of
// pieces), then reduces its own slice of the elements over all members (in
// rank order, so every member gets the same bits) and writes the result
// into every member's buffer; the second barrier ends the call. Nothing is
// copied through a staging area: the members' memory is reduced where it
// lies.
//
// A member whose function returns (or throws) leaves the group: a member
// waiting in a collective then fails with Aborted naming the member that
// left, and so does every later collective of the group. A collective
// called with different lengths, pieces, kinds or roots on different
// members fails on every member with InvalidArgument.
//
// Example:
//
//   absl::Status status = provi::RunOnThreads(2, [&](provi::Communicator& comm)
//   {
//     provi::ParamStore store;
//     ...   // one replica of data-parallel training, see data_parallel.h
//     return absl::OkStatus();
//   });

#ifndef PROVI_DISTRIBUTED_THREAD_COMMUNICATOR_H_
#define PROVI_DISTRIBUTED_THREAD_COMMUNICATOR_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "distributed/communicator.h"

namespace provi {

namespace distributed_internal {
class ThreadGroupState;
}  // namespace distributed_internal

// ThreadGroup
//
// The shared state of `size` thread members. Make one, give each thread a
// `ThreadCommunicator(group, rank)`, and call `Leave(rank)` when a member's
// work ends (`RunOnThreads` does all of this).
class ThreadGroup {
 public:
  // `size` >= 1 (else a PROVI_CHECK failure).
  explicit ThreadGroup(int size);
  ~ThreadGroup();
  ThreadGroup(const ThreadGroup&) = delete;
  ThreadGroup& operator=(const ThreadGroup&) = delete;

  int size() const;

  // Leave()
  //
  // `rank` takes part in no further collective; see the file comment.
  void Leave(int rank);

 private:
  friend class ThreadCommunicator;
  std::unique_ptr<distributed_internal::ThreadGroupState> state_;
};

// ThreadCommunicator
//
// One member of a `ThreadGroup` (which must outlive it).
class ThreadCommunicator final : public Communicator {
 public:
  ThreadCommunicator(ThreadGroup& group, int rank);

  int rank() const override { return rank_; }
  int size() const override;
  absl::Status AllreduceSum(absl::Span<float> data) override;
  absl::Status AllreduceSum(absl::Span<double> data) override;
  absl::Status AllreducePiecesSum(
      absl::Span<const absl::Span<float>> pieces) override;
  absl::Status AllreducePiecesSum(
      absl::Span<const absl::Span<double>> pieces) override;
  absl::Status AllreduceMin(absl::Span<int64_t> data) override;
  absl::Status Broadcast(std::string& data, int root) override;

 private:
  // Every reduction: `pieces` reduced as if concatenated.
  template <typename T>
  absl::Status Reduce(absl::Span<const absl::Span<T>> pieces, int kind);

  distributed_internal::ThreadGroupState& state_;
  int rank_;
};

// RunOnThreads()
//
// Runs `fn` on `num_threads` (>= 1) threads, rank 0 on the calling thread,
// and returns when all have returned: OK if every call returned OK, else
// the first error returned (in time), so that a member's own error is
// reported rather than the other members' "left the group". An exception
// other than StatusError becomes Internal, naming the rank.
absl::Status RunOnThreads(int num_threads,
                          const std::function<absl::Status(Communicator&)>& fn);

}  // namespace provi

#endif  // PROVI_DISTRIBUTED_THREAD_COMMUNICATOR_H_
