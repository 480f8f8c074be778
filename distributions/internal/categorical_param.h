// Copyright 2026 The provi Authors.
//
// File: distributions/internal/categorical_param.h
// -----------------------------------------------------------------------------
//
// The parameter the two categorical families share (Categorical, whose value
// is a category index per draw, and OneHotCategorical, whose value is a
// one-hot row): probabilities or logits, one row of K per lane or one row
// for every lane, with what the families do alike with it — validation, the
// other parameterisation, the sampler of category indices and the log mass
// of given categories. Each family reads its own values into category
// indices and keeps its own messages about them. Internal to distributions/.
//
// Example (inside a family):
//
//   CategoricalParam param(probs, /*is_logits=*/false, Shape{});
//   PROVI_RETURN_IF_ERROR(param.Validate("MyFamily"));
//   param.SampleCategories(param.lanes(), gen,
//                          [&](Index lane, Index k) { ... });
//   Tensor log_p = param.LogMass(rows, 1, [&](Index i, Index) { return k_i; });

#ifndef PROVI_DISTRIBUTIONS_INTERNAL_CATEGORICAL_PARAM_H_
#define PROVI_DISTRIBUTIONS_INTERNAL_CATEGORICAL_PARAM_H_

#include <vector>

#include "Eigen/Core"
#include "absl/random/bit_gen_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ad/tape.h"
#include "ad/tensor.h"
#include "distributions/internal/family_support.h"

namespace provi {
namespace distributions_internal {

class CategoricalParam {
 public:
  // `param` is probabilities or logits as `is_logits` says; `expand` the
  // shape `Expand` asked for (lanes x K), or Shape{} for none.
  CategoricalParam(Tensor param, bool is_logits, Shape expand);

  // The same parameter expanded to `rows` lanes.
  CategoricalParam Expand(Index rows) const;

  const Tensor& stored() const { return param_; }
  bool is_logits() const { return is_logits_; }
  // The stored parameter's name in messages: "probs" or "logits".
  const char* name() const { return is_logits_ ? "logits" : "probs"; }
  Index num_categories() const { return param_.cols(); }
  // The broadcast shape, lanes x K; invalid when the parameter does not
  // broadcast to the expanded shape.
  const Shape& shape() const { return shape_; }
  Index lanes() const { return shape_.rows; }

  // The parameter in either form, on the tape: the stored one as is, the
  // other computed from it (softmax of the logits; log of the probs).
  Tensor probs() const;
  Tensor logits() const;

  // OK, or InvalidArgument naming `family` and the parameter: shapes that
  // do not broadcast, no categories, a logit that is not finite, or a row of
  // probabilities off the simplex (Support::Simplex()'s tolerance).
  absl::Status Validate(absl::string_view family) const;

  // Draws one category for each of `lanes` lanes by inverse CDF in double
  // (one uniform per lane, lane by lane; a category of zero probability is
  // never drawn) and calls `use(lane, category)`. The parameter's shape is
  // valid.
  template <typename F>
  void SampleCategories(Index lanes, absl::BitGenRef gen, const F& use) const {
    const Eigen::MatrixXd weights = SamplingWeights();
    for (Index i = 0; i < lanes; ++i) {
      use(i, DrawCategory(weights, weights.rows() == 1 ? 0 : i, gen));
    }
  }

  // The log mass of `draws` categories per lane summed over each lane's
  // draws, rows x 1 on the tape: Σ_c log p(category(i, c)) for lane i.
  // `category(i, c)` must be one of 0, ..., K - 1 (the families check their
  // values) and may throw. The parameter's shape is valid and broadcasts to
  // `rows` lanes.
  template <typename F>
  Tensor LogMass(Index rows, Index draws, const F& category) const {
    Tape& tape = Tape::Current();
    // The backward pass of the logits' node reads the categories, so they
    // live in the arena while a tape records.
    std::vector<Index> heap;
    Index* index = nullptr;
    if (tape.in_scope()) {
      index =
          tape.arena().AllocateArray<Index>(static_cast<size_t>(rows * draws));
    } else {
      heap.resize(static_cast<size_t>(rows * draws));
      index = heap.data();
    }
    for (Index c = 0; c < draws; ++c) {
      for (Index i = 0; i < rows; ++i) index[c * rows + i] = category(i, c);
    }
    return LogMassOf(index, rows, draws);
  }

 private:
  // Unnormalised weights of each parameter row, in double.
  Eigen::MatrixXd SamplingWeights() const;
  static Index DrawCategory(const Eigen::MatrixXd& weights, Index row,
                            absl::BitGenRef gen);
  // LogMass of the categories at `index` (rows x draws, column-major).
  Tensor LogMassOf(const Index* index, Index rows, Index draws) const;
  Tensor LogitsLogMass(const Index* index, Index rows, Index draws) const;

  // probs or logits (rows x K or 1 x K), as `is_logits_` says.
  Tensor param_;
  bool is_logits_;
  // Lanes x K when expanded.
  Shape expand_;
  // The parameter's broadcast shape: lanes x K.
  Shape shape_;
};

}  // namespace distributions_internal
}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_INTERNAL_CATEGORICAL_PARAM_H_
