// Copyright 2026 The provi Authors.

#include "distributions/mixture.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/status_error.h"
#include "distributions/internal/family_support.h"

namespace provi {

Mixture::Mixture(Categorical mixing,
                 std::vector<std::shared_ptr<const Distribution>> components)
    : mixing_(std::move(mixing)), components_(std::move(components)) {
  rows_ = mixing_.rows();
  cols_ = components_.empty() ? 0 : components_.front()->cols();
  for (const auto& component : components_) {
    rows_ = std::max(rows_, component->rows());
  }
}

Mixture Mixture::Expand(Index rows) const {
  std::vector<std::shared_ptr<const Distribution>> expanded;
  expanded.reserve(components_.size());
  for (const auto& component : components_) {
    expanded.push_back(component->ExpandRows(rows));
  }
  return Mixture(mixing_.Expand(rows), std::move(expanded));
}

absl::Status Mixture::Validate() const {
  const auto in = [this](absl::string_view part, const absl::Status& status) {
    return absl::Status(status.code(), absl::StrCat(name(), ": ", part, ": ",
                                                    status.message()));
  };
  if (absl::Status status = mixing_.Validate(); !status.ok()) {
    return in("mixing distribution", status);
  }
  if (components_.empty() ||
      static_cast<Index>(components_.size()) != mixing_.num_categories()) {
    return absl::InvalidArgumentError(absl::StrCat(
        name(), ": ", components_.size(),
        " components for a mixing distribution of ", mixing_.num_categories(),
        " categories; they must be equal (and at least 1)"));
  }
  const Support support = components_.front()->support();
  for (size_t k = 0; k < components_.size(); ++k) {
    const Distribution& component = *components_[k];
    const std::string label =
        absl::StrCat("component ", k, " (", component.name(), ")");
    if (absl::Status status = component.Validate(); !status.ok()) {
      return in(label, status);
    }
    if (component.cols() != cols_) {
      return absl::InvalidArgumentError(
          absl::StrCat(name(), ": ", label, " has ", component.cols(),
                       " columns but component 0 has ", cols_));
    }
    if (!(component.support() == support)) {
      return absl::InvalidArgumentError(
          absl::StrCat(name(), ": ", label, " has the support ",
                       component.support().ToString(), " but component 0 has ",
                       support.ToString(), "; the components must share one"));
    }
  }
  const auto rows_ok = [this](Index r) { return r == 1 || r == rows_; };
  bool broadcast = rows_ok(mixing_.rows());
  for (const auto& component : components_) {
    broadcast = broadcast && rows_ok(component->rows());
  }
  if (!broadcast) {
    std::string shapes = absl::StrCat("mixing ", mixing_.rows());
    for (size_t k = 0; k < components_.size(); ++k) {
      absl::StrAppend(&shapes, ", component ", k, " ", components_[k]->rows());
    }
    return absl::InvalidArgumentError(
        absl::StrCat(name(), ": the lanes (rows) do not broadcast: ", shapes));
  }
  return absl::OkStatus();
}

Support Mixture::support() const {
  return components_.empty() ? Support::Real() : components_.front()->support();
}

Tensor Mixture::Sample(absl::BitGenRef gen) const {
  ThrowIfError(Validate());
  NoRecordScope no_record;
  const Categorical mixing =
      mixing_.rows() == rows_ ? mixing_ : mixing_.Expand(rows_);
  const Tensor chosen = mixing.Sample(gen);
  Real* data = nullptr;
  const Tensor out = NewConstant(rows_, cols_, &data);
  Eigen::Map<Matrix> values(data, rows_, cols_);
  for (size_t k = 0; k < components_.size(); ++k) {
    const std::shared_ptr<const Distribution>& component = components_[k];
    const Tensor draw = component->rows() == rows_
                            ? component->Sample(gen)
                            : component->ExpandRows(rows_)->Sample(gen);
    for (Index i = 0; i < rows_; ++i) {
      if (chosen(i, 0) == static_cast<Real>(k)) {
        values.row(i) = draw.value().row(i);
      }
    }
  }
  return out;
}

Tensor Mixture::LogProb(const Tensor& value) const {
  const distributions_internal::Shape shape =
      distributions_internal::CheckValue(name(), value, rows(), cols(),
                                         support());
  std::vector<Tensor> terms;
  terms.reserve(components_.size());
  for (const auto& component : components_) {
    terms.push_back(BroadcastTo(component->LogProb(value), shape.rows, 1));
  }
  const Tensor log_weights =
      mixing_.is_logits() ? mixing_.logits() - RowLogSumExp(mixing_.logits())
                          : mixing_.logits();
  return RowLogSumExp(ConcatCols(terms) + log_weights);
}

}  // namespace provi
