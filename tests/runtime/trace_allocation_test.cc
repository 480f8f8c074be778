// Copyright 2026 The provi Authors.
//
// Recording a trace does not allocate per site once the recycled blocks are
// warm: sites, the address index and the copies of distributions
// (Distribution::CloneWith into the trace's arena) live in recycled memory.
// Heap allocations are counted by tests/testing/allocation_counter.h.

#include <string>
#include <vector>

#include "ad/tape.h"
#include "distributions/normal.h"
#include "gtest/gtest.h"
#include "handlers/trace.h"
#include "runtime/handler.h"
#include "runtime/primitives.h"
#include "tests/testing/allocation_counter.h"

namespace provi {
namespace {

using ::provi::testing::HeapAllocations;

// Heap allocations made by the last of a few runs of a program with `n`
// sample sites, traced or not.
long AllocationsOfAWarmRun(int n, bool traced) {
  std::vector<std::string> names;
  for (int i = 0; i < n; ++i) {
    names.push_back("alloc_test_" + std::to_string(i));
  }
  const Normal normal(0.0, 1.0);
  long allocations = 0;
  for (int run = 0; run < 3; ++run) {
    TapeScope tape;
    const long before = HeapAllocations();
    {
      TraceHandler trace;
      if (traced) {
        HandlerScope scope(trace);
        for (const std::string& name : names) sample(name, normal);
      } else {
        for (const std::string& name : names) sample(name, normal);
      }
    }
    allocations = HeapAllocations() - before;
  }
  return allocations;
}

// The test below would pass for a counter that never counts.
TEST(TraceAllocationTest, TheCounterCountsAllocations) {
  const long before = HeapAllocations();
  void* volatile single = ::operator new(64);
  void* volatile array = ::operator new[](64);
  ::operator delete(single);
  ::operator delete[](array);
  EXPECT_EQ(HeapAllocations() - before, 2);
}

TEST(TraceAllocationTest, RecordingASiteDoesNotAllocate) {
  // What tracing adds to a run: a few allocations per trace (its data, the
  // arena, the arena's list of blocks), none per site, while the blocks the
  // trace needs fit in this thread's list of recycled blocks (block_pool.h).
  for (const int n : {500, 2000}) {
    const long added =
        AllocationsOfAWarmRun(n, true) - AllocationsOfAWarmRun(n, false);
    EXPECT_LT(added, 10) << n << " sites";
  }
}

}  // namespace
}  // namespace provi
