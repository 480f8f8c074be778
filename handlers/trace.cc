// Copyright 2026 The provi Authors.

#include "handlers/trace.h"

namespace provi {

void TraceHandler::Postprocess(Message& msg) {
  ThrowIfError(trace_.Record(msg));
}

}  // namespace provi
