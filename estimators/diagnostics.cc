// Copyright 2026 The provi Authors.

#include "estimators/diagnostics.h"

#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace provi {
namespace {

std::string EntryName(const ParameterStatistics& p, Index e) {
  if (p.mean.size() == 1) return p.name;
  return absl::StrCat(p.name, "[", e % p.mean.rows(), ",", e / p.mean.rows(),
                      "]");
}

}  // namespace

absl::StatusOr<VarianceReport> MeasureGradientVariance(
    std::string label,
    const std::function<absl::StatusOr<GradientEstimate>()>& estimate,
    const std::vector<ReportedParameter>& params, int n) {
  if (n < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("MeasureGradientVariance: n = ", n, " must be >= 2"));
  }
  std::vector<Eigen::MatrixXd> sum, sum_sq;
  for (const ReportedParameter& p : params) {
    if (p.parameter == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "MeasureGradientVariance: parameter '", p.name, "' is null"));
    }
    sum.push_back(
        Eigen::MatrixXd::Zero(p.parameter->rows(), p.parameter->cols()));
    sum_sq.push_back(sum.back());
  }
  double runs = 0;
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  for (int i = 0; i < n; ++i) {
    for (const ReportedParameter& p : params) p.parameter->ZeroGrad();
    absl::StatusOr<GradientEstimate> g = estimate();
    if (!g.ok()) return g.status();
    runs += g->runs;
    for (size_t k = 0; k < params.size(); ++k) {
      const Eigen::MatrixXd grad = params[k].parameter->grad().cast<double>();
      sum[k] += grad;
      sum_sq[k] += grad.cwiseProduct(grad);
    }
  }
  const double cpu_seconds =
      static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  VarianceReport report;
  report.label = std::move(label);
  report.estimates = n;
  report.seconds_per_estimate = seconds / n;
  report.cpu_seconds_per_estimate = cpu_seconds / n;
  report.runs_per_estimate = runs / n;
  for (size_t k = 0; k < params.size(); ++k) {
    const Eigen::MatrixXd mean = sum[k] / n;
    const Eigen::MatrixXd variance =
        ((sum_sq[k] - n * mean.cwiseProduct(mean)) / (n - 1)).cwiseMax(0.0);
    Eigen::MatrixXd snr(mean.rows(), mean.cols());
    for (Index e = 0; e < mean.size(); ++e) {
      snr(e) = variance(e) > 0 ? std::abs(mean(e)) / std::sqrt(variance(e))
               : mean(e) != 0  ? std::numeric_limits<double>::infinity()
                               : 0.0;
    }
    report.parameters.push_back(
        ParameterStatistics{params[k].name, mean.cast<Real>(),
                            variance.cast<Real>(), snr.cast<Real>()});
  }
  return report;
}

std::string VarianceReport::ToString(int max_entries) const {
  return CompareVarianceReports({*this}, max_entries);
}

std::string CompareVarianceReports(const std::vector<VarianceReport>& reports,
                                   int max_entries) {
  std::string out = absl::StrFormat("%-24s", "gradient entry");
  for (const VarianceReport& r : reports) {
    absl::StrAppendFormat(&out, " | %-36s", r.label);
  }
  absl::StrAppend(&out, "\n", absl::StrFormat("%-24s", ""));
  for (size_t i = 0; i < reports.size(); ++i) {
    absl::StrAppendFormat(&out, " | %11s %11s %11s", "mean", "variance", "snr");
  }
  absl::StrAppend(&out, "\n");
  if (reports.empty()) return out;
  const VarianceReport& first = reports.front();
  for (size_t k = 0; k < first.parameters.size(); ++k) {
    const ParameterStatistics& p = first.parameters[k];
    const Index entries =
        std::min<Index>(p.mean.size(), static_cast<Index>(max_entries));
    for (Index e = 0; e < entries; ++e) {
      absl::StrAppendFormat(&out, "%-24s", EntryName(p, e));
      for (const VarianceReport& r : reports) {
        if (k >= r.parameters.size() || e >= r.parameters[k].mean.size()) {
          absl::StrAppendFormat(&out, " | %35s", "-");
          continue;
        }
        const ParameterStatistics& q = r.parameters[k];
        absl::StrAppendFormat(&out, " | %11.4g %11.4g %11.4g", q.mean(e),
                              q.variance(e), q.snr(e));
      }
      absl::StrAppend(&out, "\n");
    }
  }
  absl::StrAppendFormat(&out, "%-24s", "ms per estimate");
  for (const VarianceReport& r : reports) {
    absl::StrAppendFormat(&out, " | %35.4g", 1e3 * r.seconds_per_estimate);
  }
  absl::StrAppend(&out, "\n", absl::StrFormat("%-24s", "runs per estimate"));
  for (const VarianceReport& r : reports) {
    absl::StrAppendFormat(&out, " | %35.4g", r.runs_per_estimate);
  }
  absl::StrAppend(&out, "\n");
  return out;
}

}  // namespace provi
