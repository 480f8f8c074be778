// Copyright 2026 The provi Authors.
//
// File: ad/arena.h
// -----------------------------------------------------------------------------
//
// A bump allocator that owns the memory of every node on a tape: values,
// adjoints and the operands backward closures capture. Allocation is a pointer
// increment; memory is released all at once by recovering to a mark. Blocks
// are kept after a recovery and reused, so a gradient step that repeats the
// same computation touches the system heap only while the arena first grows.
//
// Nothing allocated here has its destructor run: store only trivially
// destructible objects.
//
// Example:
//
//   Arena arena;
//   Arena::Mark mark = arena.GetMark();
//   float* values = arena.AllocateArray<float>(1024);
//   ...
//   arena.Recover(mark);  // `values` is gone; its block is reused next time

#ifndef PROVI_AD_ARENA_H_
#define PROVI_AD_ARENA_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include "absl/base/optimization.h"

namespace provi {

// Arena
//
// Not thread-safe: each thread's tape owns one.
class Arena {
 public:
  // A position to recover to. Marks must be recovered in LIFO order.
  struct Mark {
    size_t block = 0;
    char* position = nullptr;
  };

  // The first block holds `initial_bytes`; later blocks double in size.
  explicit Arena(size_t initial_bytes = size_t{1} << 16);
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Allocate()
  //
  // Returns `bytes` bytes aligned to 16 (64 for requests of
  // kCacheLineAlignedBytes or more, so large buffers start on a cache line
  // while small nodes stay densely packed).
  static constexpr size_t kCacheLineAlignedBytes = 256;
  void* Allocate(size_t bytes) {
    const size_t alignment = bytes >= kCacheLineAlignedBytes ? 64 : 16;
    const uintptr_t p = reinterpret_cast<uintptr_t>(position_);
    const uintptr_t aligned = (p + alignment - 1) & ~(alignment - 1);
    const uintptr_t end = aligned + bytes;
    if (ABSL_PREDICT_TRUE(end <= reinterpret_cast<uintptr_t>(end_))) {
      position_ = reinterpret_cast<char*>(end);
      return reinterpret_cast<void*>(aligned);
    }
    return AllocateSlow(bytes, alignment);
  }

  // AllocateArray()
  //
  // Uninitialised storage for `n` objects of trivially destructible type `T`.
  template <typename T>
  T* AllocateArray(size_t n) {
    static_assert(std::is_trivially_destructible_v<T>,
                  "the arena never runs destructors");
    return static_cast<T*>(Allocate(n * sizeof(T)));
  }

  // GetMark(), Recover()
  //
  // `Recover(mark)` releases everything allocated since `GetMark()` returned
  // `mark`.
  Mark GetMark() const { return Mark{current_, position_}; }
  void Recover(const Mark& mark);

  // BytesInUse()
  //
  // Bytes between the arena's start and its current position: everything
  // handed out, with alignment padding and the unused tails of full blocks.
  size_t BytesInUse() const;

  // BytesReserved()
  //
  // Bytes obtained from the system heap and held by the arena.
  size_t BytesReserved() const;

  // BlockAllocations()
  //
  // How many times the arena has called the system allocator; constant once
  // the arena has grown to its working size.
  size_t BlockAllocations() const { return block_allocations_; }

 private:
  struct Block {
    std::unique_ptr<char[]> data;
    size_t size;
  };

  void* AllocateSlow(size_t bytes, size_t alignment);
  void EnterBlock(size_t index);

  std::vector<Block> blocks_;
  size_t current_ = 0;
  char* position_ = nullptr;
  char* end_ = nullptr;
  size_t block_allocations_ = 0;
};

}  // namespace provi

#endif  // PROVI_AD_ARENA_H_
