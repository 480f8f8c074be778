// Copyright 2026 The provi Authors.

#include "handlers/scale.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "base/status_error.h"

namespace provi {

ScaleHandler::ScaleHandler(Real factor) : factor_(factor) {
  if (!(factor > 0) || !std::isfinite(factor)) {
    ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
        "scale: factor ", factor, " must be positive and finite")));
  }
}

}  // namespace provi
