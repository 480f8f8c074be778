// Copyright 2026 The provi Authors.
//
// File: runtime/internal/address_index.h
// -----------------------------------------------------------------------------
//
// `AddressIndex` maps addresses to 32-bit values (a trace's site positions,
// a set of addresses seen in a run). Open addressing with linear probing on
// the address id, at most half full. Its slot array comes from, and returns
// to, a small per-thread cache, so an index rebuilt every run of a program
// does not regrow from empty each time.

#ifndef PROVI_RUNTIME_INTERNAL_ADDRESS_INDEX_H_
#define PROVI_RUNTIME_INTERNAL_ADDRESS_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/address.h"

namespace provi {
namespace runtime_internal {

class AddressIndex {
 public:
  // What Find() and Insert() return for "absent"; never stored.
  static constexpr uint32_t kNone = ~uint32_t{0};

  AddressIndex() = default;
  AddressIndex(const AddressIndex& other) = default;
  AddressIndex& operator=(const AddressIndex& other) = default;
  AddressIndex(AddressIndex&& other) noexcept;
  AddressIndex& operator=(AddressIndex&& other) noexcept;
  ~AddressIndex();

  // Find()
  //
  // The value stored for `address`, or kNone.
  uint32_t Find(Address address) const {
    if (size_ == 0) return kNone;
    const uint64_t mask = slots_.size() - 1;
    for (uint64_t i = Home(address.id());; i = (i + 1) & mask) {
      const uint64_t slot = slots_[i];
      if (slot == kEmpty) return kNone;
      if (static_cast<uint32_t>(slot >> 32) == address.id()) {
        return static_cast<uint32_t>(slot);
      }
    }
  }

  // Probe(), Fill()
  //
  // Insert in two steps, for callers with work to do in between: Probe
  // returns the value stored for `address`, or kNone and the slot where
  // `address` goes (growing the index first, which may allocate); Fill then
  // stores `value` there and cannot fail. The slot is valid until the index
  // next changes.
  struct Slot {
    uint32_t value = kNone;
    uint64_t position = 0;
  };
  Slot Probe(Address address) {
    if (2 * (size_ + 1) > slots_.size()) Grow();
    const uint64_t mask = slots_.size() - 1;
    const uint32_t id = address.id();
    for (uint64_t i = Home(id);; i = (i + 1) & mask) {
      const uint64_t slot = slots_[i];
      if (slot == kEmpty) return Slot{kNone, i};
      if (static_cast<uint32_t>(slot >> 32) == id) {
        return Slot{static_cast<uint32_t>(slot), i};
      }
    }
  }
  void Fill(const Slot& slot, Address address, uint32_t value) {
    slots_[slot.position] = (uint64_t{address.id()} << 32) | value;
    ++size_;
  }

  // Insert()
  //
  // Stores `value` (not kNone) for `address` if it has none and returns
  // kNone; otherwise leaves the index alone and returns the value stored.
  uint32_t Insert(Address address, uint32_t value) {
    const Slot slot = Probe(address);
    if (slot.value == kNone) Fill(slot, address, value);
    return slot.value;
  }

  size_t size() const { return size_; }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};

  // Ids are handed out in the order names are first interned, so a loop
  // over data points has consecutive ids. The 16 ids id & ~15 ... id | 15
  // share a block of 16 slots (two cache lines), at the offset id & 15; the
  // blocks are spread over the array by Fibonacci hashing of id >> 4. A
  // program that visits its sites in order then reads the index block by
  // block instead of one random slot per site, which matters once the array
  // outgrows the processor's caches.
  uint64_t Home(uint32_t id) const {
    const int block_shift = shift_ + kBlockBits;
    const uint64_t block =
        block_shift >= 64
            ? 0
            : (uint64_t{id >> kBlockBits} * 0x9E3779B97F4A7C15ull) >>
                  block_shift;
    return (block << kBlockBits) | (id & ((uint32_t{1} << kBlockBits) - 1));
  }
  static constexpr int kBlockBits = 4;
  // Makes room for one more entry.
  void Grow();
  // Returns the slot array to the thread's cache.
  void Release();

  // (id << 32) | value per slot, kEmpty when free; a power-of-two size.
  std::vector<uint64_t> slots_;
  size_t size_ = 0;
  int shift_ = 64;
};

}  // namespace runtime_internal
}  // namespace provi

#endif  // PROVI_RUNTIME_INTERNAL_ADDRESS_INDEX_H_
