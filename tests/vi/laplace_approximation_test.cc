// Copyright 2026 The provi Authors.
//
// Tests of the unconstrained log density and the Laplace approximation on
// posteriors whose mode and curvature are known exactly.

#include <cmath>

#include "Eigen/Dense"
#include "ad/ops.h"
#include "distributions/log_normal.h"
#include "distributions/normal.h"
#include "gtest/gtest.h"
#include "runtime/primitives.h"
#include "tests/testing/linear_gaussian.h"
#include "tests/testing/status_testing.h"
#include "vi/autoguide.h"
#include "vi/laplace.h"
#include "vi/log_density.h"
#include "vi/param_store.h"

namespace provi {
namespace {

using ::provi::testing::ExpectError;
using ::provi::testing::LinearGaussian;

// Relative precision of a computed log density in provi::Real.
constexpr double kTolerance = sizeof(Real) == sizeof(float) ? 2e-3 : 1e-6;

// tau ~ LogNormal(0.5, 0.3) alone: over u = log tau the density (with the
// Jacobian) is exactly N(0.5, 0.3²).
void LogNormalModel() { sample("tau", LogNormal(0.5, 0.3)); }

TEST(UnconstrainedLogDensityTest, IncludesTheJacobian) {
  AutoNormal<decltype(&LogNormalModel)> layout(&LogNormalModel);
  ASSERT_TRUE(layout.SetUp().ok());
  const UnconstrainedLogDensityFunction f =
      MakeUnconstrainedLogDensity(layout, &LogNormalModel);
  for (double u : {-1.0, 0.5, 2.0}) {
    Eigen::VectorXd gradient;
    absl::StatusOr<double> value =
        f(Eigen::VectorXd::Constant(1, u), &gradient);
    ASSERT_TRUE(value.ok()) << value.status();
    const double z = (u - 0.5) / 0.3;
    EXPECT_NEAR(*value, -0.5 * z * z - std::log(0.3 * std::sqrt(2 * M_PI)),
                kTolerance * (1 + std::abs(*value)));
    EXPECT_NEAR(gradient(0), -z / 0.3, kTolerance * (1 + std::abs(z / 0.3)));
  }
  ExpectError(f(Eigen::VectorXd::Zero(2), nullptr),
              absl::StatusCode::kInvalidArgument, "2 columns");
}

TEST(LaplaceTest, LogNormalIsExactInTheUnconstrainedSpace) {
  AutoLaplaceApproximation<decltype(&LogNormalModel)> guide(&LogNormalModel);
  ParamStore store;
  absl::StatusOr<LaplaceSummary> fit = guide.Fit(store, {});
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_TRUE(fit->converged);
  absl::StatusOr<AutoSitePosterior> tau = guide.Posterior(store, "tau");
  ASSERT_TRUE(tau.ok()) << tau.status();
  EXPECT_NEAR(tau->loc(0, 0), 0.5, 1e-3);
  EXPECT_NEAR(tau->scale(0, 0), 0.3, 0.3 * 1e-2);
}

// The Bayesian straight line with uncentred times: a correlated Gaussian
// posterior, which the Laplace approximation reproduces.
TEST(LaplaceTest, GaussianPosteriorIsExact) {
  AutoLaplaceApproximation<decltype(&LinearGaussian::Model)> guide(
      &LinearGaussian::Model);
  ParamStore store;
  absl::StatusOr<LaplaceSummary> fit =
      guide.Fit(store, {}, LinearGaussian::Data());
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_TRUE(fit->converged) << LbfgsTerminationName(fit->termination);
  const Eigen::Vector2d mean = LinearGaussian::PosteriorMean();
  const Eigen::Matrix2d covariance = LinearGaussian::PosteriorCovariance();
  for (int i = 0; i < 2; ++i) {
    const double sd = std::sqrt(covariance(i, i));
    EXPECT_NEAR(fit->mode(i), mean(i), 1e-3 * sd);
    for (int j = 0; j < 2; ++j) {
      EXPECT_NEAR(fit->covariance(i, j), covariance(i, j),
                  1e-2 * std::sqrt(covariance(i, i) * covariance(j, j)));
    }
  }
  // The store holds the fit: the guide's covariance is the same.
  absl::StatusOr<Matrix> guide_covariance = guide.Covariance(store);
  ASSERT_TRUE(guide_covariance.ok());
  EXPECT_NEAR((*guide_covariance)(0, 1), covariance(0, 1),
              1e-2 * std::sqrt(covariance(0, 0) * covariance(1, 1)));
}

// x ~ N(0, 1) with factor(x²): the density exp(x² / 2) has no maximum.
void Unbounded() {
  const Tensor x = sample("x", Normal(0.0, 1.0));
  factor("grow", Square(x));
}

TEST(LaplaceTest, NotNegativeDefiniteIsAStatus) {
  AutoLaplaceApproximation<decltype(&Unbounded)> guide(&Unbounded);
  ParamStore store;
  LaplaceOptions options;
  options.lbfgs.max_iterations = 50;
  ExpectError(guide.Fit(store, options), absl::StatusCode::kFailedPrecondition,
              "not positive definite");
}

TEST(LaplaceTest, NegativeHessianOfAQuadratic) {
  Eigen::Matrix2d a;
  a << 3, 1, 1, 2;
  const UnconstrainedLogDensityFunction f =
      [&](const Eigen::VectorXd& x,
          Eigen::VectorXd* g) -> absl::StatusOr<double> {
    *g = -a * x;
    return -0.5 * x.dot(a * x);
  };
  Eigen::Matrix2d directions;
  directions << 1, 0, 0.5, 2;
  absl::StatusOr<Eigen::MatrixXd> h =
      NegativeHessian(f, Eigen::Vector2d(1, -1), directions, 0.1);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_NEAR(((*h) - a).norm(), 0, 1e-12);
  ExpectError(
      NegativeHessian(f, Eigen::Vector2d(1, -1), Eigen::Matrix2d::Zero(), 0.1),
      absl::StatusCode::kInvalidArgument, "linearly dependent");
}

}  // namespace
}  // namespace provi
