// Copyright 2026 The provi Authors.

#include "handlers/mask.h"

#include "absl/strings/str_cat.h"
#include "base/status_error.h"

namespace provi {

MaskHandler::MaskHandler(Tensor mask) : mask_(Detach(mask)) {
  if (mask_.cols() != 1) {
    ThrowStatus(absl::InvalidArgumentError(
        absl::StrCat("mask: the mask must be one column (R x 1 or 1x1), got ",
                     mask_.ShapeString())));
  }
  for (Index i = 0; i < mask_.rows(); ++i) {
    if (mask_(i, 0) != 0 && mask_(i, 0) != 1) {
      ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
          "mask: element ", i, " = ", mask_(i, 0), " is not 0 or 1")));
    }
  }
}

}  // namespace provi
