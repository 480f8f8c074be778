// Copyright 2026 The provi Authors.

#include "tests/testing/allocation_counter.h"

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace {

std::atomic<long> heap_allocations{0};

void* CountedMalloc(std::size_t size) {
  heap_allocations.fetch_add(1, std::memory_order_relaxed);
  // operator new(0) must return a distinct pointer; malloc(0) may not.
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

}  // namespace

namespace provi {
namespace testing {

long HeapAllocations() {
  return heap_allocations.load(std::memory_order_relaxed);
}

}  // namespace testing
}  // namespace provi

void* operator new(std::size_t size) { return CountedMalloc(size); }
void* operator new[](std::size_t size) { return CountedMalloc(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
