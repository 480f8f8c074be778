// Copyright 2026 The provi Authors.
//
// File: vi/log_density.h
// -----------------------------------------------------------------------------
//
// `MakeUnconstrainedLogDensity` turns a model with continuous latents into a
// plain function of a vector: u ∈ R^D ↦ log p(T(u), x) + Σ log |det ∂T/∂u|,
// the model's joint log density over the unconstrained space of an
// autoguide's layout (vi/autoguide.h: sites flattened in the order the model
// ran them, each through its support's bijector T), with its gradient by
// reverse mode. This is the density that Stan's optimisers, samplers and
// ADVI work with; in provi it feeds L-BFGS (MAP and the Laplace
// approximation, vi/laplace.h), deterministic VI (vi/deterministic_vi.h)
// and the importance ratios of vi/fit_diagnostics.h.
//
// Each call runs the guide's point masses at u (`RunAtUnconstrained`) and
// the model replayed on them, so the value is computed in provi::Real
// (float by default) and returned as double.
//
// Example:
//
//   provi::AutoNormal<decltype(model)> layout(model);
//   PROVI_RETURN_IF_ERROR(layout.SetUp(y));
//   provi::UnconstrainedLogDensityFunction log_density =
//       provi::MakeUnconstrainedLogDensity(layout, model, y);
//   Eigen::VectorXd gradient;
//   absl::StatusOr<double> lp = log_density(u, &gradient);

#ifndef PROVI_VI_LOG_DENSITY_H_
#define PROVI_VI_LOG_DENSITY_H_

#include <functional>
#include <tuple>
#include <utility>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "ad/tensor.h"
#include "base/real.h"
#include "base/status_error.h"
#include "vi/autoguide.h"
#include "vi/generative.h"

namespace provi {

// kLogDensityPrecision
//
// The relative precision of a log density computed in provi::Real: a sum
// of many rounded terms, so well above one epsilon (1e-6 in float, 1e-12
// in double). L-BFGS fits of log densities use it as their value
// precision.
inline constexpr double kLogDensityPrecision =
    sizeof(Real) == sizeof(float) ? 1e-6 : 1e-12;

// UnconstrainedLogDensityFunction
//
// Returns the log density at u (a D-vector) and, when `gradient` is not
// null, writes its gradient there. Errors (a site's invalid value, a shape
// mismatch, an overflow to a non-finite density reported by a site) are
// statuses naming the site.
using UnconstrainedLogDensityFunction = std::function<absl::StatusOr<double>(
    const Eigen::VectorXd& u, Eigen::VectorXd* gradient)>;

// MakeUnconstrainedLogDensity()
//
// The function of the file comment for `model(args...)` over `layout`'s
// unconstrained space. `layout` must be set up (for this model and these
// arguments) before the function is called; the function keeps copies of
// `layout` (sharing its layout), `model` and `args`.
template <typename M, typename... Args>
UnconstrainedLogDensityFunction MakeUnconstrainedLogDensity(
    const AutoGuide& layout, M model, Args... args) {
  return [layout_copy = layout, model = std::move(model),
          arguments = std::make_tuple(std::move(args)...)](
             const Eigen::VectorXd& u,
             Eigen::VectorXd* gradient) -> absl::StatusOr<double> {
    return CatchStatusOr([&]() -> double {
      TapeScope tape;
      const Matrix row = u.transpose().cast<Real>();
      const Tensor latent = gradient != nullptr ? Variable(row) : Tensor(row);
      const Simulation point =
          Simulate([&] { layout_copy.RunAtUnconstrained(latent); });
      const Tensor log_p = std::apply(
          [&](const auto&... a) { return Density(model, point.choices, a...); },
          arguments);
      const Tensor total = SumAll(log_p) - SumAll(point.log_density);
      if (gradient != nullptr) {
        Backward(total);
        *gradient = latent.adjoint().transpose().template cast<double>();
      }
      return static_cast<double>(total.item());
    });
  };
}

}  // namespace provi

#endif  // PROVI_VI_LOG_DENSITY_H_
