// Copyright 2026 The provi Authors.
//
// Operations on groups of rows: the sum of each group's rows (a scatter-add,
// the adjoint of GatherRows) and each group's log-sum-exp (particles of a
// data point, branches of an enumeration).

#include <algorithm>
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
using ad_internal::ThrowInvalid;

void CheckGroups(const char* op, Index rows, absl::Span<const Index> group,
                 Index groups) {
  if (groups < 0) ThrowInvalid(op, "negative group count ", groups);
  if (static_cast<Index>(group.size()) != rows) {
    ThrowInvalid(op, "the index has ", group.size(),
                 " entries but the tensor has ", rows, " rows (one per row)");
  }
  for (Index i = 0; i < rows; ++i) {
    if (group[i] < 0 || group[i] >= groups) {
      ThrowInvalid(op, "index[", i, "] = ", group[i], " out of range for ",
                   groups, " groups");
    }
  }
}

}  // namespace

template <typename T>
BasicTensor<T> ScatterAddRows(const BasicTensor<T>& x,
                              absl::Span<const Index> index, Index rows) {
  CheckGroups("ScatterAddRows", x.rows(), index, rows);
  const Index n = x.rows();
  const Index cols = x.cols();
  const bool node = NeedsNode(x);
  BasicTensor<T> out = NewResult<T>(rows, cols, node);
  MatrixMap<T> Y(ad_internal::MutableValue(out), rows, cols);
  Y.setZero();
  const auto X = x.value();
  for (Index j = 0; j < cols; ++j) {
    for (Index i = 0; i < n; ++i) Y(index[i], j) += X(i, j);
  }
  if (node) {
    T* xa = x.adjoint_data();
    const T* ya = out.adjoint_data();
    const Index* idx = ad_internal::CopyToArena(index.data(), index.size());
    Record(out, [=] {
      const ConstMatrixMap<T> G(ya, rows, cols);
      MatrixMap<T> XA(xa, n, cols);
      for (Index j = 0; j < cols; ++j) {
        for (Index i = 0; i < n; ++i) XA(i, j) += G(idx[i], j);
      }
    });
  }
  return out;
}

template <typename T>
BasicTensor<T> RowGroupLogSumExp(const BasicTensor<T>& x,
                                 absl::Span<const Index> group, Index groups) {
  CheckGroups("RowGroupLogSumExp", x.rows(), group, groups);
  const Index n = x.rows();
  const Index cols = x.cols();
  const bool node = NeedsNode(x);
  BasicTensor<T> out = NewResult<T>(groups, cols, node);
  T* yv = ad_internal::MutableValue(out);
  MatrixMap<T> Y(yv, groups, cols);
  const auto X = x.value();
  // Shift each group by its maximum; a group whose maximum is infinite
  // (all -inf, or containing +inf) keeps that value, an empty one is -inf.
  Y.setConstant(-std::numeric_limits<T>::infinity());
  for (Index j = 0; j < cols; ++j) {
    for (Index i = 0; i < n; ++i) {
      Y(group[i], j) = std::max(Y(group[i], j), X(i, j));
    }
  }
  BasicTensor<T> scratch = NewResult<T>(groups, cols, false);
  MatrixMap<T> sums(ad_internal::MutableValue(scratch), groups, cols);
  sums.setZero();
  for (Index j = 0; j < cols; ++j) {
    for (Index i = 0; i < n; ++i) {
      const T max = Y(group[i], j);
      if (std::isfinite(max)) sums(group[i], j) += std::exp(X(i, j) - max);
    }
  }
  for (Index j = 0; j < cols; ++j) {
    for (Index g = 0; g < groups; ++g) {
      if (std::isfinite(Y(g, j))) Y(g, j) += std::log(sums(g, j));
    }
  }
  if (node) {
    const T* xv = ad_internal::Pin(x);
    T* xa = x.adjoint_data();
    const T* ya = out.adjoint_data();
    const Index* idx = ad_internal::CopyToArena(group.data(), group.size());
    Record(out, [=] {
      const ConstMatrixMap<T> Xv(xv, n, cols);
      const ConstMatrixMap<T> Yv(yv, groups, cols);
      const ConstMatrixMap<T> G(ya, groups, cols);
      MatrixMap<T> XA(xa, n, cols);
      // x̄ += ȳ exp(x - y) within each group; a group whose result is
      // infinite passes nothing (its weights are undefined).
      for (Index j = 0; j < cols; ++j) {
        for (Index i = 0; i < n; ++i) {
          const T y = Yv(idx[i], j);
          if (!std::isfinite(y)) continue;
          XA(i, j) += G(idx[i], j) * std::exp(Xv(i, j) - y);
        }
      }
    });
  }
  return out;
}

#define PROVI_INSTANTIATE(T)                                              \
  template BasicTensor<T> ScatterAddRows(const BasicTensor<T>&,           \
                                         absl::Span<const Index>, Index); \
  template BasicTensor<T> RowGroupLogSumExp(const BasicTensor<T>&,        \
                                            absl::Span<const Index>, Index);
PROVI_INSTANTIATE(float)
PROVI_INSTANTIATE(double)
#undef PROVI_INSTANTIATE

}  // namespace provi
