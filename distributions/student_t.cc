// Copyright 2026 The provi Authors.

#include "distributions/student_t.h"

#include <utility>

#include "ad/ops.h"
#include "distributions/internal/student_t_functions.h"

namespace provi {

using distributions_internal::Shape;

StudentT::StudentT(Tensor df, Tensor loc, Tensor scale)
    : Reparameterisable(
          {{"df", distributions_internal::CheckDegreesOfFreedom, std::move(df)},
           {"loc", distributions_internal::CheckFinite, std::move(loc)},
           {"scale", distributions_internal::CheckPositive,
            std::move(scale)}}) {}

Tensor StudentT::RSample(absl::BitGenRef gen) const {
  return loc() + scale() * distributions_internal::StandardStudentTRSample(
                               df(), rows(), cols(), gen);
}

Tensor StudentT::LogProb(const Tensor& value) const {
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  const Tensor z =
      (distributions_internal::BroadcastValue(value, shape) - loc()) / scale();
  return distributions_internal::SumEvent(
      distributions_internal::StudentTLogDensity(z, df(), scale()), shape);
}

}  // namespace provi
