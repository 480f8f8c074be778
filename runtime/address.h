// Copyright 2026 The provi Authors.
//
// File: runtime/address.h
// -----------------------------------------------------------------------------
//
// `Address` names a site ("z", "encoder/h1/w"). Addresses are interned: an
// `Address` is a 32-bit id into a process-wide table of names, so copying,
// comparing and hashing one is free, and traces key their sites by it.
//
// Interning a name the hot path has seen before costs a pointer-keyed cache
// lookup and a short compare (no hashing, no allocation, no lock): sample
// sites are usually named by string literals or long-lived strings. Names
// the cache does not hold (built afresh for each site, or more of them than
// its 4,096 entries) are found in a per-thread hash map of every address
// the thread has used (a hash of the characters, no lock, no allocation;
// about 64 bytes per address); only a thread's first use of a name takes the
// process-wide table's lock.
//
// Example:
//
//   provi::Address z = provi::Address::Intern("z");
//   provi::Address w = provi::Address::Join(provi::Address::Intern("encoder"),
//                                           "w");   // "encoder/w"
//   w.name();  // "encoder/w"

#ifndef PROVI_RUNTIME_ADDRESS_H_
#define PROVI_RUNTIME_ADDRESS_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/strings/string_view.h"

namespace provi {

// Address
//
// A value type; the default-constructed address is the empty root "" (the
// prefix of top-level names).
class Address {
 public:
  Address() = default;

  // Intern()
  //
  // The address named `name`. Thread-safe.
  static Address Intern(absl::string_view name);

  // Join()
  //
  // `prefix` + "/" + `name` (just `name` when `prefix` is the root).
  static Address Join(Address prefix, absl::string_view name);

  // name()
  //
  // The full name. The reference stays valid for the life of the process.
  const std::string& name() const;

  uint32_t id() const { return id_; }
  bool is_root() const { return id_ == 0; }

  friend bool operator==(Address a, Address b) { return a.id_ == b.id_; }
  friend bool operator!=(Address a, Address b) { return a.id_ != b.id_; }
  friend bool operator<(Address a, Address b) { return a.id_ < b.id_; }

  template <typename H>
  friend H AbslHashValue(H h, Address a) {
    return H::combine(std::move(h), a.id_);
  }

  friend std::ostream& operator<<(std::ostream& os, Address a) {
    return os << a.name();
  }

 private:
  explicit Address(uint32_t id) : id_(id) {}
  uint32_t id_ = 0;
};

}  // namespace provi

#endif  // PROVI_RUNTIME_ADDRESS_H_
