// Copyright 2026 The provi Authors.

#include "runtime/internal/block_pool.h"

#include <new>
#include <vector>

namespace provi {
namespace runtime_internal {
namespace {

// At most this many free blocks (2 MiB) stay on a thread's list; the rest go
// back to the allocator.
constexpr size_t kMaxFreeBlocks = 64;

// The list's state, trivially destructible so that it can be read while and
// after the list itself is destroyed at thread exit.
enum class ListState : unsigned char { kNotCreated, kAlive, kDestroyed };
thread_local ListState list_state = ListState::kNotCreated;

struct FreeList {
  FreeList() {
    blocks.reserve(kMaxFreeBlocks);
    list_state = ListState::kAlive;
  }
  ~FreeList() {
    list_state = ListState::kDestroyed;
    for (void* block : blocks) ::operator delete(block);
  }
  std::vector<void*> blocks;
};

// This thread's list, or null once it has been destroyed.
FreeList* List() {
  if (list_state == ListState::kDestroyed) return nullptr;
  thread_local FreeList list;
  return &list;
}

}  // namespace

void* AllocateBlock() {
  FreeList* list = List();
  if (list == nullptr || list->blocks.empty()) {
    return ::operator new(kBlockBytes);
  }
  void* block = list->blocks.back();
  list->blocks.pop_back();
  return block;
}

void FreeBlock(void* block) {
  if (block == nullptr) return;
  FreeList* list = List();
  if (list != nullptr && list->blocks.size() < kMaxFreeBlocks) {
    list->blocks.push_back(block);
  } else {
    ::operator delete(block);
  }
}

}  // namespace runtime_internal
}  // namespace provi
