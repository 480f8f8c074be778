// Copyright 2026 The provi Authors.
//
// File: estimators/advisor.h
// -----------------------------------------------------------------------------
//
// The estimator advisor: chooses each latent sample site's gradient strategy
// by measurement. `Advise(program, params)` runs a short pilot of the
// expectation program: for each latent site it tries every strategy the
// site's family supports
//
//   * pathwise, when the family has `RSample`;
//   * the score function, without and with a moving-average baseline;
//   * when the support is finite and at most `AdvisorOptions::max_support`
//     values (per lane): the score function with fitted control variates
//     (estimators/control_variates.h) and enumeration;
//   * the measure-valued derivative, when the family has couplings;
//   * the user's `AdvisorOptions::candidates`;
//
// draws `AdvisorOptions::estimates` gradient estimates under each
// (MeasureGradientVariance, estimators/diagnostics.h), after
// `AdvisorOptions::warmup_estimates` unmeasured ones for a strategy that
// learns across estimates, skips a strategy whose estimate would take more
// than `AdvisorOptions::max_runs_per_estimate` program runs, and keeps the
// one with
// the lowest work-normalised variance, σ² · t: the total variance σ² of the
// gradient of the parameters the site's distribution reads (the sum over
// their entries) times the CPU time t of one estimate (the process's, so
// work on every thread counts and other processes' load does not). Why
// that product:
// with a compute budget T, averaging T / t independent estimates gives an
// estimate of variance σ² t / T, so the strategy with the smallest σ² t is
// the most precise for any fixed budget (the efficiency of Glynn & Whitt,
// 1992); variance alone would always prefer enumeration however many runs
// it costs, time alone the cheapest and noisiest strategy.
//
// Every strategy ADEV composes is unbiased, so the advisor only trades cost
// against variance, never correctness. Biased strategies (`biased()`: the
// straight-through and Gumbel-softmax strategies of estimators/relaxed.h,
// tried at Bernoulli and OneHotCategorical sites, and biased `candidates`)
// are tried only when `AdvisorOptions::allow_biased` is set; the criterion
// then ignores their bias, and the report marks them "biased".
//
// Sites are chosen one at a time, in the order the program first draws
// them: while a site's strategies are tried, the sites advised before it
// use their choice and the later ones the strategy the program gives them
// (a greedy search; trying every combination would multiply the pilot's
// cost). Sites named together in `AdvisorOptions::groups` are advised as
// one: each strategy at all of them at once, one choice for all. Variance
// changes as the parameters move: advise again during training and adopt
// the new choice.
//
// The choice comes back as a `StrategyMap` to apply with `WithStrategies`
// (estimators/with_strategy.h), or to hand to the sites of a program written
// with `Auto()`, a strategy that uses the adopted choice of its site and the
// distribution's default (`DefaultStrategy`) until it has one.
//
// Example:
//
//   provi::Parameter phi(...), m(...);
//   auto strategy = provi::Auto();
//   auto elbo = [&]() -> provi::Tensor {
//     provi::Tensor mu = provi::sample("mu", provi::Normal(m.tensor(), 1.0),
//                                      strategy);
//     provi::Tensor c = provi::sample(
//         "c", provi::Categorical::FromLogits(phi.tensor()), strategy);
//     return ...;
//   };
//   absl::StatusOr<provi::Advice> advice =
//       provi::Advise(elbo, {{"phi", &phi}, {"m", &m}});
//   if (!advice.ok()) return advice.status();
//   std::cout << advice->ToString();  // site, strategies tried, choice
//   strategy->Adopt(*advice);         // or WithStrategies(elbo,
//   advice->choice)

#ifndef PROVI_ESTIMATORS_ADVISOR_H_
#define PROVI_ESTIMATORS_ADVISOR_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "ad/tensor.h"
#include "estimators/diagnostics.h"
#include "estimators/site_strategy.h"
#include "estimators/with_strategy.h"

namespace provi {

// AdvisorOptions
struct AdvisorOptions {
  // Gradient estimates per strategy tried (the pilot's budget); at least 2.
  int estimates = 4;
  // Estimates drawn, and not measured, before those of a strategy that
  // learns across estimates (`SiteStrategy::learns()`: a moving-average
  // baseline, fitted control variates), so that it is measured after it
  // has learned something rather than cold. At least 0.
  int warmup_estimates = 2;
  // A strategy whose estimate would execute the program more than this many
  // times is not run (the trial fails with ResourceExhausted before the
  // runs execute, and the report says so). MVD at a continuous site takes
  // two runs per column of each parameter (lanes run together): 200 at a
  // 64 x 50 Normal with location and scale; nested enumeration multiplies
  // the supports' sizes. At least 1.
  int max_runs_per_estimate = 1000;
  // Enumeration is tried when the support has at most this many values.
  size_t max_support = 32;
  // The decay of the moving-average baseline tried with the score function.
  Real baseline_decay = 0.9;
  // Whether biased strategies may be tried and chosen.
  bool allow_biased = false;
  // The temperature of the Gumbel-softmax strategy tried when allowed.
  Real temperature = 0.5;
  // The sites to advise (addresses); empty: every latent sample site.
  std::vector<std::string> sites;
  // Sites to advise jointly (each inner list a group; a site in at most
  // one): every strategy is tried at all of a group's sites at once (only
  // strategies every one of them supports), the variance measured is that
  // of every parameter any of them reads, and they all get the choice.
  // This removes the greedy order within the group: sites that share
  // parameters (the presence sites of a recurrent guide, say) are measured
  // under the same strategy rather than each with the later ones left to
  // their default. A group's sites are advised whatever `sites` says.
  std::vector<std::vector<std::string>> groups;
  // More strategies to try at every site (a strategy a site's family does
  // not support is reported as failed there and not chosen).
  std::vector<std::shared_ptr<const SiteStrategy>> candidates;
  // Seeds the pilot's draws.
  uint64_t seed = 1;
};

// StrategyTrial
//
// One strategy tried at one site.
struct StrategyTrial {
  // "pathwise", "score function + moving average", ...
  std::string label;
  std::shared_ptr<const SiteStrategy> strategy;
  bool biased = false;
  // Not OK if the estimates failed (the strategy does not apply).
  absl::Status status;
  // Σ over the entries of the site's parameters of the gradient's variance.
  double variance = 0;
  // CPU time per estimate (VarianceReport::cpu_seconds_per_estimate).
  double seconds_per_estimate = 0;
  double runs_per_estimate = 0;
  // Unmeasured estimates drawn first (AdvisorOptions::warmup_estimates for
  // a strategy that learns across estimates, else 0).
  int warmup_estimates = 0;

  // variance × seconds_per_estimate: the criterion (see the file comment).
  double work_normalised_variance() const {
    return variance * seconds_per_estimate;
  }
};

// SiteAdvice
//
// The trials of one site and the one chosen.
struct SiteAdvice {
  // The site's address; for a group, its sites' joined by " + ".
  std::string site;
  // The sites advised together: the site, or the group's.
  std::vector<std::string> sites;
  // The site's family ("Normal", ...; a group's distinct families joined
  // by "/") and lanes (rows of its value; the first site's in a group).
  std::string family;
  Index lanes = 0;
  // The parameters the site's distribution reads (their gradients were
  // measured); empty if it reads none, and then the site keeps its strategy.
  std::vector<std::string> parameters;
  std::vector<StrategyTrial> trials;
  // Index into `trials`, or -1 when nothing was tried.
  int chosen = -1;
};

// Advice
//
// What `Advise` returns.
struct Advice {
  std::vector<SiteAdvice> sites;
  // The chosen strategy of every advised site with parameters, by address.
  StrategyMap choice;
  // The pilot's cost: wall time, CPU time, program executions and gradient
  // estimates.
  double pilot_seconds = 0;
  double pilot_cpu_seconds = 0;
  double pilot_runs = 0;
  int pilot_estimates = 0;

  // A table: per site, each strategy tried with its variance, time per
  // estimate and variance × time, "biased" where it is, and the choice.
  std::string ToString() const;
};

// Advise()
//
// Runs the pilot described in the file comment on `program`, an expectation
// program (see estimators/expectation.h) with its arguments bound, for the
// gradient of the parameters in `params`. Errors: InvalidArgument for no
// parameters, a null parameter, fewer than 2 estimates, negative warm-up
// estimates, a run limit below 1, a site in two groups (or twice in one),
// a `sites` or `groups` entry that
// is not a latent sample site of the program (named), or a site at which
// every strategy failed (with the first failure); FailedPrecondition inside
// an estimation; the program's own errors. Leaves the parameters' values
// as they were and their gradients zero.
absl::StatusOr<Advice> Advise(const std::function<Tensor()>& program,
                              const std::vector<ReportedParameter>& params,
                              const AdvisorOptions& options = {});

// AutoStrategy
//
// A strategy that delegates to the strategy adopted for its site (by
// address), or to the distribution's default before any. Thread-safe.
class AutoStrategy final : public SiteStrategy {
 public:
  absl::string_view name() const override { return "auto"; }
  // True if an adopted choice is biased, or learns.
  bool biased() const override;
  bool learns() const override;
  Tensor Draw(SiteRun& run) const override;
  void Replay(SiteRun& run, const Tensor& value) const override;

  // Adopt()
  //
  // Uses `advice.choice` from now on at the sites it names (others keep
  // theirs). Not while an estimation with this strategy runs.
  void Adopt(const Advice& advice);

  // The adopted choices.
  StrategyMap choice() const;

 private:
  const SiteStrategy& For(const SiteRun& run) const;

  mutable absl::Mutex mutex_;
  StrategyMap choice_ ABSL_GUARDED_BY(mutex_);
};

// Auto()
//
// A new `AutoStrategy`, to pass to `sample` at the sites it should choose
// for (one object can serve every site of a program).
std::shared_ptr<AutoStrategy> Auto();

}  // namespace provi

#endif  // PROVI_ESTIMATORS_ADVISOR_H_
