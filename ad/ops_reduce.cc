// Copyright 2026 The provi Authors.
//
// Reductions: sums, means and log-sum-exps over everything, each row, or
// each column; the sum of per-lane terms.

#include <cmath>
#include <limits>

#include "ad/internal/op_support.h"
#include "ad/ops.h"

namespace provi {
namespace {

using ad_internal::ConstMatrixMap;
using ad_internal::MatrixMap;
using ad_internal::NeedsNode;
using ad_internal::NewResult;
using ad_internal::Record;

enum class Axis { kAll, kRow, kCol };

Index ResultRows(Axis axis, Index rows) {
  return axis == Axis::kRow ? rows : 1;
}
Index ResultCols(Axis axis, Index cols) {
  return axis == Axis::kCol ? cols : 1;
}

// Sum (scale = 1) or mean (scale = 1 / count) along `axis`.
template <typename T>
BasicTensor<T> LinearReduce(const BasicTensor<T>& x, Axis axis, bool mean) {
  const Index rows = x.rows();
  const Index cols = x.cols();
  const bool node = NeedsNode(x);
  BasicTensor<T> out =
      NewResult<T>(ResultRows(axis, rows), ResultCols(axis, cols), node);
  const Index count =
      axis == Axis::kAll ? rows * cols : (axis == Axis::kRow ? cols : rows);
  const T scale = mean ? T(1) / static_cast<T>(count) : T(1);
  const T* xv = x.value_data();
  T* yv = ad_internal::MutableValue(out);
  const ConstMatrixMap<T> X(xv, rows, cols);
  switch (axis) {
    case Axis::kAll:
      *yv = (rows * cols == 1 ? *xv : X.sum()) * scale;
      break;
    case Axis::kRow:
      MatrixMap<T>(yv, rows, 1) = X.rowwise().sum() * scale;
      break;
    case Axis::kCol:
      MatrixMap<T>(yv, 1, cols) = X.colwise().sum() * scale;
      break;
  }
  if (count == 0 && mean) {
    MatrixMap<T>(yv, out.rows(), out.cols())
        .setConstant(std::numeric_limits<T>::quiet_NaN());
  }
  if (node) {
    T* xa = x.adjoint_data();
    const T* ya = out.adjoint_data();
    Record(out, [=] {
      MatrixMap<T> XA(xa, rows, cols);
      switch (axis) {
        case Axis::kAll:
          if (rows * cols == 1) {
            *xa += *ya * scale;
          } else {
            XA.array() += *ya * scale;
          }
          break;
        case Axis::kRow:
          XA.colwise() += ConstMatrixMap<T>(ya, rows, 1).col(0) * scale;
          break;
        case Axis::kCol:
          XA.rowwise() += ConstMatrixMap<T>(ya, 1, cols).row(0) * scale;
          break;
      }
    });
  }
  return out;
}

// log Σ exp along `axis`, shifting by the maximum for stability. A slice
// whose maximum is infinite (all -inf, or containing +inf) keeps that value.
template <typename T>
T StableLogSumExp(const T* data, Index n, Index stride) {
  if (n == 0) return -std::numeric_limits<T>::infinity();
  T max = data[0];
  for (Index i = 1; i < n; ++i) max = std::max(max, data[i * stride]);
  if (!std::isfinite(max)) return max;
  T sum = 0;
  for (Index i = 0; i < n; ++i) sum += std::exp(data[i * stride] - max);
  return max + std::log(sum);
}

template <typename T>
BasicTensor<T> LogSumExpReduce(const BasicTensor<T>& x, Axis axis) {
  const Index rows = x.rows();
  const Index cols = x.cols();
  const bool node = NeedsNode(x);
  BasicTensor<T> out =
      NewResult<T>(ResultRows(axis, rows), ResultCols(axis, cols), node);
  const T* xv = x.value_data();
  T* yv = ad_internal::MutableValue(out);
  switch (axis) {
    case Axis::kAll:
      *yv = StableLogSumExp(xv, rows * cols, 1);
      break;
    case Axis::kRow:
      for (Index i = 0; i < rows; ++i) {
        yv[i] = StableLogSumExp(xv + i, cols, rows);
      }
      break;
    case Axis::kCol:
      for (Index j = 0; j < cols; ++j) {
        yv[j] = StableLogSumExp(xv + j * rows, rows, 1);
      }
      break;
  }
  if (node) {
    xv = ad_internal::Pin(x);
    T* xa = x.adjoint_data();
    const T* ya = out.adjoint_data();
    Record(out, [=] {
      const ConstMatrixMap<T> X(xv, rows, cols);
      MatrixMap<T> XA(xa, rows, cols);
      // x̄ += ȳ exp(x - y); a slice whose result is infinite passes nothing
      // (its weights are undefined).
      for (Index j = 0; j < cols; ++j) {
        for (Index i = 0; i < rows; ++i) {
          const Index k = axis == Axis::kAll ? 0 : (axis == Axis::kRow ? i : j);
          if (!std::isfinite(yv[k])) continue;
          XA(i, j) += ya[k] * std::exp(X(i, j) - yv[k]);
        }
      }
    });
  }
  return out;
}

}  // namespace

template <typename T>
BasicTensor<T> SumAll(const BasicTensor<T>& x) {
  return LinearReduce(x, Axis::kAll, false);
}
template <typename T>
BasicTensor<T> RowSum(const BasicTensor<T>& x) {
  return LinearReduce(x, Axis::kRow, false);
}
template <typename T>
BasicTensor<T> ColSum(const BasicTensor<T>& x) {
  return LinearReduce(x, Axis::kCol, false);
}
template <typename T>
BasicTensor<T> MeanAll(const BasicTensor<T>& x) {
  return LinearReduce(x, Axis::kAll, true);
}
template <typename T>
BasicTensor<T> RowMean(const BasicTensor<T>& x) {
  return LinearReduce(x, Axis::kRow, true);
}
template <typename T>
BasicTensor<T> ColMean(const BasicTensor<T>& x) {
  return LinearReduce(x, Axis::kCol, true);
}
template <typename T>
BasicTensor<T> LogSumExpAll(const BasicTensor<T>& x) {
  return LogSumExpReduce(x, Axis::kAll);
}
template <typename T>
BasicTensor<T> RowLogSumExp(const BasicTensor<T>& x) {
  return LogSumExpReduce(x, Axis::kRow);
}
template <typename T>
BasicTensor<T> ColLogSumExp(const BasicTensor<T>& x) {
  return LogSumExpReduce(x, Axis::kCol);
}

template <typename T>
BasicTensor<T> LaneSum(absl::Span<const BasicTensor<T>> terms, Index lanes) {
  if (lanes < 1) ad_internal::ThrowInvalid("LaneSum", "lanes = ", lanes);
  Tape& tape = Tape::Current();
  bool any_grad = false;
  for (const BasicTensor<T>& term : terms) {
    if (term.cols() != 1 || (term.rows() != 1 && term.rows() != lanes)) {
      ad_internal::ThrowInvalid("LaneSum", "term ", &term - terms.data(),
                                " is ", term.ShapeString(), ", not ", lanes,
                                "x1 or 1x1");
    }
    any_grad = any_grad || term.requires_grad();
  }
  const bool node = any_grad && tape.recording();
  BasicTensor<T> out = NewResult<T>(tape, lanes, 1, node);
  T* yv = ad_internal::MutableValue(out);
  const T share = T(1) / static_cast<T>(lanes);
  // The shared terms first, as one constant added to every lane.
  T shared = 0;
  for (const BasicTensor<T>& term : terms) {
    if (term.rows() == 1 && lanes > 1) shared += term.value_data()[0] * share;
  }
  ad_internal::ArrayMap<T> Y(yv, lanes);
  Y.setConstant(shared);
  for (const BasicTensor<T>& term : terms) {
    if (term.rows() == lanes) {
      Y += ad_internal::ConstArrayMap<T>(term.value_data(), lanes);
    }
  }
  if (node) {
    // The closure captures arena copies of the adjoints that need one.
    size_t n = 0;
    for (const BasicTensor<T>& term : terms) n += term.requires_grad();
    T** adjoints = tape.arena().AllocateArray<T*>(n);
    bool* whole = tape.arena().AllocateArray<bool>(n);
    n = 0;
    for (const BasicTensor<T>& term : terms) {
      if (!term.requires_grad()) continue;
      adjoints[n] = term.adjoint_data();
      whole[n] = term.rows() == lanes;
      ++n;
    }
    const T* ya = out.adjoint_data();
    Record(tape, out, [=] {
      const ad_internal::ConstArrayMap<T> G(ya, lanes);
      const T shared_adjoint = lanes == 1 ? *ya : G.sum() * share;
      for (size_t k = 0; k < n; ++k) {
        if (whole[k]) {
          ad_internal::ArrayMap<T>(adjoints[k], lanes) += G;
        } else {
          *adjoints[k] += shared_adjoint;
        }
      }
    });
  }
  return out;
}

#define PROVI_INSTANTIATE(T)                                                \
  template BasicTensor<T> LaneSum(absl::Span<const BasicTensor<T>>, Index); \
  template BasicTensor<T> SumAll(const BasicTensor<T>&);                    \
  template BasicTensor<T> RowSum(const BasicTensor<T>&);                    \
  template BasicTensor<T> ColSum(const BasicTensor<T>&);                    \
  template BasicTensor<T> MeanAll(const BasicTensor<T>&);                   \
  template BasicTensor<T> RowMean(const BasicTensor<T>&);                   \
  template BasicTensor<T> ColMean(const BasicTensor<T>&);                   \
  template BasicTensor<T> LogSumExpAll(const BasicTensor<T>&);              \
  template BasicTensor<T> RowLogSumExp(const BasicTensor<T>&);              \
  template BasicTensor<T> ColLogSumExp(const BasicTensor<T>&);
PROVI_INSTANTIATE(float)
PROVI_INSTANTIATE(double)
#undef PROVI_INSTANTIATE

}  // namespace provi
