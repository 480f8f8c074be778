// Copyright 2026 The provi Authors.

#include "handlers/block.h"

#include <memory>

#include "absl/container/flat_hash_set.h"

namespace provi {
namespace {

std::shared_ptr<const absl::flat_hash_set<Address>> AddressSet(
    std::initializer_list<absl::string_view> addresses) {
  auto set = std::make_shared<absl::flat_hash_set<Address>>();
  for (absl::string_view a : addresses) set->insert(Address::Intern(a));
  return set;
}

}  // namespace

BlockHandler::Predicate BlockHandler::Hide(
    std::initializer_list<absl::string_view> addresses) {
  auto set = AddressSet(addresses);
  return [set](const Message& msg) { return set->contains(msg.address); };
}

BlockHandler::Predicate BlockHandler::Expose(
    std::initializer_list<absl::string_view> addresses) {
  auto set = AddressSet(addresses);
  return [set](const Message& msg) { return !set->contains(msg.address); };
}

}  // namespace provi
