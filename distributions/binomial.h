// Copyright 2026 The provi Authors.
//
// File: distributions/binomial.h
// -----------------------------------------------------------------------------
//
// The binomial distribution, elementwise: each element of a draw counts the
// successes in `total_count` n independent trials with its own (broadcast)
// success probability p. n is a plain integer shared by every element.
//
//   p(x) = C(n, x) p^x (1 - p)^(n - x),  x in {0, ..., n}
//   log p(x) = lgamma(n + 1) - lgamma(x + 1) - lgamma(n - x + 1)
//              + x log p + (n - x) log(1 - p)
//
// with 0 log 0 = 0, so that p = 0 and p = 1 give the point masses at 0 and
// n. The binomial coefficient is computed in double precision. `LogProb`
// sums over the event columns.
//
// Sampler: std::binomial_distribution (exact), one draw per element. Not
// reparameterisable.
//
// Enumeration: a sample with C columns takes (n + 1)^C joint values, in
// lexicographic order (column 0 varies slowest).
//
// Measure-valued derivative. Writing X = B_1 + ... + B_n with independent
// B_i ~ Bernoulli(p) and applying the Bernoulli coupling (Mohamed, Rosca,
// Figurnov and Mnih, "Monte Carlo Gradient Estimation in Machine Learning",
// JMLR 2020, sec. 6) to each trial, ∂/∂p E f(X) = Σ_i E[f(Y + 1) - f(Y)]
// with Y = Σ_{k≠i} B_k ~ Binomial(n - 1, p) for every i, so
//
//   ∂/∂p E f(X) = n (E f(Y + 1) - E f(Y)):  c = n,  x⁺ = Y + 1,  x⁻ = Y,
//
// the same fresh Y on both sides (a coupling, which keeps the variance
// small), one term per event column. For n = 0, E f(X) = f(0) does not
// depend on p: c = 0 and x⁺ = x⁻ = 0.
//
// Example:
//
//   provi::Binomial votes(100, 0.52);
//   provi::Binomial counts = provi::Binomial(20, probs).Expand(batch, 5);

#ifndef PROVI_DISTRIBUTIONS_BINOMIAL_H_
#define PROVI_DISTRIBUTIONS_BINOMIAL_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "distributions/distribution.h"
#include "distributions/internal/parametric.h"

namespace provi {

// Binomial
//
// `Expand(rows, cols)` and `Validate()` are those of every parametric family
// (distributions/internal/parametric.h); Validate() also checks
// `total_count`.
class Binomial final : public distributions_internal::Parametric<Binomial, 1> {
 public:
  // Validate() requires 0 <= total_count <= kMaxTotalCount and
  // probabilities in [0, 1].
  Binomial(int64_t total_count, Tensor probs);

  // 2^53: counts up to it are exact in double, where the density is
  // computed, and the standard library's sampler does not overflow.
  static constexpr int64_t kMaxTotalCount = int64_t{1} << 53;

  int64_t total_count() const { return total_count_; }
  const Tensor& probs() const { return param<0>(); }

  absl::string_view name() const override { return "Binomial"; }
  Support support() const override {
    return Support::IntegerInterval(0, static_cast<Real>(total_count_));
  }
  Tensor Sample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;
  bool has_enumerate_support() const override { return true; }
  std::vector<Tensor> EnumerateSupport() const override;
  bool has_mvd() const override { return true; }
  std::vector<MvdTerm> MvdTerms(const Tensor& value,
                                absl::BitGenRef gen) const override;

 private:
  absl::Status ValidateRest() const override;

  // Throws Validate()'s error when a sampler could not proceed: the shapes
  // do not broadcast or total_count is out of range.
  void CheckSamplable() const;

  int64_t total_count_;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_BINOMIAL_H_
