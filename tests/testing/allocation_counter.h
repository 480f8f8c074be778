// Copyright 2026 The provi Authors.
//
// File: tests/testing/allocation_counter.h
// -----------------------------------------------------------------------------
//
// Counts allocations from the system heap, for tests and benchmarks that
// claim a computation does not allocate. Linking
// //tests/testing:allocation_counter replaces the global `operator new` and
// `operator new[]` (with their `operator delete`s) by malloc and free, the
// new ones counting each call. A program may replace them only once, so a
// binary that links this library must not replace them itself.
//
// Example:
//
//   const long before = provi::testing::HeapAllocations();
//   RecordATrace();
//   EXPECT_EQ(provi::testing::HeapAllocations() - before, 0);

#ifndef PROVI_TESTS_TESTING_ALLOCATION_COUNTER_H_
#define PROVI_TESTS_TESTING_ALLOCATION_COUNTER_H_

namespace provi {
namespace testing {

// HeapAllocations()
//
// How many times the global `operator new` or `operator new[]` has been
// called in this process, by any thread.
long HeapAllocations();

}  // namespace testing
}  // namespace provi

#endif  // PROVI_TESTS_TESTING_ALLOCATION_COUNTER_H_
