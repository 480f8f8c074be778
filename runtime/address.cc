// Copyright 2026 The provi Authors.

#include "runtime/address.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
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
// prefix) to id, in front of the per-thread map below. A hit is confirmed by
// comparing the characters with the interned local name, so a reused buffer
// with new contents is a miss, never a wrong answer.
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

// Mixes the bits of `x` (the finaliser of MurmurHash3's 64-bit variant).
uint64_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

// A hash of (prefix, characters); `head` is Head(local).
uint64_t ContentHash(uint32_t prefix, absl::string_view local, uint64_t head) {
  uint64_t h = head ^ ((uint64_t{prefix} << 32 | (local.size() & 0xffffffffu)) *
                       0x9e3779b97f4a7c15ull);
  if (local.size() > 8) {
    h ^= absl::Hash<absl::string_view>{}(local.substr(8));
  }
  return Mix(h);
}

// A per-thread map from (prefix, characters) to id, behind the cache: open
// addressing with linear probing, doubled at half load. It holds every
// address its thread has interned (40 bytes each, 80 at the lowest load),
// so that names built afresh for each site (absl::StrCat("x_", i), whose
// characters sit in a reused buffer) and programs with more distinct names
// than the cache has entries find their ids without the table's lock.
//
// It also keeps the entries in the order the thread first looked them up,
// with a cursor after the last one found: a program that runs its sites in
// the same order at every step (a loop over data points, say) finds each
// name the cache does not hold at the cursor, reading that list front to
// back, where a hash probe into a map of many thousand names would miss
// the processor's caches at every site.
class ThreadMap {
 public:
  ThreadMap() : entries_(kInitialSize) {}

  struct Entry {
    // The local part of the interned full name (stable for the process);
    // null in a free slot.
    const char* interned = nullptr;
    uint64_t head = 0;
    uint32_t size = 0;
    uint32_t prefix = 0;
    uint32_t id = 0;
    uint32_t tag = 0;  // the hash's high half
    // The entry's position in the lookup order.
    uint32_t order = 0;
  };

  // The entry at the cursor if it is (prefix, local), advancing the cursor
  // past it; else null.
  const Entry* Next(uint32_t prefix, absl::string_view local, uint64_t head) {
    if (cursor_ >= order_.size()) return nullptr;
    const Entry& e = order_[cursor_];
    if (e.head != head || e.size != local.size() || e.prefix != prefix ||
        (local.size() > 8 && std::memcmp(e.interned + 8, local.data() + 8,
                                         local.size() - 8) != 0)) {
      return nullptr;
    }
    ++cursor_;
    return &e;
  }

  // Puts the cursor after `e` (an entry Find() returned).
  void Seen(const Entry& e) { cursor_ = e.order + 1; }

  // The entry of (prefix, local), or null with `*slot` the free slot at
  // which Insert() may put it. The entry holds the interned name too, so a
  // hit reads nothing from the table; it stays valid until the next Insert().
  const Entry* Find(uint64_t hash, uint32_t prefix, absl::string_view local,
                    uint64_t head, size_t* slot) const {
    const size_t mask = entries_.size() - 1;
    const uint32_t tag = static_cast<uint32_t>(hash >> 32);
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      const Entry& e = entries_[i];
      if (e.interned == nullptr) {
        *slot = i;
        return nullptr;
      }
      if (e.tag == tag && e.head == head && e.size == local.size() &&
          e.prefix == prefix &&
          (local.size() <= 8 || std::memcmp(e.interned + 8, local.data() + 8,
                                            local.size() - 8) == 0)) {
        return &e;
      }
    }
  }

  // Puts an entry at `slot` (from the Find() that missed it just before),
  // last in the lookup order, with the cursor after it.
  void Insert(size_t slot, uint64_t hash, uint32_t prefix, const char* interned,
              uint32_t size, uint64_t head, uint32_t id) {
    const Entry entry{interned,
                      head,
                      size,
                      prefix,
                      id,
                      static_cast<uint32_t>(hash >> 32),
                      static_cast<uint32_t>(order_.size())};
    order_.push_back(entry);
    cursor_ = order_.size();
    entries_[slot] = entry;
    if (2 * ++count_ > entries_.size()) Grow();
  }

 private:
  static constexpr size_t kInitialSize = 1024;

  void Grow() {
    std::vector<Entry> old(2 * entries_.size());
    old.swap(entries_);
    const size_t mask = entries_.size() - 1;
    for (const Entry& e : old) {
      if (e.interned == nullptr) continue;
      const uint64_t hash =
          ContentHash(e.prefix, absl::string_view(e.interned, e.size), e.head);
      size_t i = hash & mask;
      while (entries_[i].interned != nullptr) i = (i + 1) & mask;
      entries_[i] = e;
    }
  }

  std::vector<Entry> entries_;
  size_t count_ = 0;
  // The entries in lookup order, and the position after the last one found.
  std::vector<Entry> order_;
  size_t cursor_ = 0;
};

// The cache missed: the per-thread map, else the table; refills `entry`.
ABSL_ATTRIBUTE_NOINLINE uint32_t LookupMissed(uint32_t prefix,
                                              absl::string_view local,
                                              uint64_t head,
                                              CacheEntry& entry) {
  if (local.size() > UINT32_MAX) {
    return GlobalTable().Intern(prefix, local);
  }
  thread_local ThreadMap map;
  uint32_t id;
  const char* interned;
  if (const ThreadMap::Entry* next = map.Next(prefix, local, head)) {
    entry = CacheEntry{local.data(), next->interned,
                       head,         static_cast<uint32_t>(local.size()),
                       prefix,       next->id};
    return next->id;
  }
  const uint64_t hash = ContentHash(prefix, local, head);
  size_t free_slot = 0;
  if (const ThreadMap::Entry* e =
          map.Find(hash, prefix, local, head, &free_slot)) {
    // The entry's interned name: no second random access, into the table.
    id = e->id;
    interned = e->interned;
    map.Seen(*e);
  } else {
    Table& table = GlobalTable();
    id = table.Intern(prefix, local);
    // The table's strings never move (see Table), so the pointer stays valid
    // for the process, whatever other threads add.
    const std::string& full = table.Name(id);
    interned = full.data() + (full.size() - local.size());
    map.Insert(free_slot, hash, prefix, interned,
               static_cast<uint32_t>(local.size()), head, id);
  }
  entry = CacheEntry{local.data(), interned,
                     head,         static_cast<uint32_t>(local.size()),
                     prefix,       id};
  return id;
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
  return LookupMissed(prefix, local, head, entry);
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
