// Copyright 2026 The provi Authors.

#include "handlers/infer_config.h"

#include <memory>
#include <utility>

#include "absl/container/flat_hash_set.h"

namespace provi {

InferConfigHandler::Configure InferConfigHandler::ForAddresses(
    std::initializer_list<absl::string_view> addresses,
    std::shared_ptr<const SiteStrategy> strategy) {
  auto set = std::make_shared<absl::flat_hash_set<Address>>();
  for (absl::string_view a : addresses) set->insert(Address::Intern(a));
  return [set, strategy = std::move(strategy)](
             const Message& msg, std::shared_ptr<const SiteStrategy>& out) {
    if (set->contains(msg.address)) out = strategy;
  };
}

InferConfigHandler::Configure InferConfigHandler::Where(
    std::function<bool(const Message&)> predicate,
    std::shared_ptr<const SiteStrategy> strategy) {
  return [predicate = std::move(predicate), strategy = std::move(strategy)](
             const Message& msg, std::shared_ptr<const SiteStrategy>& out) {
    if (predicate(msg)) out = strategy;
  };
}

}  // namespace provi
