// Copyright 2026 The provi Authors.
//
// File: handlers/value_map.h
// -----------------------------------------------------------------------------
//
// `ValueMap`: values by site address, as condition, substitute and do take
// them.
//
// Example:
//
//   provi::ValueMap data = provi::Values({{"x", x_batch}, {"y", labels}});

#ifndef PROVI_HANDLERS_VALUE_MAP_H_
#define PROVI_HANDLERS_VALUE_MAP_H_

#include <initializer_list>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "ad/tensor.h"
#include "runtime/address.h"

namespace provi {

using ValueMap = absl::flat_hash_map<Address, Tensor>;

// Values()
//
// A ValueMap from (address, value) pairs.
inline ValueMap Values(
    std::initializer_list<std::pair<absl::string_view, Tensor>> entries) {
  ValueMap map;
  for (const auto& [address, value] : entries) {
    map.insert_or_assign(Address::Intern(address), value);
  }
  return map;
}

}  // namespace provi

#endif  // PROVI_HANDLERS_VALUE_MAP_H_
