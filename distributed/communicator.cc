// Copyright 2026 The provi Authors.

#include "distributed/communicator.h"

#include <algorithm>

namespace provi {

template <typename T>
absl::Status Communicator::PackedPiecesSum(
    absl::Span<const absl::Span<T>> pieces, std::vector<T>& buffer) {
  size_t count = 0;
  for (absl::Span<T> piece : pieces) count += piece.size();
  buffer.resize(count);
  T* out = buffer.data();
  for (absl::Span<T> piece : pieces) {
    out = std::copy(piece.begin(), piece.end(), out);
  }
  if (absl::Status status = AllreduceSum(absl::MakeSpan(buffer));
      !status.ok()) {
    return status;
  }
  const T* in = buffer.data();
  for (absl::Span<T> piece : pieces) {
    std::copy(in, in + piece.size(), piece.begin());
    in += piece.size();
  }
  return absl::OkStatus();
}

absl::Status Communicator::AllreducePiecesSum(
    absl::Span<const absl::Span<float>> pieces) {
  return PackedPiecesSum(pieces, float_buffer_);
}

absl::Status Communicator::AllreducePiecesSum(
    absl::Span<const absl::Span<double>> pieces) {
  return PackedPiecesSum(pieces, double_buffer_);
}

}  // namespace provi
