// Copyright 2026 The provi Authors.

#include "distributions/delta.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/status_macros.h"

namespace provi {

using distributions_internal::Shape;

Delta::Delta(Tensor value, Tensor log_density)
    : Delta(std::move(value), std::move(log_density), Shape{}) {}

// `log_density` takes part in the row broadcast only: its single column
// broadcasts against any number of event columns.
Delta::Delta(Tensor value, Tensor log_density, Shape expand)
    : value_(std::move(value)),
      log_density_(std::move(log_density)),
      expand_(expand),
      shape_(distributions_internal::BroadcastShape(
          {{"value", &value_}, {"log_density", &log_density_}}, expand)) {}

Delta Delta::Expand(Index rows, Index cols) const {
  return Delta(value_, log_density_,
               distributions_internal::ExpandShape(rows, cols));
}

absl::Status Delta::Validate() const {
  if (log_density_.cols() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        name(), ": parameter 'log_density' is ", log_density_.ShapeString(),
        "; it needs one column (one value per lane)"));
  }
  // shape_ is what these parameters broadcast to (see the constructor).
  if (!shape_.valid()) {
    return distributions_internal::ShapesError(
        name(), {{"value", &value_}, {"log_density", &log_density_}}, expand_);
  }
  PROVI_RETURN_IF_ERROR(
      distributions_internal::CheckFinite(name(), {"value", &value_}));
  return distributions_internal::CheckFinite(name(),
                                             {"log_density", &log_density_});
}

Tensor Delta::RSample(absl::BitGenRef) const {
  return BroadcastTo(value_, rows(), cols());
}

Tensor Delta::Sample(absl::BitGenRef gen) const {
  NoRecordScope no_record;
  // BroadcastTo returns `value_` itself when no broadcast is needed.
  return Detach(RSample(gen));
}

Tensor Delta::LogProb(const Tensor& value) const {
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  const Tensor x = distributions_internal::BroadcastValue(Detach(value), shape);
  const Tensor point = BroadcastTo(Detach(value_), shape.rows, shape.cols);
  Real* match = nullptr;
  const Tensor matches = NewConstant(shape.rows, 1, &match);
  for (Index i = 0; i < shape.rows; ++i) {
    bool equal = true;
    for (Index j = 0; j < shape.cols && equal; ++j) {
      equal = x(i, j) == point(i, j);
    }
    match[i] = equal ? 1 : 0;
  }
  return Where(matches, BroadcastTo(log_density_, shape.rows, 1),
               Tensor(-kInfinity));
}

}  // namespace provi
