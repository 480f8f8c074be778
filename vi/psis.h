// Copyright 2026 The provi Authors.
//
// File: vi/psis.h
// -----------------------------------------------------------------------------
//
// Pareto-smoothed importance sampling (PSIS; Vehtari, Simpson, Gelman, Yao
// and Gabry, "Pareto smoothed importance sampling", 2015, revised 2024) and
// its k-hat diagnostic for variational fits (Yao, Vehtari, Simpson and
// Gelman, "Yes, but did it work?: Evaluating variational inference", ICML
// 2018).
//
// Given S draws θ_s from a proposal q (a fitted guide) and their log
// importance ratios r_s = log p(θ_s, x) - log q(θ_s) (p unnormalised), the
// M = ⌈min(S / 5, 3 √S)⌉ largest ratios are replaced by the expected order
// statistics of a generalized Pareto distribution (GPD) fitted to their
// excess over the (M + 1)-th largest, and every weight is then truncated at
// the largest raw weight. The GPD's shape k-hat estimates how heavy the tail
// of the ratios is, which tells whether q covers p:
//
//   k-hat <= 0.5   good: the importance-weighted estimates converge quickly
//                  and q is close to p;
//   k-hat <= 0.7   usable: PSIS estimates are reliable but q is a rougher
//                  approximation;
//   k-hat >  0.7   unreliable: q misses mass of p (too narrow, or centred
//                  elsewhere); neither q's moments nor the weighted ones
//                  can be trusted.
//
// The GPD fit is Zhang and Stephens' (2009) empirical-Bayes estimator: the
// profile likelihood of θ = -k / σ on a grid of 30 + ⌊√n⌋ points drawn from
// a prior centred on the data's first quartile, averaged with the
// likelihood's weights; then k = mean log(1 - θ x). With the weakly
// informative prior (on by default, as in PSIS), k is shrunk towards 0.5 as
// by 10 prior observations: k ← (n k + 5) / (n + 10).
//
// Example:
//
//   std::vector<double> log_ratios = ...;   // log p - log q per guide draw
//   absl::StatusOr<provi::PsisResult> psis = provi::Psis(log_ratios);
//   if (!psis.ok()) return psis.status();
//   if (psis->level() == provi::ParetoKLevel::kUnreliable) { ... }
//   provi::WeightedMoments m = provi::ComputeWeightedMoments(values,
//                                                           psis->log_weights);

#ifndef PROVI_VI_PSIS_H_
#define PROVI_VI_PSIS_H_

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace provi {

// GeneralizedPareto
//
// A generalized Pareto distribution with location 0: shape k and scale
// sigma > 0. Its survival function is (1 + k x / sigma)^(-1/k) (exp(-x /
// sigma) for k = 0); moments of order >= 1/k do not exist.
struct GeneralizedPareto {
  double k = 0;
  double sigma = 1;

  // Quantile()
  //
  // The p-quantile, sigma ((1 - p)^(-k) - 1) / k, for 0 <= p < 1.
  double Quantile(double p) const;
};

// FitGeneralizedPareto()
//
// Zhang and Stephens' estimate (see the file comment) from `exceedances`,
// which must be sorted ascending, >= 0, finite, with at least 5 values and
// a positive largest value (InvalidArgument otherwise, naming the problem).
// `weakly_informative_prior` shrinks k towards 0.5 as PSIS does.
absl::StatusOr<GeneralizedPareto> FitGeneralizedPareto(
    absl::Span<const double> exceedances, bool weakly_informative_prior = true);

// ParetoKLevel
//
// The thresholds of the file comment.
enum class ParetoKLevel {
  kGood,        // k-hat <= 0.5
  kUsable,      // 0.5 < k-hat <= 0.7
  kUnreliable,  // k-hat > 0.7 (or not a number)
};

inline constexpr double kParetoKGood = 0.5;
inline constexpr double kParetoKUsable = 0.7;

// ClassifyParetoK()
ParetoKLevel ClassifyParetoK(double k_hat);

// ParetoKLevelName()
//
// "good", "usable" or "unreliable".
absl::string_view ParetoKLevelName(ParetoKLevel level);

// PsisResult
struct PsisResult {
  // Smoothed, truncated and normalised log weights (their exponentials sum
  // to 1), in the order of the log ratios given; -inf where the ratio was.
  Eigen::VectorXd log_weights;
  // The fitted shape of the tail. -infinity when the M + 1 largest ratios
  // are equal (the weights are bounded: no tail at all).
  double pareto_k = 0;
  // M, the number of ratios in the fitted tail.
  int tail_length = 0;
  // 1 / Σ w², the effective sample size of the smoothed weights.
  double effective_sample_size = 0;

  ParetoKLevel level() const { return ClassifyParetoK(pareto_k); }
};

// Psis()
//
// Pareto-smoothed importance weights of the draws whose log ratios are
// given (see the file comment). A ratio may be -inf (a draw the target
// gives no mass: weight 0); NaN and +inf are InvalidArgument naming the
// draw, and so are fewer than 25 finite ratios (the tail needs 5).
absl::StatusOr<PsisResult> Psis(absl::Span<const double> log_ratios);

// WeightedMoments
//
// Per column of a sample matrix: the weighted mean and standard deviation.
struct WeightedMoments {
  Eigen::VectorXd mean;
  Eigen::VectorXd sd;
};

// ComputeWeightedMoments()
//
// The moments of the columns of `values` (one row per draw) under the
// normalised weights exp(`log_weights`): mean Σ w x and sd √(Σ w (x -
// mean)²). With log weights all equal to -log S they are the plain moments
// (the sd divided by S rather than S - 1). Rows must match (a checked
// precondition).
WeightedMoments ComputeWeightedMoments(const Eigen::MatrixXd& values,
                                       const Eigen::VectorXd& log_weights);

}  // namespace provi

#endif  // PROVI_VI_PSIS_H_
