// Copyright 2026 The provi Authors.
//
// File: runtime/internal/distribution_arena.h
// -----------------------------------------------------------------------------
//
// `DistributionArena` holds the copies of distributions a trace records,
// packed in recycled blocks (block_pool.h) instead of one heap allocation
// each. It is the std::pmr::memory_resource given to
// Distribution::CloneWith, so distributions know nothing of it. Sites refer
// to a copy through a `shared_ptr` that shares ownership of the arena, so a
// copy lives as long as any site (in any trace) holding it. Not thread-safe:
// one trace appends to it.

#ifndef PROVI_RUNTIME_INTERNAL_DISTRIBUTION_ARENA_H_
#define PROVI_RUNTIME_INTERNAL_DISTRIBUTION_ARENA_H_

#include <cstddef>
#include <memory_resource>
#include <new>

#include "absl/container/inlined_vector.h"
#include "distributions/distribution.h"
#include "runtime/internal/block_pool.h"

namespace provi {
namespace runtime_internal {

class DistributionArena final : public std::pmr::memory_resource {
 public:
  DistributionArena() = default;
  DistributionArena(const DistributionArena&) = delete;
  DistributionArena& operator=(const DistributionArena&) = delete;
  // Destroys the copies and returns the blocks.
  ~DistributionArena() override;

  // Copy()
  //
  // A copy of `dist` in the arena, destroyed with it; or null when its
  // family cannot copy itself into a memory resource or the copy is too
  // large for the arena (the caller then uses Clone()).
  const Distribution* Copy(const Distribution& dist);

 private:
  // The arena refuses allocations larger than kMaxCopy or over-aligned by
  // throwing this (a std::bad_alloc, as memory resources signal failure);
  // Copy() catches it and lets other exceptions through.
  struct Refused : std::bad_alloc {};

  struct Block {
    char* memory;
    size_t used;  // bytes holding allocations, from the start
  };
  // Every allocation is preceded by a header (its size, and the copy it
  // holds or null) so that the destructor can walk a block; both are
  // aligned for std::max_align_t.
  struct Header {
    size_t size;  // bytes of the allocation, rounded up to kAlign
    const Distribution* copy;
  };
  static constexpr size_t kAlign = alignof(std::max_align_t);
  static constexpr size_t kHeader =
      (sizeof(Header) + kAlign - 1) & ~(kAlign - 1);
  // Larger copies go to the heap: a block holds at least four.
  static constexpr size_t kMaxCopy = kBlockBytes / 4 - kHeader;

  // std::pmr::memory_resource. Memory comes back when the arena is
  // destroyed, as with std::pmr::monotonic_buffer_resource:
  // do_deallocate() does nothing.
  void* do_allocate(size_t bytes, size_t alignment) override;
  void do_deallocate(void*, size_t, size_t) override {}
  bool do_is_equal(const memory_resource& other) const noexcept override {
    return this == &other;
  }

  // Starts a block for an allocation that does not fit in the last one.
  void NewBlock();

  // Inline: one block serves most traces, which then allocate no list.
  absl::InlinedVector<Block, 2> blocks_;
  // During Copy(): the header of the copy's first allocation, null until it
  // is made.
  Header* first_ = nullptr;
};

}  // namespace runtime_internal
}  // namespace provi

#endif  // PROVI_RUNTIME_INTERNAL_DISTRIBUTION_ARENA_H_
