// Copyright 2026 The provi Authors.
//
// File: estimators/expectation.h
// -----------------------------------------------------------------------------
//
// `Expectation(program)` turns a program that computes a value into an
// unbiased estimator of its expected value and of the gradient of that
// expectation with respect to the parameters the program reads, with ADEV's
// semantics (Lew et al., "ADEV: Sound Automatic Differentiation of Expected
// Values of Probabilistic Programs", POPL 2023). Each latent sample site is
// estimated by its strategy (estimators/strategies.h): pathwise, score
// function (with a baseline), exact enumeration, measure-valued
// derivatives, or one written against estimators/site_strategy.h; the
// strategies compose soundly in one program. See
// estimators/internal/driver.h for how.
//
// The program returns a Tensor: 1x1, or one value per lane (R x 1). With
// one value per lane, every strategy works lane by lane (ADEV's `maps`):
// score terms multiply only their own lane's cost, and enumerating a site
// needs one run per support value for the whole plate (not K^R), MVD one
// or two runs per coupling term (estimators/mvd.h). The contract, as for
// vmap: lanes must not interact (lane i's value may depend only on lane i's
// choices and on choices outside the plate). One exception: a site may
// have K lanes per lane of the value, K particles laid out particle-major
// as `Iwelbo`'s (site lane k R + r belongs to value lane r), which share
// their lane's value (`SiteLaneCosts` in estimators/site_strategy.h).
// Parts of a program that run one after the other and do not interact (the
// particles of an importance-weighted bound, say) can say so with
// `IndependentBlocks` (estimators/independent_blocks.h): an MVD
// counterfactual inside one then re-runs that part alone.
//
// Costs: the returned value is the program's final cost. `AddCost(c)` adds
// an intermediate cost; a score-function site's gradient term multiplies
// only the costs added after it was drawn.
//
// Gradients accumulate into the `Parameter`s the program reads (directly or
// through a parameter store); reset them with `Parameter::ZeroGrad` between
// steps. The gradient is that of the sum of the returned entries.
//
// State: strategies that learn across estimates (a moving-average
// baseline, fitted control variates) keep what they learn in the
// Expectation (estimators/strategy_state.h), per site, so they learn even
// when the strategy is made inside the program at every run. Copies of an
// Expectation share that state.
//
// Example:
//
//   provi::Parameter p(provi::Matrix::Constant(1, 1, 0.3));
//   auto objective = provi::Expectation([&] {
//     provi::Tensor b = provi::sample(
//         "b", provi::Bernoulli::FromProbs(p.tensor()), provi::Enumerate());
//     return provi::Where(b, provi::Tensor(0.0), p.tensor() * -0.5);
//   });
//   absl::StatusOr<provi::GradientEstimate> g = objective.GradEstimate();
//   // p.grad() is now exactly p - 0.5.

#ifndef PROVI_ESTIMATORS_EXPECTATION_H_
#define PROVI_ESTIMATORS_EXPECTATION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "absl/status/statusor.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "ad/tensor.h"
#include "base/random.h"
#include "base/status_error.h"
#include "estimators/internal/driver.h"
#include "estimators/strategy_state.h"

namespace provi {

// GradientEstimate
//
// What `GradEstimate` returns; the gradient itself is in the parameters.
struct GradientEstimate {
  // The estimate of the expectation (the program's value's shape).
  Matrix value;
  // Program executions used (1 without enumeration or MVD).
  int runs = 0;
};

// AddCost()
//
// Adds `cost` (1x1 or one entry per lane) to the current estimation: see the
// file comment. Throws FailedPrecondition outside an Expectation's run.
void AddCost(const Tensor& cost);

// EstimationRng()
//
// The generator of the estimation running on this thread (an Expectation's
// seeded generator inside its runs), else the thread's generator. For
// programs that draw values the estimator should not see (e.g. detached
// proposals).
absl::BitGenRef EstimationRng();

// Expectation<F>
//
// Make one with `Expectation(program)`; `program` is any callable returning
// a Tensor.
template <typename F>
class Expectation {
 public:
  explicit Expectation(F program) : program_(std::move(program)) {}

  // Seed()
  //
  // Draws of later calls, subsampled plates' indices included, come from
  // a generator seeded by `seed` (by default, from the thread's generator,
  // see runtime/handler.h).
  Expectation& Seed(uint64_t seed) {
    rng_ = MakeRng(seed);
    return *this;
  }

  // LimitRuns()
  //
  // Later estimates fail with ResourceExhausted, naming the site that
  // scheduled the run over the limit, rather than execute the program more
  // than `max_runs` times (0 or less: no limit, the default). The check is made
  // as runs are scheduled, before they execute: an MVD site of a large
  // continuous family schedules two runs per parameter column, an enumerated
  // site one per value of its support.
  Expectation& LimitRuns(int max_runs) {
    max_runs_ = max_runs;
    return *this;
  }

  // Estimate()
  //
  // An unbiased estimate of the expected value. No gradient is recorded.
  template <typename... Args>
  absl::StatusOr<Tensor> Estimate(Args&&... args) {
    return CatchStatusOr([&]() -> Tensor {
      const bool own_scope = !Tape::Current().in_scope();
      std::optional<TapeScope> scope;
      if (own_scope) scope.emplace();
      NoRecordScope no_record;
      estimators_internal::Driver driver(Bind(args...), gen(), *state_);
      driver.set_max_runs(max_runs_);
      const Tensor value = driver.Run().value;
      // Outside the caller's scope the arena is about to be recovered.
      return own_scope ? Tensor(Matrix(value.value())) : value;
    });
  }

  // GradEstimate()
  //
  // An unbiased estimate of the gradient of the expectation, accumulated
  // into the parameters the program reads, and of the expectation itself.
  template <typename... Args>
  absl::StatusOr<GradientEstimate> GradEstimate(Args&&... args) {
    return CatchStatusOr([&]() -> GradientEstimate {
      if (estimators_internal::Driver::Active() != nullptr) {
        ThrowStatus(absl::FailedPreconditionError(
            "GradEstimate inside another estimation: call Value() to nest "
            "an expectation in a program"));
      }
      TapeScope scope;
      estimators_internal::Driver driver(Bind(args...), gen(), *state_);
      driver.set_max_runs(max_runs_);
      const estimators_internal::Driver::Result result = driver.Run();
      Backward(result.surrogate);
      return GradientEstimate{Matrix(result.value.value()), result.runs};
    });
  }

  // Value()
  //
  // Nested use: inside another expectation's program, runs this program
  // as part of that estimation (its sample sites become sites of the outer
  // run, with their strategies) and returns its value. Throws
  // FailedPrecondition outside an estimation.
  template <typename... Args>
  Tensor Value(Args&&... args) const {
    if (estimators_internal::Driver::Active() == nullptr) {
      ThrowStatus(absl::FailedPreconditionError(
          "Expectation::Value outside an estimation; use Estimate()"));
    }
    return program_(std::forward<Args>(args)...);
  }

  const F& program() const { return program_; }

 private:
  template <typename... Args>
  estimators_internal::Driver::Program Bind(Args&... args) {
    return [this, &args...]() -> Tensor { return program_(args...); };
  }

  absl::BitGenRef gen() {
    if (rng_.has_value()) return *rng_;
    return ThreadRng();
  }

  F program_;
  std::optional<Rng> rng_;
  int max_runs_ = 0;
  std::shared_ptr<StrategyState> state_ = std::make_shared<StrategyState>();
};

}  // namespace provi

#endif  // PROVI_ESTIMATORS_EXPECTATION_H_
