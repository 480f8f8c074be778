// Copyright 2026 The provi Authors.
//
// File: vi/lbfgs.h
// -----------------------------------------------------------------------------
//
// `MinimizeLbfgs` minimises a smooth function of a vector by limited-memory
// BFGS (Nocedal, "Updating quasi-Newton matrices with limited storage",
// 1980; Liu and Nocedal 1989) with a line search that enforces the strong
// Wolfe conditions (Nocedal and Wright, "Numerical Optimization", 2nd ed.,
// algorithms 3.5 and 3.6: bracketing, then zooming by safeguarded cubic
// interpolation). provi uses it for MAP estimates (AutoLaplaceApproximation)
// and for variational objectives with fixed draws (vi/deterministic_vi.h).
// It is written here rather than taken from a library: Debian's liblbfgs is
// C with its own callback ABI and no Status errors, and the objectives here
// need one thing it lacks: a point where the function cannot be evaluated
// (a non-finite value, or an error status: a draw outside a support, an
// overflow) is treated as infinitely bad, so the line search steps back
// instead of failing.
//
// Convergence is tested in the objective's own units, which for a log
// density are nats and so need no scaling by the user: the run stops when
// the quasi-Newton model predicts less than `decrease_tolerance` of further
// decrease (half of -gᵀd, d the L-BFGS direction: the Newton decrement of
// the model), or when an iteration changes the value by less than
// `relative_tolerance` of its magnitude. An objective evaluated in single
// precision cannot resolve decreases below its rounding; set
// `value_precision` to its relative precision (about 1e-6 for float) and
// a run that stalls within that precision counts as converged.
//
// Example:
//
//   auto rosenbrock = [](const Eigen::VectorXd& x, Eigen::VectorXd* g)
//       -> absl::StatusOr<double> {
//     const double a = 1 - x(0), b = x(1) - x(0) * x(0);
//     *g = Eigen::Vector2d(-2 * a - 400 * x(0) * b, 200 * b);
//     return a * a + 100 * b * b;
//   };
//   absl::StatusOr<provi::LbfgsResult> r =
//       provi::MinimizeLbfgs(rosenbrock, Eigen::Vector2d(-1.2, 1));
//   // r->x ≈ (1, 1), r->converged()

#ifndef PROVI_VI_LBFGS_H_
#define PROVI_VI_LBFGS_H_

#include <deque>
#include <functional>
#include <string>
#include <utility>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace provi {

// LbfgsObjective
//
// Returns f(x) and writes ∇f(x) to `*gradient` (resized by the callee). A
// non-finite value or an error status marks x as outside the domain.
using LbfgsObjective = std::function<absl::StatusOr<double>(
    const Eigen::VectorXd& x, Eigen::VectorXd* gradient)>;

// LbfgsOptions
struct LbfgsOptions {
  // Iterations (line searches), >= 1.
  int max_iterations = 1000;
  // Correction pairs kept, >= 1.
  int history = 10;
  // Stop when the model's predicted remaining decrease -gᵀd / 2 is below
  // this, in the objective's units (> 0).
  double decrease_tolerance = 1e-9;
  // Stop when an iteration changes f by less than this times max(|f|, 1)
  // (>= 0; Stan's optimiser uses 1e4 machine epsilons, about 2e-12).
  double relative_tolerance = 2e-12;
  // The relative precision of f's values (>= 0): decreases below
  // value_precision max(|f|, 1) are not resolvable, so a run whose line
  // search fails with a predicted decrease below 10 times that counts as
  // converged.
  double value_precision = 0;
  // Strong Wolfe constants, 0 < c1 < c2 < 1.
  double sufficient_decrease = 1e-4;
  double curvature = 0.9;
  // Function evaluations per line search, >= 2.
  int max_line_search = 40;
};

// LbfgsTermination
enum class LbfgsTermination {
  kDecrease,         // predicted decrease below decrease_tolerance
  kValueChange,      // an iteration changed f by less than the tolerance
  kWithinPrecision,  // the line search failed within value_precision
  kLineSearch,       // the line search failed to decrease f
  kMaxIterations,    // the iteration budget ran out
};

// LbfgsTerminationName()
absl::string_view LbfgsTerminationName(LbfgsTermination termination);

// LbfgsResult
struct LbfgsResult {
  // The best point found, its value and gradient.
  Eigen::VectorXd x;
  double value = 0;
  Eigen::VectorXd gradient;
  int iterations = 0;
  int evaluations = 0;
  LbfgsTermination termination = LbfgsTermination::kMaxIterations;
  // -gᵀd / 2 at x: the decrease the quasi-Newton model still predicts.
  double predicted_decrease = 0;

  // The last correction pairs (s = x_{k+1} - x_k, y = ∇f_{k+1} - ∇f_k),
  // oldest first: the curvature the run learned.
  std::deque<std::pair<Eigen::VectorXd, Eigen::VectorXd>> corrections;

  // InverseHessianTimes()
  //
  // H v for the L-BFGS approximation H of the inverse Hessian at x (the
  // two-loop recursion over `corrections`, starting from γ I with γ = sᵀy /
  // yᵀy of the last pair, or I without pairs).
  Eigen::VectorXd InverseHessianTimes(const Eigen::VectorXd& v) const;

  // converged()
  //
  // kDecrease, kValueChange and kWithinPrecision.
  bool converged() const {
    return termination == LbfgsTermination::kDecrease ||
           termination == LbfgsTermination::kValueChange ||
           termination == LbfgsTermination::kWithinPrecision;
  }
};

// MinimizeLbfgs()
//
// Minimises `f` from `x0`. InvalidArgument for invalid options or when f
// cannot be evaluated at x0 (with f's status, or naming the value). A run
// that does not converge is not an error: see `termination`.
absl::StatusOr<LbfgsResult> MinimizeLbfgs(const LbfgsObjective& f,
                                          const Eigen::VectorXd& x0,
                                          const LbfgsOptions& options = {});

}  // namespace provi

#endif  // PROVI_VI_LBFGS_H_
