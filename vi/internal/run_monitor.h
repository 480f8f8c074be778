// Copyright 2026 The provi Authors.
//
// File: vi/internal/run_monitor.h
// -----------------------------------------------------------------------------
//
// The non-template half of `Svi` (vi/svi.h): what happens around each step
// of a run (CSV log, progress line, moving average, convergence rule,
// callbacks), and negating the store's gradients. Defined in vi/svi.cc.

#ifndef PROVI_VI_INTERNAL_RUN_MONITOR_H_
#define PROVI_VI_INTERNAL_RUN_MONITOR_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "vi/convergence.h"
#include "vi/param_store.h"
#include "vi/svi_options.h"

namespace provi {
namespace svi_internal {

// Replaces every gradient in `store` by its negative: SVI maximises its
// objective, optimizers minimise. InvalidArgument naming the first
// parameter (by its name in the store) with a non-finite gradient element;
// then nothing is changed.
absl::Status NegateGradients(ParamStore& store);

// One run's bookkeeping. Usage: construct, `Open()`, `Record()` after each
// step until it returns false, `Finish()`.
class RunMonitor {
 public:
  RunMonitor(const SviOptions& options, int64_t num_steps);
  ~RunMonitor();
  RunMonitor(const RunMonitor&) = delete;
  RunMonitor& operator=(const RunMonitor&) = delete;

  // Validates the options and opens the CSV log (writing its header).
  absl::Status Open();

  // After the step with 0-based index `step` and objective `value`: writes
  // the log line, updates the moving average and the convergence rule,
  // calls the callbacks and refreshes the progress line. Returns whether
  // the run should go on, or the error writing the log.
  absl::StatusOr<bool> Record(int64_t step, double value);

  // Closes the log and ends the progress line; returns the summary (or the
  // error closing the log).
  absl::StatusOr<SviSummary> Finish();

 private:
  double Seconds() const;
  double MovingAverage() const;
  void PrintProgress(int64_t step, bool last);
  void EndProgress();
  bool Converged() const;

  const SviOptions& options_;
  int64_t num_steps_;
  std::chrono::steady_clock::time_point start_;
  std::FILE* csv_ = nullptr;
  bool show_progress_ = false;
  bool progress_printed_ = false;
  std::chrono::steady_clock::time_point last_progress_;
  std::vector<double> recent_;  // circular, moving_average_window entries
  int64_t steps_ = 0;
  std::optional<RelativeToleranceRule> rule_;
  std::optional<PlateauRule> plateau_;
  bool stopped_by_callback_ = false;
};

}  // namespace svi_internal
}  // namespace provi

#endif  // PROVI_VI_INTERNAL_RUN_MONITOR_H_
