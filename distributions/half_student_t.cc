// Copyright 2026 The provi Authors.

#include "distributions/half_student_t.h"

#include <utility>

#include "ad/ops.h"
#include "ad/tape.h"
#include "base/status_macros.h"
#include "distributions/internal/student_t_functions.h"

namespace provi {

using distributions_internal::Shape;

namespace {

constexpr double kLogTwo = 0.69314718055994530942;

}  // namespace

HalfStudentT::HalfStudentT(Tensor df, Tensor scale)
    : HalfStudentT(std::move(df), std::move(scale), Shape{}) {}

HalfStudentT::HalfStudentT(Tensor df, Tensor scale, Shape expand)
    : df_(std::move(df)),
      scale_(std::move(scale)),
      expand_(expand),
      shape_(distributions_internal::BroadcastShape(
          {{"df", &df_}, {"scale", &scale_}}, expand)) {}

HalfStudentT HalfStudentT::Expand(Index rows, Index cols) const {
  return HalfStudentT(df_, scale_,
                      distributions_internal::ExpandShape(rows, cols));
}

absl::Status HalfStudentT::Validate() const {
  // shape_ is what these parameters broadcast to (see the constructor).
  if (!shape_.valid()) {
    return distributions_internal::ShapesError(
        name(), {{"df", &df_}, {"scale", &scale_}}, expand_);
  }
  PROVI_RETURN_IF_ERROR(
      distributions_internal::CheckDegreesOfFreedom(name(), {"df", &df_}));
  return distributions_internal::CheckPositive(name(), {"scale", &scale_});
}

Tensor HalfStudentT::RSample(absl::BitGenRef gen) const {
  return scale_ * Abs(distributions_internal::StandardStudentTRSample(
                      df_, rows(), cols(), gen));
}

Tensor HalfStudentT::Sample(absl::BitGenRef gen) const {
  NoRecordScope no_record;
  return RSample(gen);
}

Tensor HalfStudentT::LogProb(const Tensor& value) const {
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  const Tensor z =
      distributions_internal::BroadcastValue(value, shape) / scale_;
  return distributions_internal::SumEvent(
      distributions_internal::StudentTLogDensity(z, df_, scale_) +
          static_cast<Real>(kLogTwo),
      shape);
}

}  // namespace provi
