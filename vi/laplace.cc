// Copyright 2026 The provi Authors.

#include "vi/laplace.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <type_traits>

#include "Eigen/Cholesky"
#include "Eigen/Eigenvalues"
#include "Eigen/LU"
#include "absl/strings/str_cat.h"
#include "base/real.h"

namespace provi {
namespace {

constexpr bool kFloat = std::is_same_v<Real, float>;

// The first pass's step, relative to the L-BFGS scale estimate.
constexpr double kFirstPassStep = kFloat ? 0.05 : 1e-4;

// A vector on one line for messages (its first 8 elements).
std::string Row(const Eigen::VectorXd& v) {
  std::string out = "(";
  for (Eigen::Index i = 0; i < std::min<Eigen::Index>(v.size(), 8); ++i) {
    absl::StrAppend(&out, i > 0 ? ", " : "", v(i));
  }
  return out + (v.size() > 8 ? ", ...)" : ")");
}

}  // namespace

absl::StatusOr<Eigen::MatrixXd> NegativeHessian(
    const UnconstrainedLogDensityFunction& log_density,
    const Eigen::VectorXd& x, const Eigen::MatrixXd& directions, double step) {
  const Eigen::Index d = x.size();
  if (directions.rows() != d || directions.cols() != d || !(step > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Hessian: ", directions.rows(), "x", directions.cols(),
                     " directions for dimension ", d, " and step ", step,
                     " (need a square matrix and a positive step)"));
  }
  const Eigen::FullPivLU<Eigen::MatrixXd> lu(directions);
  if (!lu.isInvertible()) {
    return absl::InvalidArgumentError(
        "Hessian: the finite-difference directions are linearly dependent");
  }
  Eigen::MatrixXd a(d, d);
  Eigen::VectorXd plus;
  Eigen::VectorXd minus;
  for (Eigen::Index j = 0; j < d; ++j) {
    const Eigen::VectorXd h = step * directions.col(j);
    absl::StatusOr<double> up = log_density(x + h, &plus);
    absl::StatusOr<double> down = log_density(x - h, &minus);
    for (const absl::StatusOr<double>* value : {&up, &down}) {
      if (!value->ok()) {
        return absl::Status(
            value->status().code(),
            absl::StrCat("Hessian: the log density ", step, " along direction ",
                         j, " from the mode: ", value->status().message()));
      }
    }
    a.col(j) = -(plus - minus) / (2 * step);
  }
  const Eigen::MatrixXd h = a * lu.inverse();
  return Eigen::MatrixXd(0.5 * (h + h.transpose()));
}

absl::StatusOr<LaplaceSummary> FitLaplace(
    const UnconstrainedLogDensityFunction& log_density,
    const Eigen::VectorXd& start, const LaplaceOptions& options) {
  const auto begin = std::chrono::steady_clock::now();
  if (options.hessian_step < 0 || !std::isfinite(options.hessian_step)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "hessian_step = ", options.hessian_step, " must be >= 0 and finite"));
  }
  LbfgsOptions lbfgs = options.lbfgs;
  if (lbfgs.value_precision == 0) lbfgs.value_precision = kLogDensityPrecision;
  const LbfgsObjective negative =
      [&](const Eigen::VectorXd& x,
          Eigen::VectorXd* gradient) -> absl::StatusOr<double> {
    absl::StatusOr<double> value = log_density(x, gradient);
    if (!value.ok()) return value;
    *gradient = -*gradient;
    return -*value;
  };
  absl::StatusOr<LbfgsResult> mode = MinimizeLbfgs(negative, start, lbfgs);
  if (!mode.ok()) return mode.status();
  LaplaceSummary summary;
  summary.mode = mode->x;
  summary.log_density = -mode->value;
  summary.iterations = mode->iterations;
  summary.evaluations = mode->evaluations;
  summary.termination = mode->termination;
  summary.converged = mode->converged();
  const Eigen::Index d = start.size();

  // First pass: coordinate steps scaled by L-BFGS's inverse-Hessian
  // diagonal (its curvature estimate), or by max(|x|, 1) without one.
  Eigen::VectorXd scale(d);
  for (Eigen::Index j = 0; j < d; ++j) {
    const double diagonal =
        mode->corrections.empty()
            ? 0.0
            : mode->InverseHessianTimes(Eigen::VectorXd::Unit(d, j))(j);
    scale(j) = diagonal > 0 && std::isfinite(diagonal)
                   ? std::sqrt(diagonal)
                   : std::max(std::abs(mode->x(j)), 1.0);
  }
  absl::StatusOr<Eigen::MatrixXd> hessian = NegativeHessian(
      log_density, mode->x, scale.asDiagonal().toDenseMatrix(), kFirstPassStep);
  if (!hessian.ok()) return hessian.status();
  // Second pass, in the whitened coordinates of the first.
  Eigen::LLT<Eigen::MatrixXd> first(*hessian);
  if (first.info() == Eigen::Success) {
    const Eigen::MatrixXd whitening =
        first.matrixU().solve(Eigen::MatrixXd::Identity(d, d));
    const double step = options.hessian_step > 0 ? options.hessian_step
                                                 : (kFloat ? 0.05 : 1e-4);
    absl::StatusOr<Eigen::MatrixXd> second =
        NegativeHessian(log_density, mode->x, whitening, step);
    if (!second.ok()) return second.status();
    hessian = *std::move(second);
  }
  const Eigen::LLT<Eigen::MatrixXd> llt(*hessian);
  if (llt.info() != Eigen::Success) {
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(*hessian);
    return absl::FailedPreconditionError(absl::StrCat(
        "the negative Hessian of the log density is not positive definite "
        "at the point L-BFGS reached (",
        LbfgsTerminationName(mode->termination), " after ", mode->iterations,
        " iterations; smallest eigenvalue ",
        eigen.eigenvalues().size() > 0 ? eigen.eigenvalues()(0) : 0.0,
        ", unconstrained point ", Row(mode->x),
        "): the density is flat or unbounded there (an improper posterior, "
        "or a funnel whose density grows as a scale goes to 0), so no "
        "normal approximation is centred on a mode; use a variational fit "
        "(deterministic full-rank VI or SVI)"));
  }
  summary.covariance = llt.solve(Eigen::MatrixXd::Identity(d, d));
  summary.covariance =
      0.5 * (summary.covariance + summary.covariance.transpose());
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
          .count();
  return summary;
}

}  // namespace provi
