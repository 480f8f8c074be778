// Copyright 2026 The provi Authors.
//
// A user's program, built outside provi's workspace through `@provi//:provi`
// alone: tests/downstream/check.sh builds it with the WORKSPACE, BUILD,
// .bazelrc and command lines of README.md's "Depending on provi", in float
// and in double.
// It exits non-zero unless every check below agrees with its exact answer.
//
// The model is conjugate (conjugate_model.h), so the answer is known in
// closed form. Two guides, N(loc, scale) written by hand and AutoNormal,
// are fitted with Elbo + Svi + Adam. Each then gets the Polyak averages of
// its iterates, goes through a ParamStore Save / Load round trip (which
// must be exact), and the loaded store's guide is compared with the exact
// posterior N(m, s²). Why the tolerances are what they are: see
// conjugate_model.h.
//
// Two more checks with exact answers:
//
//   * Posterior predictive (`Predictive`) from the loaded hand-written
//     guide: the replicated x_1 = μ + σ ε, μ ~ N(loc, scale²), has mean loc
//     and sd √(scale² + σ²); over kDraws draws, the sample mean and sd are
//     checked within kZ standard errors (σ_x / √kDraws and σ_x / √(2 kDraws)).
//   * Exact enumeration (`Enumerate()` at a discrete site): z ~
//     Bernoulli(0.3), x = 1 ~ N(3z - 1, 1); the guide Bernoulli(sigmoid θ)
//     with enumerated z has an exact ELBO gradient, so Adam drives q(z = 1)
//     to the posterior 1 / (1 + (7/3) e^{-3/2}) = 0.65762 deterministically;
//     checked to kEnumerationTolerance.
//   * Fitted control variates (`ScoreFunctionWithControlVariates`, written
//     inside the guide as a user writes it, so the coefficients it fits
//     live in the objective): the same model and guide, whose ELBO gradient
//     is g(θ) = q(1 - q)(θ* - θ), θ* = logit(0.65762), q = sigmoid θ. Its
//     estimates are noisy (the -log q term alone adds a variance near
//     q(1 - q)), so Adam's iterates are averaged over kAveraged steps, as
//     above: with ξ_t the estimates' noise (unbiased given the past, so
//     the mean of T of them has sd σ_ξ / √T) and H = g'(θ*) = -q*(1 - q*),
//
//       mean(θ) - θ* = mean(ξ) / |H| + bias,   sd σ_ξ / (|H| √T).
//
//     σ_ξ is measured at the end from kDraws estimates. "bias" is bounded
//     by what the run measures: Adam's net change |θ_T - θ_0| times the
//     estimates' root mean square over η T (the mean of the gradients over
//     the window), plus the curvature term ½ |g''(θ*)| var(θ) / |H|, with
//     g''(θ*) = -2 q*(1 - q*)(1 - 2 q*) and var(θ) the iterates' variance.
//     The check allows kZ standard errors plus that bound (plus the
//     enumeration check's rounding allowance, for an exact gradient); a
//     biased estimator (a control variate without its correction term,
//     say) moves θ* itself and fails it.
//   * The same fit with the site's strategy left to the estimator advisor
//     (`Auto()` in the guide, `Advise` after the first step), checked the
//     same way.
//   * A three-way choice with `OneHotCategorical` and enumeration (see
//     CheckOneHot), exact like the enumeration check.
//   * The hand-written guide fitted data-parallel over 3 threads
//     (`RunOnThreads`), each on its shard of the data (3, 3 and 4 of the
//     10 points; see conjugate::FitReplica), checked like the one-process
//     fits.
//   * One gradient estimate of `IwelboDreg` (K = 4 particles) at a fixed
//     seed and a guide N(loc, scale) away from the posterior, against the
//     doubly-reparameterised estimate computed by hand at the particles the
//     guide drew (see CheckDreg): the estimate is a deterministic function
//     of the draws, so the tolerance is rounding.
//   * `ScaleLaneGradient` with factors set after the scaled value is used,
//     against its adjoint x̄_i = f_i ȳ_i (exact).
//   * `SequentialIwelbo` (K = 3 particles run one after the other) of the
//     discrete model, the guide's site under measure-valued derivatives:
//     each estimate takes K + 1 runs (one counterfactual per particle's
//     site, re-running that particle alone), and the mean of kDraws
//     estimates of dθ agrees within kZ standard errors with the exact
//     gradient from enumerating all K sites (2^K runs).
//   * `IndependentBlocks` written directly: two blocks, each with an MVD
//     Bernoulli site b_k that adds the cost g_k b_k and returns y_k b_k.
//     The gradient of E[Σ_k (g_k + y_k) b_k] in p_k is g_k + y_k, and MVD
//     gives it exactly at every draw, in 3 runs (one counterfactual per
//     block, which takes the other block's value and cost from the first
//     run); checked over 20 estimates to rounding.
//   * The model's log joint density and its gradient at a point, as a user
//     evaluates them (`Density` at choices whose value is a variable, then
//     `Backward`), on all the data and on a shard of 4 points (whose
//     likelihood the plate scales by 10 / 4), against the closed forms; and
//     the same through `LaneDensityHandler` directly: one lane per data
//     point, the prior's term shared among them.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "ad/tensor.h"
#include "base/real.h"
#include "conjugate_model.h"
#include "distributed/thread_communicator.h"
#include "distributions/bernoulli.h"
#include "distributions/normal.h"
#include "distributions/one_hot_categorical.h"
#include "estimators/advisor.h"
#include "estimators/expectation.h"
#include "estimators/independent_blocks.h"
#include "estimators/strategies.h"
#include "handlers/density.h"
#include "runtime/handler.h"
#include "runtime/primitives.h"
#include "runtime/trace.h"
#include "vi/autoguide.h"
#include "vi/generative.h"
#include "vi/objectives.h"
#include "vi/optimizers.h"
#include "vi/param_store.h"
#include "vi/predictive.h"
#include "vi/svi.h"

namespace {

using conjugate::Check;
using conjugate::GuideParameters;
using conjugate::kAveraged;
using conjugate::kAveragingRate;
using conjugate::kBurnIn;
using conjugate::kN;
using conjugate::kNoiseSd;
using conjugate::kZ;
using conjugate::MakeAdam;
using conjugate::TrainAndAverage;
using provi::Matrix;
using provi::Real;
using provi::Tensor;

// Posterior predictive draws, and the enumeration check's tolerance on
// q(z = 1) (its optimisation has no noise: the tolerance covers the last
// steps of Adam at rate 1e-3 and float rounding).
constexpr int kDraws = 4000;
constexpr double kEnumerationTolerance = 2e-3;

// Trains `guide` on `model` with Elbo + Svi + Adam, averaged into `store`.
template <typename M, typename G>
absl::Status Fit(M model, G guide, const GuideParameters& names, uint64_t seed,
                 provi::ParamStore& store) {
  auto elbo = provi::Expectation(provi::Elbo(model, guide));
  elbo.Seed(seed);
  provi::Adam adam = MakeAdam();
  provi::SviOptions options;
  options.progress = false;
  provi::Svi svi(elbo, adam, store, options);
  return TrainAndAverage([&] { return svi.Step().status(); }, names, store);
}

// Saves `store` to `path`, loads the file into `loaded` and checks that
// every parameter came back bit for bit.
absl::Status SaveAndLoad(const provi::ParamStore& store,
                         const std::string& path, provi::ParamStore& loaded) {
  if (absl::Status saved = store.Save(path); !saved.ok()) return saved;
  const absl::Status read = loaded.Load(path);
  std::remove(path.c_str());
  if (!read.ok()) return read;
  if (loaded.size() != store.size()) {
    return absl::DataLossError(absl::StrCat(
        "saved ", store.size(), " parameters, loaded ", loaded.size()));
  }
  for (const provi::NamedParameter& saved : store.parameters()) {
    absl::StatusOr<provi::Parameter*> back =
        loaded.Unconstrained(saved.address.name());
    if (!back.ok()) return back.status();
    if ((*back)->value() != saved.parameter->value()) {
      return absl::DataLossError(
          absl::StrCat(saved.address.name(), " changed in the round trip"));
    }
  }
  return absl::OkStatus();
}

// Checks the posterior predictive of the fitted guide in `store` (see the
// file comment); prints one line and returns whether it is within
// tolerance, or the error.
template <typename M, typename G>
absl::StatusOr<bool> CheckPredictive(const M& model, const G& guide,
                                     provi::ParamStore& store) {
  provi::PredictiveOptions options;
  options.num_samples = kDraws;
  options.return_sites = {"x"};
  options.seed = 4;
  absl::StatusOr<provi::PredictiveSamples> draws =
      provi::Predictive(model, guide, store, options);
  if (!draws.ok()) return draws.status();
  const provi::PredictiveSite* replicated = draws->Find("x");
  if (replicated == nullptr || replicated->draws.rows() != kDraws ||
      replicated->draws.cols() != kN) {
    return absl::InternalError(
        absl::StrCat("no ", kDraws, " x ", kN, " draws of 'x'"));
  }
  const double loc = store.Get("loc")->item();
  const double scale = store.Get("scale")->item();
  const double sd = std::sqrt(scale * scale + kNoiseSd * kNoiseSd);
  const Eigen::VectorXd first = replicated->draws.col(0);
  const double mean = first.mean();
  const double sample_sd =
      std::sqrt((first.array() - mean).square().sum() / (kDraws - 1));
  const double mean_tolerance = kZ * sd / std::sqrt(double{kDraws});
  const double sd_tolerance = kZ * sd / std::sqrt(2.0 * kDraws);
  const bool ok = std::abs(mean - loc) <= mean_tolerance &&
                  std::abs(sample_sd - sd) <= sd_tolerance;
  std::printf(
      "%-12s mean %.5f (exact %.5f, tolerance %.5f)  sd %.5f (exact %.5f, "
      "tolerance %.5f)  %s\n",
      "predictive", mean, loc, mean_tolerance, sample_sd, sd, sd_tolerance,
      ok ? "ok" : "WRONG");
  return ok;
}

// Fits a guide whose gradient is exact (its discrete sites enumerated):
// 1,500 Adam steps at rate 0.05, then 2,500 at 0.001, into `store`.
template <typename M, typename G>
absl::Status FitExactly(M model, G guide, uint64_t seed,
                        provi::ParamStore& store) {
  auto elbo = provi::Expectation(provi::Elbo(model, guide));
  elbo.Seed(seed);
  provi::Adam adam(provi::AdamOptions{provi::Schedule(
      [](int64_t step) { return step < 1500 ? 0.05 : 0.001; })});
  provi::SviOptions options;
  options.progress = false;
  provi::Svi svi(elbo, adam, store, options);
  return svi.Run(4000).status();
}

// The discrete model of the file comment: z ~ Bernoulli(0.3), x = 1 ~
// N(3z - 1, 1); its guide z ~ Bernoulli(sigmoid θ) estimated by
// `strategy`; and the posterior q(z = 1) = 1 / (1 + (7/3) e^{-3/2}).
void DiscreteModel() {
  const Tensor z = provi::sample("z", provi::Bernoulli::FromProbs(0.3));
  provi::observe("x", provi::Normal(3.0 * z - 1.0, Tensor(1.0)), Tensor(1.0));
}

void DiscreteGuide(std::shared_ptr<const provi::SiteStrategy> strategy) {
  const Tensor theta = provi::param("theta", Tensor(0.0));
  provi::sample("z", provi::Bernoulli::FromLogits(theta), std::move(strategy));
}

double DiscretePosterior() { return 1 / (1 + (7.0 / 3.0) * std::exp(-1.5)); }

// Fits the discrete model with `guide` and checks the averaged θ against
// θ* (see the file comment); prints one line and returns whether it is
// within tolerance, or the error. `prepare(store, program)` runs after the
// first step has made θ (`program` computes the ELBO in the store's scope).
template <typename G, typename Prepare>
absl::StatusOr<bool> CheckAveragedFit(const char* label, G guide,
                                      Prepare prepare) {
  provi::ParamStore store;
  const auto program = provi::Elbo(DiscreteModel, guide);
  auto elbo = provi::Expectation(program);
  elbo.Seed(6);
  provi::Adam adam = MakeAdam();
  provi::SviOptions options;
  options.progress = false;
  provi::Svi svi(elbo, adam, store, options);
  if (absl::StatusOr<Real> first_step = svi.Step(); !first_step.ok()) {
    return first_step.status();
  }
  if (absl::Status prepared = prepare(store, program); !prepared.ok()) {
    return prepared;
  }
  // The burn-in, then as many steps at the averaging rate to forget it.
  if (absl::StatusOr<provi::SviSummary> run = svi.Run(kBurnIn + kBurnIn - 1);
      !run.ok()) {
    return run.status();
  }
  absl::StatusOr<provi::Parameter*> theta = store.Unconstrained("theta");
  if (!theta.ok()) return theta.status();
  const double first = (*theta)->value()(0, 0);
  double sum = 0;
  double sum_squares = 0;
  for (int64_t step = 0; step < kAveraged; ++step) {
    if (absl::StatusOr<Real> value = svi.Step(); !value.ok()) {
      return value.status();
    }
    const double t = (*theta)->value()(0, 0);
    sum += t;
    sum_squares += t * t;
  }
  const double last = (*theta)->value()(0, 0);
  const double mean = sum / kAveraged;
  const double iterate_variance =
      std::max(0.0, sum_squares / kAveraged - mean * mean);
  // The estimates' noise at the averaged θ.
  (*theta)->value()(0, 0) = static_cast<Real>(mean);
  double g_sum = 0;
  double g_sum_squares = 0;
  {
    provi::ParamStoreScope scope(store);
    for (int i = 0; i < kDraws; ++i) {
      store.ZeroGrad();
      if (absl::StatusOr<provi::GradientEstimate> g = elbo.GradEstimate();
          !g.ok()) {
        return g.status();
      }
      const double g = (*theta)->grad()(0, 0);
      g_sum += g;
      g_sum_squares += g * g;
    }
  }
  const double g_mean = g_sum / kDraws;
  const double noise_sd = std::sqrt(
      std::max(0.0, (g_sum_squares - kDraws * g_mean * g_mean) / (kDraws - 1)));
  const double rms = std::sqrt(g_sum_squares / kDraws);
  const double q_star = DiscretePosterior();
  const double theta_star = std::log(q_star / (1 - q_star));
  const double curvature = q_star * (1 - q_star);  // |H|
  const double second = 2 * q_star * (1 - q_star) * std::abs(1 - 2 * q_star);
  const double bias =
      std::abs(last - first) * rms /
          (kAveragingRate * static_cast<double>(kAveraged) * curvature) +
      0.5 * second * iterate_variance / curvature;
  // With an exact gradient (no noise, no bias bound) what is left is the
  // float rounding the enumeration check allows, in θ.
  const double tolerance =
      kZ * noise_sd / (curvature * std::sqrt(static_cast<double>(kAveraged))) +
      bias + kEnumerationTolerance / curvature;
  const bool ok = std::abs(mean - theta_star) <= tolerance;
  std::printf(
      "%-12s theta %.5f (exact %.5f, tolerance %.5f of which bias %.5f; "
      "gradient noise sd %.3f)  %s\n",
      label, mean, theta_star, tolerance, bias, noise_sd, ok ? "ok" : "WRONG");
  return ok;
}

// The same fit with fitted control variates, written inside the guide as a
// user writes them (a new strategy object at every run).
absl::StatusOr<bool> CheckControlVariates() {
  return CheckAveragedFit(
      "control v.",
      [] { DiscreteGuide(provi::ScoreFunctionWithControlVariates(0.9)); },
      [](provi::ParamStore&, const auto&) { return absl::OkStatus(); });
}

// The same fit with the strategy left to the estimator advisor: the guide's
// site uses Auto(), and Advise, after the first step, chooses (with a run
// limit and a warm-up for the strategies that learn).
absl::StatusOr<bool> CheckAdvised() {
  const std::shared_ptr<provi::AutoStrategy> strategy = provi::Auto();
  return CheckAveragedFit(
      "advised", [strategy] { DiscreteGuide(strategy); },
      [strategy](provi::ParamStore& store,
                 const auto& program) -> absl::Status {
        absl::StatusOr<provi::Parameter*> theta = store.Unconstrained("theta");
        if (!theta.ok()) return theta.status();
        provi::ParamStoreScope scope(store);
        provi::AdvisorOptions options;
        options.max_runs_per_estimate = 8;
        const absl::StatusOr<provi::Advice> advice = provi::Advise(
            [&program] { return program(); }, {{"theta", *theta}}, options);
        if (!advice.ok()) return advice.status();
        std::printf("%s", advice->ToString().c_str());
        strategy->Adopt(*advice);
        return absl::OkStatus();
      });
}

// A three-way choice (the file comment's last check): z ~
// OneHotCategorical(0.2, 0.5, 0.3), x = 1 ~ N(Σ_k μ_k z_k, 1) with μ = (-1,
// 0, 2); the guide OneHotCategorical(softmax θ) with z enumerated has an
// exact ELBO gradient, so Adam drives q to the posterior ∝ p_k N(1; μ_k,
// 1), each probability checked to kEnumerationTolerance.
absl::StatusOr<bool> CheckOneHot() {
  const double prior[3] = {0.2, 0.5, 0.3};
  const double means[3] = {-1.0, 0.0, 2.0};
  Matrix prior_row(1, 3);
  Matrix means_row(1, 3);
  for (int k = 0; k < 3; ++k) {
    prior_row(0, k) = static_cast<Real>(prior[k]);
    means_row(0, k) = static_cast<Real>(means[k]);
  }
  const Tensor prior_probs(prior_row);
  const Tensor mu(means_row);
  auto model = [prior_probs, mu] {
    const Tensor z =
        provi::sample("z", provi::OneHotCategorical::FromProbs(prior_probs));
    provi::observe("x", provi::Normal(provi::RowSum(z * mu), Tensor(1.0)),
                   Tensor(1.0));
  };
  auto guide = [] {
    const Tensor theta = provi::param("theta", Tensor(Matrix::Zero(1, 3)));
    provi::sample("z", provi::OneHotCategorical::FromLogits(theta),
                  provi::Enumerate());
  };
  provi::ParamStore store;
  if (absl::Status fitted = FitExactly(model, guide, 7, store); !fitted.ok()) {
    return fitted;
  }
  absl::StatusOr<Tensor> theta = store.Get("theta");
  if (!theta.ok()) return theta.status();
  double posterior[3];
  double normaliser = 0;
  double fitted[3];
  double fitted_normaliser = 0;
  for (int k = 0; k < 3; ++k) {
    posterior[k] = prior[k] * std::exp(-0.5 * (1 - means[k]) * (1 - means[k]));
    normaliser += posterior[k];
    fitted[k] = std::exp(double{theta->value()(0, k)});
    fitted_normaliser += fitted[k];
  }
  bool ok = true;
  for (int k = 0; k < 3; ++k) {
    const double q = fitted[k] / fitted_normaliser;
    const double exact = posterior[k] / normaliser;
    const bool close = std::abs(q - exact) <= kEnumerationTolerance;
    std::printf("%-12s q(z = %d) %.5f (exact %.5f, tolerance %.5f)  %s\n",
                "one-hot", k, q, exact, kEnumerationTolerance,
                close ? "ok" : "WRONG");
    ok &= close;
  }
  return ok;
}

// The IwelboDreg check of the file comment. Its model is the conjugate
// model with the data through their mean, x̄ ~ N(μ, σ² / n) (the same
// likelihood in μ up to a constant, so the same posterior N(m, s²)), which
// the K particles of μ broadcast over. With P = 1 / s², ∂_μ log p(x, μ) =
// -P (μ - m); the guide draws μ_k = loc + scale ε_k, and with log w_k =
// log p(x, μ_k) - log N(μ_k; loc, scale), w̃ the normalised weights and
// d_k = ∂_μ log w_k = -P (μ_k - m) + (μ_k - loc) / scale², the estimate of
// the gradient is (u = log scale, the stored unconstrained value)
//
//   ∂/∂loc = Σ_k w̃_k² d_k,   ∂/∂u = Σ_k w̃_k² d_k (μ_k - loc).
//
// Prints one line and returns whether both agree within rounding (relative
// 1e-9 in double, 2e-4 in float), or the error.
absl::StatusOr<bool> CheckDreg() {
  constexpr int kParticles = 4;
  const conjugate::Posterior exact = conjugate::ExactPosterior();
  double mean_x = 0;
  for (double x : conjugate::kData) mean_x += x / kN;
  auto model = [mean_x] {
    const Tensor mu =
        provi::sample("mu", provi::Normal(Tensor(conjugate::kPriorMean),
                                          Tensor(conjugate::kPriorSd)));
    provi::observe("mean of x",
                   provi::Normal(mu, Tensor(kNoiseSd / std::sqrt(double{kN}))),
                   Tensor(mean_x));
  };
  Matrix draws;
  auto guide = [&] {
    const Tensor loc = provi::param("loc", Tensor(exact.mean + exact.sd));
    const Tensor scale = provi::param("scale", Tensor(1.5 * exact.sd),
                                      provi::Support::Positive());
    draws = provi::sample("mu", provi::Normal(loc, scale)).value();
  };
  auto dreg = provi::Expectation(provi::IwelboDreg(model, guide, kParticles));
  dreg.Seed(3);
  provi::ParamStore store;
  {
    provi::ParamStoreScope scope(store);
    if (absl::StatusOr<provi::GradientEstimate> g = dreg.GradEstimate();
        !g.ok()) {
      return g.status();
    }
  }
  absl::StatusOr<provi::Parameter*> loc = store.Unconstrained("loc");
  if (!loc.ok()) return loc.status();
  absl::StatusOr<provi::Parameter*> log_scale = store.Unconstrained("scale");
  if (!log_scale.ok()) return log_scale.status();
  if (draws.rows() != kParticles || draws.cols() != 1) {
    return absl::InternalError(
        absl::StrCat("IwelboDreg drew ", draws.rows(), " x ", draws.cols(),
                     " values of mu, not ", kParticles, " x 1"));
  }
  const double l = (*loc)->value()(0, 0);
  const double s = std::exp(double{(*log_scale)->value()(0, 0)});
  const double precision = 1 / (exact.sd * exact.sd);
  double log_w[kParticles];
  double top = -INFINITY;
  for (int k = 0; k < kParticles; ++k) {
    const double mu = draws(k, 0);
    log_w[k] = -0.5 * precision * (mu - exact.mean) * (mu - exact.mean) +
               0.5 * (mu - l) * (mu - l) / (s * s);
    top = std::max(top, log_w[k]);
  }
  double total = 0;
  for (double lw : log_w) total += std::exp(lw - top);
  double want_loc = 0;
  double want_u = 0;
  for (int k = 0; k < kParticles; ++k) {
    const double mu = draws(k, 0);
    const double w = std::exp(log_w[k] - top) / total;
    const double d = -precision * (mu - exact.mean) + (mu - l) / (s * s);
    want_loc += w * w * d;
    want_u += w * w * d * (mu - l);
  }
  const double got_loc = (*loc)->grad()(0, 0);
  const double got_u = (*log_scale)->grad()(0, 0);
  const double relative = provi::kRealIsDouble ? 1e-9 : 2e-4;
  const bool ok =
      std::abs(got_loc - want_loc) <= relative * (1 + std::abs(want_loc)) &&
      std::abs(got_u - want_u) <= relative * (1 + std::abs(want_u));
  std::printf(
      "%-12s d/dloc %.6f (by hand %.6f)  d/dlog scale %.6f (by hand %.6f)  "
      "%s\n",
      "IWELBO-DReG", got_loc, want_loc, got_u, want_u, ok ? "ok" : "WRONG");
  return ok;
}

// The SequentialIwelbo check of the file comment, at θ = 0.4. Prints one
// line and returns whether it holds, or the error.
absl::StatusOr<bool> CheckSequentialIwelbo() {
  constexpr int kParticles = 3;
  provi::ParamStore store;
  provi::ParamStoreScope scope(store);
  auto exact = provi::Expectation(provi::SequentialIwelbo(
      DiscreteModel, [] { DiscreteGuide(provi::Enumerate()); }, kParticles));
  if (absl::StatusOr<provi::GradientEstimate> g = exact.GradEstimate();
      !g.ok()) {
    return g.status();
  }
  absl::StatusOr<provi::Parameter*> theta = store.Unconstrained("theta");
  if (!theta.ok()) return theta.status();
  (*theta)->value()(0, 0) = Real(0.4);
  store.ZeroGrad();
  absl::StatusOr<provi::GradientEstimate> enumerated = exact.GradEstimate();
  if (!enumerated.ok()) return enumerated.status();
  const double want = (*theta)->grad()(0, 0);
  auto mvd = provi::Expectation(provi::SequentialIwelbo(
      DiscreteModel, [] { DiscreteGuide(provi::Mvd()); }, kParticles));
  mvd.Seed(8);
  double sum = 0;
  double sum_squares = 0;
  bool runs_ok = enumerated->runs == 1 << kParticles;
  for (int i = 0; i < kDraws; ++i) {
    store.ZeroGrad();
    absl::StatusOr<provi::GradientEstimate> g = mvd.GradEstimate();
    if (!g.ok()) return g.status();
    runs_ok &= g->runs == kParticles + 1;
    const double d = (*theta)->grad()(0, 0);
    sum += d;
    sum_squares += d * d;
  }
  const double mean = sum / kDraws;
  const double sd = std::sqrt(
      std::max(0.0, (sum_squares - kDraws * mean * mean) / (kDraws - 1)));
  const double tolerance = kZ * sd / std::sqrt(double{kDraws}) +
                           (provi::kRealIsDouble ? 1e-9 : 1e-5);
  const bool ok = runs_ok && std::abs(mean - want) <= tolerance;
  std::printf(
      "%-12s dtheta %.5f (exact %.5f, tolerance %.5f; runs per estimate "
      "%s)  %s\n",
      "sequential", mean, want, tolerance, runs_ok ? "as expected" : "WRONG",
      ok ? "ok" : "WRONG");
  return ok;
}

// The IndependentBlocks check of the file comment. Prints one line and
// returns whether it holds, or the error.
absl::StatusOr<bool> CheckIndependentBlocks() {
  const double g[2] = {2.0, -3.0};
  const double y[2] = {0.5, 1.25};
  provi::Parameter p[2] = {provi::Parameter(Matrix::Constant(1, 1, Real(0.3))),
                           provi::Parameter(Matrix::Constant(1, 1, Real(0.6)))};
  auto objective = provi::Expectation([&] {
    const std::vector<Tensor> values = provi::IndependentBlocks(2, [&](int k) {
      const Tensor b = provi::sample(absl::StrCat("b", k),
                                     provi::Bernoulli::FromProbs(p[k].tensor()),
                                     provi::Mvd());
      provi::AddCost(b * Real(g[k]));
      return b * Real(y[k]);
    });
    return values[0] + values[1];
  });
  objective.Seed(12);
  double worst = 0;
  bool runs_ok = true;
  for (int n = 0; n < 20; ++n) {
    for (provi::Parameter& q : p) q.ZeroGrad();
    absl::StatusOr<provi::GradientEstimate> e = objective.GradEstimate();
    if (!e.ok()) return e.status();
    runs_ok &= e->runs == 3;
    for (int k = 0; k < 2; ++k) {
      worst =
          std::max(worst, std::abs(double{p[k].grad()(0, 0)} - g[k] - y[k]));
    }
  }
  const double tolerance = provi::kRealIsDouble ? 1e-12 : 1e-5;
  const bool ok = runs_ok && worst <= tolerance;
  std::printf(
      "%-12s largest gradient error %.2g over 20 estimates (tolerance %.0e; "
      "runs per estimate %s)  %s\n",
      "blocks", worst, tolerance, runs_ok ? "as expected" : "WRONG",
      ok ? "ok" : "WRONG");
  return ok;
}

// The ScaleLaneGradient check of the file comment: y = x, loss Σ_i c_i y_i,
// the factors f set after the loss is computed, so x̄ = f c.
absl::StatusOr<bool> CheckLaneGradientScale() {
  provi::TapeScope scope;
  const Tensor x = provi::Variable((Matrix(3, 1) << 1, 2, 3).finished());
  provi::LaneGradientScale factors(3);
  const Tensor y = provi::ScaleLaneGradient(x, factors);
  const Tensor c((Matrix(3, 1) << 2, -1, 0.5).finished());
  const Tensor loss = provi::SumAll(y * c);
  factors.Set(Tensor((Matrix(3, 1) << 0.25, 4, -2).finished()));
  provi::Backward(loss);
  const Matrix want = (Matrix(3, 1) << 0.5, -4, -1).finished();
  const bool ok = y.value() == x.value() && Matrix(x.adjoint()) == want;
  std::printf("%-12s x adjoint (%g, %g, %g) (exact %g, %g, %g)  %s\n",
              "lane scale", double{x.adjoint()(0, 0)},
              double{x.adjoint()(1, 0)}, double{x.adjoint()(2, 0)}, want(0, 0),
              want(1, 0), want(2, 0), ok ? "ok" : "WRONG");
  return ok;
}

// The choices {mu: value}, as a user builds them to evaluate the model's
// density at a point (throws StatusError on failure).
provi::Trace ChoiceOfMu(const Tensor& value) {
  provi::Trace choices;
  provi::Site site;
  site.address = provi::Address::Intern("mu");
  site.value = value;
  provi::ThrowIfError(choices.Add(std::move(site)));
  return choices;
}

absl::StatusOr<bool> CheckLogJoint() {
  using conjugate::kData;
  using conjugate::kN;
  using conjugate::kNoiseSd;
  using conjugate::kPriorMean;
  using conjugate::kPriorSd;
  const double mu = 1.7;
  const auto log_normal = [](double x, double m, double sd) {
    return -0.5 * ((x - m) / sd) * ((x - m) / sd) - std::log(sd) -
           0.5 * std::log(2 * M_PI);
  };
  // Relative rounding of a sum of a few terms in provi::Real.
  const double tolerance = sizeof(Real) == sizeof(float) ? 2e-5 : 1e-12;
  bool ok = true;
  for (const int rows : {kN, 4}) {
    const double scale = static_cast<double>(kN) / rows;
    double exact = log_normal(mu, kPriorMean, kPriorSd);
    double exact_grad = (kPriorMean - mu) / (kPriorSd * kPriorSd);
    for (int i = 0; i < rows; ++i) {
      exact += scale * log_normal(kData[i], mu, kNoiseSd);
      exact_grad += scale * (kData[i] - mu) / (kNoiseSd * kNoiseSd);
    }
    const auto model =
        conjugate::Model(Tensor(Matrix(conjugate::Data().topRows(rows))));
    absl::StatusOr<std::pair<double, double>> got = provi::CatchStatusOr([&] {
      provi::TapeScope tape;
      const Tensor point = provi::Variable(Matrix::Constant(1, 1, mu));
      const Tensor log_joint =
          provi::SumAll(provi::Density(model, ChoiceOfMu(point)));
      provi::Backward(log_joint);
      return std::make_pair(double{log_joint.item()},
                            double{point.adjoint()(0, 0)});
    });
    if (!got.ok()) return got.status();
    const bool row_ok =
        std::abs(got->first - exact) <= tolerance * (1 + std::abs(exact)) &&
        std::abs(got->second - exact_grad) <=
            tolerance * (1 + std::abs(exact_grad));
    std::printf(
        "%-12s %2d points: log p %.6f, d/dmu %.6f (exact %.6f, %.6f)  %s\n",
        "log joint", rows, got->first, got->second, exact, exact_grad,
        row_ok ? "ok" : "WRONG");
    ok &= row_ok;
  }
  // The handler directly, replaying a choice: ten lanes that sum to the
  // log joint, and the site it saw.
  absl::StatusOr<bool> lanes_ok = provi::CatchStatusOr([&] {
    const provi::Trace choices = ChoiceOfMu(Tensor(mu));
    provi::LaneDensityHandler density(&choices);
    {
      provi::HandlerScope scope(density);
      conjugate::Model(Tensor(conjugate::Data()))();
    }
    const Tensor lanes = density.LaneLogProb();
    double exact_total = log_normal(mu, kPriorMean, kPriorSd);
    bool each =
        lanes.rows() == kN && density.KindAt(provi::Address::Intern("mu")) ==
                                  provi::SiteKind::kSample;
    for (int i = 0; i < kN && each; ++i) {
      const double lane = log_normal(kData[i], mu, kNoiseSd) +
                          log_normal(mu, kPriorMean, kPriorSd) / kN;
      exact_total += log_normal(kData[i], mu, kNoiseSd);
      each = std::abs(lanes(i, 0) - lane) <= tolerance * (1 + std::abs(lane));
    }
    each = each && std::abs(provi::SumAll(lanes).item() - exact_total) <=
                       tolerance * (1 + std::abs(exact_total));
    std::printf("%-12s %d lanes, total %.6f (exact %.6f)  %s\n", "lane density",
                static_cast<int>(lanes.rows()),
                double{provi::SumAll(lanes).item()}, exact_total,
                each ? "ok" : "WRONG");
    return each;
  });
  if (!lanes_ok.ok()) return lanes_ok.status();
  return ok && *lanes_ok;
}

int Run(const std::string& directory) {
  const auto model = conjugate::Model(Tensor(conjugate::Data()));
  const auto guide = conjugate::HandWrittenGuide;
  provi::AutoNormal auto_guide(model);

  bool ok = true;
  {
    provi::ParamStore store;
    provi::ParamStore loaded;
    absl::Status status = Fit(model, guide, {"loc", "scale"}, 1, store);
    if (status.ok()) {
      status = SaveAndLoad(store, directory + "/guide.params", loaded);
    }
    if (!status.ok()) {
      std::fprintf(stderr, "hand-written guide: %s\n",
                   status.ToString().c_str());
      return 1;
    }
    ok &= Check("hand-written", loaded.Get("loc")->item(),
                loaded.Get("scale")->item());
    absl::StatusOr<bool> predictive = CheckPredictive(model, guide, loaded);
    if (!predictive.ok()) {
      std::fprintf(stderr, "Predictive: %s\n",
                   predictive.status().ToString().c_str());
      return 1;
    }
    ok &= *predictive;
  }
  {
    provi::ParamStore store;
    provi::ParamStore loaded;
    absl::Status status =
        Fit(model, auto_guide, {"auto/loc/mu", "auto/scale/mu"}, 2, store);
    if (status.ok()) {
      status = SaveAndLoad(store, directory + "/auto_guide.params", loaded);
    }
    absl::StatusOr<provi::AutoSitePosterior> mu =
        status.ok() ? auto_guide.Posterior(loaded, "mu")
                    : absl::StatusOr<provi::AutoSitePosterior>(status);
    if (!mu.ok()) {
      std::fprintf(stderr, "AutoNormal: %s\n", mu.status().ToString().c_str());
      return 1;
    }
    ok &= Check("AutoNormal", mu->loc(0, 0), mu->scale(0, 0));
  }
  {
    provi::ParamStore store;
    if (absl::Status status =
            provi::RunOnThreads(3,
                                [&](provi::Communicator& comm) {
                                  provi::ParamStore own;
                                  return conjugate::FitReplica(
                                      comm, 8, comm.rank() == 0 ? store : own);
                                });
        !status.ok()) {
      std::fprintf(stderr, "data-parallel: %s\n", status.ToString().c_str());
      return 1;
    }
    ok &= Check("3 threads", store.Get("loc")->item(),
                store.Get("scale")->item());
  }
  {
    // Exact enumeration of a discrete latent.
    auto discrete_model = DiscreteModel;
    auto discrete_guide = [] { DiscreteGuide(provi::Enumerate()); };
    provi::ParamStore store;
    if (absl::Status fitted =
            FitExactly(discrete_model, discrete_guide, 5, store);
        !fitted.ok()) {
      std::fprintf(stderr, "enumeration: %s\n", fitted.ToString().c_str());
      return 1;
    }
    const double q = 1 / (1 + std::exp(-double{store.Get("theta")->item()}));
    const double exact = DiscretePosterior();
    const bool enumeration_ok = std::abs(q - exact) <= kEnumerationTolerance;
    std::printf("%-12s q(z = 1) %.5f (exact %.5f, tolerance %.5f)  %s\n",
                "enumeration", q, exact, kEnumerationTolerance,
                enumeration_ok ? "ok" : "WRONG");
    ok &= enumeration_ok;
  }
  for (auto check :
       {&CheckControlVariates, &CheckAdvised, &CheckOneHot, &CheckDreg,
        &CheckLaneGradientScale, &CheckSequentialIwelbo,
        &CheckIndependentBlocks, &CheckLogJoint}) {
    absl::StatusOr<bool> fitted = check();
    if (!fitted.ok()) {
      std::fprintf(stderr, "%s\n", fitted.status().ToString().c_str());
      return 1;
    }
    ok &= *fitted;
  }
  std::printf("provi (Real = %s): %s\n", provi::kRealName,
              ok ? "posterior recovered" : "WRONG posterior");
  return ok ? 0 : 1;
}

}  // namespace

int main() {
  const char* tmp = std::getenv("TMPDIR");
  std::string directory =
      absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/provi_downstream.XXXXXX");
  if (mkdtemp(directory.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const int status = Run(directory);
  std::remove(directory.c_str());
  return status;
}
