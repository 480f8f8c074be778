// Copyright 2026 The provi Authors.

#include "runtime/internal/distribution_arena.h"

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
  const size_t need = dist.clone_size();
  if (need == 0 || need > kMaxCopy) return nullptr;
  const size_t size = RoundUp(need);
  if (blocks_.empty() || blocks_.back().used + kHeader + size > kBlockBytes) {
    // Room first, so a failure cannot strand a block.
    if (blocks_.size() == blocks_.capacity()) {
      blocks_.reserve(2 * blocks_.size() + 4);
    }
    blocks_.push_back(Block{static_cast<char*>(AllocateBlock()), 0});
  }
  Block& block = blocks_.back();
  char* at = block.memory + block.used;
  // Construct first: if the copy throws, the block is left as it was.
  Distribution* copy = dist.CloneInto(at + kHeader);
  if (copy == nullptr) return nullptr;
  const Header header{size, copy};
  std::memcpy(at, &header, sizeof(header));
  block.used += kHeader + size;
  return copy;
}

}  // namespace runtime_internal
}  // namespace provi
