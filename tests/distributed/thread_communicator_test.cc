// Copyright 2026 The provi Authors.
//
// The threads backend's collectives: results, agreement on the same bits,
// mismatched calls, and members that leave.

#include "distributed/thread_communicator.h"

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testing/status_testing.h"

namespace provi {
namespace {

using ::provi::testing::ExpectError;

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
