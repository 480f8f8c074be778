// Copyright 2026 The provi Authors.

#include "vi/svi.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace provi {
namespace svi_internal {
namespace {

// The progress line is refreshed at most this often.
constexpr std::chrono::milliseconds kProgressInterval(200);

}  // namespace

absl::Status NegateGradients(ParamStore& store) {
  // One pass, chunk by chunk: test a chunk while it is in cache, negate it.
  // Negation is exact, so on failure the gradients are restored before
  // the first non-finite element is looked for and reported.
  bool finite = true;
  for (Parameter* parameter : store.parameter_pointers()) {
    Matrix& grad = parameter->grad();
    ForEachChunk(
        grad.size(),
        [&](auto chunk) {
          finite = finite && AllFinite(chunk);
          chunk = -chunk;
        },
        grad.data());
  }
  if (finite) return absl::OkStatus();
  for (Parameter* parameter : store.parameter_pointers()) {
    parameter->grad() = -parameter->grad();
  }
  return store.CheckGradientsFinite();
}

RunMonitor::RunMonitor(const SviOptions& options, int64_t num_steps)
    : options_(options),
      num_steps_(num_steps),
      start_(std::chrono::steady_clock::now()),
      last_progress_(start_) {}

RunMonitor::~RunMonitor() {
  if (csv_ != nullptr) std::fclose(csv_);
  EndProgress();
}

absl::Status RunMonitor::Open() {
  if (options_.moving_average_window < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "SviOptions::moving_average_window = ", options_.moving_average_window,
        " must be >= 1"));
  }
  if (options_.rel_tol != 0) {
    const int64_t windows = options_.convergence_windows > 0
                                ? options_.convergence_windows
                                : RelativeToleranceRule::DefaultWindows(
                                      num_steps_, options_.eval_every);
    const absl::Status status = RelativeToleranceRule::Validate(
        options_.rel_tol, options_.eval_every, windows);
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("SviOptions convergence rule: ", status.message()));
    }
    if (options_.convergence_windows < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "SviOptions::convergence_windows = ", options_.convergence_windows,
          " must be >= 0"));
    }
    rule_.emplace(options_.rel_tol, options_.eval_every, windows);
  } else if (options_.check_convergence) {
    const int64_t window = options_.plateau_window > 0
                               ? options_.plateau_window
                               : PlateauRule::DefaultWindow(num_steps_);
    const absl::Status status = PlateauRule::Validate(
        window, options_.plateau_z, options_.plateau_patience);
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("SviOptions convergence rule: ", status.message()));
    }
    plateau_.emplace(window, options_.plateau_z, options_.plateau_patience);
  }
  recent_.reserve(static_cast<size_t>(
      std::min<int64_t>(options_.moving_average_window, num_steps_)));
  if (!options_.csv_path.empty()) {
    csv_ = std::fopen(options_.csv_path.c_str(), "w");
    if (csv_ == nullptr) {
      return absl::ErrnoToStatus(
          errno,
          absl::StrCat("cannot open the SVI log '", options_.csv_path, "'"));
    }
    std::fputs("step,objective,seconds\n", csv_);
  }
  show_progress_ = options_.progress && isatty(fileno(stderr)) == 1;
  start_ = std::chrono::steady_clock::now();
  return absl::OkStatus();
}

double RunMonitor::Seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start_)
      .count();
}

double RunMonitor::MovingAverage() const {
  if (recent_.empty()) return std::numeric_limits<double>::quiet_NaN();
  double sum = 0;
  for (double value : recent_) sum += value;
  return sum / static_cast<double>(recent_.size());
}

absl::StatusOr<bool> RunMonitor::Record(int64_t step, double value) {
  ++steps_;
  if (csv_ != nullptr) {
    absl::FPrintF(csv_, "%d,%.17g,%.6f\n", step, value, Seconds());
    if (std::ferror(csv_)) {
      return absl::DataLossError(
          absl::StrCat("cannot write the SVI log '", options_.csv_path, "'"));
    }
  }
  const size_t window = static_cast<size_t>(options_.moving_average_window);
  if (recent_.size() < window) {
    recent_.push_back(value);
  } else {
    recent_[static_cast<size_t>(step) % window] = value;
  }
  const bool converged = rule_.has_value()      ? rule_->Add(value)
                         : plateau_.has_value() ? plateau_->Add(value)
                                                : false;
  const bool stop =
      converged && (rule_.has_value() || options_.stop_when_converged);
  bool go_on = true;
  for (const SviCallback& callback : options_.callbacks) {
    if (callback != nullptr && !callback(step, value)) go_on = false;
  }
  if (!go_on) stopped_by_callback_ = true;
  const bool last = stop || !go_on || steps_ == num_steps_;
  if (show_progress_) PrintProgress(step, last);
  return go_on && !stop;
}

void RunMonitor::PrintProgress(int64_t step, bool last) {
  const auto now = std::chrono::steady_clock::now();
  if (!last && progress_printed_ && now - last_progress_ < kProgressInterval) {
    return;
  }
  last_progress_ = now;
  progress_printed_ = true;
  const double seconds = Seconds();
  const double rate = seconds > 0 ? static_cast<double>(steps_) / seconds : 0.0;
  absl::FPrintF(stderr,
                "\rSVI step %d/%d  %.1f steps/s  objective (mean of last %d) "
                "%.6g%s\x1b[K",
                step + 1, num_steps_, rate,
                static_cast<int64_t>(recent_.size()), MovingAverage(),
                Converged() ? "  converged" : "");
  std::fflush(stderr);
}

bool RunMonitor::Converged() const {
  return (rule_.has_value() && rule_->converged()) ||
         (plateau_.has_value() && plateau_->converged());
}

void RunMonitor::EndProgress() {
  if (!progress_printed_) return;
  std::fputc('\n', stderr);
  progress_printed_ = false;
}

absl::StatusOr<SviSummary> RunMonitor::Finish() {
  EndProgress();
  SviSummary summary;
  summary.steps = steps_;
  summary.moving_average = MovingAverage();
  summary.converged = Converged();
  summary.stopped_by_callback = stopped_by_callback_;
  if (!summary.converged && !stopped_by_callback_ &&
      (rule_.has_value() || plateau_.has_value())) {
    summary.warning = absl::StrCat(
        "the SVI run used all ", steps_,
        " steps without meeting its convergence rule (",
        rule_.has_value() ? "Stan's relative tolerance" : "the ELBO plateau",
        "): the fit may be far from the optimum even if it looks normal; "
        "run longer, or check the fit (Pareto k-hat, vi/fit_diagnostics.h)");
  }
  summary.seconds = Seconds();
  if (csv_ != nullptr) {
    const bool failed = std::ferror(csv_) != 0;
    const bool close_failed = std::fclose(csv_) != 0;
    csv_ = nullptr;
    if (failed || close_failed) {
      return absl::DataLossError(
          absl::StrCat("cannot write the SVI log '", options_.csv_path, "'"));
    }
  }
  return summary;
}

}  // namespace svi_internal
}  // namespace provi
