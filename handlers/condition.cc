// Copyright 2026 The provi Authors.

#include "handlers/condition.h"

namespace provi {

void ConditionHandler::Process(Message& msg) {
  if (msg.kind != SiteKind::kSample) return;
  auto it = data_.find(msg.address);
  if (it == data_.end()) return;
  msg.value = it->second;
  msg.is_observed = true;
}

}  // namespace provi
