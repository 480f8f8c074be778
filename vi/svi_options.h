// Copyright 2026 The provi Authors.
//
// File: vi/svi_options.h
// -----------------------------------------------------------------------------
//
// The options and the result of an SVI run (`Svi::Run`, vi/svi.h): progress
// reporting, the CSV log, callbacks and the convergence rule.
//
// Example:
//
//   provi::SviOptions options;
//   options.csv_path = "/tmp/elbo.csv";
//   options.rel_tol = 0.01;   // Stan ADVI's tol_rel_obj rule instead of the
//                             // default plateau rule
//   options.callbacks.push_back([](int64_t step, double elbo) {
//     return elbo > -1e6;     // stop if it blows up
//   });

#ifndef PROVI_VI_SVI_OPTIONS_H_
#define PROVI_VI_SVI_OPTIONS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace provi {

// SviCallback
//
// Called after each step of `Svi::Run` with the step's 0-based index within
// the run and its objective value. Returning false stops the run.
using SviCallback = std::function<bool(int64_t step, double objective)>;

// GradientHook
//
// Runs in every `Svi::Step` between the gradient estimate and the
// optimiser step, whether or not the estimate succeeded: `local` is the
// estimate's objective value or its error, and the store's gradients hold
// the estimate's gradient of the objective (still zero after a failed
// estimate). The hook may replace the gradients (e.g. by their combination
// over data-parallel replicas, distributed/data_parallel.h); it returns the
// objective value the step goes on with, or the error that ends the step
// with nothing updated.
using GradientHook =
    std::function<absl::StatusOr<double>(absl::StatusOr<double> local)>;

// SviOptions
struct SviOptions {
  // Shows a progress line on stderr (steps/s and the moving average of the
  // objective, refreshed at most 5 times a second), only when stderr is a
  // terminal.
  bool progress = true;

  // The number of most recent steps whose mean objective is reported (the
  // progress line and `SviSummary::moving_average`); >= 1.
  int64_t moving_average_window = 100;

  // If not empty, `Run` writes a CSV log there (replacing the file): the
  // header "step,objective,seconds", then one line per step with its
  // 0-based index in the run, its objective value and the wall-clock
  // seconds since the run started.
  std::string csv_path;

  // Called in order after every step (all of them, even when one returns
  // false); the run stops after a step for which any returned false.
  std::vector<SviCallback> callbacks;

  // The convergence rule, on by default: `PlateauRule` (vi/convergence.h)
  // with a window of `plateau_window` steps (0: max(100, num_steps / 20)),
  // `plateau_z` standard errors and `plateau_patience` comparisons. The run
  // stops when it converges; when it does not, the summary says so. Set
  // `stop_when_converged` to false to take every step (methods that need a
  // fixed number of steps, such as iterate averaging, while still learning
  // whether the run converged), or `check_convergence` to false to skip the
  // rule altogether.
  bool check_convergence = true;
  bool stop_when_converged = true;
  int64_t plateau_window = 0;
  double plateau_z = 2;
  int64_t plateau_patience = 2;

  // Stan ADVI's relative-tolerance rule (vi/convergence.h) instead, when
  // `rel_tol` > 0: every `eval_every` steps, the relative change of the
  // mean objective over the last `eval_every` steps; converged when the
  // mean or the median of the last `convergence_windows` such changes is
  // below `rel_tol` (Stan's default tolerance is 0.01).
  // `convergence_windows` = 0 takes Stan's heuristic max(2, ⌊0.1 num_steps
  // / eval_every⌋).
  double rel_tol = 0;
  int64_t eval_every = 100;
  int64_t convergence_windows = 0;

  // If set, called by every step (see `GradientHook`).
  GradientHook gradient_hook;
};

// SviSummary
//
// What `Svi::Run` returns.
struct SviSummary {
  // Steps taken in this run.
  int64_t steps = 0;
  // The mean objective over the last `moving_average_window` steps (NaN if
  // no step was taken).
  double moving_average = 0;
  // Whether the convergence rule was met (and, with stop_when_converged,
  // stopped the run).
  bool converged = false;
  // Empty when the run converged or was stopped by a callback; otherwise a
  // warning that the step budget ran out before convergence: the fit may
  // be far from the optimum even if it looks normal (check it, e.g. with
  // the Pareto k-hat of vi/fit_diagnostics.h).
  std::string warning;
  // Whether a callback stopped the run.
  bool stopped_by_callback = false;
  // Wall-clock duration of the run.
  double seconds = 0;
};

}  // namespace provi

#endif  // PROVI_VI_SVI_OPTIONS_H_
