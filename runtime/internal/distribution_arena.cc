// Copyright 2026 The provi Authors.

#include "runtime/internal/distribution_arena.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>

#include "runtime/internal/block_pool.h"

namespace provi {
namespace runtime_internal {

DistributionArena::~DistributionArena() {
  for (const Block& block : blocks_) {
    size_t offset = 0;
    while (offset < block.used) {
      Header header;
      std::memcpy(&header, block.memory + offset, sizeof(header));
      header.copy->~Distribution();
      offset += kHeader + header.size;
    }
    FreeBlock(block.memory);
  }
}

const Distribution* DistributionArena::CopyToNewBlock(
    const Distribution& dist) {
  // An empty last block (left by a family that declined) is reused, so a
  // family that never accepts costs one block, not one per copy.
  if (blocks_.empty() || blocks_.back().used != 0) {
    // Room first, so a failure cannot strand a block.
    if (blocks_.size() == blocks_.capacity()) {
      blocks_.reserve(2 * blocks_.size() + 4);
    }
    blocks_.push_back(Block{static_cast<char*>(AllocateBlock()), 0});
  }
  Block& block = blocks_.back();
  // In a fresh block, a family that declines has a copy too large for the
  // arena or does not support CloneInto.
  const Distribution::PlacedCopy placed =
      dist.CloneInto(block.memory + kHeader, Room(0));
  if (placed.copy == nullptr) return nullptr;
  return Commit(block, placed);
}

}  // namespace runtime_internal
}  // namespace provi
