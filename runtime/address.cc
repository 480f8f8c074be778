// Copyright 2026 The provi Authors.

#include "runtime/address.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>

#include "absl/base/config.h"
#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "base/check.h"

namespace provi {
namespace {

// The table: names by id in fixed-size chunks, so a name's storage never
// moves and readers need no lock (an id is only handed out after its chunk
// and name are written, under the mutex that publishes it).
constexpr uint32_t kChunkBits = 12;
constexpr uint32_t kChunkSize = uint32_t{1} << kChunkBits;
constexpr uint32_t kMaxChunks = 4096;

struct Table {
  absl::Mutex mutex;
  // Keyed by the full name, so Intern("a/b") and Join(Intern("a"), "b") are
  // the same address.
  absl::flat_hash_map<std::string, uint32_t> ids ABSL_GUARDED_BY(mutex);
  std::array<std::atomic<std::string*>, kMaxChunks> chunks{};
  uint32_t size ABSL_GUARDED_BY(mutex) = 0;

  Table() {
    absl::MutexLock lock(&mutex);
    Add("");  // id 0: the root
  }

  uint32_t Add(std::string full) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex) {
    const uint32_t id = size++;
    PROVI_CHECK(id < kChunkSize * kMaxChunks) << "too many distinct addresses";
    std::string* chunk =
        chunks[id >> kChunkBits].load(std::memory_order_relaxed);
    if (chunk == nullptr) {
      chunk = new std::string[kChunkSize];  // lives for the process
      chunks[id >> kChunkBits].store(chunk, std::memory_order_release);
    }
    chunk[id & (kChunkSize - 1)] = full;
    ids.emplace(std::move(full), id);
    return id;
  }

  uint32_t Intern(uint32_t prefix, absl::string_view local) {
    std::string full = prefix == 0 ? std::string(local)
                                   : absl::StrCat(Name(prefix), "/", local);
    absl::MutexLock lock(&mutex);
    auto it = ids.find(full);
    if (it != ids.end()) return it->second;
    return Add(std::move(full));
  }

  const std::string& Name(uint32_t id) const {
    const std::string* chunk =
        chunks[id >> kChunkBits].load(std::memory_order_acquire);
    return chunk[id & (kChunkSize - 1)];
  }
};

Table& GlobalTable() {
  static Table* table = new Table();
  return *table;
}

// A per-thread, direct-mapped cache from (characters pointer, length,
// prefix) to id. A hit is confirmed by comparing the characters with the
// interned local name, so a reused buffer with new contents is a miss, never
// a wrong answer.
struct CacheEntry {
  const char* data = nullptr;
  // The local part of the interned full name (stable for the process).
  const char* interned = nullptr;
  // The first (up to) 8 characters, zero-padded: most names are that short,
  // and then the entry alone confirms a hit.
  uint64_t head = 0;
  uint32_t size = 0;
  uint32_t prefix = 0;
  uint32_t id = 0;
};
constexpr size_t kCacheBits = 12;
constexpr size_t kCacheSize = size_t{1} << kCacheBits;

// The first min(8, size) characters, zero-padded, as a number: two names
// with equal heads have equal first min(8, size) characters. Assembled in
// registers (copying a variable number of bytes through memory would stall
// the load that reads them back).
uint64_t Head(absl::string_view s) {
  const char* p = s.data();
  const size_t n = s.size();
  if (n >= 8) {
    uint64_t head;
    std::memcpy(&head, p, 8);
    return head;
  }
#if ABSL_IS_LITTLE_ENDIAN
  if (n >= 4) {
    // Two overlapping loads: bytes 0-3 and n-4..n-1, the latter shifted to
    // their positions (the bytes they share are equal, so OR is exact).
    uint32_t low;
    uint32_t high;
    std::memcpy(&low, p, 4);
    std::memcpy(&high, p + n - 4, 4);
    return uint64_t{low} | (uint64_t{high} << (8 * (n - 4)));
  }
#endif
  uint64_t head = 0;
  for (size_t i = 0; i < n; ++i) {
    head |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  }
  return head;
}

uint32_t Lookup(uint32_t prefix, absl::string_view local) {
  thread_local std::array<CacheEntry, kCacheSize> cache;
  const size_t slot = ((reinterpret_cast<uintptr_t>(local.data()) >> 3) ^
                       (prefix * 2654435761u)) &
                      (kCacheSize - 1);
  CacheEntry& entry = cache[slot];
  const uint64_t head = Head(local);
  if (entry.data == local.data() && entry.size == local.size() &&
      entry.prefix == prefix && entry.head == head && entry.data != nullptr &&
      (local.size() <= 8 || std::memcmp(entry.interned + 8, local.data() + 8,
                                        local.size() - 8) == 0)) {
    return entry.id;
  }
  Table& table = GlobalTable();
  const uint32_t id = table.Intern(prefix, local);
  const std::string& full = table.Name(id);
  if (local.size() <= UINT32_MAX) {
    entry = CacheEntry{local.data(), full.data() + (full.size() - local.size()),
                       head,         static_cast<uint32_t>(local.size()),
                       prefix,       id};
  }
  return id;
}

}  // namespace

Address Address::Intern(absl::string_view name) {
  return Address(Lookup(0, name));
}

Address Address::Join(Address prefix, absl::string_view name) {
  return Address(Lookup(prefix.id_, name));
}

const std::string& Address::name() const { return GlobalTable().Name(id_); }

}  // namespace provi
