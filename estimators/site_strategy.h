// Copyright 2026 The provi Authors.
//
// File: estimators/site_strategy.h
// -----------------------------------------------------------------------------
//
// The interface every gradient strategy implements, and what the estimator
// gives a strategy to work with. The strategies provi ships (pathwise, score
// function, enumeration, measure-valued derivatives) are written against it
// in their own files (estimators/strategies.h lists them); a new strategy is
// one more class, and the runtime, which carries a site's strategy as an
// opaque `SiteStrategy` (runtime/message.h), does not change.
//
// The estimator (estimators/expectation.h) runs the program once, and again
// for every branch and value run a strategy asks for, replaying the sites
// before the one that asked (see estimators/internal/driver.h). At each
// latent sample site of a run that builds the surrogate it asks the site's
// strategy to
//
//   * `Draw` a new value, or
//   * `Replay` a value an earlier run drew (or a branch forced),
//
// and through the `SiteRun` it passes, the strategy says what the site adds
// to the run: `SurrogateTerm`s (evaluated once the run's costs are known),
// a weight on the run (a branch's probability), or extra runs. A run's
// surrogate is
//
//   weight ⊙ (Σ costs + Σ terms),
//
// summed over runs; its value is the estimate and its gradient the
// strategy's gradient estimate (ADEV's semantics, Lew et al., POPL 2023).
//
// Example (a strategy that draws with the family's sampler and adds
// nothing, i.e. treats the site as a constant):
//
//   class Frozen final : public provi::SiteStrategy {
//    public:
//     absl::string_view name() const override { return "frozen"; }
//     provi::Tensor Draw(provi::SiteRun& run) const override {
//       return run.distribution().Sample(run.gen());
//     }
//   };
//   provi::sample("z", provi::Normal(m, s), std::make_shared<Frozen>());

#ifndef PROVI_ESTIMATORS_SITE_STRATEGY_H_
#define PROVI_ESTIMATORS_SITE_STRATEGY_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "absl/random/bit_gen_ref.h"
#include "absl/strings/string_view.h"
#include "ad/tensor.h"
#include "distributions/distribution.h"
#include "estimators/strategy_state.h"
#include "runtime/message.h"

namespace provi {

// RunCosts
//
// The costs of a finished run, as surrogate terms see them: the costs added
// with `AddCost` in order, the returned value last.
class RunCosts {
 public:
  RunCosts(const std::vector<Tensor>& costs, const Tensor& total)
      : costs_(costs), total_(total) {}

  // Σ costs, on the tape: one value per lane (R x 1) or 1x1.
  const Tensor& total() const { return total_; }

  // The sum of the costs added after `mark` (a `SiteRun::cost_mark()`),
  // detached. Includes the returned value, so never empty.
  Tensor DetachedAfter(size_t mark) const;

 private:
  const std::vector<Tensor>& costs_;
  const Tensor& total_;
};

// SiteLaneCosts()
//
// `cost` (one value per lane of the program, R x 1, or 1x1) as seen by a
// site with `site_lanes` lanes: unchanged when they match (or either is
// 1), tiled K times when the site has K R lanes, which are then K
// particles of each program lane laid out particle-major (as `Iwelbo`'s:
// site lane k R + r belongs to program lane r). Throws InvalidArgument for
// other shapes.
Tensor SiteLaneCosts(const Tensor& cost, Index site_lanes);

// SurrogateTerm
//
// A site's addition to the surrogate of a run, evaluated once the run has
// returned.
class SurrogateTerm {
 public:
  virtual ~SurrogateTerm() = default;

  // The term for a run whose costs are `costs` (per lane or 1x1), or an
  // empty (0x0) tensor. Per lane means R x 1, or K R x 1 for K particles
  // of each of the R lanes (see `SiteLaneCosts`), which the estimator sums
  // into their lanes. Its gradient is what counts; its value is not part
  // of the estimate. Throws StatusError for a program it cannot handle (the
  // estimator names the site).
  virtual Tensor Evaluate(const RunCosts& costs) const = 0;

  // Finish()
  //
  // Called after the terms of every run of the estimate have been
  // evaluated, once for each run this term was evaluated in: where a term
  // with state shared across estimates (a moving-average baseline, fitted
  // control variates) records what it saw. Recording it in `Evaluate`
  // instead would let a later run of the same estimate (a branch replaying
  // this site's value) read a state that depends on the value its score
  // multiplies, which biases the gradient. Does nothing by default.
  virtual void Finish() const {}
};

// SiteRun
//
// What the estimator offers a strategy at one site of one run. Valid only
// during the `Draw` or `Replay` call it is passed to.
class SiteRun {
 public:
  // The site's message: its address, distribution (`dist()`) and plates.
  virtual const Message& message() const = 0;
  const Distribution& distribution() const { return *message().dist(); }

  // The estimation's generator.
  virtual absl::BitGenRef gen() const = 0;

  // What stateful strategies keep across the estimates of this objective
  // (estimators/strategy_state.h): state held there rather than in the
  // strategy object survives strategies made afresh at every run.
  virtual StrategyState& state() const = 0;

  // The number of costs the run has added so far: `RunCosts::DetachedAfter`
  // of it is the cost downstream of this site.
  virtual size_t cost_mark() const = 0;

  // Multiplies the run's value and surrogate by exp(log_weight), on the tape
  // (R x 1 per lane, or 1x1). A per-lane weight needs the program to return
  // one value per lane; the estimator checks that and names the site.
  virtual void Weigh(const Tensor& log_weight) = 0;

  // Adds `term` to this run's surrogate.
  virtual void AddTerm(std::shared_ptr<const SurrogateTerm> term) = 0;

  // Adds `term` to this run's surrogate and to that of every run that
  // replays this site's value (the branches that fork after it). At most
  // one per site, from `Draw`.
  virtual void AddSharedTerm(std::shared_ptr<const SurrogateTerm> term) = 0;

  // Schedules a branch: a run that replays the sites before this one, gives
  // this site `value` (this strategy's `Replay` sees it) and runs the rest
  // of the program. Branches contribute to the surrogate like the first run.
  virtual void ScheduleBranch(const Tensor& value) = 0;

  // Schedules a value run: like a branch, but the sites after this one are
  // drawn with `Sample` and add nothing; `on_cost` receives the run's total
  // cost, detached. Every value run finishes before any term is evaluated.
  virtual void ScheduleValueRun(const Tensor& value,
                                std::function<void(const Tensor&)> on_cost) = 0;

  // Schedules value runs like `ScheduleValueRun` whose forced values depend
  // on the shape of this run's result: once this run has returned,
  // `values(rows)` is called with the number of rows of its value (its
  // lanes) and gives one forced value per run; `on_cost(k, cost)` receives
  // run k's total cost. For lane-wise strategies in programs whose value
  // has fewer lanes than the site (K particles of each lane, laid out
  // particle-major as `Iwelbo`'s: site lane k R + r belongs to value lane
  // r), which need one run per particle.
  virtual void ScheduleValueRuns(
      std::function<std::vector<Tensor>(Index rows)> values,
      std::function<void(size_t, const Tensor&)> on_cost) = 0;

 protected:
  ~SiteRun() = default;
};

// SiteStrategy
//
// How the estimator treats a latent sample site. Implementations are
// immutable and shared between sites, runs and threads (hold state that
// changes, like a baseline's average, behind a lock).
class SiteStrategy {
 public:
  virtual ~SiteStrategy() = default;

  // For messages: "pathwise", "score function", ...
  virtual absl::string_view name() const = 0;

  // biased()
  //
  // True for strategies whose gradient is not unbiased (relaxations,
  // straight-through): they trade bias for variance, are only used where a
  // user chose them, and the estimator advisor (estimators/advisor.h) tries
  // them only when told bias is acceptable. False for ADEV's strategies.
  virtual bool biased() const { return false; }

  // learns()
  //
  // True for strategies that keep what they learn across estimates in the
  // objective's state (`SiteRun::state()`, estimators/strategy_state.h):
  // a score function with a moving-average baseline, fitted control
  // variates. The estimator advisor warms such a strategy up before it
  // measures it. A strategy of your own that uses `SiteRun::state()`
  // should say so here.
  virtual bool learns() const { return false; }

  // Draw()
  //
  // The site's value in a new run, having told `run` what the site adds.
  // Throws StatusError if the distribution does not support the strategy
  // (see `ThrowUnsupported`); the estimator names the site.
  virtual Tensor Draw(SiteRun& run) const = 0;

  // Replay()
  //
  // The site in a run that replays it with `value` (the value `Draw` gave,
  // or one a branch forced): tells `run` what the site adds there. Shared
  // terms are added by the estimator. By default the site adds nothing.
  virtual void Replay(SiteRun& run, const Tensor& value) const;

 protected:
  // Throws InvalidArgument: "the <name> strategy needs <capability>, which
  // <distribution> does not have".
  [[noreturn]] void ThrowUnsupported(const Distribution& dist,
                                     absl::string_view capability) const;
};

}  // namespace provi

#endif  // PROVI_ESTIMATORS_SITE_STRATEGY_H_
