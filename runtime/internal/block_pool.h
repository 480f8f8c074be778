// Copyright 2026 The provi Authors.
//
// File: runtime/internal/block_pool.h
// -----------------------------------------------------------------------------
//
// Fixed-size memory blocks recycled through a per-thread free list. Traces
// keep their sites, and the distributions they copy, in such blocks: a program
// run many times (every step of an optimiser) then records its traces without
// going back to the allocator once the first runs have filled the list.
//
// A block freed on another thread than the one that allocated it joins that
// thread's list. After a thread's list is destroyed (thread exit), blocks it
// frees go straight back to the allocator.

#ifndef PROVI_RUNTIME_INTERNAL_BLOCK_POOL_H_
#define PROVI_RUNTIME_INTERNAL_BLOCK_POOL_H_

#include <cstddef>

namespace provi {
namespace runtime_internal {

// The size of every block, in bytes. Blocks are aligned for any type with
// fundamental alignment.
inline constexpr size_t kBlockBytes = size_t{32} << 10;
static_assert(__STDCPP_DEFAULT_NEW_ALIGNMENT__ >= alignof(std::max_align_t),
              "blocks from operator new must be aligned for any type");

// AllocateBlock(), FreeBlock()
//
// A block of kBlockBytes bytes (from this thread's list when it has one);
// and its return. Never null: allocation failure throws std::bad_alloc.
void* AllocateBlock();
void FreeBlock(void* block);

}  // namespace runtime_internal
}  // namespace provi

#endif  // PROVI_RUNTIME_INTERNAL_BLOCK_POOL_H_
