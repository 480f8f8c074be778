// Copyright 2026 The provi Authors.
//
// File: distributions/geometric.h
// -----------------------------------------------------------------------------
//
// The geometric distribution, elementwise: each element of a draw counts the
// failures before the first success in independent trials with its own
// (broadcast) success probability p in (0, 1].
//
//   p(x) = p (1 - p)^x,  x in {0, 1, 2, ...}
//   log p(x) = log p + x log(1 - p)     (0 log 0 = 0, so p = 1 is the
//                                        point mass at 0)
//
// p = 0 is rejected by Validate(): no success ever happens, and there is no
// distribution. `LogProb` sums over the event columns.
//
// Sampler: inverse CDF, X = floor(log U / log(1 - p)), U ~ Uniform(0, 1),
// since P(X >= k) = P(U <= (1 - p)^k) = (1 - p)^k. Not reparameterisable;
// the support is infinite, so there is no enumeration.
//
// Measure-valued derivative (Mohamed, Rosca, Figurnov and Mnih, "Monte Carlo
// Gradient Estimation in Machine Learning", JMLR 2020, sec. 6 and Table 1):
//
//   ∂/∂p E f(X) = (1/p) (E f(X) - E f(1 + X + X')),  X, X' iid Geometric(p):
//   c = 1/p,  x⁺ = X,  x⁻ = 1 + X + X'  (the same fresh X on both sides).
//
// Derivation. With q = 1 - p, p_k = p q^k and
//   ∂p_k/∂p = q^k - k p q^(k-1).
// The first part is p_k / p, so Σ_k q^k f(k) = (1/p) E f(X). For the second,
// S = 1 + X + X' has P(S = m) = Σ_{a+b=m-1} p q^a p q^b = m p² q^(m-1) for
// m >= 1 (m - 1 = a + b has m splits), so Σ_k k p q^(k-1) f(k) =
// (1/p) E f(S). Subtracting gives the formula. Both sides are
// probability distributions, so it is a measure-valued derivative with
// constant 1/p; sharing X couples the two sides (x⁻ = x⁺ + 1 + X'), which
// keeps the variance of the difference small. One term per event column.
//
// Example:
//
//   provi::Geometric trials(0.25);
//   provi::Geometric waits = provi::Geometric(probs).Expand(batch, 1);

#ifndef PROVI_DISTRIBUTIONS_GEOMETRIC_H_
#define PROVI_DISTRIBUTIONS_GEOMETRIC_H_

#include <memory>
#include <vector>

#include "distributions/distribution.h"
#include "distributions/internal/parametric.h"

namespace provi {

// Geometric
//
// `Expand(rows, cols)` and `Validate()` are those of every parametric family
// (distributions/internal/parametric.h).
class Geometric final
    : public distributions_internal::Parametric<Geometric, 1> {
 public:
  // Validate() requires probabilities in (0, 1].
  explicit Geometric(Tensor probs);

  const Tensor& probs() const { return param<0>(); }

  absl::string_view name() const override { return "Geometric"; }
  Support support() const override { return Support::NonNegativeInteger(); }
  Tensor Sample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;
  bool has_mvd() const override { return true; }
  std::vector<MvdTerm> MvdTerms(const Tensor& value,
                                absl::BitGenRef gen) const override;

 private:
  // One draw with probability element (i, j), broadcast.
  double Draw(Index i, Index j, absl::BitGenRef gen) const;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_GEOMETRIC_H_
