// Copyright 2026 The provi Authors.
//
// File: examples/posteriordb_models.h
// -----------------------------------------------------------------------------
//
// Seventeen posteriors of posteriordb (github.com/stan-dev/posteriordb;
// data and reference summaries in examples/posteriordb_data, whose README
// lists the models) written as provi models, fitted by SVI with the
// mean-field (AutoNormal) and full-rank (AutoMultivariateNormal)
// autoguides, by the Laplace approximation and by deterministic full-rank
// VI, and compared with posteriordb's reference posterior summaries. The
// //examples:posteriordb binary runs them; tests/examples/ reuses the
// pieces. The five described here were the first; the other twelve are
// the regressions of the ARM book (earnings, kidiq, mesquite, nes2000),
// sblri-blr, ARMA(1, 1), a GP regression, a two-state HMM and brms's
// heteroscedastic approximate GP (mcycle_gp-accel_gp).
//
//   eight_schools-eight_schools_noncentered
//       mu ~ N(0, 5), tau ~ HalfCauchy(5), theta_trans_j ~ N(0, 1),
//       y_j ~ N(mu + tau theta_trans_j, sigma_j);  theta_j = mu + tau
//       theta_trans_j is reported.
//   eight_schools-eight_schools_centered
//       theta_j ~ N(mu, tau) directly: a funnel in (theta, log tau), the
//       known hard case for Gaussian VI. The fits keep theta's spread but
//       cannot reach the funnel's neck: tau comes out biased (too high,
//       with the defaults) with well under half its sd.
//   sblrc-blr
//       beta_d ~ N(0, 10), sigma ~ HalfNormal(10), y ~ N(X beta, sigma).
//       Posterior sds of beta are about 1e-3 and the design is correlated.
//   mesquite-logmesquite
//       beta (7) and sigma > 0 flat (improper), log weight ~ N(b1 + b2 log
//       diam1 + b3 log diam2 + b4 log canopy_height + b5 log total_height +
//       b6 log density + b7 group, sigma).
//   arK-arK
//       alpha, beta_k ~ N(0, 10), sigma ~ HalfCauchy(2.5), y_t ~ N(alpha +
//       sum_k beta_k y_{t-k}, sigma) for t > K.
//
// Each model is a program of `sample` and `observe` sites whose constrained
// latents (tau, sigma) have positive supports, so the autoguides work in
// the unconstrained space (log tau, log sigma) that Stan's ADVI uses.
// Improper flat priors are `ImproperUniform` sites (log density 0 on their
// support), Stan's transformed parameters (the non-centred model's theta,
// the HMM's mu) are `deterministic` sites, and half-Student-t priors are
// `HalfStudentT`.
//
// In the regressions even the full-rank Gaussian is not the posterior: it
// cannot let beta's spread grow with sigma, which costs sigma's sd a factor
// of about sqrt((N - D - 1) / (N - 1)) (0.92 for mesquite: N = 46, D = 7)
// whatever the optimiser does.
//
// A fit runs Svi with Adam on the ELBO for `steps` steps, its learning rate
// decaying exponentially from `learning_rate` to `learning_rate *
// final_rate_ratio`, and averages the unconstrained parameters over the
// last `averaged_fraction` of the steps (the iterates still jitter with
// the gradient noise; their average far less). It then makes `draws`
// draws from the fitted guide replayed through the model (`Predictive`,
// vi/predictive.h, with each draw's importance weight) and reports the
// Monte Carlo mean and sd of each requested constrained quantity
// ("theta[3]", "tau", "beta[1]"; 1-based like Stan's names), their
// PSIS-weighted moments, k-hat, and the summary of the quantities' sites.
//
// Data come from posteriordb's data.json files (Stan's JSON data format)
// and reference summaries from its reference_summary.json; every error is a
// status naming the file and the key.
//
// Example:
//
//   absl::StatusOr<std::unique_ptr<provi::examples::Posterior>> posterior =
//       provi::examples::LoadPosterior("sblrc-blr", "sblrc-blr/data.json");
//   if (!posterior.ok()) return posterior.status();
//   provi::examples::FitOptions options =
//       (*posterior)->default_options(provi::examples::GuideFamily::kFullRank);
//   absl::StatusOr<provi::examples::FitResult> fit =
//       (*posterior)->Fit({"beta[1]", "sigma"}, options);

#ifndef PROVI_EXAMPLES_POSTERIORDB_MODELS_H_
#define PROVI_EXAMPLES_POSTERIORDB_MODELS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "handlers/value_map.h"
#include "vi/predictive.h"

namespace provi {
namespace examples {

// GuideFamily
//
// A guide and the method that fits it.
enum class GuideFamily {
  kMeanField,      // AutoNormal by Svi (Adam)
  kFullRank,       // AutoMultivariateNormal by Svi (Adam)
  kLaplace,        // AutoLaplaceApproximation (L-BFGS mode + Hessian)
  kDeterministic,  // full rank by deterministic VI from the Laplace fit
};

// GuideFamilyName()
//
// "mean_field", "full_rank", "laplace" or "dadvi", the names --guides
// takes.
absl::string_view GuideFamilyName(GuideFamily family);

// ParseGuideFamily()
//
// The family named `name` (as GuideFamilyName gives it); InvalidArgument
// naming the accepted names otherwise.
absl::StatusOr<GuideFamily> ParseGuideFamily(absl::string_view name);

// PosteriorNames()
//
// The posteriors LoadPosterior knows, in the order the example runs them.
const std::vector<std::string>& PosteriorNames();

// Moments
//
// The mean and standard deviation of one named quantity.
struct Moments {
  std::string name;
  double mean = 0;
  double sd = 0;
};

// ReadReferenceSummary()
//
// The `parameters` of a posteriordb reference_summary.json: each member's
// `mean` and `sd`, in the file's order. Errors name the file and the key.
absl::StatusOr<std::vector<Moments>> ReadReferenceSummary(
    absl::string_view path);

// FitOptions
//
// The defaults suit the posteriors with O(1) posterior scales; see
// Posterior::default_options() for each posterior's own.
struct FitOptions {
  GuideFamily family = GuideFamily::kMeanField;
  // SVI steps, >= 1.
  int steps = 20000;
  // Adam's initial learning rate, > 0.
  double learning_rate = 0.05;
  // The learning rate at the last step, as a fraction of the first, in
  // (0, 1].
  double final_rate_ratio = 1e-3;
  // The fraction of the last steps whose parameters are averaged, in
  // [0, 1) (0: the last iterate).
  double averaged_fraction = 0.1;
  // Adam's β2, in [0, 1). 0.99 rather than Adam's usual 0.999: the first
  // ELBO gradients far from the posterior can be ~1e7 times the later
  // ones (sblrc-blr), and a second-moment estimate that remembers them for
  // thousands of steps makes the following steps tiny.
  double adam_beta2 = 0.99;
  // Each gradient element is clamped to [-max_gradient, max_gradient]
  // before Adam sees it (> 0): a guard against squares overflowing a float
  // in those first steps. Adam's steps do not depend on the gradients'
  // scale, so the clamp only shortens the odd extreme step.
  double max_gradient = 1e8;
  // The autoguide's initial sd of every unconstrained element, > 0.
  double init_scale = 0.1;
  // Draws from the fitted guide for the reported moments and k-hat, >= 25.
  int draws = 4000;
  // Deterministic VI's fixed draws (0: its default).
  int dadvi_draws = 0;
  // Seeds the guide's initialisation, the ELBO's draws and the final draws.
  uint64_t seed = 1;
};

// FitResult
struct FitResult {
  // The requested quantities, in the requested order: the guide's moments
  // and the PSIS-weighted ones (vi/fit_diagnostics.h) from the same draws.
  std::vector<Moments> moments;
  std::vector<Moments> psis_moments;
  // The summary (mean, sd, 5/50/95% quantiles) of every element of the
  // sites the requested quantities belong to, over the same draws; its
  // labels are 0-based ("theta[0]" is Stan's theta[1]).
  PredictiveSummary summary;
  // Pareto k-hat of the guide's draws against the model, and how many
  // draws it and the moments come from (more than asked for when a
  // borderline k-hat was re-estimated).
  double pareto_k = 0;
  int draws = 0;
  // Whether the fit's own convergence rule was met (SVI: vi/convergence.h;
  // Laplace and deterministic VI: L-BFGS).
  bool converged = false;
  // The mean ELBO estimate over the averaged steps (the last step's
  // estimate when none are averaged).
  double elbo = 0;
  // Wall-clock seconds of the optimisation and the final draws.
  double seconds = 0;
};

// Posterior
//
// A posterior with its data loaded. Thread-compatible: one fit at a time.
class Posterior {
 public:
  virtual ~Posterior() = default;

  // name()
  //
  // The posteriordb name, e.g. "sblrc-blr".
  virtual const std::string& name() const = 0;

  // quantity_names()
  //
  // The constrained quantities a fit can report, in Stan's order and
  // naming (e.g. "theta[1]", ..., "theta[8]", "mu", "tau").
  virtual const std::vector<std::string>& quantity_names() const = 0;

  // default_options()
  //
  // FitOptions tuned for this posterior so that both families converge in
  // a few seconds on one core: the defaults, except for sblrc-blr (100000
  // steps from a learning rate of 0.01: its beta is pinned to ~1e-3, and
  // the noise of larger steps in beta inflates sigma until the rate is
  // small).
  virtual FitOptions default_options(GuideFamily family) const = 0;

  // note()
  //
  // What to expect of Gaussian VI here, if anything notable (empty
  // otherwise), e.g. the centred eight schools' funnel.
  virtual const std::string& note() const = 0;

  // Fit()
  //
  // Fits the guide of `options.family` and returns the moments of `names`
  // (each one of quantity_names()). InvalidArgument for an unknown name or
  // invalid options; the status of SVI otherwise (e.g. a non-finite ELBO).
  virtual absl::StatusOr<FitResult> Fit(const std::vector<std::string>& names,
                                        const FitOptions& options) const = 0;

  // LogJoint()
  //
  // The model's log joint density, normalising constants included (the
  // improper flat priors contribute 0), with each latent site at the
  // constrained value `latents` gives it (by site name: "mu", "tau",
  // "theta_trans", "beta", ...; of the site's shape). InvalidArgument,
  // naming the site, for a latent site without a value; the status of the
  // model's run otherwise (e.g. a value outside its support).
  virtual absl::StatusOr<double> LogJoint(const ValueMap& latents) const = 0;
};

// LoadPosterior()
//
// Reads `data_path` (the posterior's data.json) and builds the posterior
// `name` (one of PosteriorNames()). NotFound for an unknown name; the
// reader's status for a missing or malformed file; InvalidArgument, naming
// the file and the key, for data of the wrong shape (e.g. length(y) != N)
// or out of range (e.g. sigma_j <= 0, a non-positive value whose log the
// model takes).
absl::StatusOr<std::unique_ptr<Posterior>> LoadPosterior(
    absl::string_view name, absl::string_view data_path);

// FormatComparison()
//
// A table of `fit` against `reference`, one row per reference quantity:
// the reference mean and sd, the VI mean and sd, z = (VI mean - reference
// mean) / reference sd, and VI sd / reference sd. Quantities the fit lacks
// are shown as "-".
std::string FormatComparison(const std::vector<Moments>& reference,
                             const FitResult& fit);

}  // namespace examples
}  // namespace provi

#endif  // PROVI_EXAMPLES_POSTERIORDB_MODELS_H_
