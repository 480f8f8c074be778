// Copyright 2026 The provi Authors.

#include "vi/deterministic_vi.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "Eigen/Cholesky"
#include "absl/random/distributions.h"
#include "base/random.h"
#include "base/real.h"

namespace provi {
namespace {

// M draws (columns) in antithetic pairs, whitened to sample mean 0 and
// sample covariance I exactly.
Eigen::MatrixXd FixedDraws(Eigen::Index d, int m, uint64_t seed) {
  Rng rng = MakeRng(seed ^ 0x5DEECE66DULL);
  const int half = m / 2;
  Eigen::MatrixXd z(d, m);
  for (int k = 0; k < half; ++k) {
    for (Eigen::Index i = 0; i < d; ++i) {
      z(i, k) = absl::Gaussian<double>(rng);
    }
    z.col(half + k) = -z.col(k);
  }
  const Eigen::MatrixXd covariance = z * z.transpose() / m;
  const Eigen::LLT<Eigen::MatrixXd> llt(covariance);
  return llt.matrixL().solve(z);
}

}  // namespace

absl::StatusOr<DeterministicViSummary> FitDeterministicFullRankDensity(
    const UnconstrainedLogDensityFunction& log_density,
    const Eigen::VectorXd& loc0, const Eigen::MatrixXd& scale0,
    const DeterministicViOptions& options) {
  const auto begin = std::chrono::steady_clock::now();
  const Eigen::Index d = loc0.size();
  const int m = options.draws > 0
                    ? options.draws
                    : static_cast<int>(std::max<Eigen::Index>(30, 2 * d));
  if (m % 2 != 0 || m < 2 * d) {
    return absl::InvalidArgumentError(absl::StrCat(
        "draws = ", m, " must be even and at least 2 D = ", 2 * d));
  }
  if (scale0.rows() != d || scale0.cols() != d || !scale0.allFinite() ||
      !(scale0.diagonal().array() > 0).all() || !loc0.allFinite()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the start needs a finite location and a ", d, "x", d,
                     " lower-triangular scale with a positive diagonal"));
  }
  const Eigen::MatrixXd z = FixedDraws(d, m, options.seed);
  // Parameters: a (d), then B's lower triangle column by column with the
  // diagonal as log B_jj.
  const Eigen::Index size = d + d * (d + 1) / 2;
  auto unpack = [d](const Eigen::VectorXd& theta, Eigen::VectorXd* a,
                    Eigen::MatrixXd* b) {
    *a = theta.head(d);
    b->setZero(d, d);
    Eigen::Index k = d;
    for (Eigen::Index j = 0; j < d; ++j) {
      (*b)(j, j) = std::exp(theta(k++));
      for (Eigen::Index i = j + 1; i < d; ++i) (*b)(i, j) = theta(k++);
    }
  };
  Eigen::VectorXd a;
  Eigen::MatrixXd b;
  Eigen::VectorXd g;
  const LbfgsObjective negative_elbo =
      [&](const Eigen::VectorXd& theta,
          Eigen::VectorXd* gradient) -> absl::StatusOr<double> {
    unpack(theta, &a, &b);
    const Eigen::MatrixXd scale = scale0 * b;
    const Eigen::VectorXd loc = loc0 + scale0 * a;
    double value = 0;
    Eigen::VectorXd grad_a = Eigen::VectorXd::Zero(d);
    Eigen::MatrixXd grad_b = Eigen::MatrixXd::Zero(d, d);
    for (int s = 0; s < m; ++s) {
      absl::StatusOr<double> lp = log_density(loc + scale * z.col(s), &g);
      if (!lp.ok()) return lp;
      value += *lp;
      const Eigen::VectorXd whitened = scale0.transpose() * g;
      grad_a += whitened;
      grad_b += whitened * z.col(s).transpose();
    }
    value /= m;
    grad_a /= m;
    grad_b /= m;
    gradient->resize(size);
    gradient->head(d) = -grad_a;
    Eigen::Index k = d;
    for (Eigen::Index j = 0; j < d; ++j) {
      value += theta(k);  // log B_jj
      (*gradient)(k++) = -(grad_b(j, j) * b(j, j) + 1);
      for (Eigen::Index i = j + 1; i < d; ++i) (*gradient)(k++) = -grad_b(i, j);
    }
    return -value;
  };
  LbfgsOptions lbfgs = options.lbfgs;
  if (lbfgs.value_precision == 0) lbfgs.value_precision = kLogDensityPrecision;
  absl::StatusOr<LbfgsResult> result =
      MinimizeLbfgs(negative_elbo, Eigen::VectorXd::Zero(size), lbfgs);
  if (!result.ok()) return result.status();
  unpack(result->x, &a, &b);
  DeterministicViSummary summary;
  summary.loc = loc0 + scale0 * a;
  summary.scale_tril = scale0 * b;
  summary.objective = -result->value + scale0.diagonal().array().log().sum();
  summary.draws = m;
  summary.iterations = result->iterations;
  summary.evaluations = result->evaluations;
  summary.termination = result->termination;
  summary.converged = result->converged();
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
          .count();
  return summary;
}

}  // namespace provi
