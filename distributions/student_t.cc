// Copyright 2026 The provi Authors.

#include "distributions/student_t.h"

#include <utility>

#include "ad/ops.h"
#include "ad/tape.h"
#include "base/status_macros.h"
#include "distributions/internal/student_t_functions.h"

namespace provi {

using distributions_internal::Shape;

StudentT::StudentT(Tensor df, Tensor loc, Tensor scale)
    : StudentT(std::move(df), std::move(loc), std::move(scale), Shape{}) {}

StudentT::StudentT(Tensor df, Tensor loc, Tensor scale, Shape expand)
    : df_(std::move(df)),
      loc_(std::move(loc)),
      scale_(std::move(scale)),
      expand_(expand),
      shape_(distributions_internal::BroadcastShape(
          {{"df", &df_}, {"loc", &loc_}, {"scale", &scale_}}, expand)) {}

StudentT StudentT::Expand(Index rows, Index cols) const {
  return StudentT(df_, loc_, scale_,
                  distributions_internal::ExpandShape(rows, cols));
}

absl::Status StudentT::Validate() const {
  // shape_ is what these parameters broadcast to (see the constructor).
  if (!shape_.valid()) {
    return distributions_internal::ShapesError(
        name(), {{"df", &df_}, {"loc", &loc_}, {"scale", &scale_}}, expand_);
  }
  PROVI_RETURN_IF_ERROR(
      distributions_internal::CheckDegreesOfFreedom(name(), {"df", &df_}));
  PROVI_RETURN_IF_ERROR(
      distributions_internal::CheckFinite(name(), {"loc", &loc_}));
  return distributions_internal::CheckPositive(name(), {"scale", &scale_});
}

Tensor StudentT::RSample(absl::BitGenRef gen) const {
  return loc_ + scale_ * distributions_internal::StandardStudentTRSample(
                             df_, rows(), cols(), gen);
}

Tensor StudentT::Sample(absl::BitGenRef gen) const {
  NoRecordScope no_record;
  return RSample(gen);
}

Tensor StudentT::LogProb(const Tensor& value) const {
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  const Tensor z =
      (distributions_internal::BroadcastValue(value, shape) - loc_) / scale_;
  return distributions_internal::SumEvent(
      distributions_internal::StudentTLogDensity(z, df_, scale_), shape);
}

}  // namespace provi
