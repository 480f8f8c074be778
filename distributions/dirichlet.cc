// Copyright 2026 The provi Authors.

#include "distributions/dirichlet.h"

#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/status_error.h"
#include "base/status_macros.h"
#include "distributions/internal/gamma_functions.h"

namespace provi {

using distributions_internal::Shape;

Dirichlet::Dirichlet(Tensor concentration)
    : Dirichlet(std::move(concentration), Shape{}) {}

Dirichlet::Dirichlet(Tensor concentration, Shape expand)
    : concentration_(std::move(concentration)),
      expand_(expand),
      shape_(distributions_internal::BroadcastShape(
          {{"concentration", &concentration_}}, expand)) {}

Dirichlet Dirichlet::Expand(Index rows) const {
  return Dirichlet(concentration_,
                   distributions_internal::ExpandShape(rows, num_categories()));
}

absl::Status Dirichlet::Validate() const {
  // shape_ is what these parameters broadcast to (see the constructor).
  if (!shape_.valid()) {
    return distributions_internal::ShapesError(
        name(), {{"concentration", &concentration_}}, expand_);
  }
  if (concentration_.size() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        name(), ": parameter 'concentration' of shape ",
        concentration_.ShapeString(), " has no categories (columns) or lanes"));
  }
  return distributions_internal::CheckPositive(
      name(), {"concentration", &concentration_});
}

Tensor Dirichlet::RSample(absl::BitGenRef gen) const {
  if (!shape_.valid()) ThrowStatus(Validate());
  const Tensor g = distributions_internal::StandardGammaRSample(
      concentration_, rows(), cols(), gen);
  return distributions_internal::ClampValue(
      g / RowSum(g), std::numeric_limits<Real>::min(), Real(1));
}

Tensor Dirichlet::Sample(absl::BitGenRef gen) const {
  NoRecordScope no_record;
  return RSample(gen);
}

Tensor Dirichlet::LogProb(const Tensor& value) const {
  if (!shape_.valid()) ThrowStatus(Validate());
  // A value must name every category: broadcasting one column across the
  // K categories would not be a point of the simplex.
  if (value.cols() != num_categories()) {
    ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
        name(), ": value of shape ", value.ShapeString(), " does not have ",
        num_categories(), " columns (categories)")));
  }
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  const Tensor x = distributions_internal::BroadcastValue(value, shape);
  const Tensor c1 = concentration_ - Real(1);
  const Tensor log_kernel = distributions_internal::SumEvent(
      c1 * Log(distributions_internal::GuardZeroTimesLog(c1, x, 0, 1)), shape);
  const Tensor log_normaliser =
      Lgamma(RowSum(concentration_)) - RowSum(Lgamma(concentration_));
  return log_kernel + log_normaliser;
}

}  // namespace provi
