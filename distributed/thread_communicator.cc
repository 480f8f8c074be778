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

#include "Eigen/Core"
#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "base/status_error.h"

namespace provi {
namespace distributed_internal {

// What a member publishes for a collective. A reduction publishes its
// elements as pieces (an array of `piece_count` absl::Span<T>, one for the
// single-buffer calls), reduced as if concatenated.
struct Slot {
  const void* pieces = nullptr;
  size_t piece_count = 0;
  size_t count = 0;             // the number of elements over all pieces
  std::string* text = nullptr;  // Broadcast's data
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

enum Kind {
  kSumFloat = 0,
  kSumDouble = 1,
  kMinInt64 = 2,
  kBroadcast = 3,
  kPiecesSumFloat = 4,
  kPiecesSumDouble = 5,
};

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
    case kPiecesSumFloat:
      return "AllreducePiecesSum(float)";
    case kPiecesSumDouble:
      return "AllreducePiecesSum(double)";
  }
  return "?";
}

bool IsPieces(int kind) {
  return kind == kPiecesSumFloat || kind == kPiecesSumDouble;
}

// The length of piece `p` of `slot`, a call of kind `kind`.
size_t PieceLength(const Slot& slot, size_t p) {
  if (slot.kind == kPiecesSumFloat) {
    return static_cast<const absl::Span<float>*>(slot.pieces)[p].size();
  }
  return static_cast<const absl::Span<double>*>(slot.pieces)[p].size();
}

// "AllreduceSum(double) (length 4)", and for the call's piece `piece` (if
// not `npos`) "AllreducePiecesSum(float) (3 pieces, piece 1 of length 10)".
std::string Describe(const Slot& slot, size_t piece) {
  if (slot.kind == kBroadcast) {
    return absl::StrCat(KindName(slot.kind), " (root ", slot.root, ")");
  }
  if (!IsPieces(slot.kind)) {
    return absl::StrCat(KindName(slot.kind), " (length ", slot.count, ")");
  }
  if (piece == std::string::npos) {
    return absl::StrCat(KindName(slot.kind), " (", slot.piece_count,
                        slot.piece_count == 1 ? " piece" : " pieces",
                        ", length ", slot.count, ")");
  }
  return absl::StrCat(KindName(slot.kind), " (", slot.piece_count,
                      slot.piece_count == 1 ? " piece" : " pieces", ", piece ",
                      piece, " of length ", PieceLength(slot, piece), ")");
}

// The first piece whose length differs between `a` and `b` (calls of the
// same pieces kind with as many pieces), else npos.
size_t FirstDifferentPiece(const Slot& a, const Slot& b) {
  for (size_t p = 0; p < a.piece_count; ++p) {
    if (PieceLength(a, p) != PieceLength(b, p)) return p;
  }
  return std::string::npos;
}

// OK if every member published the same kind of call (and length, pieces
// or root), else the same InvalidArgument on every member.
absl::Status CheckAgreement(ThreadGroupState& state) {
  const Slot& first = state.slot(0);
  for (int r = 1; r < state.size(); ++r) {
    const Slot& other = state.slot(r);
    size_t piece = std::string::npos;
    bool same = other.kind == first.kind;
    if (same && first.kind == kBroadcast) {
      same = other.root == first.root;
    } else if (same && IsPieces(first.kind)) {
      same =
          other.piece_count == first.piece_count && other.count == first.count;
      if (other.piece_count == first.piece_count) {
        piece = FirstDifferentPiece(first, other);
        same = same && piece == std::string::npos;
      }
    } else if (same) {
      same = other.count == first.count;
    }
    if (!same) {
      return absl::InvalidArgumentError(absl::StrCat(
          "collective mismatch: rank 0 called ", Describe(first, piece),
          " but rank ", r, " called ", Describe(other, piece)));
    }
  }
  return absl::OkStatus();
}

// Reduces this member's share [begin, end) of the elements of every
// member's pieces (each an array of absl::Span<T>, reduced as if
// concatenated), and writes the result into every member's pieces. Rank
// 0's pieces hold the result as it is formed, in rank order, so that
// every member receives the same bits; each member owns a disjoint share,
// and no member reads another's share. Chunk by chunk, so that a chunk of
// the result is still in cache when it is copied out.
template <typename T>
void ReduceShare(ThreadGroupState& state, size_t begin, size_t end) {
  using Array = Eigen::Array<T, Eigen::Dynamic, 1>;
  constexpr size_t kChunk = 4096;
  const int members = state.size();
  const size_t piece_count = state.slot(0).piece_count;
  auto piece_of = [&](int r, size_t p) {
    return static_cast<const absl::Span<T>*>(state.slot(r).pieces)[p];
  };
  size_t start = 0;  // of piece p in the concatenation
  for (size_t p = 0; p < piece_count && start < end; ++p) {
    const size_t length = piece_of(0, p).size();
    const size_t high = std::min(end, start + length);
    for (size_t i = std::max(begin, start); i < high; i += kChunk) {
      const size_t at = i - start;
      const Eigen::Index n =
          static_cast<Eigen::Index>(std::min(kChunk, high - i));
      Eigen::Map<Array> result(piece_of(0, p).data() + at, n);
      for (int r = 1; r < members; ++r) {
        Eigen::Map<const Array> other(piece_of(r, p).data() + at, n);
        // Integers are reduced by minimum, reals by sum (the interface's
        // only combinations).
        if constexpr (std::is_integral_v<T>) {
          result = result.min(other);
        } else {
          result += other;
        }
      }
      for (int r = 1; r < members; ++r) {
        Eigen::Map<Array>(piece_of(r, p).data() + at, n) = result;
      }
    }
    start += length;
  }
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
absl::Status ThreadCommunicator::Reduce(absl::Span<const absl::Span<T>> pieces,
                                        int kind) {
  size_t count = 0;
  for (absl::Span<T> piece : pieces) count += piece.size();
  Slot& mine = state_.slot(rank_);
  mine = Slot{pieces.data(), pieces.size(), count, nullptr, kind, 0};
  if (absl::Status status = state_.Barrier(); !status.ok()) return status;
  absl::Status agreement = distributed_internal::CheckAgreement(state_);
  if (agreement.ok()) {
    // This member's share of the elements.
    const size_t members = static_cast<size_t>(state_.size());
    const size_t me = static_cast<size_t>(rank_);
    distributed_internal::ReduceShare<T>(state_, count * me / members,
                                         count * (me + 1) / members);
  }
  // The second barrier keeps every member's pieces published until all
  // members are done with them.
  if (absl::Status status = state_.Barrier(); !status.ok()) return status;
  if (!agreement.ok()) state_.Break(agreement);
  return agreement;
}

absl::Status ThreadCommunicator::AllreduceSum(absl::Span<float> data) {
  return Reduce(absl::MakeConstSpan(&data, 1), distributed_internal::kSumFloat);
}

absl::Status ThreadCommunicator::AllreduceSum(absl::Span<double> data) {
  return Reduce(absl::MakeConstSpan(&data, 1),
                distributed_internal::kSumDouble);
}

absl::Status ThreadCommunicator::AllreducePiecesSum(
    absl::Span<const absl::Span<float>> pieces) {
  return Reduce(pieces, distributed_internal::kPiecesSumFloat);
}

absl::Status ThreadCommunicator::AllreducePiecesSum(
    absl::Span<const absl::Span<double>> pieces) {
  return Reduce(pieces, distributed_internal::kPiecesSumDouble);
}

absl::Status ThreadCommunicator::AllreduceMin(absl::Span<int64_t> data) {
  return Reduce(absl::MakeConstSpan(&data, 1), distributed_internal::kMinInt64);
}

absl::Status ThreadCommunicator::Broadcast(std::string& data, int root) {
  if (root < 0 || root >= state_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Broadcast root ", root, " is not a rank of a group of ",
                     state_.size()));
  }
  Slot& mine = state_.slot(rank_);
  mine = Slot{nullptr, 0, 0, &data, distributed_internal::kBroadcast, root};
  if (absl::Status status = state_.Barrier(); !status.ok()) return status;
  absl::Status agreement = distributed_internal::CheckAgreement(state_);
  if (agreement.ok() && rank_ != root) {
    data = *state_.slot(root).text;
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
