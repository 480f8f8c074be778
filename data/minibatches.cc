// Copyright 2026 The provi Authors.

#include "data/minibatches.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "absl/random/distributions.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_error.h"

namespace provi {

Minibatches::Minibatches(const Matrix& data, Index batch_size,
                         absl::BitGenRef gen, bool drop_last)
    : data_(&data),
      batch_size_(batch_size),
      gen_(gen),
      drop_last_(drop_last),
      num_batches_(0) {
  if (batch_size < 1) {
    ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
        "Minibatches: batch_size must be at least 1, got ", batch_size)));
  }
  const Index rows = data.rows();
  num_batches_ = drop_last ? rows / batch_size
                           : rows / batch_size + (rows % batch_size != 0);
  order_.resize(static_cast<size_t>(rows));
  std::iota(order_.begin(), order_.end(), Index{0});
}

Minibatches::Iterator Minibatches::begin() {
  // Fisher-Yates, written out so the order depends only on the generator.
  for (size_t i = order_.size(); i > 1; --i) {
    const size_t j = absl::Uniform<size_t>(gen_, 0, i);
    std::swap(order_[i - 1], order_[j]);
  }
  return Iterator(this, 0);
}

Minibatches::Iterator Minibatches::end() const {
  return Iterator(this, num_batches_);
}

Minibatches::Iterator::Iterator(const Minibatches* owner, Index batch_index)
    : owner_(owner), batch_index_(batch_index) {
  Load();
}

Minibatches::Iterator& Minibatches::Iterator::operator++() {
  ++batch_index_;
  Load();
  return *this;
}

absl::Span<const Index> Minibatches::Iterator::indices() const {
  if (batch_index_ >= owner_->num_batches_) return {};
  const Index start = batch_index_ * owner_->batch_size_;
  const Index rows = std::min(
      owner_->batch_size_, static_cast<Index>(owner_->order_.size()) - start);
  return absl::MakeConstSpan(owner_->order_)
      .subspan(static_cast<size_t>(start), static_cast<size_t>(rows));
}

void Minibatches::Iterator::Load() {
  const absl::Span<const Index> rows = indices();
  if (rows.empty()) {
    batch_ = Tensor();
    return;
  }
  const Matrix& data = *owner_->data_;
  Matrix batch(static_cast<Index>(rows.size()), data.cols());
  // Column by column: contiguous writes, and reads within one column.
  for (Index c = 0; c < data.cols(); ++c) {
    for (size_t r = 0; r < rows.size(); ++r) {
      batch(static_cast<Index>(r), c) = data(rows[r], c);
    }
  }
  batch_ = Tensor(batch);
}

}  // namespace provi
