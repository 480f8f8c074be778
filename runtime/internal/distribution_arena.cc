// Copyright 2026 The provi Authors.

#include "runtime/internal/distribution_arena.h"

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
      if (header.copy != nullptr) header.copy->~Distribution();
      offset += kHeader + header.size;
    }
    FreeBlock(block.memory);
  }
}

const Distribution* DistributionArena::Copy(const Distribution& dist) {
  first_ = nullptr;
  Distribution::ResourceCopy copy;
  try {
    copy = dist.CloneWith(*this);
  } catch (const Refused&) {
    return nullptr;
  }
  // A family that declines allocates nothing; one that did not take its
  // copy from the arena keeps it (destroyed here) and is cloned instead.
  if (copy == nullptr || first_ == nullptr) return nullptr;
  first_->copy = copy.get();
  return copy.release();
}

void* DistributionArena::do_allocate(size_t bytes, size_t alignment) {
  if (bytes > kMaxCopy || alignment > kAlign) throw Refused();
  const size_t size = (bytes + kAlign - 1) & ~(kAlign - 1);
  if (blocks_.empty() || blocks_.back().used + kHeader + size > kBlockBytes) {
    NewBlock();
  }
  Block& block = blocks_.back();
  char* const start = block.memory + block.used;
  Header* const header = new (start) Header{size, nullptr};
  if (first_ == nullptr) first_ = header;
  block.used += kHeader + size;
  return start + kHeader;
}

void DistributionArena::NewBlock() {
  // Room first, so a failure cannot strand a block.
  if (blocks_.size() == blocks_.capacity()) {
    blocks_.reserve(2 * blocks_.size() + 4);
  }
  blocks_.push_back(Block{static_cast<char*>(AllocateBlock()), 0});
}

}  // namespace runtime_internal
}  // namespace provi
