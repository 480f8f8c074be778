// Copyright 2026 The provi Authors.

#include "handlers/trace.h"

#include "handlers/replay.h"

namespace provi {

void TraceHandler::Process(Message& msg) {
  if (msg.kind == SiteKind::kPlate) ReplayPlate(trace_, msg);
}

void TraceHandler::Postprocess(Message& msg) {
  ThrowIfError(trace_.Record(msg));
}

}  // namespace provi
