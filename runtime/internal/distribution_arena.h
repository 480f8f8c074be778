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
#include <vector>

#include "distributions/distribution.h"

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
  const Distribution* Copy(const Distribution& dist);

 private:
  struct Block {
    char* memory;
    size_t used;  // bytes holding copies, from the start
  };
  // The copy placed in what is left of `block`, if the family accepts.
  static Distribution::PlacedCopy TryIn(const Block& block,
                                        const Distribution& dist);

  std::vector<Block> blocks_;
};

}  // namespace runtime_internal
}  // namespace provi

#endif  // PROVI_RUNTIME_INTERNAL_DISTRIBUTION_ARENA_H_
