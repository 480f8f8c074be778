// Copyright 2026 The provi Authors.

#include "distributions/one_hot_categorical.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/check.h"
#include "base/status_error.h"
#include "distributions/internal/discrete.h"

namespace provi {
namespace {

using distributions_internal::CategoricalParam;
using distributions_internal::Shape;

// The most elements the enumerated values may hold together (K values of
// lanes x K each): 2^28, a GiB of floats. Enumeration re-runs the program
// once per value, so a support this large is a modelling error, reported
// rather than allocated.
constexpr int64_t kMaxEnumeratedElements = int64_t{1} << 28;

// A rows x k_count constant whose every row is e_k.
Tensor OneHotRows(Index rows, Index k_count, Index k) {
  return distributions_internal::MakeConstant(
      rows, k_count, [k](Index, Index j) { return j == k ? 1 : 0; });
}

}  // namespace

OneHotCategorical OneHotCategorical::FromProbs(Tensor probs) {
  return OneHotCategorical(
      CategoricalParam(std::move(probs), /*is_logits=*/false, Shape{}));
}

OneHotCategorical OneHotCategorical::FromLogits(Tensor logits) {
  return OneHotCategorical(
      CategoricalParam(std::move(logits), /*is_logits=*/true, Shape{}));
}

OneHotCategorical OneHotCategorical::Expand(Index rows) const {
  return OneHotCategorical(param_.Expand(rows));
}

Tensor OneHotCategorical::Sample(absl::BitGenRef gen) const {
  distributions_internal::ThrowIfShapeInvalid(*this, param_.shape());
  const Index n = rows();
  Real* data = nullptr;
  Tensor out = NewConstant(n, cols(), &data);
  std::fill(data, data + n * cols(), Real(0));
  param_.SampleCategories(n, gen,
                          [data, n](Index i, Index k) { data[k * n + i] = 1; });
  return out;
}

Tensor OneHotCategorical::LogProb(const Tensor& value) const {
  distributions_internal::ThrowIfShapeInvalid(*this, param_.shape());
  // Lanes broadcast (a 1 x K value is the same row in every lane); the
  // columns are the categories and must match.
  const Index lanes =
      distributions_internal::BroadcastDim(value.rows(), rows());
  if (lanes < 0 || value.cols() != cols()) {
    ThrowStatus(absl::InvalidArgumentError(
        absl::StrCat(name(), ": value of shape ", value.ShapeString(),
                     " does not broadcast with the distribution's shape ",
                     rows(), "x", cols(),
                     " (a value has one row per lane, or one for all, and one "
                     "column per category)")));
  }
  const bool shared = value.rows() == 1;
  return param_.LogMass(lanes, 1, [&](Index i, Index) {
    return CategoryOfRow(value, shared ? 0 : i);
  });
}

Index OneHotCategorical::CategoryOfRow(const Tensor& value, Index row) const {
  // Read even with validation off: a row without exactly one 1 has no
  // category to gather.
  Index category = -1;
  bool one_hot = true;
  for (Index k = 0; k < value.cols() && one_hot; ++k) {
    const Real x = value(row, k);
    if (x == 1 && category < 0) {
      category = k;
    } else if (x != 0) {
      one_hot = false;
    }
  }
  if (one_hot && category >= 0) return category;
  // Rows are read in order, so this is the first row Support::Check
  // rejects; it words the error.
  const absl::Status status = support().Check(value, "value");
  PROVI_CHECK(!status.ok()) << "row " << row << " of a one-hot value";
  ThrowStatus(
      absl::InvalidArgumentError(absl::StrCat(name(), ": ", status.message())));
}

std::vector<Tensor> OneHotCategorical::EnumerateSupport() const {
  distributions_internal::ThrowIfShapeInvalid(*this, param_.shape());
  const Index k_count = num_categories();
  const int64_t elements =
      static_cast<int64_t>(k_count) * k_count * std::max<int64_t>(rows(), 1);
  if (k_count > distributions_internal::kMaxEnumeratedValues ||
      elements > kMaxEnumeratedElements) {
    ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
        name(), ": cannot enumerate the support: ", k_count,
        " one-hot values of shape ", rows(), "x", k_count,
        " exceed the limits of ", distributions_internal::kMaxEnumeratedValues,
        " values and ", kMaxEnumeratedElements, " elements")));
  }
  std::vector<Tensor> values;
  values.reserve(static_cast<size_t>(k_count));
  for (Index k = 0; k < k_count; ++k) {
    values.push_back(OneHotRows(rows(), k_count, k));
  }
  return values;
}

std::vector<MvdTerm> OneHotCategorical::MvdTerms(const Tensor&,
                                                 absl::BitGenRef) const {
  distributions_internal::ThrowIfShapeInvalid(*this, param_.shape());
  const Index n = rows();
  const Index k_count = num_categories();
  const Tensor p = BroadcastTo(probs(), n, k_count);
  const Tensor one = distributions_internal::MakeConstant(
      n, 1, [](Index, Index) { return 1; });
  std::vector<MvdTerm> terms;
  terms.reserve(static_cast<size_t>(k_count));
  for (Index k = 0; k < k_count; ++k) {
    terms.push_back(MvdTerm{SliceCols(p, k, 1), one, OneHotRows(n, k_count, k),
                            std::nullopt});
  }
  return terms;
}

}  // namespace provi
