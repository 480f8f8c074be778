// Copyright 2026 The provi Authors.

#include "distributions/beta.h"

#include <cmath>
#include <limits>
#include <utility>

#include "ad/ops.h"
#include "distributions/internal/gamma_functions.h"

namespace provi {

using distributions_internal::Shape;

Beta::Beta(Tensor concentration1, Tensor concentration0)
    : Reparameterisable(
          {{"concentration1", distributions_internal::CheckPositive,
            std::move(concentration1)},
           {"concentration0", distributions_internal::CheckPositive,
            std::move(concentration0)}}) {}

Tensor Beta::RSample(absl::BitGenRef gen) const {
  RequireValidShape();
  const Tensor g1 = distributions_internal::StandardGammaRSample(
      concentration1(), rows(), cols(), gen);
  const Tensor g0 = distributions_internal::StandardGammaRSample(
      concentration0(), rows(), cols(), gen);
  return distributions_internal::ClampValue(g1 / (g1 + g0),
                                            std::numeric_limits<Real>::min(),
                                            std::nextafter(Real(1), Real(0)));
}

Tensor Beta::LogProb(const Tensor& value) const {
  RequireValidShape();
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  const Tensor x = distributions_internal::BroadcastValue(value, shape);
  const Tensor a1 = concentration1() - Real(1);
  const Tensor b1 = concentration0() - Real(1);
  const Tensor log_kernel =
      a1 * Log(distributions_internal::GuardZeroTimesLog(a1, x, 0, 1)) +
      b1 * Log1p(-distributions_internal::GuardZeroTimesLog(b1, x, 1, 0));
  // The normaliser on the concentrations' own broadcast shape (1x1 for
  // scalars, however many lanes): they may broadcast only jointly
  // (1 x C against R x 1), so one of them is widened first.
  const Shape joint = distributions_internal::BroadcastShape(
      {{"concentration1", &concentration1()},
       {"concentration0", &concentration0()}});
  const Tensor a = BroadcastTo(concentration1(), joint.rows, joint.cols);
  const Tensor log_normaliser =
      Lgamma(a + concentration0()) - Lgamma(a) - Lgamma(concentration0());
  return distributions_internal::SumEvent(log_kernel + log_normaliser, shape);
}

}  // namespace provi
