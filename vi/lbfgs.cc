// Copyright 2026 The provi Authors.

#include "vi/lbfgs.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace provi {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// One evaluated point of a line search: step length, value, gradient and
// directional derivative.
struct Trial {
  double step = 0;
  double value = kInfinity;
  double slope = 0;
  Eigen::VectorXd gradient;
  bool finite() const { return std::isfinite(value); }
};

// Evaluates f, mapping errors and non-finite values to +inf.
class Evaluator {
 public:
  explicit Evaluator(const LbfgsObjective& f) : f_(f) {}

  Trial At(const Eigen::VectorXd& x, const Eigen::VectorXd& direction,
           double step) {
    Trial trial;
    trial.step = step;
    ++evaluations_;
    absl::StatusOr<double> value = f_(x + step * direction, &trial.gradient);
    if (!value.ok() || !std::isfinite(*value) ||
        trial.gradient.size() != x.size() || !trial.gradient.allFinite()) {
      trial.value = kInfinity;
      return trial;
    }
    trial.value = *value;
    trial.slope = trial.gradient.dot(direction);
    return trial;
  }

  int evaluations() const { return evaluations_; }

 private:
  const LbfgsObjective& f_;
  int evaluations_ = 0;
};

// The minimiser of the cubic through (a, fa, da) and (b, fb, db), or the
// midpoint when the cubic has none; kept within the middle 80% of [a, b].
double Interpolate(const Trial& a, const Trial& b) {
  const double lo = std::min(a.step, b.step);
  const double hi = std::max(a.step, b.step);
  double step = 0.5 * (a.step + b.step);
  if (a.finite() && b.finite()) {
    const double d1 =
        a.slope + b.slope - 3 * (a.value - b.value) / (a.step - b.step);
    const double radicand = d1 * d1 - a.slope * b.slope;
    if (radicand >= 0) {
      const double d2 = std::copysign(std::sqrt(radicand), b.step - a.step);
      const double cubic = b.step - (b.step - a.step) * (b.slope + d2 - d1) /
                                        (b.slope - a.slope + 2 * d2);
      if (std::isfinite(cubic)) step = cubic;
    }
  }
  const double margin = 0.1 * (hi - lo);
  return std::clamp(step, lo + margin, hi - margin);
}

// The strong Wolfe line search along `direction` from `start` (step 0).
// Returns the accepted trial, or one with an infinite value when no step
// decreased f enough.
Trial LineSearch(Evaluator& evaluator, const Eigen::VectorXd& x,
                 const Eigen::VectorXd& direction, const Trial& start,
                 double initial_step, const LbfgsOptions& options) {
  const double f0 = start.value;
  const double slope0 = start.slope;
  auto sufficient = [&](const Trial& t) {
    return t.finite() &&
           t.value <= f0 + options.sufficient_decrease * t.step * slope0;
  };
  auto curvature = [&](const Trial& t) {
    return std::abs(t.slope) <= -options.curvature * slope0;
  };
  // The best point with sufficient decrease, accepted if the search runs
  // out of evaluations (it still decreases f).
  Trial best;
  auto remember = [&](const Trial& t) {
    if (sufficient(t) && t.value < best.value) best = t;
  };
  auto zoom = [&](Trial lo, Trial hi, int budget) {
    while (budget-- > 0) {
      if (std::abs(hi.step - lo.step) <=
          1e-16 * std::max(std::abs(lo.step), 1.0)) {
        break;
      }
      const Trial t = evaluator.At(x, direction, Interpolate(lo, hi));
      remember(t);
      if (!sufficient(t) || t.value >= lo.value) {
        hi = t;
        continue;
      }
      if (curvature(t)) return t;
      if (t.slope * (hi.step - lo.step) >= 0) hi = lo;
      lo = t;
    }
    return best;
  };
  Trial previous = start;
  double step = initial_step;
  for (int i = 0; i < options.max_line_search; ++i) {
    const Trial t = evaluator.At(x, direction, step);
    remember(t);
    const int budget = options.max_line_search - i - 1;
    if (!sufficient(t) || (i > 0 && t.value >= previous.value)) {
      return zoom(previous, t, budget);
    }
    if (curvature(t)) return t;
    if (t.slope >= 0) return zoom(t, previous, budget);
    previous = t;
    step *= 2;
  }
  return best;
}

absl::Status ValidateOptions(const LbfgsOptions& o) {
  if (o.max_iterations < 1 || o.history < 1 || o.max_line_search < 2 ||
      !(o.decrease_tolerance > 0) || !(o.relative_tolerance >= 0) ||
      !(o.value_precision >= 0) || !(o.sufficient_decrease > 0) ||
      !(o.curvature > o.sufficient_decrease) || !(o.curvature < 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "L-BFGS options: need max_iterations >= 1 (", o.max_iterations,
        "), history >= 1 (", o.history, "), max_line_search >= 2 (",
        o.max_line_search, "), decrease_tolerance > 0 (", o.decrease_tolerance,
        "), relative_tolerance >= 0 (", o.relative_tolerance,
        "), value_precision >= 0 (", o.value_precision,
        ") and 0 < sufficient_decrease < curvature < 1 (",
        o.sufficient_decrease, ", ", o.curvature, ")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::string_view LbfgsTerminationName(LbfgsTermination termination) {
  switch (termination) {
    case LbfgsTermination::kDecrease:
      return "converged (predicted decrease below tolerance)";
    case LbfgsTermination::kValueChange:
      return "converged (value change below tolerance)";
    case LbfgsTermination::kWithinPrecision:
      return "converged (to the precision of the objective)";
    case LbfgsTermination::kLineSearch:
      return "line search failed";
    case LbfgsTermination::kMaxIterations:
      return "iteration budget exhausted";
  }
  return "unknown";
}

Eigen::VectorXd LbfgsResult::InverseHessianTimes(
    const Eigen::VectorXd& v) const {
  // Two-loop recursion (Nocedal and Wright, algorithm 7.4).
  Eigen::VectorXd r = v;
  std::vector<double> alpha(corrections.size());
  for (size_t i = corrections.size(); i-- > 0;) {
    const auto& [s, y] = corrections[i];
    alpha[i] = s.dot(r) / s.dot(y);
    r -= alpha[i] * y;
  }
  if (!corrections.empty()) {
    const auto& [s, y] = corrections.back();
    r *= s.dot(y) / y.squaredNorm();
  }
  for (size_t i = 0; i < corrections.size(); ++i) {
    const auto& [s, y] = corrections[i];
    const double beta = y.dot(r) / s.dot(y);
    r += (alpha[i] - beta) * s;
  }
  return r;
}

absl::StatusOr<LbfgsResult> MinimizeLbfgs(const LbfgsObjective& f,
                                          const Eigen::VectorXd& x0,
                                          const LbfgsOptions& options) {
  if (absl::Status status = ValidateOptions(options); !status.ok()) {
    return status;
  }
  LbfgsResult result;
  result.x = x0;
  Eigen::VectorXd gradient;
  absl::StatusOr<double> value = f(x0, &gradient);
  if (!value.ok()) {
    return absl::Status(value.status().code(),
                        absl::StrCat("L-BFGS: at the starting point: ",
                                     value.status().message()));
  }
  if (!std::isfinite(*value) || gradient.size() != x0.size() ||
      !gradient.allFinite()) {
    return absl::InvalidArgumentError(
        absl::StrCat("L-BFGS: the objective at the starting point is ", *value,
                     " with a gradient of ", gradient.size(), " elements",
                     gradient.allFinite() ? "" : " (not all finite)",
                     "; expected ", x0.size(), " finite ones"));
  }
  result.value = *value;
  result.gradient = gradient;
  Evaluator evaluator(f);
  const Eigen::Index n = x0.size();
  std::deque<std::pair<Eigen::VectorXd, Eigen::VectorXd>>& pairs =
      result.corrections;
  bool restarted = false;
  for (result.iterations = 0; result.iterations < options.max_iterations;
       ++result.iterations) {
    const Eigen::VectorXd& g = result.gradient;
    Eigen::VectorXd d = -result.InverseHessianTimes(g);
    double slope = g.dot(d);
    if (!(slope < 0) || !d.allFinite()) {
      pairs.clear();
      d = -g;
      slope = -g.squaredNorm();
    }
    result.predicted_decrease = -0.5 * slope;
    if (result.predicted_decrease <= options.decrease_tolerance ||
        g.squaredNorm() == 0) {
      result.termination = LbfgsTermination::kDecrease;
      result.evaluations = evaluator.evaluations() + 1;
      return result;
    }
    Trial start;
    start.value = result.value;
    start.slope = slope;
    start.gradient = g;
    const double initial_step =
        pairs.empty() ? std::min(1.0, 1.0 / std::sqrt(g.squaredNorm() /
                                                      static_cast<double>(n)))
                      : 1.0;
    const Trial accepted =
        LineSearch(evaluator, result.x, d, start, initial_step, options);
    if (!accepted.finite()) {
      const double noise =
          10 * options.value_precision * std::max(std::abs(result.value), 1.0);
      if (result.predicted_decrease <= noise) {
        result.termination = LbfgsTermination::kWithinPrecision;
        break;
      }
      if (!pairs.empty() && !restarted) {
        // Forget the curvature pairs and try steepest descent once.
        pairs.clear();
        restarted = true;
        continue;
      }
      result.termination = LbfgsTermination::kLineSearch;
      break;
    }
    restarted = false;
    Eigen::VectorXd s = accepted.step * d;
    Eigen::VectorXd y = accepted.gradient - g;
    const double sy = s.dot(y);
    const double change = result.value - accepted.value;
    result.x += s;
    result.value = accepted.value;
    result.gradient = accepted.gradient;
    if (sy > 1e-12 * s.norm() * y.norm() && sy > 0) {
      pairs.emplace_back(std::move(s), std::move(y));
      if (static_cast<int>(pairs.size()) > options.history) pairs.pop_front();
    }
    if (std::abs(change) <=
        options.relative_tolerance * std::max(std::abs(result.value), 1.0)) {
      result.termination = LbfgsTermination::kValueChange;
      ++result.iterations;
      break;
    }
  }
  result.evaluations = evaluator.evaluations() + 1;
  return result;
}

}  // namespace provi
