// Copyright 2026 The provi Authors.

#include "runtime/internal/address_index.h"

#include <algorithm>
#include <utility>

namespace provi {
namespace runtime_internal {
namespace {

// The per-thread cache of free slot arrays, all filled with empty slots.
constexpr size_t kMaxCached = 8;
// Larger arrays (more than 8k addresses) are not kept.
constexpr size_t kMaxCachedSlots = size_t{1} << 14;
constexpr size_t kMinSlots = 16;
// Arrays above this size are not cached by an index using under 1/16 of it.
constexpr size_t kOversizedFrom = 1024;

// Trivially destructible, so that it can be read while and after the cache
// is destroyed at thread exit.
enum class CacheState : unsigned char { kNotCreated, kAlive, kDestroyed };
thread_local CacheState cache_state = CacheState::kNotCreated;

struct Cache {
  Cache() {
    arrays.reserve(kMaxCached);  // so that releasing never allocates
    cache_state = CacheState::kAlive;
  }
  ~Cache() { cache_state = CacheState::kDestroyed; }
  std::vector<std::vector<uint64_t>> arrays;
};

Cache* ThreadCache() {
  if (cache_state == CacheState::kDestroyed) return nullptr;
  thread_local Cache cache;
  return &cache;
}

// The most recently cached array (a program run in a loop gets back the
// array its index grew to last time), or a new one of kMinSlots empty slots.
std::vector<uint64_t> TakeArray(uint64_t empty) {
  Cache* cache = ThreadCache();
  if (cache == nullptr || cache->arrays.empty()) {
    return std::vector<uint64_t>(kMinSlots, empty);
  }
  std::vector<uint64_t> array = std::move(cache->arrays.back());
  cache->arrays.pop_back();
  return array;
}

// Gives `array` (of empty slots) to the cache, or frees it.
void GiveArray(std::vector<uint64_t>&& array) {
  Cache* cache = ThreadCache();
  if (cache != nullptr && cache->arrays.size() < kMaxCached &&
      array.size() <= kMaxCachedSlots) {
    cache->arrays.push_back(std::move(array));
  }
}

int ShiftFor(size_t slots) {
  int bits = 0;
  while ((size_t{1} << bits) < slots) ++bits;
  return 64 - bits;
}

}  // namespace

AddressIndex::AddressIndex(AddressIndex&& other) noexcept
    : slots_(std::move(other.slots_)),
      size_(std::exchange(other.size_, 0)),
      shift_(std::exchange(other.shift_, 64)) {
  other.slots_.clear();
}

AddressIndex& AddressIndex::operator=(AddressIndex&& other) noexcept {
  if (this != &other) {
    Release();
    slots_ = std::move(other.slots_);
    other.slots_.clear();
    size_ = std::exchange(other.size_, 0);
    shift_ = std::exchange(other.shift_, 64);
  }
  return *this;
}

AddressIndex::~AddressIndex() { Release(); }

void AddressIndex::Release() {
  if (slots_.empty()) return;
  // An array far larger than this index needed (it took one a larger index
  // left) is freed, not cached: small indexes then stop paying for clearing
  // it, and the larger one regrows its own.
  const bool oversized =
      slots_.size() > kOversizedFrom && 16 * size_ < slots_.size();
  if (!oversized) {
    if (size_ > 0) std::fill(slots_.begin(), slots_.end(), kEmpty);
    GiveArray(std::move(slots_));
  }
  slots_ = std::vector<uint64_t>();
  size_ = 0;
  shift_ = 64;
}

void AddressIndex::Grow() {
  if (slots_.empty()) {
    slots_ = TakeArray(kEmpty);
    shift_ = ShiftFor(slots_.size());
    if (2 * (size_ + 1) <= slots_.size()) return;
  }
  std::vector<uint64_t> old = std::move(slots_);
  slots_.assign(2 * old.size(), kEmpty);
  shift_ = ShiftFor(slots_.size());
  const uint64_t mask = slots_.size() - 1;
  for (const uint64_t slot : old) {
    if (slot == kEmpty) continue;
    uint64_t i = Home(static_cast<uint32_t>(slot >> 32));
    while (slots_[i] != kEmpty) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

}  // namespace runtime_internal
}  // namespace provi
