// Copyright 2026 The provi Authors.

#include "base/status_error.h"

#include <utility>

#include "base/check.h"

namespace provi {

StatusError::StatusError(absl::Status status)
    : status_(std::move(status)), what_(status_.ToString()) {
  PROVI_CHECK(!status_.ok()) << "StatusError needs a non-OK status";
}

void ThrowStatus(absl::Status status) { throw StatusError(std::move(status)); }

}  // namespace provi
