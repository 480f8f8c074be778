// Copyright 2026 The provi Authors.
//
// Recording a trace does not allocate per site once the recycled blocks are
// warm: sites, the address index and the copies of distributions
// (Distribution::CloneWith into the trace's arena) live in recycled memory.
// The global operator new is replaced to count heap allocations.

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "ad/tape.h"
#include "distributions/normal.h"
#include "gtest/gtest.h"
#include "handlers/trace.h"
#include "runtime/handler.h"
#include "runtime/primitives.h"

namespace {
std::atomic<long> heap_allocations{0};
}  // namespace

void* operator new(size_t size) {
  heap_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace provi {
namespace {

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
    const long before = heap_allocations.load();
    {
      TraceHandler trace;
      if (traced) {
        HandlerScope scope(trace);
        for (const std::string& name : names) sample(name, normal);
      } else {
        for (const std::string& name : names) sample(name, normal);
      }
    }
    allocations = heap_allocations.load() - before;
  }
  return allocations;
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
