// Copyright 2026 The provi Authors.

#include "distributions/categorical.h"

#include <utility>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
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
      weights.row(r) = (weights.row(r).array() - max).exp().matrix();
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
  const Index k_count = num_categories();
  const Tensor param = BroadcastTo(param_, shape.rows, k_count);
  if (shape.cols == 0) {
    return distributions_internal::MakeConstant(shape.rows, 1,
                                                [](Index, Index) { return 0; });
  }
  std::vector<Index> index(static_cast<size_t>(shape.rows));
  Tensor log_p;
  for (Index c = 0; c < shape.cols; ++c) {
    for (Index i = 0; i < shape.rows; ++i) {
      const Real v =
          value(value.rows() == 1 ? 0 : i, value.cols() == 1 ? 0 : c);
      // Checked even with validation off: a NaN or out-of-range index has
      // no meaning as a category and must not reach the gather.
      if (!(v >= 0 && v < static_cast<Real>(k_count))) {
        ThrowStatus(absl::InvalidArgumentError(
            absl::StrCat(name(), ": value element (", i, ", ", c, ") = ", v,
                         " is not a category in {0, ..., ", k_count - 1, "}")));
      }
      index[static_cast<size_t>(i)] = static_cast<Index>(v);
    }
    // Gathering before the log keeps the adjoint away from categories of
    // probability 0 that were not observed (their log is -inf, and the
    // log's derivative there would turn a zero adjoint into NaN).
    const Tensor gathered = GatherCols(param, index);
    const Tensor term = is_logits_ ? gathered : Log(gathered);
    log_p = c == 0 ? term : log_p + term;
  }
  if (is_logits_) {
    // The log-softmax normaliser, once per draw in the lane.
    log_p = log_p - RowLogSumExp(param) * static_cast<Real>(shape.cols);
  }
  return log_p;
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
