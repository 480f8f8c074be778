// Copyright 2026 The provi Authors.
//
// File: vi/laplace.h
// -----------------------------------------------------------------------------
//
// The Laplace approximation: a normal distribution centred on the mode of
// the model's log density over the unconstrained space (vi/log_density.h),
// with covariance the inverse of that density's negative Hessian there. It
// is exact for Gaussian posteriors and cheap: no stochastic optimisation,
// so none of SVI's trouble on long thin ridges (regressions with
// uncentred predictors, collinear contrasts), where an Adam step that is
// small along the ridge's narrow axes crawls along its long one.
//
//   1. The mode by L-BFGS (vi/lbfgs.h) from the autoguide's initial point.
//   2. The Hessian by central differences of reverse-mode gradients, in two
//      passes: along the coordinates, with steps scaled by the L-BFGS
//      run's own curvature estimate; then along the columns of the
//      Cholesky factor of the first pass's inverse, i.e. in the
//      posterior's whitened coordinates, where one step size fits every
//      direction. The result is symmetrised.
//   3. A status (FailedPrecondition) when the negative Hessian is not
//      positive definite: the "mode" is a saddle point, or the density is
//      flat or unbounded in some direction (an improper posterior, or a
//      hierarchical funnel whose density grows without bound as a scale
//      goes to 0), and a normal approximation there means nothing.
//
// `AutoLaplaceApproximation` is an autoguide (vi/autoguide.h) of the
// full-rank normal family whose `Fit` runs the three steps and writes
// the result into its parameters, so everything an autoguide offers
// (drawing, `Posterior`, `Quantile`, `Covariance`, `Diagnose` in
// vi/fit_diagnostics.h, or further SVI from this start) works on it.
//
// When to use which fit (measured on posteriordb, README.md): the Laplace
// approximation for posteriors that are close to normal in the
// unconstrained space, and as the start (and preconditioner) of a
// full-rank fit; deterministic full-rank VI (vi/deterministic_vi.h) when
// the posterior is skewed (scales, GP hyperparameters); SVI (vi/svi.h)
// for models with many latents, minibatches or guides that are not
// normal. Whatever the fit, check its Pareto k-hat.
//
// Example:
//
//   provi::AutoLaplaceApproximation guide(model);
//   provi::ParamStore store;
//   absl::StatusOr<provi::LaplaceSummary> fit = guide.Fit(store, {}, y);
//   if (!fit.ok()) return fit.status();      // e.g. not negative definite
//   if (!fit->converged) { ... }             // L-BFGS ran out of budget
//   absl::StatusOr<provi::AutoSitePosterior> sigma =
//       guide.Posterior(store, "sigma");

#ifndef PROVI_VI_LAPLACE_H_
#define PROVI_VI_LAPLACE_H_

#include <string>
#include <utility>

#include "Eigen/Cholesky"
#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "vi/autoguide.h"
#include "vi/lbfgs.h"
#include "vi/log_density.h"
#include "vi/param_store.h"

namespace provi {

// LaplaceOptions
struct LaplaceOptions {
  // The mode search. A `value_precision` of 0 is replaced by the precision
  // of provi::Real's log densities (1e-6 in float, 1e-12 in double).
  LbfgsOptions lbfgs;
  // The finite-difference step of the Hessian's second pass, in posterior
  // standard deviations (> 0; 0 chooses 0.05 in float, 1e-4 in double).
  double hessian_step = 0;
};

// LaplaceSummary
struct LaplaceSummary {
  // The unconstrained mode and the log density there.
  Eigen::VectorXd mode;
  double log_density = 0;
  // The inverse of the negative Hessian at the mode: the approximation's
  // covariance over the unconstrained space.
  Eigen::MatrixXd covariance;
  // The mode search.
  int iterations = 0;
  int evaluations = 0;
  LbfgsTermination termination = LbfgsTermination::kMaxIterations;
  // Whether L-BFGS converged (otherwise the approximation is centred on
  // the last point it reached).
  bool converged = false;
  double seconds = 0;
};

// NegativeHessian()
//
// -∇² f(x) by central differences of ∇f along the columns q_j of the
// invertible `directions` Q: column j of A = -∇²f Q is -(∇f(x + h q_j) -
// ∇f(x - h q_j)) / (2h); the result is A Q⁻¹, symmetrised. Errors: f's
// status at a perturbed point (naming the direction), or InvalidArgument
// for a singular Q.
absl::StatusOr<Eigen::MatrixXd> NegativeHessian(
    const UnconstrainedLogDensityFunction& log_density,
    const Eigen::VectorXd& x, const Eigen::MatrixXd& directions, double step);

// FitLaplace()
//
// The three steps of the file comment for `log_density`, starting at
// `start`. The status of the start's evaluation, or FailedPrecondition
// (naming the smallest eigenvalue and the mode) when the negative Hessian
// is not positive definite.
absl::StatusOr<LaplaceSummary> FitLaplace(
    const UnconstrainedLogDensityFunction& log_density,
    const Eigen::VectorXd& start, const LaplaceOptions& options = {});

// AutoLaplaceApproximation
//
// A full-rank normal autoguide fitted by the Laplace approximation (see the
// file comment). Its parameters are AutoMultivariateNormal's
// (<prefix>/loc, <prefix>/scale_tril), so it can also be trained further by
// SVI.
template <typename M>
class AutoLaplaceApproximation final
    : public autoguide_internal::ModelGuide<M> {
 public:
  explicit AutoLaplaceApproximation(M model, AutoGuideOptions options = {})
      : autoguide_internal::ModelGuide<M>(std::move(model),
                                          &autoguide_internal::FullRankFamily,
                                          std::move(options)) {}

  // Fit()
  //
  // Sets the guide up on `args...` if needed, fits it and writes loc = the
  // mode and scale_tril = the Cholesky factor of the covariance into
  // `store`. Errors as FitLaplace, prefixed with "Laplace approximation".
  template <typename... Args>
  absl::StatusOr<LaplaceSummary> Fit(ParamStore& store,
                                     const LaplaceOptions& options,
                                     const Args&... args) const {
    if (absl::Status status = this->SetUp(args...); !status.ok()) {
      return status;
    }
    const UnconstrainedLogDensityFunction log_density =
        MakeUnconstrainedLogDensity(*this, this->model(), args...);
    absl::StatusOr<LaplaceSummary> fit = FitLaplace(
        log_density,
        this->InitialLocation().row(0).transpose().template cast<double>(),
        options);
    if (!fit.ok()) {
      return absl::Status(
          fit.status().code(),
          absl::StrCat("Laplace approximation: ", fit.status().message()));
    }
    const Eigen::LLT<Eigen::MatrixXd> llt(fit->covariance);
    if (absl::Status status = this->SetJointNormal(
            store, fit->mode.transpose().template cast<Real>(),
            Matrix(Eigen::MatrixXd(llt.matrixL()).template cast<Real>()));
        !status.ok()) {
      return status;
    }
    return fit;
  }
};

}  // namespace provi

#endif  // PROVI_VI_LAPLACE_H_
