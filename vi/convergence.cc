// Copyright 2026 The provi Authors.

#include "vi/convergence.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "base/check.h"

namespace provi {

absl::Status RelativeToleranceRule::Validate(double rel_tol, int64_t eval_every,
                                             int64_t windows) {
  if (!(rel_tol > 0 && std::isfinite(rel_tol))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "relative tolerance ", rel_tol, " must be finite and > 0"));
  }
  if (eval_every < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("eval_every = ", eval_every, " must be >= 1"));
  }
  if (windows < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("the number of windows, ", windows, ", must be >= 1"));
  }
  return absl::OkStatus();
}

int64_t RelativeToleranceRule::DefaultWindows(int64_t num_steps,
                                              int64_t eval_every) {
  if (eval_every < 1) return 2;
  const double heuristic =
      0.1 * static_cast<double>(num_steps) / static_cast<double>(eval_every);
  return std::max<int64_t>(2, static_cast<int64_t>(heuristic));
}

RelativeToleranceRule::RelativeToleranceRule(double rel_tol, int64_t eval_every,
                                             int64_t windows)
    : rel_tol_(rel_tol), eval_every_(eval_every), windows_(windows) {
  const absl::Status status = Validate(rel_tol, eval_every, windows);
  PROVI_CHECK(status.ok()) << status;
  changes_.reserve(static_cast<size_t>(windows));
}

bool RelativeToleranceRule::Add(double objective) {
  block_sum_ += objective;
  if (++block_size_ < eval_every_) return converged_;
  const double level = block_sum_ / static_cast<double>(block_size_);
  block_sum_ = 0;
  block_size_ = 0;
  if (has_previous_) {
    const double scale = std::max({std::abs(level), std::abs(previous_), 1.0});
    const double change = std::abs(level - previous_) / scale;
    // Circular: the evaluation k overwrites slot k mod windows.
    const size_t slot = static_cast<size_t>(evaluations_ % windows_);
    if (changes_.size() < static_cast<size_t>(windows_)) {
      changes_.push_back(change);
    } else {
      changes_[slot] = change;
    }
    ++evaluations_;
    if (mean_change() < rel_tol_ || median_change() < rel_tol_) {
      converged_ = true;
    }
  }
  previous_ = level;
  has_previous_ = true;
  return converged_;
}

double RelativeToleranceRule::mean_change() const {
  if (changes_.empty()) return std::numeric_limits<double>::quiet_NaN();
  double sum = 0;
  for (double change : changes_) sum += change;
  return sum / static_cast<double>(changes_.size());
}

double RelativeToleranceRule::median_change() const {
  if (changes_.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::vector<double> sorted = changes_;
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();
  return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
}

absl::Status PlateauRule::Validate(int64_t window, double z, int64_t patience) {
  if (window < 10 || !(z > 0) || !std::isfinite(z) || patience < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("plateau rule: window = ", window, " (>= 10), z = ", z,
                     " (> 0, finite) and patience = ", patience, " (>= 1)"));
  }
  return absl::OkStatus();
}

int64_t PlateauRule::DefaultWindow(int64_t num_steps) {
  return std::max<int64_t>(100, num_steps / 20);
}

PlateauRule::PlateauRule(int64_t window, double z, int64_t patience)
    : window_(window),
      z_(z),
      patience_(patience),
      improvement_(std::numeric_limits<double>::quiet_NaN()),
      standard_error_(std::numeric_limits<double>::quiet_NaN()) {
  const absl::Status status = Validate(window, z, patience);
  PROVI_CHECK(status.ok()) << status;
}

bool PlateauRule::Add(double objective) {
  sum_ += objective;
  sum_squares_ += objective * objective;
  if (++count_ < window_) return converged_;
  const double n = static_cast<double>(count_);
  const double mean = sum_ / n;
  const double variance =
      std::max(0.0, (sum_squares_ - n * mean * mean) / (n - 1));
  sum_ = 0;
  sum_squares_ = 0;
  count_ = 0;
  if (has_previous_) {
    improvement_ = mean - previous_mean_;
    standard_error_ = std::sqrt((variance + previous_variance_) / n);
    if (improvement_ < z_ * standard_error_) {
      if (++passes_ >= patience_) converged_ = true;
    } else {
      passes_ = 0;
    }
  }
  has_previous_ = true;
  previous_mean_ = mean;
  previous_variance_ = variance;
  return converged_;
}

}  // namespace provi
