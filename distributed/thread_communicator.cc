// Copyright 2026 The provi Authors.

#include "distributed/thread_communicator.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "base/status_error.h"

namespace provi {
namespace distributed_internal {

// What a member publishes for a collective.
struct Slot {
  void* data = nullptr;
  size_t count = 0;
  int kind = -1;
  int root = 0;
};

// Plain std::mutex and std::condition_variable (pthreads), which
// ThreadSanitizer understands, so that `--config=tsan` checks the buffers
// the barriers hand from one member to another.
class ThreadGroupState {
 public:
  explicit ThreadGroupState(int size) : size_(size), slots_(size) {}

  int size() const { return size_; }
  Slot& slot(int rank) { return slots_[static_cast<size_t>(rank)]; }

  // Waits until every member has arrived (OK), or fails once a member has
  // left or the group is broken.
  absl::Status Barrier() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!error_.ok()) return error_;
    if (++arrived_ == size_) {
      arrived_ = 0;
      ++generation_;
      cv_.notify_all();
      return absl::OkStatus();
    }
    const uint64_t generation = generation_;
    cv_.wait(lock, [&] { return generation_ != generation || !error_.ok(); });
    if (generation_ != generation) return absl::OkStatus();
    return error_;
  }

  // Breaks the group: every waiting and later collective fails with
  // `error` (the first one set wins).
  void Break(absl::Status error) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (error_.ok()) error_ = std::move(error);
    cv_.notify_all();
  }

  void Leave(int rank) {
    Break(absl::AbortedError(
        absl::StrCat("rank ", rank,
                     " left the thread group while another rank was in, or "
                     "later entered, a collective")));
  }

 private:
  const int size_;
  std::vector<Slot> slots_;
  std::mutex mutex_;
  std::condition_variable cv_;
  int arrived_ = 0;
  uint64_t generation_ = 0;
  absl::Status error_;
};

namespace {

enum Kind { kSumFloat = 0, kSumDouble = 1, kMinInt64 = 2, kBroadcast = 3 };

const char* KindName(int kind) {
  switch (kind) {
    case kSumFloat:
      return "AllreduceSum(float)";
    case kSumDouble:
      return "AllreduceSum(double)";
    case kMinInt64:
      return "AllreduceMin(int64)";
    case kBroadcast:
      return "Broadcast";
  }
  return "?";
}

// OK if every member published the same kind of call (and length or root),
// else the same InvalidArgument on every member.
absl::Status CheckAgreement(ThreadGroupState& state) {
  const Slot& first = state.slot(0);
  for (int r = 1; r < state.size(); ++r) {
    const Slot& other = state.slot(r);
    const bool same = other.kind == first.kind &&
                      (first.kind == kBroadcast ? other.root == first.root
                                                : other.count == first.count);
    if (!same) {
      return absl::InvalidArgumentError(absl::StrCat(
          "collective mismatch: rank 0 called ", KindName(first.kind), " (",
          first.kind == kBroadcast ? "root " : "length ",
          first.kind == kBroadcast ? first.root
                                   : static_cast<int64_t>(first.count),
          ") but rank ", r, " called ", KindName(other.kind), " (",
          other.kind == kBroadcast ? "root " : "length ",
          other.kind == kBroadcast ? other.root
                                   : static_cast<int64_t>(other.count),
          ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace distributed_internal

using distributed_internal::Slot;
using distributed_internal::ThreadGroupState;

ThreadGroup::ThreadGroup(int size) {
  PROVI_CHECK(size >= 1) << "a thread group needs at least one member, got "
                         << size;
  state_ = std::make_unique<ThreadGroupState>(size);
}

ThreadGroup::~ThreadGroup() = default;

int ThreadGroup::size() const { return state_->size(); }

void ThreadGroup::Leave(int rank) { state_->Leave(rank); }

ThreadCommunicator::ThreadCommunicator(ThreadGroup& group, int rank)
    : state_(*group.state_), rank_(rank) {
  PROVI_CHECK(rank >= 0 && rank < state_.size())
      << "rank " << rank << " of a group of " << state_.size();
}

int ThreadCommunicator::size() const { return state_.size(); }

template <typename T>
absl::Status ThreadCommunicator::Reduce(absl::Span<T> data, int kind) {
  Slot& mine = state_.slot(rank_);
  mine = Slot{data.data(), data.size(), kind, 0};
  if (absl::Status status = state_.Barrier(); !status.ok()) return status;
  absl::Status agreement = distributed_internal::CheckAgreement(state_);
  if (agreement.ok()) {
    // This member's slice [begin, end) of the elements.
    const size_t n = data.size();
    const size_t members = static_cast<size_t>(state_.size());
    const size_t me = static_cast<size_t>(rank_);
    const size_t begin = n * me / members;
    const size_t end = n * (me + 1) / members;
    // Reduce into rank 0's slice in place (each member owns a disjoint
    // slice, and no member reads another's slice of rank 0), then copy the
    // result into the other members' buffers.
    T* result = static_cast<T*>(state_.slot(0).data) + begin;
    const size_t length = end - begin;
    for (int r = 1; r < state_.size(); ++r) {
      const T* other = static_cast<const T*>(state_.slot(r).data) + begin;
      // Integers are reduced by minimum, reals by sum (the interface's
      // only combinations).
      for (size_t i = 0; i < length; ++i) {
        if constexpr (std::is_integral_v<T>) {
          result[i] = std::min(result[i], other[i]);
        } else {
          result[i] += other[i];
        }
      }
    }
    for (int r = 1; r < state_.size(); ++r) {
      T* out = static_cast<T*>(state_.slot(r).data) + begin;
      std::copy(result, result + length, out);
    }
  }
  // The second barrier keeps every buffer published until all members are
  // done with it.
  if (absl::Status status = state_.Barrier(); !status.ok()) return status;
  if (!agreement.ok()) state_.Break(agreement);
  return agreement;
}

absl::Status ThreadCommunicator::AllreduceSum(absl::Span<float> data) {
  return Reduce(data, distributed_internal::kSumFloat);
}

absl::Status ThreadCommunicator::AllreduceSum(absl::Span<double> data) {
  return Reduce(data, distributed_internal::kSumDouble);
}

absl::Status ThreadCommunicator::AllreduceMin(absl::Span<int64_t> data) {
  return Reduce(data, distributed_internal::kMinInt64);
}

absl::Status ThreadCommunicator::Broadcast(std::string& data, int root) {
  if (root < 0 || root >= state_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Broadcast root ", root, " is not a rank of a group of ",
                     state_.size()));
  }
  Slot& mine = state_.slot(rank_);
  mine = Slot{&data, 0, distributed_internal::kBroadcast, root};
  if (absl::Status status = state_.Barrier(); !status.ok()) return status;
  absl::Status agreement = distributed_internal::CheckAgreement(state_);
  if (agreement.ok() && rank_ != root) {
    data = *static_cast<const std::string*>(state_.slot(root).data);
  }
  if (absl::Status status = state_.Barrier(); !status.ok()) return status;
  if (!agreement.ok()) state_.Break(agreement);
  return agreement;
}

absl::Status RunOnThreads(
    int num_threads, const std::function<absl::Status(Communicator&)>& fn) {
  if (num_threads < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("RunOnThreads: num_threads = ", num_threads, " < 1"));
  }
  ThreadGroup group(num_threads);
  std::mutex mutex;
  absl::Status first_error;
  auto member = [&](int rank) {
    absl::Status status;
    try {
      ThreadCommunicator comm(group, rank);
      status = fn(comm);
    } catch (const StatusError& error) {
      status = error.status();
    } catch (const std::exception& error) {
      status = absl::InternalError(
          absl::StrCat("rank ", rank, " threw: ", error.what()));
    }
    if (!status.ok()) {
      std::lock_guard<std::mutex> lock(mutex);
      if (first_error.ok()) first_error = status;
    }
    group.Leave(rank);
  };
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(num_threads - 1));
  for (int rank = 1; rank < num_threads; ++rank) {
    threads.emplace_back(member, rank);
  }
  member(0);
  for (std::thread& thread : threads) thread.join();
  return first_error;
}

}  // namespace provi
