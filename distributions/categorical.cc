// Copyright 2026 The provi Authors.

#include "distributions/categorical.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "ad/internal/op_support.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/internal/array_exp.h"
#include "base/status_error.h"
#include "base/status_macros.h"
#include "distributions/internal/discrete.h"

namespace provi {

using distributions_internal::Shape;

Categorical Categorical::FromProbs(Tensor probs) {
  return Categorical(std::move(probs), /*is_logits=*/false, Shape{});
}

Categorical Categorical::FromLogits(Tensor logits) {
  return Categorical(std::move(logits), /*is_logits=*/true, Shape{});
}

Categorical::Categorical(Tensor param, bool is_logits, Shape expand)
    : param_(std::move(param)),
      is_logits_(is_logits),
      expand_(expand),
      shape_(distributions_internal::BroadcastShape({{param_name(), &param_}},
                                                    expand)) {}

Categorical Categorical::Expand(Index rows) const {
  return Categorical(
      param_, is_logits_,
      distributions_internal::ExpandShape(rows, num_categories()));
}

Tensor Categorical::probs() const {
  return is_logits_ ? Exp(param_ - RowLogSumExp(param_)) : param_;
}

Tensor Categorical::logits() const { return is_logits_ ? param_ : Log(param_); }

absl::Status Categorical::Validate() const {
  // shape_ is what these parameters broadcast to (see the constructor).
  if (!shape_.valid()) {
    return distributions_internal::ShapesError(
        name(), {{param_name(), &param_}}, expand_);
  }
  if (num_categories() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(name(), ": parameter '", param_name(), "' of shape ",
                     param_.ShapeString(), " has no categories (columns)"));
  }
  if (is_logits_) {
    return distributions_internal::CheckFinite(name(), {param_name(), &param_});
  }
  return Support::Simplex().Check(
      param_, absl::StrCat(name(), ": parameter '", param_name(), "'"));
}

Tensor Categorical::Sample(absl::BitGenRef gen) const {
  distributions_internal::ThrowIfShapeInvalid(*this, shape_);
  const Index k_count = num_categories();
  const auto param = param_.value();
  // Unnormalised weights of each parameter row, in double; the uniform is
  // drawn on [0, total) so that rounding in the normalisation cannot matter.
  Eigen::MatrixXd weights = param.cast<double>();
  if (is_logits_) {
    for (Index r = 0; r < weights.rows(); ++r) {
      const double max = weights.row(r).maxCoeff();
      weights.row(r) =
          base_internal::ExpOrZero(weights.row(r).array() - max).matrix();
    }
  }
  return distributions_internal::MakeConstant(rows(), 1, [&](Index i, Index) {
    const Index r = weights.rows() == 1 ? 0 : i;
    const double u = absl::Uniform<double>(gen, 0, 1) * weights.row(r).sum();
    double cumulative = 0;
    Index last_positive = 0;
    for (Index k = 0; k < k_count; ++k) {
      const double w = weights(r, k);
      if (w <= 0) continue;
      cumulative += w;
      last_positive = k;
      if (u < cumulative) return k;
    }
    // Only reached when rounding leaves u at or above the running sum.
    return last_positive;
  });
}

Tensor Categorical::LogProb(const Tensor& value) const {
  distributions_internal::ThrowIfShapeInvalid(*this, shape_);
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  if (shape.cols == 0) {
    return distributions_internal::MakeConstant(shape.rows, 1,
                                                [](Index, Index) { return 0; });
  }
  if (is_logits_) return LogitsLogProb(value, shape);
  const Tensor param = BroadcastTo(param_, shape.rows, num_categories());
  std::vector<Index> index(static_cast<size_t>(shape.rows));
  Tensor log_p;
  for (Index c = 0; c < shape.cols; ++c) {
    for (Index i = 0; i < shape.rows; ++i) {
      index[static_cast<size_t>(i)] = CategoryAt(value, i, c);
    }
    // Gathering before the log keeps the adjoint away from categories of
    // probability 0 that were not observed (their log is -inf, and the
    // log's derivative there would turn a zero adjoint into NaN).
    const Tensor term = Log(GatherCols(param, index));
    log_p = c == 0 ? term : log_p + term;
  }
  return log_p;
}

Index Categorical::CategoryAt(const Tensor& value, Index i, Index c) const {
  const Real v = value(value.rows() == 1 ? 0 : i, value.cols() == 1 ? 0 : c);
  // Checked even with validation off: a NaN or out-of-range index has no
  // meaning as a category and must not reach the gather.
  if (!(v >= 0 && v < static_cast<Real>(num_categories()))) {
    ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
        name(), ": value element (", i, ", ", c, ") = ", v,
        " is not a category in {0, ..., ", num_categories() - 1, "}")));
  }
  return static_cast<Index>(v);
}

// log p(v_i | l) = Σ_c l[v_ic] - C log Σ_k e^l[k] per lane i (l the lane's
// logits, C draws in the lane), as one node: ∂/∂l[k] = #{c : v_ic = k} -
// C softmax(l)[k]. A lane whose normaliser is infinite passes no softmax
// part back (its weights are undefined), as RowLogSumExp does.
Tensor Categorical::LogitsLogProb(const Tensor& value,
                                  const Shape& shape) const {
  const Index rows = shape.rows;
  const Index draws = shape.cols;
  const Index k_count = num_categories();
  // One row of logits per lane (a shared row is broadcast first).
  const Tensor logits =
      param_.rows() == rows ? param_ : BroadcastTo(param_, rows, k_count);
  Tape& tape = Tape::Current();
  const bool node = ad_internal::NeedsNode(tape, logits);
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
    for (Index i = 0; i < rows; ++i) {
      index[c * rows + i] = CategoryAt(value, i, c);
    }
  }
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

std::vector<Tensor> Categorical::EnumerateSupport() const {
  distributions_internal::ThrowIfShapeInvalid(*this, shape_);
  return distributions_internal::EnumerateGrid(name(), rows(), 1,
                                               num_categories());
}

std::vector<MvdTerm> Categorical::MvdTerms(const Tensor& value,
                                           absl::BitGenRef) const {
  distributions_internal::ThrowIfShapeInvalid(*this, shape_);
  const Index n = rows();
  const Tensor p = BroadcastTo(probs(), n, num_categories());
  const Tensor one = distributions_internal::MakeConstant(
      n, 1, [](Index, Index) { return 1; });
  std::vector<MvdTerm> terms;
  terms.reserve(static_cast<size_t>(num_categories()));
  for (Index k = 0; k < num_categories(); ++k) {
    terms.push_back(MvdTerm{SliceCols(p, k, 1), one,
                            distributions_internal::ReplaceColumn(
                                value, 0, Tensor(static_cast<Real>(k))),
                            std::nullopt});
  }
  return terms;
}

}  // namespace provi
