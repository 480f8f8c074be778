// Copyright 2026 The provi Authors.

#include "handlers/replay.h"

#include "absl/strings/str_cat.h"
#include "runtime/site_error.h"

namespace provi {

void ReplayPlate(const Trace& trace, Message& msg) {
  if (msg.value.has_value()) return;
  const Site* recorded = trace.FindPlate(msg.address);
  if (recorded == nullptr) return;
  ReplayPlate(recorded->plate,
              recorded->value.has_value() ? &*recorded->value : nullptr, msg);
}

void ReplayPlate(const PlateInfo& recorded, const Tensor* value, Message& msg) {
  if (msg.value.has_value()) return;
  const PlateInfo& here = msg.plate;
  const PlateInfo& there = recorded;
  const bool subsampled =
      here.subsample_size < here.size || there.subsample_size < there.size;
  if (subsampled && (here.size != there.size ||
                     here.subsample_size != there.subsample_size)) {
    ThrowAtSite(
        absl::InvalidArgumentError(absl::StrCat(
            "it has ", here.subsample_size, " of ", here.size,
            " lanes here but ", there.subsample_size, " of ", there.size,
            " in the trace it replays: programs that share a plate "
            "give it one size and subsample size")),
        msg.kind, msg.address);
  }
  if (value != nullptr) msg.value = *value;
}

void ReplayHandler::Process(Message& msg) {
  if (msg.kind == SiteKind::kPlate) {
    ReplayPlate(trace_, msg);
    return;
  }
  if (only_subsamples_ || msg.kind != SiteKind::kSample || msg.is_observed) {
    return;
  }
  const Site* site = trace_.Find(msg.address);
  if (site == nullptr || !site->value.has_value()) {
    ThrowAtSite(absl::NotFoundError("replay: the trace has no value for it"),
                msg.kind, msg.address);
  }
  msg.value = *site->value;
}

}  // namespace provi
