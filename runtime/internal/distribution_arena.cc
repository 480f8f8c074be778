// Copyright 2026 The provi Authors.

#include "runtime/internal/distribution_arena.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>

#include "runtime/internal/block_pool.h"

namespace provi {
namespace runtime_internal {
namespace {

// Every copy is preceded by a header, so the destructor can walk a block;
// both are aligned for std::max_align_t.
struct Header {
  size_t size;  // bytes of the copy, rounded up to kAlign
  Distribution* copy;
};
constexpr size_t kAlign = alignof(std::max_align_t);
constexpr size_t kHeader = (sizeof(Header) + kAlign - 1) & ~(kAlign - 1);
// Larger copies go to the heap: a block holds at least four.
constexpr size_t kMaxCopy = kBlockBytes / 4 - kHeader;

size_t RoundUp(size_t n) { return (n + kAlign - 1) & ~(kAlign - 1); }

}  // namespace

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

const Distribution* DistributionArena::Copy(const Distribution& dist) {
  // The rest of the current block, else a fresh one. A family declines
  // (returns no copy) when the room offered is too small; in a fresh block
  // that means the copy is too large or the family does not support it.
  Distribution::PlacedCopy placed;
  if (!blocks_.empty()) placed = TryIn(blocks_.back(), dist);
  if (placed.copy == nullptr) {
    // Room first, so a failure cannot strand a block.
    if (blocks_.size() == blocks_.capacity()) {
      blocks_.reserve(2 * blocks_.size() + 4);
    }
    blocks_.push_back(Block{static_cast<char*>(AllocateBlock()), 0});
    placed = TryIn(blocks_.back(), dist);
    if (placed.copy == nullptr) return nullptr;
  }
  Block& block = blocks_.back();
  const Header header{RoundUp(placed.size), placed.copy};
  std::memcpy(block.memory + block.used, &header, sizeof(header));
  block.used += kHeader + header.size;
  return placed.copy;
}

Distribution::PlacedCopy DistributionArena::TryIn(const Block& block,
                                                  const Distribution& dist) {
  if (block.used + kHeader >= kBlockBytes) return {};
  const size_t room = std::min(kMaxCopy, kBlockBytes - block.used - kHeader);
  return dist.CloneInto(block.memory + block.used + kHeader, room);
}

}  // namespace runtime_internal
}  // namespace provi
