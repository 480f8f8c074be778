// Copyright 2026 The provi Authors.
//
// File: tests/testing/polyak_averaging.h
// -----------------------------------------------------------------------------
//
// Tolerances for "SVI reaches the exact optimum" tests, derived from the
// optimiser's stationary noise.
//
// With a constant learning rate, stochastic gradient ascent does not
// converge: the parameters θ_t keep fluctuating around the optimum θ*. Their
// average over the last N steps does converge, at a rate set by the gradient
// noise alone (Polyak and Juditsky, SIAM J. Control Optim. 1992). Write the
// gradient estimate at step t as g_t = H (θ_t - θ*) + ξ_t, H the Hessian of
// the exact objective at θ* and ξ_t zero-mean given the past (a martingale
// difference; its covariance may depend on θ_t). Any optimiser whose update
// is a slowly varying linear filter of the gradients (SGD, momentum, Adam
// with its slowly adapting v̂) makes the increments θ_{t+1} - θ_t sum to a
// boundary term, so Σ_t g_t = O(1), hence
//
//   θ̄ - θ* = -H⁻¹ ξ̄ + O(1 / N),   Cov(θ̄) ≈ H⁻¹ S H⁻¹ / N,
//
// with S the average covariance of ξ_t over the window. `RunPolyak` measures
// S along the run itself (ξ_t = g_t - H (θ_t - θ*), from the gradient each
// step used and the parameters it was computed at), so multiplicative noise
// (score-function gradients whose noise vanishes at the optimum) is
// accounted for as the optimiser met it. The O(1 / N) boundary term has
// relative size √(T / N), T the iterates' correlation time (about
// √S_ii / (η λ) steps for Adam with rate η and curvature λ), so the window
// must be much longer than T; and the constant rate leaves an O(η) bias
// from the curvature of the gradient field, which must be small against
// the standard error. Tests that use this check both by rerunning with
// other seeds: over 30 seeds z = (θ̄ - θ*) / sd should have mean near 0 and
// standard deviation near 1.
//
// Tests then compare each coordinate of θ̄ with θ* with |z| < kZThreshold
// (tests/testing/statistical_testing.h: 5.7e-7 per comparison).
//
// Parameters are addressed by name and flattened in the order given, each
// parameter's unconstrained value column-major.

#ifndef PROVI_TESTS_TESTING_POLYAK_AVERAGING_H_
#define PROVI_TESTS_TESTING_POLYAK_AVERAGING_H_

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "Eigen/Dense"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ad/tensor.h"
#include "estimators/expectation.h"
#include "gtest/gtest.h"
#include "tests/testing/statistical_testing.h"
#include "vi/objectives.h"
#include "vi/optimizers.h"
#include "vi/param_store.h"
#include "vi/svi.h"

namespace provi {
namespace testing {

// The named parameters' unconstrained values (or gradients), flattened.
inline Eigen::VectorXd FlatValues(ParamStore& store,
                                  const std::vector<std::string>& names,
                                  bool gradients = false) {
  std::vector<double> flat;
  for (const std::string& name : names) {
    absl::StatusOr<Parameter*> parameter = store.Unconstrained(name);
    EXPECT_TRUE(parameter.ok()) << parameter.status();
    if (!parameter.ok()) return Eigen::VectorXd();
    const Matrix& m = gradients ? (*parameter)->grad() : (*parameter)->value();
    for (Index k = 0; k < m.size(); ++k) flat.push_back(m(k));
  }
  return Eigen::Map<const Eigen::VectorXd>(flat.data(),
                                           static_cast<Index>(flat.size()));
}

// The Hessian of `f` at `x` by central differences with step `h` (error
// O(h²) times the fourth derivatives; f is evaluated in double).
inline Eigen::MatrixXd NumericalHessian(
    const std::function<double(const Eigen::VectorXd&)>& f,
    const Eigen::VectorXd& x, double h = 1e-4) {
  const Index n = x.size();
  Eigen::MatrixXd hessian(n, n);
  for (Index i = 0; i < n; ++i) {
    for (Index j = i; j < n; ++j) {
      auto at = [&](double di, double dj) {
        Eigen::VectorXd y = x;
        y(i) += di;
        y(j) += dj;
        return f(y);
      };
      const double value =
          (at(h, h) - at(h, -h) - at(-h, h) + at(-h, -h)) / (4 * h * h);
      hessian(i, j) = hessian(j, i) = value;
    }
  }
  return hessian;
}

// PolyakOptions
//
// The schedule: `warm_up_steps` at `warm_up_learning_rate` to get near the
// optimum, then, with a fresh Adam, `settle_steps` at `learning_rate` for
// the fluctuations to reach their stationary size and `averaged_steps` at
// `learning_rate`, averaged. Adam's other options are its defaults.
struct PolyakOptions {
  int64_t warm_up_steps = 4000;
  double warm_up_learning_rate = 0.01;
  int64_t settle_steps = 5000;
  int64_t averaged_steps = 50000;
  double learning_rate = 0.005;
};

// PolyakResult
struct PolyakResult {
  Eigen::VectorXd mean;   // θ̄ over the averaged window
  Eigen::MatrixXd noise;  // S, the gradient noise covariance over the window
  Eigen::MatrixXd covariance;  // H⁻¹ S H⁻¹ / N, of θ̄
  Eigen::VectorXd sd;          // √diag(covariance)
  absl::Status status;
};

// RunPolyak()
//
// Maximises `objective` with Svi + Adam under `options` and returns the
// averaged parameters with their standard errors. `optimum` is θ* and
// `hessian` H, in the flattened coordinates of `names`.
template <typename F, typename... Args>
PolyakResult RunPolyak(Expectation<F>& objective, ParamStore& store,
                       const std::vector<std::string>& names,
                       const Eigen::VectorXd& optimum,
                       const Eigen::MatrixXd& hessian,
                       const PolyakOptions& options, const Args&... args) {
  // Two optimisers: the warm-up's Adam moments (of gradients far from the
  // optimum) must not set the averaging phase's step sizes.
  {
    Adam warm_up(AdamOptions{.learning_rate = options.warm_up_learning_rate});
    SviOptions warm_up_options;
    warm_up_options.check_convergence = false;
    Svi svi(objective, warm_up, store, warm_up_options);
    absl::StatusOr<SviSummary> summary =
        svi.Run(options.warm_up_steps, args...);
    if (!summary.ok()) {
      PolyakResult failed;
      failed.status = summary.status();
      return failed;
    }
  }
  const int64_t start = options.settle_steps;
  const int64_t total = start + options.averaged_steps;
  Adam adam(AdamOptions{.learning_rate = options.learning_rate});

  const Index n = optimum.size();
  PolyakResult result;
  result.mean = Eigen::VectorXd::Zero(n);
  result.noise = Eigen::MatrixXd::Zero(n, n);
  // θ_t, at which step t's gradient is computed (the warm-up created the
  // parameters).
  Eigen::VectorXd previous = FlatValues(store, names);
  SviOptions svi_options;
  svi_options.check_convergence = false;  // every step feeds the average
  svi_options.callbacks.push_back([&](int64_t step, double) {
    if (step >= start) {
      // Svi negated the gradients for the optimiser.
      const Eigen::VectorXd g = -FlatValues(store, names, true);
      const Eigen::VectorXd xi = g - hessian * (previous - optimum);
      result.noise += xi * xi.transpose();
      result.mean += previous;
    }
    previous = FlatValues(store, names);
    return true;
  });
  Svi svi(objective, adam, store, svi_options);
  absl::StatusOr<SviSummary> summary = svi.Run(total, args...);
  if (!summary.ok()) {
    result.status = summary.status();
    return result;
  }
  const double count = static_cast<double>(options.averaged_steps);
  result.mean /= count;
  result.noise /= count;
  const Eigen::MatrixXd h_inv = hessian.inverse();
  result.covariance = h_inv * result.noise * h_inv.transpose() / count;
  result.sd = result.covariance.diagonal().cwiseSqrt();
  return result;
}

// ExpectElboReachesOptimum()
//
// Fits `guide` to `model`'s posterior: RunPolyak (default options) on
// Expectation(Elbo(model, guide)) seeded by `seed`, with H the Hessian of
// `minus_kl` at `optimum` (-KL(q_θ || posterior): the ELBO less the
// constant log p(x)), and z-tests every coordinate of θ̄ against `optimum`
// with |z| < kZThreshold (the standard error floored at the rounding of
// provi::Real, RoundingFloor). The parameters end up in `store`.
template <typename Model, typename Guide, typename... Args>
PolyakResult ExpectElboReachesOptimum(
    Model model, Guide guide, ParamStore& store,
    const std::vector<std::string>& names, const Eigen::VectorXd& optimum,
    const std::function<double(const Eigen::VectorXd&)>& minus_kl,
    uint64_t seed, const Args&... args) {
  const Eigen::MatrixXd hessian = NumericalHessian(minus_kl, optimum);
  auto elbo = Expectation(Elbo(std::move(model), std::move(guide)));
  elbo.Seed(seed);
  const PolyakResult fit =
      RunPolyak(elbo, store, names, optimum, hessian, PolyakOptions{}, args...);
  EXPECT_TRUE(fit.status.ok()) << fit.status;
  if (!fit.status.ok()) return fit;
  for (Index i = 0; i < optimum.size(); ++i) {
    // An objective whose gradient noise vanishes at the optimum converges
    // to it up to rounding (as in MeanZ).
    EXPECT_NEAR(fit.mean(i), optimum(i),
                kZThreshold * std::hypot(fit.sd(i), RoundingFloor(optimum(i))))
        << "coordinate " << i << " of " << ::testing::PrintToString(names);
  }
  return fit;
}

}  // namespace testing
}  // namespace provi

#endif  // PROVI_TESTS_TESTING_POLYAK_AVERAGING_H_
