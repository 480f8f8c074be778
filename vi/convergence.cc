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

}  // namespace provi
