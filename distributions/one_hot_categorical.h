// Copyright 2026 The provi Authors.
//
// File: distributions/one_hot_categorical.h
// -----------------------------------------------------------------------------
//
// The categorical distribution over K categories with each draw written as
// a one-hot row: lane i's value is the 1 x K row e_k (1 in column k, 0
// elsewhere) with probability probs(i, k). The parameter is the same as
// `Categorical`'s (distributions/categorical.h), a rows x K (or 1 x K,
// shared by every lane) tensor of probabilities on the simplex or of
// unnormalised logits, validated the same way; only the value differs:
//
//   Categorical:        rows x 1, the index k as a `Real`;
//   OneHotCategorical:  rows x K, the row e_k.
//
// Why a second family: an index carries no gradient, while a one-hot row is
// a vector a program can multiply, add to or relax. The biased strategies of
// estimators/relaxed.h (straight-through, Gumbel-softmax) send a gradient
// through a OneHotCategorical's value, not through a Categorical's.
//
// Density, one value per lane:
//
//   log p(x) = Σ_k x_k log probs(i, k)  (= log probs(i, k) for x = e_k).
//
// `LogProb` takes a rows x K value (or 1 x K, the same row in every lane);
// a value with another number of columns is a shape error. Every row must
// be one-hot (Support::OneHot()): a row that is not, with or without
// distribution validation, is InvalidArgument naming the family and the row,
// since it has no category to read. The value is read as a constant (it is
// discrete), and the log mass is computed as Categorical's is, by gathering
// the log-probability of each row's category, so a category of probability
// 0 that was not drawn passes no NaN into the gradient.
//
// Sampler: Categorical's (inverse CDF in double, one uniform per lane), the
// index written as a one-hot row. Not reparameterisable.
//
// Enumeration: the K one-hot rows, each a rows x K constant whose every row
// is e_k.
//
// Measure-valued derivative: Categorical's couplings in one-hot form.
// Treating the K probabilities p_k of a lane as free coordinates,
//
//   ∂/∂p_k E f(x) = f(e_k):  c = 1,  x⁺ = e_k,  p⁻ = the zero measure,
//
// one term per category; through logits (or any parameterisation keeping
// Σ_k p_k = 1) the chain rule makes the sum the exact gradient
// p_j (f(e_j) - E f(x)) (see categorical.h).
//
// Example:
//
//   provi::OneHotCategorical colour = provi::OneHotCategorical::FromLogits(
//       logits);                                      // B x 3
//   provi::Tensor x = provi::sample("colour", colour,
//                                   provi::GumbelSoftmax(0.5));  // B x 3
//   provi::Tensor rgb = provi::MatMul(x, palette);    // palette: 3 x 3

#ifndef PROVI_DISTRIBUTIONS_ONE_HOT_CATEGORICAL_H_
#define PROVI_DISTRIBUTIONS_ONE_HOT_CATEGORICAL_H_

#include <memory>
#include <utility>
#include <vector>

#include "distributions/distribution.h"
#include "distributions/internal/categorical_param.h"

namespace provi {

class OneHotCategorical final : public DistributionImpl<OneHotCategorical> {
 public:
  // FromProbs(), FromLogits()
  //
  // The two parameterisations, as Categorical's: rows x K or 1 x K, rows of
  // probabilities on the simplex or finite logits.
  static OneHotCategorical FromProbs(Tensor probs);
  static OneHotCategorical FromLogits(Tensor logits);

  // Expand()
  //
  // The same family with `rows` lanes (Validate() fails if the parameter
  // has neither 1 nor `rows` rows). Columns are categories, so only the rows
  // expand.
  OneHotCategorical Expand(Index rows) const;

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

  absl::string_view name() const override { return "OneHotCategorical"; }
  Index rows() const override { return param_.lanes(); }
  Index cols() const override { return num_categories(); }
  absl::Status Validate() const override { return param_.Validate(name()); }
  Support support() const override { return Support::OneHot(); }
  Tensor Sample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;
  bool has_enumerate_support() const override { return true; }
  std::vector<Tensor> EnumerateSupport() const override;
  bool has_mvd() const override { return true; }
  std::vector<MvdTerm> MvdTerms(const Tensor& value,
                                absl::BitGenRef gen) const override;

 private:
  explicit OneHotCategorical(distributions_internal::CategoricalParam param)
      : param_(std::move(param)) {}

  // The category of row `row` of `value`, or a StatusError naming the row
  // if it is not one-hot.
  Index CategoryOfRow(const Tensor& value, Index row) const;

  distributions_internal::CategoricalParam param_;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_ONE_HOT_CATEGORICAL_H_
