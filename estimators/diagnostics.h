// Copyright 2026 The provi Authors.
//
// File: estimators/diagnostics.h
// -----------------------------------------------------------------------------
//
// A variance report: draw n gradient estimates and summarise, per parameter
// entry, their mean, variance and signal-to-noise ratio |mean| / sd, with
// the wall time and program executions per estimate. Run it for the same
// program under different strategies (score function with and without a
// baseline, enumeration, MVD, ...) and print the reports side by side to
// choose a strategy by measurement rather than folklore.
//
// Example:
//
//   std::vector<provi::ReportedParameter> params = {{"logits", &logits}};
//   auto sf = provi::Expectation(provi::ScoreFunction(elbo, {"c"}));
//   auto en = provi::Expectation(provi::Enumerate(elbo, {"c"}));
//   auto r1 = provi::MeasureGradientVariance(
//       "score function", [&] { return sf.GradEstimate(x); }, params, 200);
//   auto r2 = provi::MeasureGradientVariance(
//       "enumeration", [&] { return en.GradEstimate(x); }, params, 200);
//   std::cout << provi::CompareVarianceReports({*r1, *r2});

#ifndef PROVI_ESTIMATORS_DIAGNOSTICS_H_
#define PROVI_ESTIMATORS_DIAGNOSTICS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ad/tensor.h"
#include "estimators/expectation.h"

namespace provi {

// ReportedParameter
//
// A parameter to report on, with the name its entries get in the tables.
struct ReportedParameter {
  std::string name;
  Parameter* parameter;
};

// Per-entry statistics of one parameter's gradient estimates.
struct ParameterStatistics {
  std::string name;
  Matrix mean;
  Matrix variance;
  // |mean| / sqrt(variance); infinite where the variance is zero and the
  // mean is not.
  Matrix snr;
};

// VarianceReport
struct VarianceReport {
  std::string label;
  int estimates = 0;
  // Wall time per estimate.
  double seconds_per_estimate = 0;
  // The process's CPU time per estimate (std::clock): the work an estimate
  // takes, on every thread, unaffected by other processes sharing the
  // machine.
  double cpu_seconds_per_estimate = 0;
  double runs_per_estimate = 0;
  std::vector<ParameterStatistics> parameters;

  // A table: one line per parameter entry (at most `max_entries` per
  // parameter).
  std::string ToString(int max_entries = 4) const;
};

// MeasureGradientVariance()
//
// Calls `estimate` (which must leave its gradient in `params`' grads) `n`
// times, zeroing the parameters' gradients before each call. `n` must be
// at least 2. Returns the first failing estimate's status.
absl::StatusOr<VarianceReport> MeasureGradientVariance(
    std::string label,
    const std::function<absl::StatusOr<GradientEstimate>()>& estimate,
    const std::vector<ReportedParameter>& params, int n);

// CompareVarianceReports()
//
// Reports side by side: for each parameter entry, each report's mean,
// variance and SNR, and each report's cost per estimate.
std::string CompareVarianceReports(const std::vector<VarianceReport>& reports,
                                   int max_entries = 4);

}  // namespace provi

#endif  // PROVI_ESTIMATORS_DIAGNOSTICS_H_
