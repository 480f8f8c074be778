// Copyright 2026 The provi Authors.

#include "vi/fit_diagnostics.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_format.h"

namespace provi {

absl::StatusOr<FitDiagnostics> DiagnosticsFromLogRatios(
    std::vector<double> log_ratios) {
  absl::StatusOr<PsisResult> psis = Psis(log_ratios);
  if (!psis.ok()) return psis.status();
  FitDiagnostics diagnostics;
  double sum = 0;
  double sum_squares = 0;
  for (double r : log_ratios) {
    sum += r;
    sum_squares += r * r;
  }
  const double n = static_cast<double>(log_ratios.size());
  diagnostics.elbo = sum / n;
  diagnostics.elbo_standard_error = std::sqrt(
      std::max(sum_squares / n - diagnostics.elbo * diagnostics.elbo, 0.0) / n);
  diagnostics.log_ratios = std::move(log_ratios);
  diagnostics.psis = *std::move(psis);
  return diagnostics;
}

std::string FitDiagnostics::Report() const {
  const ParetoKLevel level = psis.level();
  std::string report = absl::StrFormat(
      "Pareto k-hat %.2f (%s) from %d guide draws; importance-sampling "
      "effective sample size %.0f; ELBO %.3f +- %.3f.",
      psis.pareto_k, ParetoKLevelName(level), log_ratios.size(),
      psis.effective_sample_size, elbo, elbo_standard_error);
  switch (level) {
    case ParetoKLevel::kGood:
      report +=
          " The guide is close to the posterior; PSIS-weighted expectations "
          "(psis.log_weights) correct what remains.";
      break;
    case ParetoKLevel::kUsable:
      report +=
          " The guide is a rough approximation: use PSIS-weighted "
          "expectations (psis.log_weights), not the guide's own.";
      break;
    case ParetoKLevel::kUnreliable:
      report +=
          " The guide misses part of the posterior (too narrow, centred "
          "elsewhere, or an optimisation that stopped short): neither its "
          "moments nor weighted ones can be trusted. Try a full-rank fit "
          "that converges (AutoLaplaceApproximation, then "
          "FitDeterministicFullRank), run longer, or reparameterise.";
      break;
  }
  return report;
}

}  // namespace provi
