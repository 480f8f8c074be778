// Copyright 2026 The provi Authors.
//
// Shape operations: stop-gradient, transpose, slices, concatenation,
// reshape, tiling and gathers.

#include <algorithm>
#include <vector>

#include "ad/internal/op_support.h"
#include "ad/ops.h"

namespace provi {
namespace {

using ad_internal::Access;
using ad_internal::ConstMatrixMap;
using ad_internal::MatrixMap;
using ad_internal::NeedsNode;
using ad_internal::NewResult;
using ad_internal::Record;
using ad_internal::ThrowInvalid;

template <typename T>
void CheckRange(const char* op, const BasicTensor<T>& x, Index start,
                Index count, Index extent, const char* what) {
  if (start < 0 || count < 0 || start + count > extent) {
    ThrowInvalid(op, what, " [", start, ", ", start + count,
                 ") out of range for a ", x.ShapeString(), " tensor");
  }
}

// Copies the parts' values into `out` and returns whether any needs a node.
template <typename T>
BasicTensor<T> Concat(const char* op, absl::Span<const BasicTensor<T>> parts,
                      bool by_rows) {
  if (parts.empty()) return BasicTensor<T>();
  Index rows = 0;
  Index cols = 0;
  bool any_grad = false;
  for (const BasicTensor<T>& part : parts) {
    const Index shared = by_rows ? part.cols() : part.rows();
    const Index expected = by_rows ? parts[0].cols() : parts[0].rows();
    if (shared != expected) {
      ThrowInvalid(op, "part ", &part - parts.data(), " is ",
                   part.ShapeString(), " but part 0 is ",
                   parts[0].ShapeString(), by_rows ? " (columns" : " (rows",
                   " must agree)");
    }
    (by_rows ? rows : cols) += by_rows ? part.rows() : part.cols();
    any_grad = any_grad || part.requires_grad();
  }
  if (by_rows) {
    cols = parts[0].cols();
  } else {
    rows = parts[0].rows();
  }
  const bool node = any_grad && Tape::Current().recording();
  BasicTensor<T> out = NewResult<T>(rows, cols, node);
  MatrixMap<T> Y(ad_internal::MutableValue(out), rows, cols);
  Index offset = 0;
  for (const BasicTensor<T>& part : parts) {
    if (by_rows) {
      Y.middleRows(offset, part.rows()) = part.value();
      offset += part.rows();
    } else {
      Y.middleCols(offset, part.cols()) = part.value();
      offset += part.cols();
    }
  }
  if (node) {
    // The closure captures arena copies of each part's adjoint and extent.
    const size_t n = parts.size();
    T** adjoints = Tape::Current().arena().AllocateArray<T*>(n);
    Index* extents = Tape::Current().arena().AllocateArray<Index>(n);
    for (size_t k = 0; k < n; ++k) {
      adjoints[k] = parts[k].adjoint_data();
      extents[k] = by_rows ? parts[k].rows() : parts[k].cols();
    }
    const T* ya = out.adjoint_data();
    Record(out, [=] {
      const ConstMatrixMap<T> G(ya, rows, cols);
      Index at = 0;
      for (size_t k = 0; k < n; ++k) {
        if (adjoints[k] != nullptr) {
          if (by_rows) {
            MatrixMap<T>(adjoints[k], extents[k], cols) +=
                G.middleRows(at, extents[k]);
          } else {
            MatrixMap<T>(adjoints[k], rows, extents[k]) +=
                G.middleCols(at, extents[k]);
          }
        }
        at += extents[k];
      }
    });
  }
  return out;
}

}  // namespace

template <typename T>
BasicTensor<T> Detach(const BasicTensor<T>& x) {
  return Access::View(x, 0, x.rows(), x.cols(), /*keep_adjoint=*/false);
}

template <typename T>
BasicLaneGradientScale<T>::BasicLaneGradientScale(Index lanes) : lanes_(lanes) {
  if (lanes < 1) ThrowInvalid("LaneGradientScale", "lanes = ", lanes);
  factors_.reset(new T[static_cast<size_t>(lanes)]);
  std::fill_n(factors_.get(), lanes, T(1));
}

template <typename T>
void BasicLaneGradientScale<T>::Set(const BasicTensor<T>& factors) {
  if (factors.rows() != lanes_ || factors.cols() != 1) {
    ThrowInvalid("LaneGradientScale::Set", "factors are ",
                 factors.ShapeString(), ", not ", lanes_, "x1");
  }
  std::copy_n(factors.value_data(), lanes_, factors_.get());
}

template <typename T>
BasicTensor<T> ScaleLaneGradient(const BasicTensor<T>& x,
                                 const BasicLaneGradientScale<T>& scale) {
  const Index rows = x.rows();
  const Index cols = x.cols();
  if (rows != scale.lanes()) {
    ThrowInvalid("ScaleLaneGradient", "x is ", x.ShapeString(), ", ",
                 scale.lanes(), " lanes need ", scale.lanes(), " rows");
  }
  Tape& tape = Tape::Current();
  if (!NeedsNode(tape, x)) return x;
  BasicTensor<T> out = NewResult<T>(tape, rows, cols, /*requires_grad=*/true);
  MatrixMap<T>(ad_internal::MutableValue(out), rows, cols) = x.value();
  tape.KeepAlive(scale.factors_);
  const T* factors = scale.factors_.get();
  T* xa = x.adjoint_data();
  const T* ya = out.adjoint_data();
  Record(tape, out, [=] {
    MatrixMap<T>(xa, rows, cols).array() +=
        ConstMatrixMap<T>(ya, rows, cols).array().colwise() *
        ad_internal::ConstArrayMap<T>(factors, rows);
  });
  return out;
}

template <typename T>
BasicTensor<T> Transpose(const BasicTensor<T>& x) {
  const Index rows = x.rows();
  const Index cols = x.cols();
  if (rows == 1 || cols == 1) return Reshape(x, cols, rows);
  const bool node = NeedsNode(x);
  BasicTensor<T> out = NewResult<T>(cols, rows, node);
  MatrixMap<T>(ad_internal::MutableValue(out), cols, rows).noalias() =
      x.value().transpose();
  if (node) {
    T* xa = x.adjoint_data();
    const T* ya = out.adjoint_data();
    Record(out, [=] {
      MatrixMap<T>(xa, rows, cols) +=
          ConstMatrixMap<T>(ya, cols, rows).transpose();
    });
  }
  return out;
}

template <typename T>
BasicTensor<T> SliceRows(const BasicTensor<T>& x, Index start, Index count) {
  CheckRange("SliceRows", x, start, count, x.rows(), "rows");
  if (start == 0 && count == x.rows()) return x;
  const Index rows = x.rows();
  const Index cols = x.cols();
  const bool node = NeedsNode(x);
  BasicTensor<T> out = NewResult<T>(count, cols, node);
  MatrixMap<T>(ad_internal::MutableValue(out), count, cols) =
      x.value().middleRows(start, count);
  if (node) {
    T* xa = x.adjoint_data();
    const T* ya = out.adjoint_data();
    Record(out, [=] {
      MatrixMap<T>(xa, rows, cols).middleRows(start, count) +=
          ConstMatrixMap<T>(ya, count, cols);
    });
  }
  return out;
}

template <typename T>
BasicTensor<T> SliceCols(const BasicTensor<T>& x, Index start, Index count) {
  CheckRange("SliceCols", x, start, count, x.cols(), "columns");
  return Access::View(x, start * x.rows(), x.rows(), count,
                      /*keep_adjoint=*/true);
}

template <typename T>
BasicTensor<T> ConcatRows(absl::Span<const BasicTensor<T>> parts) {
  return Concat("ConcatRows", parts, /*by_rows=*/true);
}

template <typename T>
BasicTensor<T> ConcatCols(absl::Span<const BasicTensor<T>> parts) {
  return Concat("ConcatCols", parts, /*by_rows=*/false);
}

template <typename T>
BasicTensor<T> Reshape(const BasicTensor<T>& x, Index rows, Index cols) {
  if (rows < 0 || cols < 0 || rows * cols != x.size()) {
    ThrowInvalid("Reshape", "cannot reshape a ", x.ShapeString(), " tensor to ",
                 rows, "x", cols);
  }
  return Access::View(x, 0, rows, cols, /*keep_adjoint=*/true);
}

template <typename T>
BasicTensor<T> Tile(const BasicTensor<T>& x, Index row_copies,
                    Index col_copies) {
  if (row_copies < 0 || col_copies < 0) {
    ThrowInvalid("Tile", "negative copies ", row_copies, "x", col_copies);
  }
  const Index rows = x.rows();
  const Index cols = x.cols();
  const bool node = NeedsNode(x);
  BasicTensor<T> out = NewResult<T>(rows * row_copies, cols * col_copies, node);
  // Block by block: Eigen's replicate() computes a modulo per element.
  MatrixMap<T> y(ad_internal::MutableValue(out), rows * row_copies,
                 cols * col_copies);
  for (Index bj = 0; bj < col_copies; ++bj) {
    for (Index bi = 0; bi < row_copies; ++bi) {
      y.block(bi * rows, bj * cols, rows, cols) = x.value();
    }
  }
  if (node) {
    T* xa = x.adjoint_data();
    const T* ya = out.adjoint_data();
    Record(out, [=] {
      const ConstMatrixMap<T> G(ya, rows * row_copies, cols * col_copies);
      MatrixMap<T> XA(xa, rows, cols);
      for (Index bj = 0; bj < col_copies; ++bj) {
        for (Index bi = 0; bi < row_copies; ++bi) {
          XA += G.block(bi * rows, bj * cols, rows, cols);
        }
      }
    });
  }
  return out;
}

template <typename T>
BasicTensor<T> BroadcastTo(const BasicTensor<T>& x, Index rows, Index cols) {
  if (x.rows() == rows && x.cols() == cols) return x;
  const bool rows_ok = x.rows() == rows || x.rows() == 1;
  const bool cols_ok = x.cols() == cols || x.cols() == 1;
  if (!rows_ok || !cols_ok || rows < 0 || cols < 0) {
    ThrowInvalid("BroadcastTo", "cannot broadcast a ", x.ShapeString(),
                 " tensor to ", rows, "x", cols);
  }
  return Tile(x, x.rows() == rows ? 1 : rows, x.cols() == cols ? 1 : cols);
}

template <typename T>
BasicTensor<T> GatherRows(const BasicTensor<T>& x,
                          absl::Span<const Index> index) {
  const Index rows = x.rows();
  const Index cols = x.cols();
  const Index n = static_cast<Index>(index.size());
  for (Index i = 0; i < n; ++i) {
    if (index[i] < 0 || index[i] >= rows) {
      ThrowInvalid("GatherRows", "index[", i, "] = ", index[i],
                   " out of range for a ", x.ShapeString(), " tensor");
    }
  }
  const bool node = NeedsNode(x);
  BasicTensor<T> out = NewResult<T>(n, cols, node);
  MatrixMap<T> Y(ad_internal::MutableValue(out), n, cols);
  const auto X = x.value();
  for (Index i = 0; i < n; ++i) Y.row(i) = X.row(index[i]);
  if (node) {
    T* xa = x.adjoint_data();
    const T* ya = out.adjoint_data();
    const Index* idx = ad_internal::CopyToArena(index.data(), index.size());
    Record(out, [=] {
      const ConstMatrixMap<T> G(ya, n, cols);
      MatrixMap<T> XA(xa, rows, cols);
      for (Index i = 0; i < n; ++i) XA.row(idx[i]) += G.row(i);
    });
  }
  return out;
}

template <typename T>
BasicTensor<T> GatherCols(const BasicTensor<T>& x,
                          absl::Span<const Index> index) {
  const Index rows = x.rows();
  const Index cols = x.cols();
  if (static_cast<Index>(index.size()) != rows) {
    ThrowInvalid("GatherCols", "index has ", index.size(),
                 " entries but the tensor is ", x.ShapeString(),
                 " (one index per row)");
  }
  for (Index i = 0; i < rows; ++i) {
    if (index[i] < 0 || index[i] >= cols) {
      ThrowInvalid("GatherCols", "index[", i, "] = ", index[i],
                   " out of range for a ", x.ShapeString(), " tensor");
    }
  }
  const bool node = NeedsNode(x);
  BasicTensor<T> out = NewResult<T>(rows, 1, node);
  T* yv = ad_internal::MutableValue(out);
  const T* xv = x.value_data();
  for (Index i = 0; i < rows; ++i) yv[i] = xv[index[i] * rows + i];
  if (node) {
    T* xa = x.adjoint_data();
    const T* ya = out.adjoint_data();
    const Index* idx = ad_internal::CopyToArena(index.data(), index.size());
    Record(out, [=] {
      for (Index i = 0; i < rows; ++i) xa[idx[i] * rows + i] += ya[i];
    });
  }
  return out;
}

#define PROVI_INSTANTIATE(T)                                                   \
  template BasicTensor<T> Detach(const BasicTensor<T>&);                       \
  template class BasicLaneGradientScale<T>;                                    \
  template BasicTensor<T> ScaleLaneGradient(const BasicTensor<T>&,             \
                                            const BasicLaneGradientScale<T>&); \
  template BasicTensor<T> Transpose(const BasicTensor<T>&);                    \
  template BasicTensor<T> SliceRows(const BasicTensor<T>&, Index, Index);      \
  template BasicTensor<T> SliceCols(const BasicTensor<T>&, Index, Index);      \
  template BasicTensor<T> ConcatRows(absl::Span<const BasicTensor<T>>);        \
  template BasicTensor<T> ConcatCols(absl::Span<const BasicTensor<T>>);        \
  template BasicTensor<T> Reshape(const BasicTensor<T>&, Index, Index);        \
  template BasicTensor<T> Tile(const BasicTensor<T>&, Index, Index);           \
  template BasicTensor<T> BroadcastTo(const BasicTensor<T>&, Index, Index);    \
  template BasicTensor<T> GatherRows(const BasicTensor<T>&,                    \
                                     absl::Span<const Index>);                 \
  template BasicTensor<T> GatherCols(const BasicTensor<T>&,                    \
                                     absl::Span<const Index>);
PROVI_INSTANTIATE(float)
PROVI_INSTANTIATE(double)
#undef PROVI_INSTANTIATE

}  // namespace provi
