// Copyright 2026 The provi Authors.

#include "distributions/internal/discrete.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_error.h"

namespace provi {
namespace distributions_internal {

std::vector<Tensor> EnumerateGrid(absl::string_view family, Index rows,
                                  Index cols, int64_t values_per_column) {
  // Multiplied column by column, checking before each product so that it
  // cannot overflow.
  int64_t count = 1;
  for (Index j = 0; j < cols && count > 0; ++j) {
    if (values_per_column > kMaxEnumeratedValues / count) {
      ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
          family, ": cannot enumerate the support: ", values_per_column, "^",
          cols, " joint values exceed the limit of ", kMaxEnumeratedValues)));
    }
    count *= values_per_column;
  }
  std::vector<Tensor> values;
  values.reserve(static_cast<size_t>(count));
  std::vector<int64_t> digits(static_cast<size_t>(cols), 0);
  for (int64_t t = 0; t < count; ++t) {
    values.push_back(MakeConstant(rows, cols, [&](Index, Index j) {
      return digits[static_cast<size_t>(j)];
    }));
    // Odometer increment: the last column varies fastest.
    for (Index j = cols - 1; j >= 0; --j) {
      int64_t& digit = digits[static_cast<size_t>(j)];
      if (++digit < values_per_column) break;
      digit = 0;
    }
  }
  return values;
}

}  // namespace distributions_internal
}  // namespace provi
