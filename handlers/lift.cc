// Copyright 2026 The provi Authors.

#include "handlers/lift.h"

namespace provi {

void LiftHandler::Process(Message& msg) {
  if (msg.kind != SiteKind::kParam) return;
  std::shared_ptr<const Distribution> prior = default_prior_;
  if (auto it = priors_.find(msg.address); it != priors_.end()) {
    prior = it->second;
  }
  if (prior == nullptr) return;
  msg.kind = SiteKind::kSample;
  msg.owned_distribution = std::move(prior);
  msg.distribution = msg.owned_distribution.get();
  msg.param_init = nullptr;
  msg.value.reset();
}

LiftHandler::PriorMap Priors(
    std::initializer_list<std::pair<absl::string_view, const Distribution&>>
        entries) {
  LiftHandler::PriorMap map;
  for (const auto& [address, dist] : entries) {
    map.insert_or_assign(Address::Intern(address), dist.Clone());
  }
  return map;
}

}  // namespace provi
