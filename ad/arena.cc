// Copyright 2026 The provi Authors.

#include "ad/arena.h"

#include <algorithm>

#include "base/check.h"

namespace provi {

Arena::Arena(size_t initial_bytes) {
  blocks_.push_back(
      Block{std::make_unique<char[]>(initial_bytes), initial_bytes});
  ++block_allocations_;
  EnterBlock(0);
}

void Arena::EnterBlock(size_t index) {
  current_ = index;
  position_ = blocks_[index].data.get();
  end_ = position_ + blocks_[index].size;
}

void* Arena::AllocateSlow(size_t bytes, size_t alignment) {
  const size_t needed = bytes + alignment;
  // Reuse a later block kept from before a recovery if one is large enough.
  for (size_t i = current_ + 1; i < blocks_.size(); ++i) {
    if (blocks_[i].size >= needed) {
      // Blocks skipped here stay empty until the next recovery.
      EnterBlock(i);
      return Allocate(bytes);
    }
  }
  const size_t size = std::max(needed, 2 * blocks_.back().size);
  blocks_.push_back(Block{std::make_unique<char[]>(size), size});
  ++block_allocations_;
  EnterBlock(blocks_.size() - 1);
  return Allocate(bytes);
}

void Arena::Recover(const Mark& mark) {
  PROVI_CHECK(mark.block < blocks_.size()) << "mark from another arena";
  const char* begin = blocks_[mark.block].data.get();
  PROVI_CHECK(mark.position >= begin &&
              mark.position <= begin + blocks_[mark.block].size)
      << "mark from another arena";
  current_ = mark.block;
  position_ = mark.position;
  end_ = blocks_[mark.block].data.get() + blocks_[mark.block].size;
}

size_t Arena::BytesInUse() const {
  size_t bytes = 0;
  for (size_t i = 0; i < current_; ++i) bytes += blocks_[i].size;
  return bytes + static_cast<size_t>(position_ - blocks_[current_].data.get());
}

size_t Arena::BytesReserved() const {
  size_t bytes = 0;
  for (const Block& block : blocks_) bytes += block.size;
  return bytes;
}

}  // namespace provi
