// Copyright 2026 The provi Authors.

#include "distributions/internal/categorical_param.h"

#include <cmath>
#include <limits>
#include <utility>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "ad/internal/op_support.h"
#include "ad/ops.h"
#include "base/internal/array_exp.h"
#include "distributions/support.h"

namespace provi {
namespace distributions_internal {

CategoricalParam::CategoricalParam(Tensor param, bool is_logits, Shape expand)
    : param_(std::move(param)),
      is_logits_(is_logits),
      expand_(expand),
      shape_(BroadcastShape({{name(), &param_}}, expand)) {}

CategoricalParam CategoricalParam::Expand(Index rows) const {
  return CategoricalParam(param_, is_logits_,
                          ExpandShape(rows, num_categories()));
}

Tensor CategoricalParam::probs() const {
  return is_logits_ ? Exp(param_ - RowLogSumExp(param_)) : param_;
}

Tensor CategoricalParam::logits() const {
  return is_logits_ ? param_ : Log(param_);
}

absl::Status CategoricalParam::Validate(absl::string_view family) const {
  // shape_ is what the parameter broadcasts to (see the constructor).
  if (!shape_.valid()) return ShapesError(family, {{name(), &param_}}, expand_);
  if (num_categories() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(family, ": parameter '", name(), "' of shape ",
                     param_.ShapeString(), " has no categories (columns)"));
  }
  if (is_logits_) return CheckFinite(family, {name(), &param_});
  return Support::Simplex().Check(
      param_, absl::StrCat(family, ": parameter '", name(), "'"));
}

Eigen::MatrixXd CategoricalParam::SamplingWeights() const {
  // The uniform is drawn on [0, total) so that rounding in the
  // normalisation cannot matter.
  Eigen::MatrixXd weights = param_.value().cast<double>();
  if (is_logits_) {
    for (Index r = 0; r < weights.rows(); ++r) {
      const double max = weights.row(r).maxCoeff();
      weights.row(r) =
          base_internal::ExpOrZero(weights.row(r).array() - max).matrix();
    }
  }
  return weights;
}

Index CategoricalParam::DrawCategory(const Eigen::MatrixXd& weights, Index row,
                                     absl::BitGenRef gen) {
  const double u = absl::Uniform<double>(gen, 0, 1) * weights.row(row).sum();
  double cumulative = 0;
  Index last_positive = 0;
  for (Index k = 0; k < weights.cols(); ++k) {
    const double w = weights(row, k);
    if (w <= 0) continue;
    cumulative += w;
    last_positive = k;
    if (u < cumulative) return k;
  }
  // Only reached when rounding leaves u at or above the running sum.
  return last_positive;
}

Tensor CategoricalParam::LogMassOf(const Index* index, Index rows,
                                   Index draws) const {
  if (is_logits_) return LogitsLogMass(index, rows, draws);
  const Tensor param = BroadcastTo(param_, rows, num_categories());
  Tensor log_p;
  for (Index c = 0; c < draws; ++c) {
    // Gathering before the log keeps the adjoint away from categories of
    // probability 0 that were not observed (their log is -inf, and the
    // log's derivative there would turn a zero adjoint into NaN).
    const Tensor term =
        Log(GatherCols(param, absl::MakeConstSpan(index + c * rows,
                                                  static_cast<size_t>(rows))));
    log_p = c == 0 ? term : log_p + term;
  }
  return log_p;
}

// log p(v_i | l) = Σ_c l[v_ic] - C log Σ_k e^l[k] per lane i (l the lane's
// logits, C draws in the lane), as one node: ∂/∂l[k] = #{c : v_ic = k} -
// C softmax(l)[k]. A lane whose normaliser is infinite passes no softmax
// part back (its weights are undefined), as RowLogSumExp does.
Tensor CategoricalParam::LogitsLogMass(const Index* index, Index rows,
                                       Index draws) const {
  const Index k_count = num_categories();
  // One row of logits per lane (a shared row is broadcast first).
  const Tensor logits =
      param_.rows() == rows ? param_ : BroadcastTo(param_, rows, k_count);
  Tape& tape = Tape::Current();
  const bool node = ad_internal::NeedsNode(tape, logits);
  using Array = Eigen::Array<Real, Eigen::Dynamic, Eigen::Dynamic>;
  using Column = Eigen::Array<Real, Eigen::Dynamic, 1>;
  const Eigen::Map<const Array> l(logits.value_data(), rows, k_count);
  // e^(l - max) per element (kept for the backward pass) and, per lane, the
  // log normaliser and 1 / Σ e^(l - max). A lane whose maximum is infinite
  // keeps it as its normaliser and passes no softmax part back.
  Real* exp_data = node ? tape.arena().AllocateArray<Real>(
                              static_cast<size_t>(rows * k_count))
                        : nullptr;
  Array exp_heap;
  if (!node) exp_heap.resize(rows, k_count);
  Eigen::Map<Array> e(node ? exp_data : exp_heap.data(), rows, k_count);
  const Column max = l.rowwise().maxCoeff();
  e = base_internal::ExpOrZero(l.colwise() - max);
  Column sum = e.rowwise().sum();
  Column lse = max + sum.log();
  for (Index i = 0; i < rows; ++i) {
    if (!std::isfinite(max(i))) {
      lse(i) = max(i);
      sum(i) = std::numeric_limits<Real>::infinity();  // 1 / sum = 0
      e.row(i).setZero();
    }
  }
  Tensor out = ad_internal::NewResult<Real>(tape, rows, 1, node);
  Eigen::Map<Column> y(ad_internal::MutableValue(out), rows);
  y = -static_cast<Real>(draws) * lse;
  for (Index c = 0; c < draws; ++c) {
    for (Index i = 0; i < rows; ++i) y(i) += l(i, index[c * rows + i]);
  }
  if (node) {
    Real* inverse_sum =
        tape.arena().AllocateArray<Real>(static_cast<size_t>(rows));
    Eigen::Map<Column>(inverse_sum, rows) = sum.inverse();
    Real* la = logits.adjoint_data();
    const Real* ya = out.adjoint_data();
    const Real scale = static_cast<Real>(draws);
    ad_internal::Record(tape, out, [=] {
      const Eigen::Map<const Column> g(ya, rows);
      Eigen::Map<Array> adjoint(la, rows, k_count);
      adjoint -= Eigen::Map<const Array>(exp_data, rows, k_count).colwise() *
                 (scale * g * Eigen::Map<const Column>(inverse_sum, rows));
      for (Index c = 0; c < draws; ++c) {
        for (Index i = 0; i < rows; ++i)
          adjoint(i, index[c * rows + i]) += g(i);
      }
    });
  }
  return out;
}

}  // namespace distributions_internal
}  // namespace provi
