// Copyright 2026 The provi Authors.
//
// File: tests/testing/statistical_testing.h
// -----------------------------------------------------------------------------
//
// Helpers for statistical tests with a stated flake budget.
//
// Every z-test here accepts |z| < kZThreshold = 5, whose two-sided tail
// probability under the null is 5.7e-7. A test binary makes fewer than 150
// such comparisons, so with its fixed seeds it would fail by chance with
// probability below 1e-4 even if the seeds were redrawn: the flake budget of
// DESIGN.md. Chi-square tests use the same tail probability through the
// Wilson-Hilferty normal approximation.
//
// Example:
//
//   MeanAccumulator acc;
//   for (int i = 0; i < n; ++i) acc.Add(draw());
//   EXPECT_MEAN_NEAR(acc, expected_mean);

#ifndef PROVI_TESTS_TESTING_STATISTICAL_TESTING_H_
#define PROVI_TESTS_TESTING_STATISTICAL_TESTING_H_

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "ad/tensor.h"
#include "base/real.h"
#include "gtest/gtest.h"

namespace provi {
namespace testing {

// DensityTolerance()
//
// The absolute tolerance of a log density (or mass) computed in Real against
// a reference computed in double (R, or the closed form): 1e-12 in double
// and, in float, `float_relative` (2e-6 by default, a few ulps of the terms
// a density adds up), both relative to max(1, |reference|).
inline double DensityTolerance(double reference, double float_relative = 2e-6) {
  return (kRealIsDouble ? 1e-12 : float_relative) *
         std::max(1.0, std::abs(reference));
}

// RealTensor()
//
// A constant tensor of Real holding a matrix written in double.
inline Tensor RealTensor(const Eigen::MatrixXd& m) {
  return Tensor(m.cast<Real>().eval());
}

inline constexpr double kZThreshold = 5.0;

// Running mean and variance (Welford), in double.
class MeanAccumulator {
 public:
  void Add(double x) {
    ++n_;
    const double delta = x - mean_;
    mean_ += delta / static_cast<double>(n_);
    m2_ += delta * (x - mean_);
  }
  long count() const { return n_; }
  double mean() const { return mean_; }
  double variance() const {
    return n_ > 1 ? m2_ / static_cast<double>(n_ - 1) : 0.0;
  }
  // Standard error of the mean.
  double standard_error() const {
    return std::sqrt(variance() / static_cast<double>(n_));
  }

 private:
  long n_ = 0;
  double mean_ = 0;
  double m2_ = 0;
};

// The rounding floor of a z-test: an estimator with no variance (exact
// enumeration, say) still differs from the analytic value by the rounding of
// provi::Real, so the standard error is never taken below
// kRoundingFloor * max(1, |expected|): 1e-2 of sqrt(epsilon), i.e. about
// 3.5e-6 in float and 1.5e-10 in double.
inline double RoundingFloor(double expected) {
  constexpr double kRoundingFloor =
      1e-2 * (sizeof(provi::Real) == sizeof(double) ? 1.4901161193847656e-08
                                                    : 3.4526698300124393e-04);
  return kRoundingFloor * std::max(1.0, std::abs(expected));
}

// z of the sample mean against `expected`.
inline double MeanZ(const MeanAccumulator& acc, double expected) {
  const double se =
      std::sqrt(acc.standard_error() * acc.standard_error() +
                RoundingFloor(expected) * RoundingFloor(expected));
  return (acc.mean() - expected) / se;
}

// A z-test of the mean, with a readable failure message.
inline ::testing::AssertionResult MeanNear(const MeanAccumulator& acc,
                                           double expected) {
  const double z = MeanZ(acc, expected);
  if (std::abs(z) < kZThreshold) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "sample mean " << acc.mean() << " vs expected " << expected
         << " (standard error " << acc.standard_error() << ", z = " << z
         << ", n = " << acc.count() << ")";
}

#define EXPECT_MEAN_NEAR(acc, expected) \
  EXPECT_TRUE(::provi::testing::MeanNear((acc), (expected)))

// A z-test of the variance: the sample variance of n draws has standard
// error sqrt((μ4 - σ⁴ (n - 3) / (n - 1)) / n), with μ4 the fourth central
// moment; callers pass the true σ² and μ4.
inline ::testing::AssertionResult VarianceNear(const MeanAccumulator& acc,
                                               double variance,
                                               double fourth_central_moment) {
  const double n = static_cast<double>(acc.count());
  const double se = std::sqrt(
      (fourth_central_moment - variance * variance * (n - 3) / (n - 1)) / n);
  const double z = (acc.variance() - variance) / se;
  if (std::abs(z) < kZThreshold) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "sample variance " << acc.variance() << " vs expected " << variance
         << " (standard error " << se << ", z = " << z << ")";
}

// Pearson's chi-square statistic of observed counts against expected
// probabilities, tested through the Wilson-Hilferty approximation
// ((X/k)^(1/3) is close to normal with mean 1 - 2/(9k), variance 2/(9k)).
// Cells with expected count below 5 are merged into their neighbour.
inline ::testing::AssertionResult ChiSquareFits(
    const std::vector<long>& counts, const std::vector<double>& probs) {
  long n = 0;
  for (long c : counts) n += c;
  std::vector<double> observed, expected;
  double obs_acc = 0, exp_acc = 0;
  for (size_t k = 0; k < counts.size(); ++k) {
    obs_acc += static_cast<double>(counts[k]);
    exp_acc += probs[k] * static_cast<double>(n);
    if (exp_acc >= 5) {
      observed.push_back(obs_acc);
      expected.push_back(exp_acc);
      obs_acc = exp_acc = 0;
    }
  }
  if (exp_acc > 0 || obs_acc > 0) {
    if (expected.empty()) {
      observed.push_back(obs_acc);
      expected.push_back(exp_acc);
    } else {
      observed.back() += obs_acc;
      expected.back() += exp_acc;
    }
  }
  const double dof = static_cast<double>(expected.size()) - 1;
  if (dof < 1) return ::testing::AssertionSuccess();
  double chi2 = 0;
  for (size_t k = 0; k < expected.size(); ++k) {
    const double d = observed[k] - expected[k];
    chi2 += d * d / expected[k];
  }
  const double z =
      (std::cbrt(chi2 / dof) - (1 - 2 / (9 * dof))) / std::sqrt(2 / (9 * dof));
  if (z < kZThreshold) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "chi-square " << chi2 << " on " << dof
         << " degrees of freedom (z = " << z << ")";
}

}  // namespace testing
}  // namespace provi

#endif  // PROVI_TESTS_TESTING_STATISTICAL_TESTING_H_
