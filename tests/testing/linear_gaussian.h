// Copyright 2026 The provi Authors.
//
// File: tests/testing/linear_gaussian.h
// -----------------------------------------------------------------------------
//
// The Normal–Normal model with a 2-D latent and known noise that the VI
// tests fit (a Bayesian straight line):
//
//   z ~ N(0, s0² I₂)  (one 1x2 site "z"),
//   y_i | z ~ N(z₀ + z₁ t_i, σ²),  i = 1..n, in the plate "data".
//
// Its posterior is N(m, Λ⁻¹) with Λ = I / s0² + Xᵀ X / σ² (X's rows
// (1, t_i)) and m = Λ⁻¹ Xᵀ y / σ²; the t_i are not centred, so z₀ and z₁
// are correlated a posteriori (ρ ≈ -0.53). Also: the closed-form KL between
// 2-D normals (for Hessians of the ELBO at its optimum) and the Cholesky
// factor's unconstrained coordinates (LowerCholeskyBijector's layout).

#ifndef PROVI_TESTS_TESTING_LINEAR_GAUSSIAN_H_
#define PROVI_TESTS_TESTING_LINEAR_GAUSSIAN_H_

#include <cmath>
#include <vector>

#include "Eigen/Dense"
#include "ad/ops.h"
#include "ad/tensor.h"
#include "distributions/normal.h"
#include "runtime/primitives.h"

namespace provi {
namespace testing {

// `values` as an n x 1 tensor (data points are lanes).
inline Tensor Column(const std::vector<double>& values) {
  Matrix m(static_cast<Index>(values.size()), 1);
  for (size_t i = 0; i < values.size(); ++i) {
    m(static_cast<Index>(i), 0) = static_cast<Real>(values[i]);
  }
  return Tensor(m);
}

struct LinearGaussian {
  static constexpr double kPriorSd = 2.0;
  static constexpr double kNoiseSd = 1.0;

  static const std::vector<double>& Times() {
    static const std::vector<double> times = {-1.0, -0.5, 0.0, 0.5,
                                              1.0,  1.5,  2.0, 2.5};
    return times;
  }
  static const std::vector<double>& Observations() {
    static const std::vector<double> y = {0.1, 0.7, 1.2, 1.3,
                                          1.9, 2.1, 2.7, 2.9};
    return y;
  }

  // The model program; call it with `Data()`.
  static void Model(const Tensor& y) {
    const Tensor z = sample("z", Normal(0.0, kPriorSd).Expand(1, 2));
    const Tensor t = Column(Times());
    Plate data("data", y.rows());
    observe("y", Normal(SliceCols(z, 0, 1) + SliceCols(z, 1, 1) * t, kNoiseSd),
            y);
  }
  static Tensor Data() { return Column(Observations()); }

  static Eigen::Matrix2d PosteriorPrecision() {
    Eigen::Matrix2d precision =
        Eigen::Matrix2d::Identity() / (kPriorSd * kPriorSd);
    for (double t : Times()) {
      Eigen::Vector2d x(1.0, t);
      precision += x * x.transpose() / (kNoiseSd * kNoiseSd);
    }
    return precision;
  }
  static Eigen::Matrix2d PosteriorCovariance() {
    return PosteriorPrecision().inverse();
  }
  static Eigen::Vector2d PosteriorMean() {
    Eigen::Vector2d xty = Eigen::Vector2d::Zero();
    for (size_t i = 0; i < Times().size(); ++i) {
      xty += Eigen::Vector2d(1.0, Times()[i]) * Observations()[i];
    }
    return PosteriorCovariance() * xty / (kNoiseSd * kNoiseSd);
  }
};

// KL(N(m1, c1) || N(m2, c2)) in 2-D.
inline double GaussianKl(const Eigen::Vector2d& m1, const Eigen::Matrix2d& c1,
                         const Eigen::Vector2d& m2, const Eigen::Matrix2d& c2) {
  const Eigen::Matrix2d c2_inv = c2.inverse();
  const Eigen::Vector2d d = m2 - m1;
  return 0.5 * ((c2_inv * c1).trace() + d.dot(c2_inv * d) - 2 +
                std::log(c2.determinant() / c1.determinant()));
}

// The lower-triangular L from LowerCholeskyBijector's unconstrained
// coordinates (log L00, L10, log L11), and back.
inline Eigen::Matrix2d CholeskyFromUnconstrained(double log_l00, double l10,
                                                 double log_l11) {
  Eigen::Matrix2d l;
  l << std::exp(log_l00), 0, l10, std::exp(log_l11);
  return l;
}
inline Eigen::Vector3d UnconstrainedCholesky(const Eigen::Matrix2d& l) {
  return Eigen::Vector3d(std::log(l(0, 0)), l(1, 0), std::log(l(1, 1)));
}

}  // namespace testing
}  // namespace provi

#endif  // PROVI_TESTS_TESTING_LINEAR_GAUSSIAN_H_
