// Copyright 2026 The provi Authors.

#include "distributions/beta.h"

#include <cmath>
#include <limits>
#include <utility>

#include "ad/ops.h"
#include "ad/tape.h"
#include "base/status_error.h"
#include "base/status_macros.h"
#include "distributions/internal/gamma_functions.h"

namespace provi {

using distributions_internal::Shape;

Beta::Beta(Tensor concentration1, Tensor concentration0)
    : Beta(std::move(concentration1), std::move(concentration0), Shape{}) {}

Beta::Beta(Tensor concentration1, Tensor concentration0, Shape expand)
    : concentration1_(std::move(concentration1)),
      concentration0_(std::move(concentration0)),
      expand_(expand),
      shape_(distributions_internal::BroadcastShape(
          {{"concentration1", &concentration1_},
           {"concentration0", &concentration0_}},
          expand)) {}

Beta Beta::Expand(Index rows, Index cols) const {
  return Beta(concentration1_, concentration0_,
              distributions_internal::ExpandShape(rows, cols));
}

absl::Status Beta::Validate() const {
  // shape_ is what these parameters broadcast to (see the constructor).
  if (!shape_.valid()) {
    return distributions_internal::ShapesError(
        name(),
        {{"concentration1", &concentration1_},
         {"concentration0", &concentration0_}},
        expand_);
  }
  PROVI_RETURN_IF_ERROR(distributions_internal::CheckPositive(
      name(), {"concentration1", &concentration1_}));
  return distributions_internal::CheckPositive(
      name(), {"concentration0", &concentration0_});
}

Tensor Beta::RSample(absl::BitGenRef gen) const {
  if (!shape_.valid()) ThrowStatus(Validate());
  const Tensor g1 = distributions_internal::StandardGammaRSample(
      concentration1_, rows(), cols(), gen);
  const Tensor g0 = distributions_internal::StandardGammaRSample(
      concentration0_, rows(), cols(), gen);
  return distributions_internal::ClampValue(g1 / (g1 + g0),
                                            std::numeric_limits<Real>::min(),
                                            std::nextafter(Real(1), Real(0)));
}

Tensor Beta::Sample(absl::BitGenRef gen) const {
  NoRecordScope no_record;
  return RSample(gen);
}

Tensor Beta::LogProb(const Tensor& value) const {
  if (!shape_.valid()) ThrowStatus(Validate());
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  const Tensor x = distributions_internal::BroadcastValue(value, shape);
  const Tensor a1 = concentration1_ - Real(1);
  const Tensor b1 = concentration0_ - Real(1);
  const Tensor log_kernel =
      a1 * Log(distributions_internal::GuardZeroTimesLog(a1, x, 0, 1)) +
      b1 * Log1p(-distributions_internal::GuardZeroTimesLog(b1, x, 1, 0));
  // The normaliser on the concentrations' own broadcast shape (1x1 for
  // scalars, however many lanes): they may broadcast only jointly
  // (1 x C against R x 1), so one of them is widened first.
  const Shape joint = distributions_internal::BroadcastShape(
      {{"concentration1", &concentration1_},
       {"concentration0", &concentration0_}});
  const Tensor a = BroadcastTo(concentration1_, joint.rows, joint.cols);
  const Tensor log_normaliser =
      Lgamma(a + concentration0_) - Lgamma(a) - Lgamma(concentration0_);
  return distributions_internal::SumEvent(log_kernel + log_normaliser, shape);
}

}  // namespace provi
