// Copyright 2026 The provi Authors.

#include "distributions/half_student_t.h"

#include <utility>

#include "ad/ops.h"
#include "distributions/internal/student_t_functions.h"

namespace provi {

using distributions_internal::Shape;

namespace {

constexpr double kLogTwo = 0.69314718055994530942;

}  // namespace

HalfStudentT::HalfStudentT(Tensor df, Tensor scale)
    : Reparameterisable(
          {{"df", distributions_internal::CheckDegreesOfFreedom, std::move(df)},
           {"scale", distributions_internal::CheckPositive,
            std::move(scale)}}) {}

Tensor HalfStudentT::RSample(absl::BitGenRef gen) const {
  return scale() * Abs(distributions_internal::StandardStudentTRSample(
                       df(), rows(), cols(), gen));
}

Tensor HalfStudentT::LogProb(const Tensor& value) const {
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  const Tensor z =
      distributions_internal::BroadcastValue(value, shape) / scale();
  return distributions_internal::SumEvent(
      distributions_internal::StudentTLogDensity(z, df(), scale()) +
          static_cast<Real>(kLogTwo),
      shape);
}

}  // namespace provi
