// Copyright 2026 The provi Authors.
//
// The threads backend's collectives: results, agreement on the same bits,
// mismatched calls, and members that leave.

#include "distributed/thread_communicator.h"

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "tests/testing/data_parallel_testing.h"
#include "tests/testing/status_testing.h"

namespace provi {
namespace {

using ::provi::testing::ExpectError;
using ::provi::testing::PackingCommunicator;

TEST(ThreadCommunicatorTest, SumsMinimaAndBroadcasts) {
  for (int n : {1, 2, 3, 4}) {
    std::vector<std::vector<double>> sums(n);
    const absl::Status status = RunOnThreads(n, [&](Communicator& comm) {
      EXPECT_EQ(comm.size(), n);
      const int r = comm.rank();
      // 1001 elements: slices of unequal length.
      std::vector<double> d(1001);
      for (size_t i = 0; i < d.size(); ++i) d[i] = 0.1 * (r + 1) + i;
      if (absl::Status s = comm.AllreduceSum(absl::MakeSpan(d)); !s.ok()) {
        return s;
      }
      sums[r] = d;
      std::vector<float> f = {1.5f * static_cast<float>(r)};
      if (absl::Status s = comm.AllreduceSum(absl::MakeSpan(f)); !s.ok()) {
        return s;
      }
      EXPECT_EQ(f[0], 1.5f * static_cast<float>(n * (n - 1) / 2));
      std::vector<int64_t> m = {10 - r, r};
      if (absl::Status s = comm.AllreduceMin(absl::MakeSpan(m)); !s.ok()) {
        return s;
      }
      EXPECT_EQ(m[0], 10 - (n - 1));
      EXPECT_EQ(m[1], 0);
      std::string text = r == n - 1 ? "from the last" : absl::StrCat(r);
      if (absl::Status s = comm.Broadcast(text, n - 1); !s.ok()) return s;
      EXPECT_EQ(text, "from the last");
      return absl::OkStatus();
    });
    ASSERT_TRUE(status.ok()) << status;
    for (int r = 0; r < n; ++r) {
      for (size_t i = 0; i < sums[r].size(); ++i) {
        double expected = 0;
        for (int q = 0; q < n; ++q) expected += 0.1 * (q + 1) + i;
        EXPECT_NEAR(sums[r][i], expected, 1e-9 * (1 + i));
        // Every member receives the same bits.
        EXPECT_EQ(sums[r][i], sums[0][i]);
      }
    }
  }
}

TEST(ThreadCommunicatorTest, MismatchedLengthsFailOnEveryMember) {
  std::atomic<int> failures{0};
  const absl::Status status = RunOnThreads(3, [&](Communicator& comm) {
    std::vector<double> d(comm.rank() == 2 ? 5 : 4, 1.0);
    absl::Status s = comm.AllreduceSum(absl::MakeSpan(d));
    if (!s.ok()) ++failures;
    return s;
  });
  ExpectError(status, absl::StatusCode::kInvalidArgument,
              "rank 0 called AllreduceSum(double) (length 4) but rank 2 "
              "called AllreduceSum(double) (length 5)");
  EXPECT_EQ(failures.load(), 3);
}

TEST(ThreadCommunicatorTest, AMemberThatLeavesEndsTheOthersWaits) {
  std::atomic<int> aborted{0};
  const absl::Status status = RunOnThreads(3, [&](Communicator& comm) {
    if (comm.rank() == 1) {
      return absl::DataLossError("rank 1 could not read its shard");
    }
    std::vector<double> d(3, 1.0);
    absl::Status s = comm.AllreduceSum(absl::MakeSpan(d));
    if (absl::IsAborted(s)) ++aborted;
    EXPECT_NE(s.message().find("rank 1 left the thread group"),
              absl::string_view::npos)
        << s;
    return s;
  });
  // The member's own error, not the others' consequences of it.
  ExpectError(status, absl::StatusCode::kDataLoss,
              "rank 1 could not read its shard");
  EXPECT_EQ(aborted.load(), 2);
}

// Member r's pieces of the given lengths, with values that differ by rank
// and element and whose sums round (so that the order of the additions
// shows in the bits).
template <typename T>
std::vector<std::vector<T>> MakePieces(const std::vector<size_t>& lengths,
                                       int r) {
  std::vector<std::vector<T>> pieces;
  for (size_t p = 0; p < lengths.size(); ++p) {
    std::vector<T> piece(lengths[p]);
    for (size_t i = 0; i < piece.size(); ++i) {
      piece[i] = static_cast<T>(0.1 * (r + 1) + 1.0 / (3.0 + i + 7 * p));
    }
    pieces.push_back(std::move(piece));
  }
  return pieces;
}

template <typename T>
std::vector<absl::Span<T>> SpansOf(std::vector<std::vector<T>>& pieces) {
  std::vector<absl::Span<T>> spans;
  for (std::vector<T>& piece : pieces) spans.push_back(absl::MakeSpan(piece));
  return spans;
}

template <typename T>
void ExpectPiecesSumIsTheSumOfTheConcatenation() {
  // Unequal pieces, an empty one, and pieces longer than the backend's
  // chunk, so that the members' shares start and end inside pieces.
  const std::vector<size_t> lengths = {7, 0, 10001, 1, 4096, 333};
  for (int n : {1, 2, 3, 4}) {
    // Per rank: the pieces reduced by the threads backend, by the
    // interface's default (packing), and one buffer by AllreduceSum.
    std::vector<std::vector<std::vector<T>>> direct(n), packed(n);
    std::vector<std::vector<T>> whole(n);
    const absl::Status status = RunOnThreads(n, [&](Communicator& comm) {
      const int r = comm.rank();
      direct[r] = MakePieces<T>(lengths, r);
      packed[r] = direct[r];
      for (const std::vector<T>& piece : direct[r]) {
        whole[r].insert(whole[r].end(), piece.begin(), piece.end());
      }
      std::vector<absl::Span<T>> spans = SpansOf(direct[r]);
      if (absl::Status s = comm.AllreducePiecesSum(spans); !s.ok()) return s;
      PackingCommunicator packing(comm);
      spans = SpansOf(packed[r]);
      if (absl::Status s = packing.AllreducePiecesSum(spans); !s.ok()) {
        return s;
      }
      return comm.AllreduceSum(absl::MakeSpan(whole[r]));
    });
    ASSERT_TRUE(status.ok()) << status;
    for (int r = 0; r < n; ++r) {
      size_t at = 0;
      for (size_t p = 0; p < lengths.size(); ++p) {
        for (size_t i = 0; i < lengths[p]; ++i, ++at) {
          // The same bits as the one-buffer reduction, on every member.
          ASSERT_EQ(direct[r][p][i], whole[0][at])
              << "n " << n << " rank " << r << " piece " << p << " [" << i
              << "]";
          ASSERT_EQ(packed[r][p][i], whole[0][at])
              << "n " << n << " rank " << r << " piece " << p << " [" << i
              << "]";
        }
      }
    }
    // And that is the sum.
    double expected = 0;
    for (int q = 0; q < n; ++q) expected += MakePieces<T>(lengths, q)[2][5];
    EXPECT_NEAR(direct[0][2][5], expected, 1e-5 * n);
  }
}

TEST(ThreadCommunicatorTest, PiecesSumIsTheSumOfTheConcatenation) {
  ExpectPiecesSumIsTheSumOfTheConcatenation<float>();
  ExpectPiecesSumIsTheSumOfTheConcatenation<double>();
}

TEST(ThreadCommunicatorTest, MismatchedPiecesFailOnEveryMember) {
  struct Case {
    std::vector<size_t> rank0, rank2;
    const char* message;
  };
  for (const Case& c : {
           Case{{3, 4},
                {3, 5},
                "rank 0 called AllreducePiecesSum(float) (2 pieces, piece 1 "
                "of length 4) but rank 2 called AllreducePiecesSum(float) (2 "
                "pieces, piece 1 of length 5)"},
           // The same total length, cut differently.
           Case{{3, 4},
                {4, 3},
                "rank 0 called AllreducePiecesSum(float) (2 pieces, piece 0 "
                "of length 3) but rank 2 called AllreducePiecesSum(float) (2 "
                "pieces, piece 0 of length 4)"},
           Case{{3, 4},
                {7},
                "rank 0 called AllreducePiecesSum(float) (2 pieces, length "
                "7) but rank 2 called AllreducePiecesSum(float) (1 piece, "
                "length 7)"},
       }) {
    std::atomic<int> failures{0};
    const absl::Status status = RunOnThreads(3, [&](Communicator& comm) {
      std::vector<std::vector<float>> pieces =
          MakePieces<float>(comm.rank() == 2 ? c.rank2 : c.rank0, 0);
      absl::Status s = comm.AllreducePiecesSum(SpansOf(pieces));
      if (!s.ok()) ++failures;
      return s;
    });
    ExpectError(status, absl::StatusCode::kInvalidArgument, c.message);
    EXPECT_EQ(failures.load(), 3);
  }
  // Against a one-buffer call.
  const absl::Status status = RunOnThreads(2, [&](Communicator& comm) {
    std::vector<std::vector<double>> pieces = MakePieces<double>({2, 2}, 0);
    if (comm.rank() == 0) return comm.AllreducePiecesSum(SpansOf(pieces));
    return comm.AllreduceSum(absl::MakeSpan(pieces[0]));
  });
  ExpectError(status, absl::StatusCode::kInvalidArgument,
              "rank 0 called AllreducePiecesSum(double) (2 pieces, length 4) "
              "but rank 1 called AllreduceSum(double) (length 2)");
}

TEST(ThreadCommunicatorTest, AMemberThatLeavesEndsThePiecesSum) {
  std::atomic<int> aborted{0};
  const absl::Status status = RunOnThreads(3, [&](Communicator& comm) {
    if (comm.rank() == 2) return absl::DataLossError("rank 2 gave up");
    std::vector<std::vector<float>> pieces = MakePieces<float>({5, 9}, 0);
    absl::Status s = comm.AllreducePiecesSum(SpansOf(pieces));
    if (absl::IsAborted(s)) ++aborted;
    EXPECT_NE(s.message().find("rank 2 left the thread group"),
              absl::string_view::npos)
        << s;
    return s;
  });
  ExpectError(status, absl::StatusCode::kDataLoss, "rank 2 gave up");
  EXPECT_EQ(aborted.load(), 2);
}

TEST(ThreadCommunicatorTest, ExceptionsBecomeStatuses) {
  const absl::Status status = RunOnThreads(2, [&](Communicator& comm) {
    if (comm.rank() == 1) throw std::runtime_error("boom");
    std::vector<int64_t> m = {1};
    return comm.AllreduceMin(absl::MakeSpan(m));
  });
  ExpectError(status, absl::StatusCode::kInternal, "rank 1 threw: boom");
}

TEST(ThreadCommunicatorTest, RejectsBadArguments) {
  ExpectError(RunOnThreads(0, [](Communicator&) { return absl::OkStatus(); }),
              absl::StatusCode::kInvalidArgument, "num_threads = 0");
  ExpectError(RunOnThreads(2,
                           [](Communicator& comm) {
                             std::string s;
                             return comm.Broadcast(s, 2);
                           }),
              absl::StatusCode::kInvalidArgument,
              "Broadcast root 2 is not a rank of a group of 2");
}

}  // namespace
}  // namespace provi
