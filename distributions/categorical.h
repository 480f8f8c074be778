// Copyright 2026 The provi Authors.
//
// File: distributions/categorical.h
// -----------------------------------------------------------------------------
//
// The categorical distribution over K categories {0, ..., K - 1}, one draw
// per lane. The parameter is a rows x K (or 1 x K, shared by every lane)
// tensor whose row i gives lane i's category probabilities, either directly
// (`probs`, rows on the simplex) or as unnormalised `logits`:
//
//   p(x = k) = probs(i, k) = exp(logits(i, k)) / Σ_k' exp(logits(i, k')).
//
// Columns of the parameter are categories, so a draw is rows x 1: the
// category index stored as a `provi::Real` (0.0, 1.0, ...). `LogProb` gathers
// one log-probability per lane (`GatherCols`); for logits that is the log
// softmax, logits(i, k) - RowLogSumExp(logits)(i). A value with more than one
// column is a set of independent draws per lane, and their log-probabilities
// are summed, as for every family's event columns.
//
// Probabilities are used as given, not renormalised: `Validate` accepts rows
// summing to 1 within Support::Simplex()'s tolerance, √ε K (ε the machine
// epsilon of `Real`). A row computed in `Real` by a softmax or by
// normalising weights sums to 1 within a few K ε, far inside that bound,
// while a row of unnormalised weights (an error that would silently bias
// every log-probability) is rejected. Using the same tolerance as the
// simplex support means a simplex-valued draw (a Dirichlet's, a stick-
// breaking parameter's) is always acceptable as `probs`.
//
// Sampler: inverse CDF in double precision, one uniform per lane; a category
// of zero probability is never drawn. Not reparameterisable.
//
// Enumeration: the K categories, each a rows x 1 constant.
//
// Measure-valued derivative (Mohamed, Rosca, Figurnov and Mnih, "Monte Carlo
// Gradient Estimation in Machine Learning", JMLR 2020, sec. 6). Treating the
// K probabilities p_k of a lane as free coordinates, E f(x) = Σ_k p_k f(k),
// so
//
//   ∂/∂p_k E f(x) = f(k):  c = 1,  x⁺ = k,  p⁻ = the zero measure,
//
// one term per category (`negative` is std::nullopt). The gradient with
// respect to the free coordinates is not a direction within the simplex,
// but any parameterisation θ that keeps Σ_k p_k = 1 has Σ_k ∂p_k/∂θ = 0, so
// the chain rule removes the difference: for a distribution built from
// logits, p = softmax(l) is computed on the tape and
//
//   Σ_k f(k) ∂p_k/∂l_j = p_j (f(j) - Σ_k p_k f(k)) = ∂/∂l_j E f(x),
//
// the exact gradient. The same holds for probabilities produced by a
// stick-breaking bijector. The estimate has no variance from the site
// itself: it costs K re-runs of the rest of the program (all lanes at
// once), like enumeration.
//
// Example:
//
//   provi::Categorical die = provi::Categorical::FromProbs(
//       provi::Tensor(provi::Matrix::Constant(1, 6, 1.0 / 6)));
//   provi::Categorical labels =
//       provi::Categorical::FromLogits(classifier_logits);  // B x 10
//   provi::Tensor log_p = labels.LogProb(y);                 // y: B x 1

#ifndef PROVI_DISTRIBUTIONS_CATEGORICAL_H_
#define PROVI_DISTRIBUTIONS_CATEGORICAL_H_

#include <memory>
#include <utility>
#include <vector>

#include "distributions/distribution.h"
#include "distributions/internal/categorical_param.h"

namespace provi {

class Categorical final : public DistributionImpl<Categorical> {
 public:
  // FromProbs(), FromLogits()
  //
  // The two parameterisations; see the file comment for what Validate()
  // requires of each.
  static Categorical FromProbs(Tensor probs);
  static Categorical FromLogits(Tensor logits);

  // Expand()
  //
  // The same family with `rows` lanes (Validate() fails if the parameter
  // has neither 1 nor `rows` rows). Columns are categories, so only the rows
  // expand.
  Categorical Expand(Index rows) const;

  // is_logits(), num_categories()
  //
  // Whether the distribution was built from logits, and K.
  bool is_logits() const { return param_.is_logits(); }
  Index num_categories() const { return param_.num_categories(); }

  // probs(), logits()
  //
  // The parameter in either form, on the tape: the stored one as is, the
  // other computed from it (softmax of the logits; log of the probs).
  Tensor probs() const { return param_.probs(); }
  Tensor logits() const { return param_.logits(); }

  absl::string_view name() const override { return "Categorical"; }
  Index rows() const override { return param_.lanes(); }
  Index cols() const override { return 1; }
  absl::Status Validate() const override { return param_.Validate(name()); }
  Support support() const override {
    return Support::IntegerInterval(0, static_cast<Real>(num_categories() - 1));
  }
  Tensor Sample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;
  bool has_enumerate_support() const override { return true; }
  std::vector<Tensor> EnumerateSupport() const override;
  bool has_mvd() const override { return true; }
  std::vector<MvdTerm> MvdTerms(const Tensor& value,
                                absl::BitGenRef gen) const override;

 private:
  explicit Categorical(distributions_internal::CategoricalParam param)
      : param_(std::move(param)) {}

  // The category of value element (i, c) (broadcast), or a StatusError if
  // it is not one of 0..K-1.
  Index CategoryAt(const Tensor& value, Index i, Index c) const;

  distributions_internal::CategoricalParam param_;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_CATEGORICAL_H_
