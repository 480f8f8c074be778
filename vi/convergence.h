// Copyright 2026 The provi Authors.
//
// File: vi/convergence.h
// -----------------------------------------------------------------------------
//
// `RelativeToleranceRule` decides when a stochastic optimisation of an
// objective has stopped making progress, by the rule Stan's ADVI documents
// for its `tol_rel_obj` option (Stan Reference Manual, "Variational
// inference: assessing convergence"): track the objective; every
// `eval_every` steps take the relative change of its level; keep the most
// recent `windows` relative changes; stop when either their mean or their
// median falls below `rel_tol`.
//
// The "change in the objective is calculated the same way as in Stan's
// optimization module", i.e. relative to the larger magnitude and never to
// less than 1:
//
//   rel = |f_k - f_{k-1}| / max(|f_k|, |f_{k-1}|, 1).
//
// ADVI evaluates f_k with a separate Monte Carlo estimate of the ELBO; here
// f_k is the mean of the per-step objective estimates over the k-th block of
// `eval_every` steps, which costs nothing extra and averages the same
// number of draws as Stan's default (eval_elbo = elbo_samples = 100). The
// first relative change, and so the first possible stop, comes after two
// blocks. Stan's heuristic number of windows for a run of N steps is
// max(2, ⌊0.1 N / eval_every⌋) (`DefaultWindows`), and its default tolerance
// is 0.01.
//
// Stan's rule is scale-dependent: with |ELBO| in the thousands (a
// regression on a thousand points) a relative change of 0.01 is tens of
// nats, and the rule stops runs that are still far from the optimum. Svi's
// default is `PlateauRule` instead, which compares the change of the ELBO
// with the ELBO's own Monte Carlo noise (see there).
//
// Example:
//
//   provi::RelativeToleranceRule rule(0.01, 100, 10);
//   for (int64_t step = 0; step < max_steps; ++step) {
//     if (rule.Add(TakeStep())) break;   // converged
//   }

#ifndef PROVI_VI_CONVERGENCE_H_
#define PROVI_VI_CONVERGENCE_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"

namespace provi {

// RelativeToleranceRule
//
// See the file comment.
class RelativeToleranceRule {
 public:
  // `rel_tol` > 0, `eval_every` >= 1, `windows` >= 1 (see `Validate`).
  RelativeToleranceRule(double rel_tol, int64_t eval_every, int64_t windows);

  // Validate()
  //
  // InvalidArgument unless the arguments are as the constructor needs.
  static absl::Status Validate(double rel_tol, int64_t eval_every,
                               int64_t windows);

  // DefaultWindows()
  //
  // Stan's rolling-window length for a run of `num_steps` steps:
  // max(2, ⌊0.1 num_steps / eval_every⌋).
  static int64_t DefaultWindows(int64_t num_steps, int64_t eval_every);

  // Add()
  //
  // Records one step's objective value. Returns true if, at this step, the
  // rule finds the run converged (and from then on).
  bool Add(double objective);

  // converged()
  //
  // Whether an `Add` has found convergence.
  bool converged() const { return converged_; }

  // evaluations()
  //
  // The number of relative changes computed so far.
  int64_t evaluations() const { return evaluations_; }

  // mean_change(), median_change()
  //
  // The mean and median of the relative changes in the rolling window (NaN
  // before the first one).
  double mean_change() const;
  double median_change() const;

 private:
  double rel_tol_;
  int64_t eval_every_;
  int64_t windows_;

  double block_sum_ = 0;
  int64_t block_size_ = 0;
  bool has_previous_ = false;
  double previous_ = 0;
  std::vector<double> changes_;  // circular, at most windows_ entries
  int64_t evaluations_ = 0;
  bool converged_ = false;
};

// PlateauRule
//
// Convergence when the objective has stopped rising by more than its own
// noise. Every `window` steps, the mean of the last `window` per-step
// objective estimates, B, is compared with the mean of the `window` before
// it, A: the improvement B - A has standard error se = √(s_A² / w + s_B² /
// w) (s², the sample variances; consecutive estimates of a stochastic
// objective are close to independent once the parameters move slowly). A
// comparison passes when B - A < z se, i.e. when the rise is not
// distinguishable from noise at `z` standard errors; the run has
// converged after `patience` consecutive passing comparisons. Unlike
// Stan's rule this needs no scale: it is invariant to shifting or scaling
// the objective. A run that crawls along a ridge at a rate below its noise
// passes too; only a check of the fit itself (Pareto k-hat,
// vi/fit_diagnostics.h) tells such a run from a converged one.
//
// Example:
//
//   provi::PlateauRule rule(/*window=*/500, /*z=*/2, /*patience=*/2);
//   for (int64_t step = 0; step < max_steps; ++step) {
//     if (rule.Add(TakeStep())) break;
//   }
class PlateauRule {
 public:
  // `window` >= 10, `z` > 0 and finite, `patience` >= 1 (see `Validate`).
  PlateauRule(int64_t window, double z, int64_t patience);

  // Validate()
  //
  // InvalidArgument unless the arguments are as the constructor needs.
  static absl::Status Validate(int64_t window, double z, int64_t patience);

  // DefaultWindow()
  //
  // The window for a run of up to `num_steps` steps: max(100, num_steps /
  // 20), so that a run has room for about ten comparisons.
  static int64_t DefaultWindow(int64_t num_steps);

  // Add()
  //
  // Records one step's objective value. Returns true once converged.
  bool Add(double objective);

  bool converged() const { return converged_; }

  // last_improvement(), last_standard_error()
  //
  // B - A and its standard error at the latest comparison (NaN before the
  // first).
  double last_improvement() const { return improvement_; }
  double last_standard_error() const { return standard_error_; }

 private:
  int64_t window_;
  double z_;
  int64_t patience_;

  // Sum and sum of squares of the current block and the previous block's
  // mean and variance.
  double sum_ = 0;
  double sum_squares_ = 0;
  int64_t count_ = 0;
  bool has_previous_ = false;
  double previous_mean_ = 0;
  double previous_variance_ = 0;
  int64_t passes_ = 0;
  double improvement_;
  double standard_error_;
  bool converged_ = false;
};

}  // namespace provi

#endif  // PROVI_VI_CONVERGENCE_H_
