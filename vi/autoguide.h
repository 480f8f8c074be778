// Copyright 2026 The provi Authors.
//
// File: vi/autoguide.h
// -----------------------------------------------------------------------------
//
// Autoguides: variational families built automatically from a model whose
// latent variables are continuous. An autoguide is a program (a callable
// taking the model's arguments) usable wherever a guide is, e.g.
// `Elbo(model, guide)`; its learnable values are `param`s, so `Svi` trains
// them in a `ParamStore`.
//
//   AutoNormal                      mean-field normal: one N(loc, scale) per
//                                   unconstrained element
//   AutoMultivariateNormal          full-rank normal N(loc, L Lᵀ) over all
//                                   latents jointly (L lower-Cholesky)
//   AutoLowRankMultivariateNormal   N(loc, W Wᵀ + diag(s²)), W of rank k
//   AutoDelta                       a point mass per site (MAP)
//
// and, in vi/laplace.h, AutoLaplaceApproximation: the full-rank normal
// fitted by the Laplace approximation (L-BFGS mode and Hessian). Each
// family is a class of its own in vi/internal/ (autoguide_family.h says
// how they divide the work); this header holds what they share.
//
// Setting up. The first call (or `SetUp(args...)`) runs the model once on
// those arguments with its own random stream and every site hidden from the
// handlers outside (`block`), and records each latent sample site: its
// address, shape, support and enclosing plates. Observed sites, `do`-fixed
// sites, factors and deterministic sites are not part of the guide. Latent
// sites with a discrete support are errors naming the site (for subsampled
// plates, see Plates and lanes). Later calls reuse the layout: a model
// whose latent sites change from run to run needs a hand-written guide.
//
// Unconstrained space. Each site's support has its standard bijector T
// (`BijectorFor(support)`: identity for the reals, exp for positive values,
// a scaled sigmoid for intervals, stick breaking for the simplex, ...). The
// families are normal distributions over the unconstrained values u, and a
// site's value is z = T(u), always inside the model's support. The guide's
// density must be that of z, q(z) = q_u(u) / |det ∂T/∂u|, so that the ELBO
// compares densities over the same space as the model's. Two designs do
// this, one per kind of family:
//
//   * Mean-field (AutoNormal): each site is its own `sample(address, ...)`
//     of the distribution of T(u), u ~ N(loc, scale), whose log density is
//     log N(T⁻¹(z)) - log |det ∂T/∂u|. Every site's density is then a true
//     density of its value, so the guide can also score values it did not
//     draw (`Density(guide, choices)`), and strategies can be chosen per
//     site by the model's addresses (`ScoreFunction(guide, {"z"})`).
//   * Joint (AutoMultivariateNormal, AutoLowRankMultivariateNormal): one
//     auxiliary site "_<prefix>_latent" (by default "_auto_latent") draws
//     the concatenated unconstrained vector u (1 x D) jointly; each model
//     site then gets `Delta(T(u_a), -log |det ∂T/∂u_a|)`, a point mass
//     carrying the change-of-variables term. The guide's total log density
//     is log q_u(u) - Σ_a log |det J_a| = log q(z), and the model's replay
//     sees only the model's addresses. Choose strategies for the joint
//     draw by its address (e.g. `ScoreFunction(guide, {"_auto_latent"})`).
//
// AutoDelta's point is stored as a parameter constrained to the site's
// support, and its site is `Delta(value)` with log density 0, so the ELBO
// is log p(x, z): the MAP estimate of the model's density over the
// constrained values (no Jacobian term). (For a support with tensor bounds,
// which a stored parameter cannot have, the point is stored unconstrained
// and mapped through the bounds each time.)
//
// Improper priors. A latent site with no sampler (`ImproperUniform`, a flat
// prior on its support) gets its set-up value in unconstrained space: u
// uniform on [-2, 2] per element, mapped by the support's bijector (Stan's
// initialisation). The guide then fits it like any other site.
//
// Supports that depend on other latents. A support whose bounds are
// computed from earlier latents or from parameters (Stan's `real<lower=0,
// upper=1-alpha> beta`, written `sample("beta", Uniform(0.0, 1 - alpha))`
// or `sample("beta", ImproperUniform(Support::Interval(0.0, 1 - alpha), 1,
// 1))`) is found at set-up: the set-up run makes every latent value and
// parameter a leaf on the tape, and a site whose support's tensor bounds
// are on the tape is marked `dynamic`. The transform of a dynamic site must
// use the bounds of the current draw, which only the model computes, so a
// guide with dynamic sites runs the model along with itself: at each of
// the model's latent sites the guide draws its own site (the mean-field
// family's T(u), or the joint family's Delta of T(u_a)) with T the
// bijector onto the support the model has just built, and gives the model
// that value; the model's other sites (observations, factors,
// deterministic sites) are hidden from everything outside. Gradients flow
// through the bounds (beta's draw depends on alpha's), the guide's density
// is the density of the constrained values given the earlier ones, and
// each guide run costs one run of the model's forward computation besides
// the guide's own. What needs one fixed transform (`Quantile`,
// `ConstrainedMoments`, the `median` of `Posterior`, `RunAtUnconstrained`
// and so the Laplace approximation, deterministic VI and
// vi/log_density.h) is a FailedPrecondition status naming the site for a
// guide with dynamic sites; `Predictive` (vi/predictive.h) summarises
// them. Dynamic sites in a model with subsampled plates are Unimplemented. A
// model may instead reparameterise by hand, as Stan users do without bounds
// support: `u ~ Uniform(0, 1)`, `beta = u * (1 - alpha)`, with
// `factor("jacobian", Log(1 - alpha))`.
//
// Parameters, under `options.prefix` ("auto" by default), joined to the
// scope the guide runs in; D is the total number of unconstrained elements,
// flattened site by site in the order the model ran them, each site's
// unconstrained value column-major (a site's shape, below, has one row per
// data point for a site in a subsampled plate):
//
//   AutoNormal                  <prefix>/loc/<site>, <prefix>/scale/<site>
//                               (positive): the site's unconstrained shape
//   AutoMultivariateNormal      <prefix>/loc (1 x D),
//                               <prefix>/scale_tril (D x D, lower Cholesky)
//   AutoLowRankMultivariateNormal
//                               <prefix>/loc (1 x D), <prefix>/cov_factor
//                               (D x k), <prefix>/scale (1 x D, positive)
//   AutoDelta                   <prefix>/value/<site>, constrained to the
//                               site's support (the site's shape)
//
// Plates and lanes. A latent site inside plates is drawn inside plates of
// the same names, sizes and subsample sizes, one row per lane as in the
// model. Under `Particles` (IWELBO and friends) one-row sites become
// K-lane sites as usual; set such a guide up before (`SetUp(args...)`),
// outside the particles, and keep its multi-row sites out of particles in
// the joint families (their flattened rows are not lanes).
//
// Subsampled plates (AutoNormal, AutoDelta). A site with one row per lane
// of a subsampled plate (local latents z_i, a plate of N data points drawn
// B at a time) gets parameters for all N points, N rows; each run takes the
// rows of the plate's subsample (`GatherRows`, whose gradient adds back
// into those rows), and the model, declaring the same plate, replays the
// guide's subsample (handlers/replay.h), so z_i meets data point i. The
// prototype's B rows repeat over the N as starting values (kPrior). The
// joint families and sites inside two subsampled plates are Unimplemented
// errors naming the site; a one-row site inside a subsampled plate is a
// global latent.
//
// Reading the fit. `Posterior(store, site)`: the unconstrained mean and
// marginal sd and the constrained median T(mean); `Quantile(store, site,
// p)`: constrained marginal quantiles (elementwise supports with fixed
// bounds);
// `Covariance(store)`: the joint unconstrained covariance (D x D; diagonal
// for AutoNormal, zero for AutoDelta); `ConstrainedMoments(store, site, n,
// seed)`: Monte Carlo mean and sd of the constrained values.
//
// Copies of a guide share its layout (the objectives copy the guide they
// are given), so the guide you keep can read what a copy set up.
// Thread-safety: one thread at a time, like a ParamStore.
//
// Example:
//
//   auto model = [](const provi::Tensor& y) {
//     provi::Tensor mu = provi::sample("mu", provi::Normal(0.0, 5.0));
//     provi::Tensor tau = provi::sample("tau", provi::HalfCauchy(5.0));
//     ...
//   };
//   provi::AutoNormal guide(model);
//   provi::ParamStore store;
//   provi::Adam adam({.learning_rate = 0.01});
//   auto elbo = provi::Expectation(provi::Elbo(model, guide));
//   provi::Svi svi(elbo, adam, store);
//   PROVI_RETURN_IF_ERROR(svi.Run(5000, y).status());
//   absl::StatusOr<provi::AutoSitePosterior> tau =
//       guide.Posterior(store, "tau");   // tau->median, tau->scale, ...

#ifndef PROVI_VI_AUTOGUIDE_H_
#define PROVI_VI_AUTOGUIDE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ad/tape.h"
#include "ad/tensor.h"
#include "base/status_error.h"
#include "distributions/bijector.h"
#include "distributions/support.h"
#include "runtime/address.h"
#include "runtime/trace.h"
#include "vi/internal/prototype_run.h"
#include "vi/param_store.h"

namespace provi {

// AutoGuideInit
//
// Where the unconstrained location parameters start.
enum class AutoGuideInit {
  // Uniform on [-init_radius, init_radius] per element (away from the
  // prior's tails, which can be far out for heavy-tailed priors).
  kUniform,
  // The model's prior draw from the set-up run (non-finite elements, from
  // draws on a support's boundary, start at 0).
  kPrior,
  // 0: the centre of each bijector (0 for reals, 1 for positive values, the
  // midpoint of an interval, the uniform simplex).
  kZero,
};

// AutoGuideOptions
struct AutoGuideOptions {
  // Parameter names start with "<prefix>/"; the joint families' auxiliary
  // site is "_<prefix>_latent".
  std::string prefix = "auto";
  AutoGuideInit init = AutoGuideInit::kUniform;
  double init_radius = 2;
  // The initial standard deviation of every unconstrained element (normal
  // families). Must be > 0.
  double init_scale = 0.1;
  // AutoLowRankMultivariateNormal: the rank k of the factor, 1 <= k; 0
  // chooses round(√D), at least 1.
  int rank = 0;
  // Seeds the set-up run of the model and the random initial values.
  uint64_t seed = 0;
};

// AutoPlate
//
// A plate enclosing a latent site: its name (relative to the scope the
// guide was set up in), size and subsample size (equal to size without
// subsampling).
struct AutoPlate {
  std::string name;
  Index size = 0;
  Index subsample_size = 0;
};

// AutoLatentSite
//
// One latent site of the model, as the guide sees it.
struct AutoLatentSite {
  // The site's address in the set-up run.
  Address address;
  // Its name relative to the scope the guide was set up in (what the guide
  // passes to `sample`).
  std::string name;
  Support support = Support::Real();
  std::shared_ptr<const Bijector> bijector;
  // The constrained value's shape. For a site with one row per lane of a
  // subsampled plate, one row per data point (the plate's size): the shape
  // of its parameters, of which each run takes the subsample's rows.
  Index rows = 0;
  Index cols = 0;
  // The unconstrained value's shape (e.g. K - 1 columns for a K-simplex),
  // likewise.
  Index unconstrained_rows = 0;
  Index unconstrained_cols = 0;
  // Position of its first element in the flattened unconstrained vector.
  Index offset = 0;
  // Its plates, outermost first.
  std::vector<AutoPlate> plates;
  // The position in `plates` of the subsampled plate whose lanes are the
  // site's rows (its parameters are per data point), or -1.
  int subsampled_plate = -1;
  // Whether the support's bounds depend on earlier latents or on parameters
  // (see the file comment): the transform is then built from each run's
  // bounds, and `support` / `bijector` hold the set-up run's.
  bool dynamic = false;

  Index size() const { return unconstrained_rows * unconstrained_cols; }
};

// AutoSitePosterior
//
// A site's fitted marginal. `loc` and `scale` have the unconstrained shape,
// `median` the constrained one.
struct AutoSitePosterior {
  // The mean of the unconstrained value.
  Matrix loc;
  // The marginal standard deviation of each unconstrained element (0 for
  // AutoDelta).
  Matrix scale;
  // T(loc): the median of each constrained element when T acts elementwise
  // (all supports but the simplex, ordered vectors and Cholesky factors);
  // else the image of the mean. Empty (0x0) for a dynamic site, whose T
  // depends on the other latents.
  Matrix median;
};

// AutoMoments
//
// Monte Carlo moments of a site's constrained value, elementwise.
struct AutoMoments {
  Matrix mean;
  Matrix sd;
};

namespace autoguide_internal {

class State;

// The variational families (vi/internal/autoguide_family.h), one file each;
// each public class below names its family's factory.
class Family;
using FamilyFactory = std::unique_ptr<Family> (*)();
std::unique_ptr<Family> MeanFieldFamily();
std::unique_ptr<Family> DeltaFamily();
std::unique_ptr<Family> FullRankFamily();
std::unique_ptr<Family> LowRankFamily();

}  // namespace autoguide_internal

// AutoGuide
//
// What every autoguide has, independent of its model's type: the layout,
// the guide's program (given the layout) and the accessors. Use the
// families below.
class AutoGuide {
 public:
  // is_set_up()
  //
  // Whether the model has been traced and the layout recorded.
  bool is_set_up() const;

  // options()
  const AutoGuideOptions& options() const;

  // sites()
  //
  // The latent sites, in the order the model ran them (empty before set-up).
  const std::vector<AutoLatentSite>& sites() const;

  // dimension()
  //
  // D, the number of unconstrained elements over all sites.
  Index dimension() const;

  // Posterior()
  //
  // The fitted marginal of `site` (its name or address) from the parameters
  // in `store`. FailedPrecondition before set-up; NotFound for an unknown
  // site or parameters the store does not have (the guide never ran with
  // it).
  absl::StatusOr<AutoSitePosterior> Posterior(const ParamStore& store,
                                              absl::string_view site) const;

  // Quantile()
  //
  // The p-quantile of each constrained element's marginal, T(loc + scale
  // Φ⁻¹(p)), exact because T is increasing elementwise. InvalidArgument for
  // p outside (0, 1) and for the simplex and Cholesky supports (whose T is
  // not elementwise); otherwise as Posterior.
  absl::StatusOr<Matrix> Quantile(const ParamStore& store,
                                  absl::string_view site, double p) const;

  // Covariance()
  //
  // The covariance of the flattened unconstrained vector (D x D; see the
  // file comment for the order). Errors as Posterior.
  absl::StatusOr<Matrix> Covariance(const ParamStore& store) const;

  // ConstrainedMoments()
  //
  // The mean and standard deviation of each element of `site`'s
  // constrained value over `num_samples` draws of the guide (seeded by
  // `seed`); the Monte Carlo error of the mean is sd / √num_samples. Draws
  // run the guide with `store` installed, so they create the parameters if
  // they do not exist yet. For a site with per-point parameters, each draw
  // covers every data point (the guide runs on consecutive blocks of the
  // plate's indices). Errors as Posterior, and InvalidArgument for
  // num_samples < 2.
  absl::StatusOr<AutoMoments> ConstrainedMoments(ParamStore& store,
                                                 absl::string_view site,
                                                 int num_samples,
                                                 uint64_t seed) const;

  // InitialLocation()
  //
  // The unconstrained point the location parameters start from (1 x D,
  // chosen by `options().init`). The guide must be set up (a checked
  // precondition).
  Matrix InitialLocation() const;

  // RunAtUnconstrained()
  //
  // Runs the model's latent sites as point masses at the flattened
  // unconstrained vector `latent` (1 x D, in the order of the file
  // comment): each site is `sample(name, Delta(T(u_a), -log |det ∂T/∂u_a|))`
  // inside its plates, so that, with the model replayed on these choices,
  // log p - log q is the model's log density over the unconstrained space,
  // log p(T(u), x) + Σ log |det ∂T/∂u|. A `latent` on the tape gives its
  // gradient. Throws StatusError (FailedPrecondition before set-up and for
  // a guide with dynamic sites, InvalidArgument for a vector of the wrong
  // length).
  void RunAtUnconstrained(const Tensor& latent) const;

  // SetJointNormal()
  //
  // Sets the full-rank normal's parameters in `store` (creating them if the
  // guide has not run with it) to N(loc, scale_tril scale_trilᵀ): loc 1 x D,
  // scale_tril D x D lower triangular with a positive diagonal. For the
  // full-rank families (AutoMultivariateNormal, AutoLaplaceApproximation);
  // FailedPrecondition for the others and before set-up, InvalidArgument
  // for shapes or values that do not fit.
  absl::Status SetJointNormal(ParamStore& store, const Matrix& loc,
                              const Matrix& scale_tril) const;

 protected:
  // A guide of the family `make_family()` makes.
  AutoGuide(autoguide_internal::FamilyFactory make_family,
            AutoGuideOptions options);

  // FailedPrecondition when the guide cannot be set up here (inside a
  // broadcasting plate such as Particles).
  absl::Status CheckSetUpContext() const;
  // Records the layout from a prototype run that ended with `status`.
  absl::Status SetUpFrom(const Trace& prototype, absl::Status status) const;
  // Whether a latent site's support depends on other latents.
  bool has_dynamic_sites() const;
  // The guide's program; throws StatusError (FailedPrecondition) before
  // set-up.
  void Run() const;
  // The guide's program for a layout with dynamic sites: runs `model` (the
  // model on the guide's arguments) along with it (see the file comment).
  void RunAlongside(const std::function<void()>& model) const;

 private:
  std::shared_ptr<autoguide_internal::State> state_;
};

namespace autoguide_internal {

// The part of every family that depends on the model's type.
template <typename M>
class ModelGuide : public AutoGuide {
 public:
  // operator()
  //
  // The guide program: sets up on first use, then draws every latent site.
  // Errors are thrown as StatusError (the entry points that run programs,
  // such as Expectation, return them as statuses).
  template <typename... Args>
  void operator()(const Args&... args) const {
    if (!is_set_up()) ThrowIfError(SetUp(args...));
    if (has_dynamic_sites()) {
      RunAlongside([&] { model_(args...); });
    } else {
      Run();
    }
  }

  // SetUp()
  //
  // Traces the model on `args...` and records the layout (see the file
  // comment); OK without doing anything when already set up. Returns the
  // model's error, or the layout's (a discrete latent site, ...), naming
  // the site.
  template <typename... Args>
  absl::Status SetUp(const Args&... args) const {
    if (is_set_up()) return absl::OkStatus();
    if (absl::Status context = CheckSetUpContext(); !context.ok()) {
      return context;
    }
    absl::Status status;
    PrototypeRun run(options().seed);
    try {
      model_(args...);
    } catch (const StatusError& error) {
      status = error.status();
    }
    const Trace prototype = run.TakeTrace();
    return SetUpFrom(prototype, status);
  }

  const M& model() const { return model_; }

 protected:
  ModelGuide(M model, FamilyFactory make_family, AutoGuideOptions options)
      : AutoGuide(make_family, std::move(options)), model_(std::move(model)) {}

 private:
  M model_;
};

}  // namespace autoguide_internal

// AutoNormal
//
// Mean-field normal over the unconstrained values: every element has its
// own loc and scale. Example: `provi::AutoNormal guide(model);`.
template <typename M>
class AutoNormal final : public autoguide_internal::ModelGuide<M> {
 public:
  explicit AutoNormal(M model, AutoGuideOptions options = {})
      : autoguide_internal::ModelGuide<M>(std::move(model),
                                          &autoguide_internal::MeanFieldFamily,
                                          std::move(options)) {}
};

// AutoMultivariateNormal
//
// Full-rank normal over the concatenated unconstrained values, so it
// captures correlations between (and within) sites; D(D + 3)/2 parameters.
template <typename M>
class AutoMultivariateNormal final : public autoguide_internal::ModelGuide<M> {
 public:
  explicit AutoMultivariateNormal(M model, AutoGuideOptions options = {})
      : autoguide_internal::ModelGuide<M>(std::move(model),
                                          &autoguide_internal::FullRankFamily,
                                          std::move(options)) {}
};

// AutoLowRankMultivariateNormal
//
// Normal with covariance W Wᵀ + diag(s²), W of rank `options.rank`: D(k +
// 2) parameters, and a density in O(D k²).
template <typename M>
class AutoLowRankMultivariateNormal final
    : public autoguide_internal::ModelGuide<M> {
 public:
  explicit AutoLowRankMultivariateNormal(M model, AutoGuideOptions options = {})
      : autoguide_internal::ModelGuide<M>(std::move(model),
                                          &autoguide_internal::LowRankFamily,
                                          std::move(options)) {}
};

// AutoDelta
//
// A point estimate per site (MAP; see the file comment).
template <typename M>
class AutoDelta final : public autoguide_internal::ModelGuide<M> {
 public:
  explicit AutoDelta(M model, AutoGuideOptions options = {})
      : autoguide_internal::ModelGuide<M>(std::move(model),
                                          &autoguide_internal::DeltaFamily,
                                          std::move(options)) {}
};

}  // namespace provi

#endif  // PROVI_VI_AUTOGUIDE_H_
