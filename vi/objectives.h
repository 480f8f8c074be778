// Copyright 2026 The provi Authors.
//
// File: vi/objectives.h
// -----------------------------------------------------------------------------
//
// Variational objectives, each a short program for `Expectation` written
// with Simulate, Density and Particles (vi/generative.h) exactly as a user
// would write their own. Each function returns the program; wrap it in
// `Expectation(...)` to estimate its value and gradient (all are maximised).
// `model` and `guide` are generative functions taking the same arguments;
// the model's observations come from its `observe` sites (or Condition).
//
//   Elbo(model, guide)                E_q[log p(x, z) - log q(z)], per lane
//   ElboAnalyticKl(model, guide)      Elbo with -KL(q ‖ p) in closed form at
//                                     the latent sites that have one
//   Iwelbo(model, guide, K)           E[log (1/K) Σ_k w_k], w_k = p / q, K
//                                     vectorised particles (1x1, or per
//                                     data lane: see Iwelbo)
//   SequentialIwelbo(model, guide, K) Iwelbo with the K particles run one
//                                     after the other, for programs that do
//                                     not broadcast over a particle plate
//   Hvi(model, guide, keep)           Elbo with Marginal(guide, keep, SIR(1))
//   Iwhvi(model, guide, keep, K)      Elbo with Marginal(guide, keep, SIR(K))
//   Diwhvi(model, guide, keep, N, K)  Iwelbo(N) with Marginal(..., SIR(K))
//   WakeSleepModel(model, guide, K)   reweighted wake-sleep, p-wake: the
//                                     gradient Σ_k w̃_k ∇ log p(x, z_k)
//   WakeSleepGuide(model, guide, K)   q-wake: Σ_k w̃_k ∇ log q(z_k)
//   Vimco(model, guide, K)            Iwelbo with VIMCO's leave-one-out
//                                     control variates (score-function
//                                     guides)
//   Renyi(model, guide, alpha, K)     (1/(1-α)) log (1/K) Σ_k w_k^(1-α)
//   ElboStl(model, guide)             Elbo, sticking-the-landing gradient
//   IwelboDreg(model, guide, K)       Iwelbo, doubly-reparameterised
//                                     gradient for the guide
//
// Wake-sleep, VIMCO's control variates, STL and DReG change the gradient,
// not the value: their programs return the objective's value plus
// zero-valued Detach terms that carry the desired gradient (see each
// function). STL and DReG need a reparameterisable guide whose parameters
// come from `param` (they hold the parameters fixed through it).
//
// Errors. Building an objective never fails: invalid arguments (K < 1, a
// Rényi α of 1) are reported when it runs, as the Status of the entry
// point that runs it (`Expectation::GradEstimate`, `Svi::Step`, ...).
//
// Example:
//
//   auto iwelbo = provi::Expectation(provi::Iwelbo(model, guide, 5));
//   absl::StatusOr<provi::GradientEstimate> g = iwelbo.GradEstimate(x);

#ifndef PROVI_VI_OBJECTIVES_H_
#define PROVI_VI_OBJECTIVES_H_

#include <cmath>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "ad/ops.h"
#include "base/status_error.h"
#include "estimators/independent_blocks.h"
#include "estimators/strategies.h"
#include "handlers/scope.h"
#include "runtime/handler.h"
#include "runtime/site_error.h"
#include "vi/generative.h"
#include "vi/internal/analytic_kl.h"
#include "vi/internal/detach.h"
#include "vi/marginal.h"

namespace provi {
namespace vi_internal {

// log (1/K) Σ_k exp(log_w_k) over the K particle lanes: 1x1.
inline Tensor LogMeanExpOverParticles(const Tensor& log_w) {
  return ColLogSumExp(log_w) - std::log(static_cast<Real>(log_w.rows()));
}

// The same for K particles of each of B data lanes, laid out particle-major
// (lane k B + b is particle k of data lane b): B x 1. With K lanes in all
// (B = 1), the 1x1 of LogMeanExpOverParticles; with one lane (no site
// varies with the particle), that lane. Any other lane count does not come
// from K particles: InvalidArgument naming `objective`, the count and K.
//
// Data lanes from a subsampled plate carry its scale c = size /
// subsample_size in every log weight; each lane's bound is c times the
// log-mean-exp of its unscaled weights, so that the B lanes estimate the
// bound of all the data points without bias (`scale` is c).
inline Tensor LogMeanExpPerDataLane(const Tensor& log_w, Index k,
                                    const char* objective, Real scale = 1) {
  const Index rows = log_w.rows();
  if (rows == 1 || rows == k) return LogMeanExpOverParticles(log_w);
  if (rows % k != 0) {
    ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
        objective, ": the log weights have ", rows,
        " lanes, which is not K = ", k,
        " particles times a number of data lanes (sites whose lanes are "
        "neither 1 nor laid out per particle)")));
  }
  const Real log_k = std::log(static_cast<Real>(k));
  if (scale == 1) return RowLogSumExp(Reshape(log_w, rows / k, k)) - log_k;
  return (RowLogSumExp(Reshape(log_w * (1 / scale), rows / k, k)) - log_k) *
         scale;
}

// The scale of the data lanes of a program whose choices are `choices`:
// Π size / subsample_size over its subsampled plates (each counted once).
inline Real SubsampleScale(const Trace& choices) {
  Real scale = 1;
  for (const Site& site : choices.sites()) {
    if (site.kind != SiteKind::kPlate ||
        site.plate.subsample_size == site.plate.size ||
        choices.FindPlate(site.address) != &site) {
      continue;
    }
    scale *= static_cast<Real>(site.plate.size) /
             static_cast<Real>(site.plate.subsample_size);
  }
  return scale;
}

// Prefixes the addresses of sample and plate sites with "particle_k/" and
// leaves parameters alone: K runs of a program under it are K particles
// with their own sites and shared parameters.
class ParticleSites final : public ScopeHandler {
 public:
  explicit ParticleSites(int k) : ScopeHandler(absl::StrCat("particle_", k)) {}
  void Process(Message& msg) override {
    if (msg.kind != SiteKind::kParam) ScopeHandler::Process(msg);
  }
};

// Throws InvalidArgument naming `objective` and the first subsampled plate
// among `choices`.
inline void CheckNoSubsample(const Trace& choices, const char* objective) {
  for (const Site& site : choices.sites()) {
    if (site.kind == SiteKind::kPlate &&
        site.plate.subsample_size != site.plate.size) {
      ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
          objective, ": plate '", site.address.name(), "' subsamples ",
          site.plate.subsample_size, " of ", site.plate.size,
          " points inside a particle, so the particles would weigh "
          "different data points; subsample outside the objective or use "
          "Iwelbo")));
    }
  }
}

inline void CheckParticles(const char* objective, int k) {
  if (k < 1) {
    ThrowStatus(absl::InvalidArgumentError(
        absl::StrCat(objective, ": needs at least one particle, got ", k)));
  }
}

}  // namespace vi_internal

namespace vi_internal {

// Throws InvalidArgument naming the first latent sample site of `guide`
// that `model` (the model's trace replayed at the guide's choices) does not
// have: its -log q would enter the bound with nothing to match it in log p,
// so the objective would not be the ELBO (a misspelt address, say; Pyro
// only warns). Sites whose name (the last part of the address) begins with
// '_' are auxiliary by convention, like the joint autoguides'
// "_auto_latent", whose density the guide's other sites account for;
// other auxiliary variables belong in a Marginal (vi/marginal.h).
// `kind_at(address)` is the kind of the model's site at `address`, or
// nullopt if the model has none there.
template <typename KindAt>
void CheckGuideSitesInModel(const Trace& guide, const KindAt& kind_at,
                            const char* objective) {
  for (const Site& site : guide.sites()) {
    if (site.kind != SiteKind::kSample || site.is_observed) continue;
    const std::optional<SiteKind> match = kind_at(site.address);
    if (match == SiteKind::kSample) continue;
    const std::string& name = site.address.name();
    const size_t slash = name.rfind('/');
    const size_t first = slash == std::string::npos ? 0 : slash + 1;
    if (first < name.size() && name[first] == '_') continue;
    ThrowAtSite(absl::InvalidArgumentError(absl::StrCat(
                    objective,
                    ": it is a latent site of the guide but not a sample "
                    "site of the model (auxiliary guide variables belong "
                    "in a Marginal)")),
                SiteKind::kSample, site.address);
  }
}

// Whether an argument is a tensor on the tape (other arguments are not).
template <typename A>
bool RequiresGrad(const A&) {
  return false;
}
inline bool RequiresGrad(const Tensor& x) { return x.requires_grad(); }

// Density(gf, choices, args...) with gf's `param` sites detached. A
// generative wrapper (vi/generative.h) is not a program a handler can wrap,
// so its whole density runs under the handler instead.
template <typename GF, typename... Args>
Tensor DensityWithParamsDetached(const GF& gf, const Trace& choices,
                                 const Args&... args) {
  if constexpr (HasSimulateImpl<GF>::value) {
    DetachParamsHandler detach;
    HandlerScope scope(detach);
    return Density(gf, choices, args...);
  } else {
    return Density(DetachParams(gf), choices, args...);
  }
}

// The guide's per-lane log density at its recorded values with its
// parameters held fixed, from the distributions its run recorded in
// `choices`: each rebuilt with detached parameters
// (Distribution::WithDetachedParameters) and evaluated at the recorded
// value, so the gradient reaches the guide's parameters only through the
// values. Nullopt where that could differ from the guide re-run with its
// `param` sites detached: a site whose family cannot rebuild itself so, a
// factor or mask on the tape, or a site with a density after the first
// value on the tape (its distribution may depend on that value, a path the
// detached copy would cut).
inline std::optional<Tensor> FixedParamsLogDensity(const Trace& choices) {
  Trace fixed;
  bool after_value = false;
  for (const Site& site : choices.sites()) {
    Site copy = site;
    if (site.has_density()) {
      if (after_value || (site.mask.has_value() && site.mask->requires_grad()))
        return std::nullopt;
      if (site.kind == SiteKind::kFactor) {
        if (site.log_weight.has_value() && site.log_weight->requires_grad())
          return std::nullopt;
      } else {
        copy.distribution = site.distribution->WithDetachedParameters();
        if (copy.distribution == nullptr) return std::nullopt;
      }
    }
    after_value =
        after_value || (site.kind == SiteKind::kSample &&
                        site.value.has_value() && site.value->requires_grad());
    ThrowIfError(fixed.Add(std::move(copy)));
  }
  return fixed.LaneLogProb();
}

}  // namespace vi_internal

// Elbo()
//
// log p(x, z) - log q(z) with z ~ q: one value per lane. A latent site of
// the guide that the model does not have is an error naming it, unless its
// name begins with '_' (an auxiliary site whose density the guide accounts
// for, like the joint autoguides' "_auto_latent").
template <typename M, typename G>
auto Elbo(M model, G guide) {
  return [model = std::move(model),
          guide = std::move(guide)](const auto&... args) -> Tensor {
    const Simulation q = Simulate(guide, args...);
    if constexpr (vi_internal::HasSimulateImpl<M>::value) {
      return LaneDifference(Density(model, q.choices, args...), q.log_density);
    } else {
      LaneDensityHandler p(&q.choices);
      vi_internal::RunUnderDensity(p, model, args...);
      vi_internal::CheckGuideSitesInModel(
          q.choices, [&p](Address a) { return p.KindAt(a); }, "Elbo");
      return LaneDifference(p.LaneLogProb(), q.log_density);
    }
  };
}

// ElboAnalyticKl()
//
// The ELBO with the latent sites' terms taken in closed form where the
// distributions provide it (Pyro's TraceMeanField_ELBO): with z ~ q,
//
//   log p(x | z) + Σ_{sampled sites} [log p_i(z_i | ·) - log q_i(z_i | ·)]
//                - Σ_{analytic sites} KL(q_i(· | ·) ‖ p_i(· | ·)),
//
// per lane. A latent site is analytic when its guide and model distributions
// have a KL formula (`HasAnalyticKl`, distributions/kl.h) and the two sites
// have the same scale and mask; the others (and the observations) keep their
// sampled log densities, so the value is the ELBO's wherever no formula
// applies. The KL terms depend on the parameters directly, removing the
// Monte Carlo noise of log p_i - log q_i at those sites; the sampled values
// still feed the rest of the model under each site's strategy.
//
// Unbiased when, for every analytic site i, integrating z_i out of q with
// every other choice fixed leaves q_i and p_i's parents unchanged: the
// mean-field case (the guide's other sites do not depend on z_i, and p_i's
// parents are not downstream of z_i in the guide). A guide whose later
// sites take z_i as a parameter of a site that p_i conditions on breaks
// this, as in Pyro; use Elbo there. Needs lambda programs (not wrappers
// such as Marginal, whose densities are estimates).
template <typename M, typename G>
auto ElboAnalyticKl(M model, G guide) {
  static_assert(!vi_internal::HasSimulateImpl<M>::value &&
                    !vi_internal::HasSimulateImpl<G>::value,
                "ElboAnalyticKl needs programs whose densities are their "
                "traces' (not Marginal or Normalize wrappers)");
  return [model = std::move(model),
          guide = std::move(guide)](const auto&... args) -> Tensor {
    const Trace q = vi_internal::RunTraced(guide, args...);
    const Trace p = vi_internal::ReplayTraced(model, q, args...);
    return vi_internal::ElboWithAnalyticKl(p, q);
  };
}

// Iwelbo()
//
// log (1/K) Σ_k p(x, z_k) / q(z_k) with K vectorised particles z_k ~ q.
// A program whose sites have B data lanes lays out K copies of them itself,
// particle-major (lane k B + b; the particle count is the innermost
// broadcasting plate's size); the bound is then one value per data lane
// (B x 1), each over its own K particles. With the data lanes a subsample
// of a plate the guide declares (local latents), each lane's bound is
// scaled as a whole (LogMeanExpPerDataLane), so the subsample's lanes
// estimate the bound over all the data without bias. A bound over global
// latents alone (one lane per particle) takes the log of the subsample's
// scaled likelihood, which, as in any importance-weighted bound with data
// subsampling, is not an unbiased estimate of the full-data bound.
// Measure-valued derivatives at a site of the particles take one
// counterfactual per particle, each a run of all K particles' lanes (K² per
// site in all); `SequentialIwelbo`'s counterfactuals run one particle each.
template <typename M, typename G>
auto Iwelbo(M model, G guide, int k) {
  return [model = std::move(model), guide = std::move(guide),
          k](const auto&... args) -> Tensor {
    vi_internal::CheckParticles("Iwelbo", k);
    return Particles(k, [&] {
      const Simulation q = Simulate(guide, args...);
      return vi_internal::LogMeanExpPerDataLane(
          Density(model, q.choices, args...) - q.log_density, k, "Iwelbo",
          vi_internal::SubsampleScale(q.choices));
    });
  };
}

// SequentialIwelbo()
//
// Iwelbo's bound with the K particles run one after the other: particle k
// runs the guide and the model with the addresses of their sample and
// plate sites prefixed "particle_k/" (parameters are shared), so a
// program written for one sample per data lane, that does not broadcast
// over a particle plate, gets K particles of its own. The bound is one
// value per lane of the programs' log weights (each over its K particles),
// or 1x1. The particles are `IndependentBlocks`
// (estimators/independent_blocks.h): a measure-valued derivative's
// counterfactual at a site of particle k re-runs particle k alone and
// takes the other particles' log weights from the run that scheduled it,
// so K particles with S such sites cost K S particle runs, not K² S.
//
// Errors (as the Status of the entry point that runs it): K < 1; log
// weights of different shapes in different particles; a subsampled plate
// (each particle would draw its own subsample, so particle k's lane b would
// not be particle j's lane b: subsample outside the objective, or use
// Iwelbo).
template <typename M, typename G>
auto SequentialIwelbo(M model, G guide, int k) {
  return [model = std::move(model), guide = std::move(guide),
          k](const auto&... args) -> Tensor {
    vi_internal::CheckParticles("SequentialIwelbo", k);
    const std::vector<Tensor> log_w = IndependentBlocks(k, [&](int particle) {
      auto in_particle = [particle](const auto& program) {
        return [particle, &program](const auto&... a) {
          vi_internal::ParticleSites sites(particle);
          HandlerScope scope(sites);
          return program(a...);
        };
      };
      const Simulation q = Simulate(in_particle(guide), args...);
      vi_internal::CheckNoSubsample(q.choices, "SequentialIwelbo");
      return Density(in_particle(model), q.choices, args...) - q.log_density;
    });
    for (const Tensor& w : log_w) {
      if (w.rows() != log_w[0].rows() || w.cols() != 1) {
        ThrowStatus(absl::InvalidArgumentError(
            absl::StrCat("SequentialIwelbo: particle 0's log weight is ",
                         log_w[0].ShapeString(), " but another particle's is ",
                         w.ShapeString(),
                         " (every particle needs one log weight per lane, "
                         "the same lanes)")));
      }
    }
    return RowLogSumExp(ConcatCols(log_w)) - std::log(static_cast<Real>(k));
  };
}

// Hvi(), Iwhvi(), Diwhvi()
//
// Hierarchical families: the guide's choices outside `keep` are auxiliary
// and marginalised by Marginal (vi/marginal.h).
template <typename M, typename G>
auto Hvi(M model, G guide, std::initializer_list<absl::string_view> keep) {
  return Elbo(std::move(model), Marginal(std::move(guide), keep, SIR{1}));
}
template <typename M, typename G>
auto Iwhvi(M model, G guide, std::initializer_list<absl::string_view> keep,
           int k) {
  return Elbo(std::move(model), Marginal(std::move(guide), keep, SIR{k}));
}
template <typename M, typename G>
auto Diwhvi(M model, G guide, std::initializer_list<absl::string_view> keep,
            int n, int k) {
  return Iwelbo(std::move(model), Marginal(std::move(guide), keep, SIR{k}), n);
}

// WakeSleepModel(), WakeSleepGuide()
//
// Reweighted wake-sleep (Bornschein and Bengio, ICLR 2015; Le et al., UAI
// 2019). K particles from the guide, drawn without gradient; normalised
// weights w̃ = softmax(log p - log q), held constant. The value is the IWELBO
// estimate; the gradient is Σ_k w̃_k ∇ log p(x, z_k) (p-wake, for the model)
// or Σ_k w̃_k ∇ log q(z_k) (q-wake, for the guide).
template <typename M, typename G>
auto WakeSleepModel(M model, G guide, int k) {
  return [model = std::move(model), guide = std::move(guide),
          k](const auto&... args) -> Tensor {
    vi_internal::CheckParticles("WakeSleepModel", k);
    return Particles(k, [&] {
      const Simulation q =
          Simulate(vi_internal::DetachedSampling(guide), args...);
      const Tensor log_p = Density(model, q.choices, args...);
      const Tensor log_w = Detach(log_p - q.log_density);
      const Tensor weights = Exp(log_w - ColLogSumExp(log_w));
      return vi_internal::LogMeanExpOverParticles(log_w) +
             SumAll(weights * (log_p - Detach(log_p)));
    });
  };
}
template <typename M, typename G>
auto WakeSleepGuide(M model, G guide, int k) {
  return [model = std::move(model), guide = std::move(guide),
          k](const auto&... args) -> Tensor {
    vi_internal::CheckParticles("WakeSleepGuide", k);
    return Particles(k, [&] {
      const Simulation q =
          Simulate(vi_internal::DetachedSampling(guide), args...);
      const Tensor log_p = Density(model, q.choices, args...);
      const Tensor log_w = Detach(log_p - q.log_density);
      const Tensor weights = Exp(log_w - ColLogSumExp(log_w));
      return vi_internal::LogMeanExpOverParticles(log_w) +
             SumAll(weights * (q.log_density - Detach(q.log_density)));
    });
  };
}

// Vimco()
//
// IWELBO for score-function guides with VIMCO's per-particle control
// variates (Mnih and Rezende, ICML 2016): particle k's learning signal is
// L - L_{-k}, where L_{-k} replaces log w_k by the mean of the others. Every
// guide site is estimated by the score function; the estimator multiplies
// each particle's score by L, and the returned term
// Σ_k Detach(-L_{-k}) (log q_k - Detach(log q_k)) subtracts the baseline.
// The log weights are K particles of each of B data lanes, laid out as
// Iwelbo's (lane k B + b; B = 1 gives K x 1); the bound and the control
// variates are then per data lane (B x 1), a subsampled plate's data lanes
// scaled as Iwelbo's. Any other lane count (one log weight in all, say: a
// guide whose sites do not vary with the particle) is InvalidArgument.
template <typename M, typename G>
auto Vimco(M model, G guide, int k) {
  auto score_guide =
      ScoreFunction(std::move(guide), [](const Message&) { return true; });
  return [model = std::move(model), score_guide = std::move(score_guide),
          k](const auto&... args) -> Tensor {
    if (k < 2) {
      ThrowStatus(absl::InvalidArgumentError(
          absl::StrCat("Vimco: needs at least two particles, got ", k)));
    }
    return Particles(k, [&] {
      const Simulation q = Simulate(score_guide, args...);
      const Tensor log_w = Density(model, q.choices, args...) - q.log_density;
      if (log_w.rows() % k != 0 || log_w.rows() == 0 || log_w.cols() != 1) {
        ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
            "Vimco: ", k, " particles need one log weight each (", k,
            "x1), got ", log_w.ShapeString(),
            " (K B x 1 for B data lanes; a guide whose sites do not vary "
            "with the particle gives 1x1)")));
      }
      const Index lanes = log_w.rows() / k;
      const Real scale =
          lanes == 1 ? Real(1) : vi_internal::SubsampleScale(q.choices);
      const Tensor objective =
          vi_internal::LogMeanExpPerDataLane(log_w, k, "Vimco", scale);
      // L_{-k}: log w_k replaced by the mean of the other particles', per
      // data lane (c L(w / c) for data lanes of scale c).
      const Matrix w = Detach(log_w).value() * (1 / scale);
      const double log_k = std::log(static_cast<double>(k));
      Matrix leave_one_out(log_w.rows(), 1);
      Matrix replaced(k, 1);
      for (Index b = 0; b < lanes; ++b) {
        double total = 0;
        for (int i = 0; i < k; ++i) total += w(i * lanes + b, 0);
        for (int i = 0; i < k; ++i) {
          for (int j = 0; j < k; ++j) replaced(j, 0) = w(j * lanes + b, 0);
          replaced(i, 0) =
              static_cast<Real>((total - w(i * lanes + b, 0)) / (k - 1));
          const Real max = replaced.maxCoeff();
          leave_one_out(i * lanes + b, 0) = static_cast<Real>(
              scale *
              (max + std::log((replaced.array() - max).exp().sum()) - log_k));
        }
      }
      const Tensor control = Tensor(Matrix(-leave_one_out)) *
                             (q.log_density - Detach(q.log_density));
      return objective + (lanes == 1 ? SumAll(control)
                                     : RowSum(Reshape(control, lanes, k)));
    });
  };
}

// Renyi()
//
// The variational Rényi bound (Li and Turner, NeurIPS 2016), α ≠ 1:
// (1 / (1 - α)) log (1/K) Σ_k w_k^(1 - α).
template <typename M, typename G>
auto Renyi(M model, G guide, Real alpha, int k) {
  return [model = std::move(model), guide = std::move(guide), alpha,
          k](const auto&... args) -> Tensor {
    vi_internal::CheckParticles("Renyi", k);
    if (alpha == 1 || !std::isfinite(alpha)) {
      ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
          "Renyi: alpha = ", alpha,
          " must be finite and not 1 (alpha = 1 is the ELBO; use Elbo)")));
    }
    return Particles(k, [&] {
      const Simulation q = Simulate(guide, args...);
      const Tensor log_w = Density(model, q.choices, args...) - q.log_density;
      return vi_internal::LogMeanExpOverParticles(log_w * (1 - alpha)) *
             (1 / (1 - alpha));
    });
  };
}

// ElboStl()
//
// The ELBO with the sticking-the-landing gradient (Roeder, Wu and Duvenaud,
// NeurIPS 2017): log q is evaluated with the guide's parameters held fixed,
// which drops the zero-mean score term from the pathwise gradient.
template <typename M, typename G>
auto ElboStl(M model, G guide) {
  return [model = std::move(model),
          guide = std::move(guide)](const auto&... args) -> Tensor {
    const Simulation q = Simulate(guide, args...);
    const Tensor log_q_fixed =
        vi_internal::DensityWithParamsDetached(guide, q.choices, args...);
    return LaneDifference(Density(model, q.choices, args...), log_q_fixed);
  };
}

// IwelboDreg()
//
// IWELBO with the doubly-reparameterised guide gradient (Tucker, Lawson, Gu
// and Maddison, ICLR 2019): Σ_k w̃_k² ∇_z log w_k ∂z_k/∂φ, with log w_k
// evaluated with every parameter held fixed except through z; the model
// keeps the usual Σ_k w̃_k ∇_θ log p(x, z_k), with z held fixed. With K
// particles of each of B data lanes (Iwelbo's layout), the weights w̃ are
// normalised per data lane and the bound is B x 1, a subsampled plate's
// data lanes scaled as Iwelbo's; a lane count that is neither 1, K nor a
// multiple of K is InvalidArgument.
//
// The model's density runs once: weighted by w̃ per lane it gives the
// parameters w̃ ∇_θ log p, and `ScaleLaneGradient` on each latent value
// multiplies what reaches z by w̃ once more (w̃ is known only after that
// density, and the scale reads it in the backward pass). That needs every
// differentiable latent to have one row per lane of log w; otherwise (a
// latent shared by several lanes of different weights) the model's density
// runs twice, with its parameters held fixed and with z held fixed.
//
// The guide runs once: log q at fixed parameters comes from the distributions
// its trace recorded, rebuilt with detached parameters and evaluated at z. That
// holds everything the distributions were computed from fixed (a guide's
// tensors read outside `param` too), and applies when nothing it cuts could
// carry gradient through z: every site with a density is of a family that can
// rebuild itself so (Distribution::WithDetachedParameters: the Parametric
// families, Normal among them) or a factor, with no log weight or mask on the
// tape, and comes before the guide's first value on the tape or is its site (so
// a single reparameterised latent site, possibly plated and vectorised, after
// any number of sites without gradient); the guide has no Tensor argument on
// the tape and is not a generative wrapper (vi/generative.h). Otherwise
// (several reparameterised latent sites, a conditional q(z2 | z1), MvNormal)
// the guide re-runs at z with its `param` sites detached.
template <typename M, typename G>
auto IwelboDreg(M model, G guide, int k) {
  return [model = std::move(model), guide = std::move(guide),
          k](const auto&... args) -> Tensor {
    vi_internal::CheckParticles("IwelboDreg", k);
    return Particles(k, [&] {
      const Simulation q = Simulate(guide, args...);
      // Through z only: the guide's parameters held fixed.
      std::optional<Tensor> log_q_fixed;
      if constexpr (!vi_internal::HasSimulateImpl<G>::value) {
        if (!(vi_internal::RequiresGrad(args) || ...)) {
          log_q_fixed = vi_internal::FixedParamsLogDensity(q.choices);
        }
      }
      const Tensor log_q_z = log_q_fixed.has_value()
                                 ? *log_q_fixed
                                 : vi_internal::DensityWithParamsDetached(
                                       guide, q.choices, args...);
      const Index lanes = log_q_z.rows();
      // The values the model's density replays, where z's gradient enters.
      const auto is_z = [](const Site& site) {
        return site.kind == SiteKind::kSample && !site.is_observed &&
               site.value.has_value() && site.value->requires_grad();
      };
      bool per_lane = log_q_z.cols() == 1;
      for (const Site& site : q.choices.sites()) {
        per_lane = per_lane && (!is_z(site) || site.value->rows() == lanes);
      }
      std::optional<LaneGradientScale> z_scale;
      Tensor log_p_theta;  // w̃ gives ∇_θ log p; z's path may be scaled
      Tensor log_p_z;      // w̃² gives ∇_z log p
      if (per_lane) {
        z_scale.emplace(lanes);
        Trace scaled;
        for (const Site& site : q.choices.sites()) {
          Site copy = site;
          if (is_z(copy)) {
            copy.value = ScaleLaneGradient(*copy.value, *z_scale);
          }
          ThrowIfError(scaled.Add(std::move(copy)));
        }
        log_p_theta = Density(model, scaled, args...);
        per_lane = log_p_theta.rows() == lanes && log_p_theta.cols() == 1;
        // Zero: the z path is already in log_p_theta.
        log_p_z = Detach(log_p_theta);
      }
      if (!per_lane) {
        if (z_scale.has_value()) z_scale->Set(Tensor(Matrix::Zero(lanes, 1)));
        log_p_z = Density(vi_internal::DetachParams(model), q.choices, args...);
        Trace fixed;
        for (const Site& site : q.choices.sites()) {
          Site copy = site;
          if (copy.value.has_value()) copy.value = Detach(*copy.value);
          ThrowIfError(fixed.Add(std::move(copy)));
        }
        log_p_theta = Density(model, fixed, args...);
      }
      const Tensor log_w_z = log_p_z - log_q_z;
      const Tensor log_w = Detach(log_p_theta) - Detach(log_q_z);
      const Index rows = log_w.rows();
      if (rows == 1 || rows == k) {
        const Tensor weights = Exp(log_w - ColLogSumExp(log_w));
        if (per_lane) z_scale->Set(weights);
        return vi_internal::LogMeanExpOverParticles(log_w) +
               SumAll(Square(weights) * (log_w_z - Detach(log_w_z))) +
               SumAll(weights * (log_p_theta - Detach(log_p_theta)));
      }
      // Per data lane: the bound c L(w / c) of data lanes of scale c has
      // the weights of w / c.
      const Real scale = vi_internal::SubsampleScale(q.choices);
      const Tensor bound =
          vi_internal::LogMeanExpPerDataLane(log_w, k, "IwelboDreg", scale);
      const Index data_lanes = rows / k;
      const Tensor scaled = Reshape(log_w * (1 / scale), data_lanes, k);
      // B x K; lane k B + b is element (b, k) in column-major order.
      const Tensor weights = Exp(scaled - RowLogSumExp(scaled));
      if (per_lane) z_scale->Set(Reshape(weights, rows, 1));
      return bound +
             RowSum(Square(weights) *
                    Reshape(log_w_z - Detach(log_w_z), data_lanes, k)) +
             RowSum(weights *
                    Reshape(log_p_theta - Detach(log_p_theta), data_lanes, k));
    });
  };
}

}  // namespace provi

#endif  // PROVI_VI_OBJECTIVES_H_
