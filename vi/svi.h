// Copyright 2026 The provi Authors.
//
// File: vi/svi.h
// -----------------------------------------------------------------------------
//
// `Svi` trains the parameters of a `ParamStore` by stochastic gradient
// ascent on a variational objective: any `Expectation` (ELBO, IWELBO, ...;
// estimators/expectation.h) whose program reads its learnable values with
// `param`. The objective is MAXIMISED: each step estimates its gradient,
// negates it, and lets the `Optimizer` (vi/optimizers.h), which minimises,
// take one step.
//
// One `Step(args...)`:
//   1. zeroes the store's gradients;
//   2. runs `objective.GradEstimate(args...)` with the store installed
//      (`ParamStoreScope`), creating parameters on first use;
//   3. takes the objective's value as the SUM of the entries the program
//      returned (one per lane, or 1x1): the same sum whose gradient the
//      estimator computes;
//   (3b. calls `SviOptions::gradient_hook`, if set, which may replace the
//      value and the gradients: data-parallel training combines them over
//      replicas there, distributed/data_parallel.h);
//   4. negates the gradients and calls `optimizer.Step` on every parameter
//      of the store.
// It returns the objective value, or the status of whatever failed (an
// error in the program, naming its site; a non-finite objective, naming
// the first site of zero density if one made it -inf; a non-finite
// gradient, in which case nothing is updated; a store the program read no
// parameter from). A non-finite gradient names the parameter by its store
// name, which is the address of the `param` site that reads it (an
// autoguide's are "auto/loc/<latent site>", "auto/scale/<latent site>",
// ...), and the element.
//
// `Run(num_steps, args...)` repeats `Step` with the bookkeeping of
// `SviOptions` (vi/svi_options.h): a progress line on a terminal, a CSV log,
// callbacks, and a convergence rule, on by default (the ELBO plateau rule
// of vi/convergence.h, or Stan ADVI's relative tolerance): the run stops
// when it converges, and its summary carries a warning when the budget ran
// out first. A converged ELBO is not a correct fit: on a long thin ridge
// the ELBO can plateau far from the optimum. Check the fit itself with
// `Diagnose` (vi/fit_diagnostics.h: Pareto k-hat, PSIS-weighted moments);
// for models whose latents are continuous, `AutoLaplaceApproximation`
// (vi/laplace.h) and `FitDeterministicFullRank` (vi/deterministic_vi.h)
// converge where Adam crawls.
//
// Thread-safety: an `Svi`, its store, optimizer and objective are used by
// one thread at a time.
//
// Example:
//
//   provi::ParamStore store;
//   provi::Adam adam({.learning_rate = 0.01});
//   auto elbo = provi::Expectation([&](const provi::Tensor& x) {
//     ...   // log p(x, z) - log q(z) with z from a guide that uses param()
//   });
//   provi::Svi svi(elbo, adam, store);
//   absl::StatusOr<provi::SviSummary> summary = svi.Run(5000, x);
//   if (!summary.ok()) return summary.status();
//   std::cout << "ELBO ~ " << summary->moving_average << "\n";
//   if (!summary->converged) std::cerr << summary->warning << "\n";

#ifndef PROVI_VI_SVI_H_
#define PROVI_VI_SVI_H_

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "base/real.h"
#include "estimators/expectation.h"
#include "runtime/trace.h"
#include "vi/internal/run_monitor.h"
#include "vi/optimizers.h"
#include "vi/param_store.h"
#include "vi/svi_options.h"

namespace provi {

// Svi<F>
//
// See the file comment. Holds references to the objective, the optimizer
// and the store, which must outlive it. Class template argument deduction
// makes `Svi svi(objective, optimizer, store)` work.
template <typename F>
class Svi {
 public:
  Svi(Expectation<F>& objective, Optimizer& optimizer, ParamStore& store,
      SviOptions options = {})
      : objective_(objective),
        optimizer_(optimizer),
        store_(store),
        options_(std::move(options)) {}

  // Step()
  //
  // One gradient step; see the file comment.
  template <typename... Args>
  absl::StatusOr<Real> Step(Args&&... args) {
    store_.ZeroGrad();
    ZeroDensityWatch zero_density;
    absl::StatusOr<GradientEstimate> estimate = [&] {
      ParamStoreScope scope(store_);
      return objective_.GradEstimate(args...);
    }();
    if (!estimate.ok() && options_.gradient_hook == nullptr) {
      return estimate.status();
    }
    double value =
        estimate.ok() ? estimate->value.template cast<double>().sum() : 0.0;
    if (options_.gradient_hook != nullptr) {
      absl::StatusOr<double> combined = options_.gradient_hook(
          estimate.ok() ? absl::StatusOr<double>(value) : estimate.status());
      if (!combined.ok()) return combined.status();
      value = *combined;
    }
    if (!std::isfinite(value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the objective's estimate is ", value, "; nothing was updated",
          zero_density.site().has_value()
              ? absl::StrCat(" (first zero density: ", *zero_density.site(),
                             ")")
              : std::string()));
    }
    if (store_.size() == 0) {
      return absl::FailedPreconditionError(
          "the objective read no parameter from the store: nothing to "
          "optimise (learnable values are declared with param())");
    }
    if (absl::Status status = svi_internal::NegateGradients(store_);
        !status.ok()) {
      return status;
    }
    if (absl::Status status = optimizer_.Step(
            store_.parameter_pointers(),
            [this](size_t i) { return store_.parameters()[i].address.name(); });
        !status.ok()) {
      return status;
    }
    ++steps_;
    return static_cast<Real>(value);
  }

  // Run()
  //
  // Up to `num_steps` steps (fewer if the convergence rule or a callback
  // stops the run), with the bookkeeping of the options. Returns the
  // summary, or the first error (of a step, prefixed with its index, or of
  // the options or the log file, before any step is taken).
  template <typename... Args>
  absl::StatusOr<SviSummary> Run(int64_t num_steps, Args&&... args) {
    if (num_steps < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("Svi::Run: num_steps = ", num_steps, " < 0"));
    }
    svi_internal::RunMonitor monitor(options_, num_steps);
    if (absl::Status status = monitor.Open(); !status.ok()) return status;
    for (int64_t step = 0; step < num_steps; ++step) {
      absl::StatusOr<Real> value = Step(args...);
      if (!value.ok()) {
        return absl::Status(
            value.status().code(),
            absl::StrCat("SVI step ", step, ": ", value.status().message()));
      }
      absl::StatusOr<bool> go_on = monitor.Record(step, *value);
      if (!go_on.ok()) return go_on.status();
      if (!*go_on) break;
    }
    return monitor.Finish();
  }

  // steps()
  //
  // Successful steps taken by this object (over all runs).
  int64_t steps() const { return steps_; }

  const SviOptions& options() const { return options_; }
  SviOptions& mutable_options() { return options_; }

 private:
  Expectation<F>& objective_;
  Optimizer& optimizer_;
  ParamStore& store_;
  SviOptions options_;
  int64_t steps_ = 0;
};

}  // namespace provi

#endif  // PROVI_VI_SVI_H_
