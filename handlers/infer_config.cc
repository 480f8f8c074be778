// Copyright 2026 The provi Authors.

#include "handlers/infer_config.h"

#include <memory>

#include "absl/container/flat_hash_set.h"

namespace provi {

InferConfigHandler::Configure InferConfigHandler::ForAddresses(
    std::initializer_list<absl::string_view> addresses,
    SiteEstimator estimator) {
  auto set = std::make_shared<absl::flat_hash_set<Address>>();
  for (absl::string_view a : addresses) set->insert(Address::Intern(a));
  return [set, estimator](const Message& msg, SiteEstimator& out) {
    if (set->contains(msg.address)) out = estimator;
  };
}

InferConfigHandler::Configure InferConfigHandler::Where(
    std::function<bool(const Message&)> predicate, SiteEstimator estimator) {
  return [predicate = std::move(predicate), estimator](const Message& msg,
                                                       SiteEstimator& out) {
    if (predicate(msg)) out = estimator;
  };
}

}  // namespace provi
