// Copyright 2026 The provi Authors.
//
// File: distributions/dirichlet.h
// -----------------------------------------------------------------------------
//
// The Dirichlet distribution over the probability simplex of K categories.
// The concentration is a rows x K (or 1 x K, shared by every lane) tensor of
// positive entries c_k; a draw is rows x K, each row a probability vector.
// With c_0 = Σ_k c_k, E[x_k] = c_k / c_0 and each x_k ~ Beta(c_k, c_0 - c_k).
//
//   log p(x) = Σ_k (c_k - 1) log x_k + log Γ(Σ_k c_k) - Σ_k log Γ(c_k),
//
// one value per lane (the event is the whole row), with 0 · log 0 = 0 so
// that a component with c_k = 1 may be exactly 0.
//
// Columns are categories, not independent events, so `Expand(rows)` expands
// the lanes only: a K-category Dirichlet stays K-category.
//
// Sampler: x_k = G_k / Σ_j G_j with independent standard-gamma draws
// G_k ~ Gamma(c_k, 1). Components are kept at or above the smallest
// positive normal `Real` so that no log x_k is -inf.
//
// Pathwise gradients by implicit reparameterisation (Figurnov, Mohamed and
// Mnih, "Implicit Reparameterization Gradients", NeurIPS 2018): each gamma
// draw is the surrogate G_s = G + (c - Detach(c)) dG/dc with
// dG/dc = -(∂P(c, G)/∂c) / p(G; c) (distributions/gamma.h), and the
// normalisation x = G_s / RowSum(G_s) carries the gradient to every c_k by
// the chain rule.
//
// Example:
//
//   provi::Dirichlet topics(provi::Tensor(provi::Matrix::Constant(1, 5, 0.5)));
//   provi::Tensor theta = topics.Expand(num_documents).RSample(rng);  // D x 5

#ifndef PROVI_DISTRIBUTIONS_DIRICHLET_H_
#define PROVI_DISTRIBUTIONS_DIRICHLET_H_

#include <memory>

#include "distributions/distribution.h"
#include "distributions/internal/family_support.h"

namespace provi {

class Dirichlet final : public DistributionImpl<Dirichlet> {
 public:
  explicit Dirichlet(Tensor concentration);

  // Expand()
  //
  // The same family with `rows` lanes (Validate() fails if the
  // concentration has neither 1 nor `rows` rows). Columns are categories,
  // so only the rows expand.
  Dirichlet Expand(Index rows) const;

  const Tensor& concentration() const { return concentration_; }

  // num_categories()
  //
  // K, the number of columns of the concentration and of a draw.
  Index num_categories() const { return concentration_.cols(); }

  absl::string_view name() const override { return "Dirichlet"; }
  Index rows() const override { return shape_.rows; }
  Index cols() const override { return num_categories(); }
  absl::Status Validate() const override;
  Support support() const override { return Support::Simplex(); }
  Tensor Sample(absl::BitGenRef gen) const override;
  bool has_rsample() const override { return true; }
  Tensor RSample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;

 private:
  Dirichlet(Tensor concentration, distributions_internal::Shape expand);

  Tensor concentration_;
  // Lanes x K when expanded.
  distributions_internal::Shape expand_;
  // The broadcast shape: lanes x K.
  distributions_internal::Shape shape_;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_DIRICHLET_H_
