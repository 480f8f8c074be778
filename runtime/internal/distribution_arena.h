// Copyright 2026 The provi Authors.
//
// File: runtime/internal/distribution_arena.h
// -----------------------------------------------------------------------------
//
// `DistributionArena` holds the copies of distributions a trace records,
// packed in recycled blocks (block_pool.h) instead of one heap allocation
// each. Sites refer to a copy through a `shared_ptr` that shares ownership of
// the arena, so a copy lives as long as any site (in any trace) holding it.
// Not thread-safe: one trace appends to it.

#ifndef PROVI_RUNTIME_INTERNAL_DISTRIBUTION_ARENA_H_
#define PROVI_RUNTIME_INTERNAL_DISTRIBUTION_ARENA_H_

#include <cstddef>
#include <cstring>
#include <vector>

#include "distributions/distribution.h"
#include "runtime/internal/block_pool.h"

namespace provi {
namespace runtime_internal {

class DistributionArena {
 public:
  DistributionArena() = default;
  DistributionArena(const DistributionArena&) = delete;
  DistributionArena& operator=(const DistributionArena&) = delete;
  // Destroys the copies and returns the blocks.
  ~DistributionArena();

  // Copy()
  //
  // A copy of `dist` in the arena, or null when its family does not support
  // Distribution::CloneInto or it is too large for the arena (the caller
  // then uses Clone()).
  const Distribution* Copy(const Distribution& dist) {
    if (!blocks_.empty()) {
      Block& block = blocks_.back();
      if (block.used + kHeader < kBlockBytes) {
        const Distribution::PlacedCopy placed = dist.CloneInto(
            block.memory + block.used + kHeader, Room(block.used));
        if (placed.copy != nullptr) return Commit(block, placed);
      }
    }
    return CopyToNewBlock(dist);
  }

 private:
  struct Block {
    char* memory;
    size_t used;  // bytes holding copies, from the start
  };
  // Every copy is preceded by a header (its size and address) so that the
  // destructor can walk a block; both are aligned for std::max_align_t.
  struct Header {
    size_t size;  // bytes of the copy, rounded up to kAlign
    Distribution* copy;
  };
  static constexpr size_t kAlign = alignof(std::max_align_t);
  static constexpr size_t kHeader =
      (sizeof(Header) + kAlign - 1) & ~(kAlign - 1);
  // Larger copies go to the heap: a block holds at least four.
  static constexpr size_t kMaxCopy = kBlockBytes / 4 - kHeader;

  // The room offered to a copy in a block with `used` bytes taken (a
  // multiple of kAlign, so a copy rounded up still fits).
  static size_t Room(size_t used) {
    const size_t left = kBlockBytes - used - kHeader;
    return left < kMaxCopy ? left : kMaxCopy;
  }
  // Records `placed`, just constructed in `block`, and returns it.
  static const Distribution* Commit(Block& block,
                                    const Distribution::PlacedCopy& placed) {
    const Header header{(placed.size + kAlign - 1) & ~(kAlign - 1),
                        placed.copy};
    std::memcpy(block.memory + block.used, &header, sizeof(header));
    block.used += kHeader + header.size;
    return placed.copy;
  }
  const Distribution* CopyToNewBlock(const Distribution& dist);

  std::vector<Block> blocks_;
};

}  // namespace runtime_internal
}  // namespace provi

#endif  // PROVI_RUNTIME_INTERNAL_DISTRIBUTION_ARENA_H_
