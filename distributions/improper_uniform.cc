// Copyright 2026 The provi Authors.

#include "distributions/improper_uniform.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/status_error.h"
#include "distributions/internal/family_support.h"

namespace provi {
namespace {

// Element (i, j) of `t` broadcast to a larger shape.
Real BroadcastElement(const Tensor& t, Index i, Index j) {
  return t(t.rows() == 1 ? 0 : i, t.cols() == 1 ? 0 : j);
}

// Whether lane `i` of `value` (broadcast to the lanes of the log density)
// lies in `support`; only asked when the whole value does not.
bool LaneInside(const Support& support, const Tensor& value, Index i) {
  NoRecordScope no_record;
  const Index row = value.rows() == 1 ? 0 : i;
  if (support.has_tensor_bounds()) {
    for (Index j = 0; j < value.cols(); ++j) {
      const Real x = value(row, j);
      if (!(x >= BroadcastElement(support.lower_bound(), i, j) &&
            x <= BroadcastElement(support.upper_bound(), i, j))) {
        return false;
      }
    }
    return true;
  }
  return support.Check(SliceRows(value, row, 1), "value").ok();
}

}  // namespace

ImproperUniform::ImproperUniform(Support support, Index rows, Index cols)
    : support_(std::move(support)), rows_(rows), cols_(cols) {}

ImproperUniform ImproperUniform::Expand(Index rows, Index cols) const {
  return ImproperUniform(support_, rows, cols);
}

absl::Status ImproperUniform::Validate() const {
  if (rows_ < 1 || cols_ < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        name(), ": shape ", rows_, "x", cols_, " must be at least 1x1"));
  }
  if (support_.is_discrete()) {
    return absl::InvalidArgumentError(absl::StrCat(
        name(), ": the support ", support_.ToString(),
        " is discrete; an improper uniform prior needs a continuous one"));
  }
  if (support_.kind() == Support::Kind::kLowerCholesky && rows_ != cols_) {
    return absl::InvalidArgumentError(
        absl::StrCat(name(), ": a lower-Cholesky factor is square; the shape ",
                     rows_, "x", cols_, " is not"));
  }
  return absl::OkStatus();
}

Tensor ImproperUniform::Sample(absl::BitGenRef) const {
  ThrowStatus(absl::FailedPreconditionError(absl::StrCat(
      name(), " on ", support_.ToString(),
      " is an improper prior and has no sampler: its value must come from a "
      "guide (replayed into the model), from substitute or condition, or "
      "from an autoguide, which initialises it in unconstrained space")));
}

Tensor ImproperUniform::RSample(absl::BitGenRef gen) const {
  return Sample(gen);
}

Tensor ImproperUniform::LogProb(const Tensor& value) const {
  const distributions_internal::Shape shape =
      distributions_internal::CheckValue(name(), value, rows(), cols(),
                                         support_);
  Real* data = nullptr;
  const Tensor log_density = NewConstant(shape.rows, 1, &data);
  // With validation on, CheckValue has thrown for any value outside.
  const bool inside =
      DistributionValidationEnabled() || support_.Check(value, "value").ok();
  const bool per_lane = support_.kind() != Support::Kind::kLowerCholesky;
  for (Index i = 0; i < shape.rows; ++i) {
    const bool lane_inside =
        inside || (per_lane && LaneInside(support_, value, i));
    data[i] = lane_inside ? Real(0) : -kInfinity;
  }
  return log_density;
}

}  // namespace provi
