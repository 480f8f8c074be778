// Copyright 2026 The provi Authors.
//
// File: vi/fit_diagnostics.h
// -----------------------------------------------------------------------------
//
// `Diagnose` checks a fitted guide against its model by Pareto-smoothed
// importance sampling (vi/psis.h; Yao, Vehtari, Simpson and Gelman, "Yes,
// but did it work?", ICML 2018): it draws S times from the guide, scores
// each draw under the model, and fits a generalized Pareto tail to the
// importance ratios p(z, x) / q(z). Its k-hat says whether the fit can be
// trusted (<= 0.5 good, <= 0.7 usable, > 0.7 unreliable), whatever method
// produced it, and a fit that stopped short on a ridge, that is too narrow
// or centred elsewhere shows up as a large k-hat. The smoothed weights
// give PSIS-corrected expectations when k-hat <= 0.7.
//
// Any guide works (autoguides, hand-written guides): the ratio of one draw
// is Density(model, draw) - log q(draw), summed over lanes, exactly the
// ELBO's integrand, so the mean log ratio is also an ELBO estimate.
//
// Example:
//
//   absl::StatusOr<provi::FitDiagnostics> check =
//       provi::Diagnose(model, guide, store, {}, y);
//   if (!check.ok()) return check.status();
//   std::cout << check->Report() << "\n";   // k-hat, level, advice

#ifndef PROVI_VI_FIT_DIAGNOSTICS_H_
#define PROVI_VI_FIT_DIAGNOSTICS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/status_error.h"
#include "handlers/seed.h"
#include "runtime/handler.h"
#include "runtime/trace.h"
#include "vi/generative.h"
#include "vi/param_store.h"
#include "vi/psis.h"

namespace provi {

// DiagnoseOptions
struct DiagnoseOptions {
  // S, the guide draws (>= 25; the k-hat thresholds assume >= 1000).
  int draws = 4000;
  uint64_t seed = 0;
  // If set, called with the guide's trace of every draw, in order (e.g. to
  // record quantities for PSIS-weighted moments).
  std::function<void(const Trace& draw)> on_draw;
};

// FitDiagnostics
struct FitDiagnostics {
  // log p(z_s, x) - log q(z_s), per draw.
  std::vector<double> log_ratios;
  // The smoothed weights and k-hat.
  PsisResult psis;
  // The mean log ratio (an ELBO estimate) and its standard error.
  double elbo = 0;
  double elbo_standard_error = 0;

  // Report()
  //
  // One paragraph: k-hat, its level, the draws and effective sample size,
  // and what to do when the fit is not good.
  std::string Report() const;
};

// DiagnosticsFromLogRatios()
//
// The diagnostics of given log ratios (PSIS's errors: NaN or +inf ratios,
// too few draws).
absl::StatusOr<FitDiagnostics> DiagnosticsFromLogRatios(
    std::vector<double> log_ratios);

// Diagnose()
//
// See the file comment. Runs the guide with `store` installed (the guide's
// parameters must exist: fit it first) and no tape. Errors: the guide's or
// the model's status (naming the site), or PSIS's.
template <typename Model, typename Guide, typename... Args>
absl::StatusOr<FitDiagnostics> Diagnose(const Model& model, const Guide& guide,
                                        ParamStore& store,
                                        const DiagnoseOptions& options,
                                        const Args&... args) {
  std::vector<double> log_ratios;
  log_ratios.reserve(static_cast<size_t>(std::max(options.draws, 0)));
  const absl::Status status = CatchStatus([&] {
    NoRecordScope no_record;
    ParamStoreScope store_scope(store);
    SeedHandler seeded(options.seed);
    HandlerScope seed_scope(seeded);
    for (int s = 0; s < options.draws; ++s) {
      const Simulation q = Simulate(guide, args...);
      const Tensor log_p = Density(model, q.choices, args...);
      log_ratios.push_back(static_cast<double>(SumAll(log_p).item()) -
                           static_cast<double>(SumAll(q.log_density).item()));
      if (options.on_draw) options.on_draw(q.choices);
    }
  });
  if (!status.ok()) return status;
  return DiagnosticsFromLogRatios(std::move(log_ratios));
}

}  // namespace provi

#endif  // PROVI_VI_FIT_DIAGNOSTICS_H_
