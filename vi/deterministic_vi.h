// Copyright 2026 The provi Authors.
//
// File: vi/deterministic_vi.h
// -----------------------------------------------------------------------------
//
// Deterministic full-rank Gaussian VI ("DADVI": Giordano, Ingram and
// Broderick, "Black box variational inference with a deterministic
// objective", JMLR 2024). The ELBO of q = N(m, L Lᵀ) over the unconstrained
// space,
//
//   ELBO(m, L) = E_z[log p(m + L z)] + Σ log L_ii + const,  z ~ N(0, I),
//
// is estimated with M draws z_1..z_M fixed once, which turns it into an
// ordinary smooth function of (m, L) that L-BFGS (vi/lbfgs.h) maximises to
// convergence, with a well-defined stopping rule and none of SGD's
// step-size tuning: the cure for the long thin ridges on which Adam stops
// far short of the optimum without noticing.
//
// Two choices make the fixed-draw objective accurate with few draws:
//   * the draws are antithetic pairs (z, -z), rescaled so that their
//     sample mean is exactly 0 and their sample covariance exactly I. For a
//     Gaussian posterior the expectation of log p depends on z only through
//     those two moments, so the fixed-draw optimum is then the exact ELBO
//     optimum (the posterior itself); for other posteriors the remaining
//     error comes from higher moments only. It needs M >= 2D draws.
//   * the optimisation runs in the coordinates whitened by a starting
//     normal N(m₀, S₀ S₀ᵀ) (the Laplace approximation, vi/laplace.h, or
//     the guide's current parameters): m = m₀ + S₀ a, L = S₀ B, starting
//     at a = 0, B = I, so every direction has unit scale for L-BFGS.
//
// This is not stochastic VI: its gradients are exact for the fixed-draw
// objective, which is a biased (by O(1/M) in the optimum) estimate of the
// ELBO. Where unbiased-gradient VI is wanted (large models, minibatches,
// non-normal guides), use Svi (vi/svi.h). Check either fit's Pareto k-hat
// (vi/fit_diagnostics.h).
//
// Example:
//
//   provi::AutoLaplaceApproximation guide(model);
//   provi::ParamStore store;
//   PROVI_RETURN_IF_ERROR(guide.Fit(store, {}, y).status());
//   absl::StatusOr<provi::DeterministicViSummary> fit =
//       provi::FitDeterministicFullRank(guide, store, model, {}, y);
//   // the store now holds the full-rank fit; fit->converged says whether
//   // L-BFGS converged.

#ifndef PROVI_VI_DETERMINISTIC_VI_H_
#define PROVI_VI_DETERMINISTIC_VI_H_

#include <cstdint>

#include "Eigen/Cholesky"
#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "vi/autoguide.h"
#include "vi/lbfgs.h"
#include "vi/log_density.h"
#include "vi/param_store.h"

namespace provi {

// DeterministicViOptions
struct DeterministicViOptions {
  // M, the number of fixed draws: even and >= 2 D (0 chooses max(30, 2 D)).
  int draws = 0;
  // Seeds the draws.
  uint64_t seed = 0;
  // The optimisation. A `value_precision` of 0 is replaced by the
  // precision of provi::Real's log densities, as in vi/laplace.h.
  LbfgsOptions lbfgs;
};

// DeterministicViSummary
struct DeterministicViSummary {
  // The fitted normal over the unconstrained space.
  Eigen::VectorXd loc;
  Eigen::MatrixXd scale_tril;
  // The fixed-draw ELBO at the optimum (without the entropy's constant
  // D/2 log(2πe)).
  double objective = 0;
  int draws = 0;
  int iterations = 0;
  int evaluations = 0;
  LbfgsTermination termination = LbfgsTermination::kMaxIterations;
  bool converged = false;
  double seconds = 0;
};

// FitDeterministicFullRankDensity()
//
// Fits N(loc, scale_tril scale_trilᵀ) to `log_density` from the start
// N(loc0, scale0 scale0ᵀ) (scale0 lower triangular, positive diagonal).
// InvalidArgument for bad options or shapes; the density's status when it
// cannot be evaluated at the start's draws.
absl::StatusOr<DeterministicViSummary> FitDeterministicFullRankDensity(
    const UnconstrainedLogDensityFunction& log_density,
    const Eigen::VectorXd& loc0, const Eigen::MatrixXd& scale0,
    const DeterministicViOptions& options = {});

// FitDeterministicFullRank()
//
// Fits the full-rank guide `guide` (AutoMultivariateNormal or
// AutoLaplaceApproximation, of `model`) by deterministic VI, starting from
// its parameters in `store` when it has run with it (e.g. after a Laplace
// fit) and from its initial location with scale init_scale I otherwise,
// and writes the result into `store`.
template <typename M, typename... Args>
absl::StatusOr<DeterministicViSummary> FitDeterministicFullRank(
    const autoguide_internal::ModelGuide<M>& guide, ParamStore& store,
    const DeterministicViOptions& options, const Args&... args) {
  if (absl::Status status = guide.SetUp(args...); !status.ok()) return status;
  const Index d = guide.dimension();
  Eigen::VectorXd loc0 =
      guide.InitialLocation().row(0).transpose().template cast<double>();
  Eigen::MatrixXd scale0 =
      guide.options().init_scale * Eigen::MatrixXd::Identity(d, d);
  absl::StatusOr<Matrix> covariance = guide.Covariance(store);
  if (covariance.ok()) {
    // The joint location: every site's loc, flattened in layout order.
    for (const AutoLatentSite& site : guide.sites()) {
      absl::StatusOr<AutoSitePosterior> p = guide.Posterior(store, site.name);
      if (!p.ok()) return p.status();
      for (Index k = 0; k < site.size(); ++k) {
        loc0(site.offset + k) = static_cast<double>(p->loc(k));
      }
    }
    const Eigen::LLT<Eigen::MatrixXd> llt(covariance->template cast<double>());
    if (llt.info() == Eigen::Success) scale0 = llt.matrixL();
  }
  absl::StatusOr<DeterministicViSummary> fit = FitDeterministicFullRankDensity(
      MakeUnconstrainedLogDensity(guide, guide.model(), args...), loc0, scale0,
      options);
  if (!fit.ok()) {
    return absl::Status(
        fit.status().code(),
        absl::StrCat("deterministic full-rank VI: ", fit.status().message()));
  }
  if (absl::Status status = guide.SetJointNormal(
          store, fit->loc.transpose().template cast<Real>(),
          fit->scale_tril.template cast<Real>());
      !status.ok()) {
    return status;
  }
  return fit;
}

}  // namespace provi

#endif  // PROVI_VI_DETERMINISTIC_VI_H_
