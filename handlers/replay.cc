// Copyright 2026 The provi Authors.

#include "handlers/replay.h"

#include "absl/strings/str_cat.h"
#include "base/status_error.h"

namespace provi {

void ReplayHandler::Process(Message& msg) {
  if (msg.kind != SiteKind::kSample || msg.is_observed) return;
  const Site* site = trace_.Find(msg.address);
  if (site == nullptr || !site->value.has_value()) {
    ThrowStatus(absl::NotFoundError(
        absl::StrCat("replay: the trace has no value for sample site '",
                     msg.address.name(), "'")));
  }
  msg.value = *site->value;
}

}  // namespace provi
