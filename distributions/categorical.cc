// Copyright 2026 The provi Authors.

#include "distributions/categorical.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/status_error.h"
#include "distributions/internal/discrete.h"

namespace provi {

using distributions_internal::CategoricalParam;
using distributions_internal::Shape;

Categorical Categorical::FromProbs(Tensor probs) {
  return Categorical(
      CategoricalParam(std::move(probs), /*is_logits=*/false, Shape{}));
}

Categorical Categorical::FromLogits(Tensor logits) {
  return Categorical(
      CategoricalParam(std::move(logits), /*is_logits=*/true, Shape{}));
}

Categorical Categorical::Expand(Index rows) const {
  return Categorical(param_.Expand(rows));
}

Tensor Categorical::Sample(absl::BitGenRef gen) const {
  distributions_internal::ThrowIfShapeInvalid(*this, param_.shape());
  Real* data = nullptr;
  Tensor out = NewConstant(rows(), 1, &data);
  param_.SampleCategories(rows(), gen, [data](Index i, Index k) {
    data[i] = static_cast<Real>(k);
  });
  return out;
}

Tensor Categorical::LogProb(const Tensor& value) const {
  distributions_internal::ThrowIfShapeInvalid(*this, param_.shape());
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  if (shape.cols == 0) {
    return distributions_internal::MakeConstant(shape.rows, 1,
                                                [](Index, Index) { return 0; });
  }
  return param_.LogMass(shape.rows, shape.cols, [&](Index i, Index c) {
    return CategoryAt(value, i, c);
  });
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

std::vector<Tensor> Categorical::EnumerateSupport() const {
  distributions_internal::ThrowIfShapeInvalid(*this, param_.shape());
  return distributions_internal::EnumerateGrid(name(), rows(), 1,
                                               num_categories());
}

std::vector<MvdTerm> Categorical::MvdTerms(const Tensor& value,
                                           absl::BitGenRef) const {
  distributions_internal::ThrowIfShapeInvalid(*this, param_.shape());
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
