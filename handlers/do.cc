// Copyright 2026 The provi Authors.

#include "handlers/do.h"

namespace provi {

void DoHandler::Process(Message& msg) {
  if (msg.kind != SiteKind::kSample) return;
  auto it = values_.find(msg.address);
  if (it == values_.end()) return;
  msg.value = it->second;
  msg.is_observed = false;
  msg.is_intervened = true;
}

}  // namespace provi
