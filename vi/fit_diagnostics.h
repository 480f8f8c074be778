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
// k-hat from a finite sample is biased low when the ratios' tail is only
// slowly heavy, as for a normal guide narrower than a normal-like posterior
// (the log ratios are then quadratic in the draw). Mean-field SVI on
// posteriordb's sblrc-blr, whose weakest direction keeps about 0.2 of the
// posterior's variance (true k about 0.8), gives k-hat 0.66 from 4,000
// draws and 0.71 from 16,000. So a borderline k-hat (above `extend_above`,
// 0.5 by default) is re-estimated from more draws, up to `max_draws`,
// before it is reported; the extra draws are spent only on fits whose
// verdict they can change.
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

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
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
  // When k-hat from `draws` draws exceeds `extend_above`, more draws are
  // taken until there are `max_draws` (if larger than `draws`), and k-hat,
  // the weights and the ELBO estimate come from all of them. max_draws <=
  // draws turns the extension off.
  int max_draws = 16000;
  double extend_above = 0.5;
  uint64_t seed = 0;
  // If set, called with the guide's trace of every draw, in order, the
  // extension's draws included (e.g. to record quantities for PSIS-weighted
  // moments: there is one per entry of FitDiagnostics::log_ratios).
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
  if (options.draws < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "Diagnose: draws must be positive, got %d", options.draws));
  }
  if (!(options.extend_above >= 0.0)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "Diagnose: extend_above must be >= 0, got %g", options.extend_above));
  }
  std::vector<double> log_ratios;
  log_ratios.reserve(static_cast<size_t>(options.draws));
  NoRecordScope no_record;
  ParamStoreScope store_scope(store);
  SeedHandler seeded(options.seed);
  HandlerScope seed_scope(seeded);
  const auto draw_until = [&](int total) {
    return CatchStatus([&] {
      while (static_cast<int>(log_ratios.size()) < total) {
        const Simulation q = Simulate(guide, args...);
        const Tensor log_p = Density(model, q.choices, args...);
        log_ratios.push_back(static_cast<double>(SumAll(log_p).item()) -
                             static_cast<double>(SumAll(q.log_density).item()));
        if (options.on_draw) options.on_draw(q.choices);
      }
    });
  };
  absl::Status status = draw_until(options.draws);
  if (!status.ok()) return status;
  absl::StatusOr<FitDiagnostics> diagnostics =
      DiagnosticsFromLogRatios(log_ratios);
  if (!diagnostics.ok() || options.max_draws <= options.draws ||
      !(diagnostics->psis.pareto_k > options.extend_above)) {
    return diagnostics;
  }
  status = draw_until(options.max_draws);
  if (!status.ok()) return status;
  return DiagnosticsFromLogRatios(std::move(log_ratios));
}

}  // namespace provi

#endif  // PROVI_VI_FIT_DIAGNOSTICS_H_
