// Copyright 2026 The provi Authors.
//
// File: distributions/internal/bijector_math.h
// -----------------------------------------------------------------------------
//
// The formulas behind the bijectors of distributions/bijector.h, as
// templates over `BasicTensor<float>` and `BasicTensor<double>`. The
// bijector classes call them with `Tensor`; tests call them with
// `BasicTensor<double>` to compute finite-difference Jacobians of the same
// code in double precision whatever `Real` is. The derivations are in
// bijector.h. Internal to distributions/.

#ifndef PROVI_DISTRIBUTIONS_INTERNAL_BIJECTOR_MATH_H_
#define PROVI_DISTRIBUTIONS_INTERNAL_BIJECTOR_MATH_H_

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "ad/tensor.h"
#include "base/status_error.h"

namespace provi {
namespace distributions_internal {

// A constant rows x cols tensor whose element (i, j) is `fill(i, j)`.
template <typename T, typename F>
BasicTensor<T> FilledConstant(Index rows, Index cols, const F& fill) {
  T* data = nullptr;
  BasicTensor<T> out = NewConstant<T>(rows, cols, &data);
  for (Index j = 0; j < cols; ++j) {
    for (Index i = 0; i < rows; ++i)
      data[j * rows + i] = static_cast<T>(fill(i, j));
  }
  return out;
}

// -----------------------------------------------------------------------------
// Softplus
// -----------------------------------------------------------------------------

// softplus⁻¹(x) = log(e^x - 1) = x + log(1 - e^-x), which neither overflows
// for large x nor loses precision for small x.
template <typename T>
BasicTensor<T> SoftplusInverse(const BasicTensor<T>& x) {
  return x + Log(-Expm1(-x));
}

// -----------------------------------------------------------------------------
// Affine sigmoid onto [lower, upper]
// -----------------------------------------------------------------------------

// x = lower + (upper - lower) σ(u), clamped to the interval because the
// affine map may round one ulp past an endpoint.
template <typename T>
BasicTensor<T> IntervalForward(const BasicTensor<T>& u, NoDeduce<T> lower,
                               NoDeduce<T> upper) {
  if (lower == 0 && upper == 1) return Sigmoid(u);
  return Clamp(Sigmoid(u) * (upper - lower) + lower, lower, upper);
}

// u = logit((x - lower) / (upper - lower)).
template <typename T>
BasicTensor<T> IntervalInverse(const BasicTensor<T>& x, NoDeduce<T> lower,
                               NoDeduce<T> upper) {
  const BasicTensor<T> z =
      lower == 0 && upper == 1 ? x : (x - lower) / (upper - lower);
  return Log(z) - Log1p(-z);
}

// Σ_j log((upper - lower) σ(u_j) σ(-u_j)) per row.
template <typename T>
BasicTensor<T> IntervalLogAbsDetJacobian(const BasicTensor<T>& u,
                                         NoDeduce<T> lower, NoDeduce<T> upper) {
  const BasicTensor<T> per_row = RowSum(LogSigmoid(u) + LogSigmoid(-u));
  if (lower == 0 && upper == 1) return per_row;
  return per_row + static_cast<T>(u.cols()) * std::log(upper - lower);
}

// Tensor bounds broadcast to the shape of `like` (the value they bound);
// throws InvalidArgument when they do not broadcast to it.
template <typename T>
void BroadcastBounds(const BasicTensor<T>& like, const BasicTensor<T>& lower,
                     const BasicTensor<T>& upper, BasicTensor<T>* lower_out,
                     BasicTensor<T>* upper_out) {
  const auto fits = [&](const BasicTensor<T>& b) {
    return (b.rows() == 1 || b.rows() == like.rows()) &&
           (b.cols() == 1 || b.cols() == like.cols());
  };
  if (!fits(lower) || !fits(upper)) {
    ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
        "Sigmoid: bounds of shapes ", lower.ShapeString(), " and ",
        upper.ShapeString(), " do not broadcast to the value's shape ",
        like.ShapeString())));
  }
  *lower_out = BroadcastTo(lower, like.rows(), like.cols());
  *upper_out = BroadcastTo(upper, like.rows(), like.cols());
}

// The interval maps with tensor bounds.
//
// x = lower + (upper - lower) σ(u) elementwise, with elements that round
// past a bound set to it (the derivative then goes to that bound, which is
// the limit of the map's).
template <typename T>
BasicTensor<T> IntervalForward(const BasicTensor<T>& u,
                               const BasicTensor<T>& lower,
                               const BasicTensor<T>& upper) {
  BasicTensor<T> lo, hi;
  BroadcastBounds(u, lower, upper, &lo, &hi);
  const BasicTensor<T> x = Sigmoid(u) * (hi - lo) + lo;
  bool outside = false;
  const BasicTensor<T> above =
      FilledConstant<T>(x.rows(), x.cols(), [&](Index i, Index j) {
        const bool past = x(i, j) > hi(i, j);
        outside |= past;
        return past ? 1 : 0;
      });
  const BasicTensor<T> below =
      FilledConstant<T>(x.rows(), x.cols(), [&](Index i, Index j) {
        const bool past = x(i, j) < lo(i, j);
        outside |= past;
        return past ? 1 : 0;
      });
  if (!outside) return x;
  return Where(above, hi, Where(below, lo, x));
}

// u = logit((x - lower) / (upper - lower)) elementwise.
template <typename T>
BasicTensor<T> IntervalInverse(const BasicTensor<T>& x,
                               const BasicTensor<T>& lower,
                               const BasicTensor<T>& upper) {
  BasicTensor<T> lo, hi;
  BroadcastBounds(x, lower, upper, &lo, &hi);
  const BasicTensor<T> z = (x - lo) / (hi - lo);
  return Log(z) - Log1p(-z);
}

// Σ_j log((upper_j - lower_j) σ(u_j) σ(-u_j)) per row.
template <typename T>
BasicTensor<T> IntervalLogAbsDetJacobian(const BasicTensor<T>& u,
                                         const BasicTensor<T>& lower,
                                         const BasicTensor<T>& upper) {
  BasicTensor<T> lo, hi;
  BroadcastBounds(u, lower, upper, &lo, &hi);
  return RowSum(LogSigmoid(u) + LogSigmoid(-u) + Log(hi - lo));
}

// -----------------------------------------------------------------------------
// Ordered vectors: K reals per row onto an increasing row
// -----------------------------------------------------------------------------

// 1 in column 0, 0 elsewhere (1 x k).
template <typename T>
BasicTensor<T> FirstColumnMask(Index k) {
  return FilledConstant<T>(1, k, [](Index, Index j) { return j == 0 ? 1 : 0; });
}

// y_0 = u_0, y_k = y_{k-1} + exp(u_k): the cumulative sum of
// (u_0, e^{u_1}, ..., e^{u_{K-1}}), one product with the upper-triangular
// ones matrix C[i, k] = [i <= k].
template <typename T>
BasicTensor<T> OrderedForward(const BasicTensor<T>& u) {
  const Index k = u.cols();
  const BasicTensor<T> first = FirstColumnMask<T>(k);
  // exp only off the first column; the first sees exp(0), so a large u_0
  // cannot overflow and send 0 * inf = NaN backwards.
  const BasicTensor<T> steps =
      Where(first, u, Exp(Where(first, BasicTensor<T>(0), u)));
  const BasicTensor<T> cumulative =
      FilledConstant<T>(k, k, [](Index i, Index j) { return i <= j ? 1 : 0; });
  return MatMul(steps, cumulative);
}

// u_0 = y_0, u_k = log(y_k - y_{k-1}).
template <typename T>
BasicTensor<T> OrderedInverse(const BasicTensor<T>& y) {
  const Index k = y.cols();
  const BasicTensor<T> first = FirstColumnMask<T>(k);
  // D[i, j] = [i == j] - [i == j - 1]: column j of y D is y_j - y_{j-1}
  // (and y_0 in column 0, which the mask replaces by y_0 itself).
  const BasicTensor<T> difference = FilledConstant<T>(
      k, k,
      [](Index i, Index j) { return i == j ? 1 : (i + 1 == j ? -1 : 0); });
  const BasicTensor<T> gaps = MatMul(y, difference);
  return Where(first, y, Log(Where(first, BasicTensor<T>(1), gaps)));
}

// Σ_{k>=1} u_k per row: the Jacobian is lower triangular with diagonal
// (1, e^{u_1}, ..., e^{u_{K-1}}).
template <typename T>
BasicTensor<T> OrderedLogAbsDetJacobian(const BasicTensor<T>& u) {
  const BasicTensor<T> rest = FilledConstant<T>(
      1, u.cols(), [](Index, Index j) { return j == 0 ? 0 : 1; });
  return RowSum(u * rest);
}

// -----------------------------------------------------------------------------
// Stick breaking: K - 1 reals per row onto the K-simplex
// -----------------------------------------------------------------------------

// t_k = u_k - log(K - 1 - k), k = 0, ..., K - 2 (0-based).
template <typename T>
BasicTensor<T> StickBreakingLogits(const BasicTensor<T>& u) {
  const Index free = u.cols();
  return u - FilledConstant<T>(1, free, [&](Index, Index k) {
           return std::log(static_cast<T>(free - k));
         });
}

template <typename T>
BasicTensor<T> StickBreakingForward(const BasicTensor<T>& u) {
  const Index free = u.cols();
  const BasicTensor<T> t = StickBreakingLogits(u);
  // log x_k = log z_k + Σ_{i<k} log(1 - z_i) (k < K - 1) and
  // log x_{K-1} = Σ_i log(1 - z_i): the sums are one product with the
  // strictly-upper-triangular ones matrix C[i, k] = [i < k], (K-1) x K.
  const BasicTensor<T> before = FilledConstant<T>(
      free, free + 1, [](Index i, Index k) { return i < k ? 1 : 0; });
  const BasicTensor<T> zero_column =
      FilledConstant<T>(u.rows(), 1, [](Index, Index) { return 0; });
  const BasicTensor<T> log_z = LogSigmoid(t);
  const BasicTensor<T> log_x =
      MatMul(LogSigmoid(-t), before) + ConcatCols({log_z, zero_column});
  return Exp(log_x);
}

template <typename T>
BasicTensor<T> StickBreakingInverse(const BasicTensor<T>& x) {
  const Index k_count = x.cols();
  if (k_count < 1) {
    ThrowStatus(absl::InvalidArgumentError(
        absl::StrCat("StickBreaking: Inverse of a ", x.ShapeString(),
                     " tensor; a simplex row has at least one column")));
  }
  const Index free = k_count - 1;
  // u_k = log x_k - log Σ_{i>k} x_i + log(K - 1 - k): the remaining mass is
  // summed from the tail, not computed as 1 - Σ_{i<=k} x_i, which would
  // cancel catastrophically when the head holds almost all of it.
  const BasicTensor<T> after = FilledConstant<T>(
      k_count, free, [](Index i, Index k) { return i > k ? 1 : 0; });
  const BasicTensor<T> offsets = FilledConstant<T>(
      1, free,
      [&](Index, Index k) { return std::log(static_cast<T>(free - k)); });
  return Log(SliceCols(x, 0, free)) - Log(MatMul(x, after)) + offsets;
}

// Σ_k log z_k + (K - 1 - k) log(1 - z_k) per row (0-based k).
template <typename T>
BasicTensor<T> StickBreakingLogAbsDetJacobian(const BasicTensor<T>& u) {
  const Index free = u.cols();
  const BasicTensor<T> t = StickBreakingLogits(u);
  const BasicTensor<T> weight =
      FilledConstant<T>(1, free, [&](Index, Index k) { return free - k; });
  return RowSum(LogSigmoid(t) + LogSigmoid(-t) * weight);
}

// -----------------------------------------------------------------------------
// Lower Cholesky: D(D + 1)/2 reals onto a D x D lower-triangular matrix
// -----------------------------------------------------------------------------

// D for a row of `free` = D(D + 1)/2 entries, or -1 when `free` is not a
// triangular number.
inline Index CholeskyDimension(Index free) {
  Index d = static_cast<Index>(
      std::floor((std::sqrt(8.0 * static_cast<double>(free) + 1) - 1) / 2));
  while (d * (d + 1) / 2 < free) ++d;
  return d * (d + 1) / 2 == free ? d : -1;
}

// Position of L(i, j), j <= i, in the row-major packing of the lower
// triangle: (0,0), (1,0), (1,1), (2,0), ...
inline Index PackedIndex(Index i, Index j) { return i * (i + 1) / 2 + j; }

// 1 at the packed positions of the diagonal, 0 elsewhere (1 x free).
template <typename T>
BasicTensor<T> CholeskyDiagonalMask(Index d) {
  T* data = nullptr;
  BasicTensor<T> mask = NewConstant<T>(1, d * (d + 1) / 2, &data);
  std::fill(data, data + mask.size(), T(0));
  for (Index i = 0; i < d; ++i) data[PackedIndex(i, i)] = T(1);
  return mask;
}

// D for an unconstrained input; throws unless it is one row of a
// triangular number of entries.
template <typename T>
Index CheckedCholeskyDimension(const BasicTensor<T>& u) {
  const Index d = CholeskyDimension(u.cols());
  if (u.rows() != 1 || d < 0) {
    ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
        "LowerCholesky: the unconstrained value is ", u.ShapeString(),
        "; expected one row of D(D+1)/2 entries")));
  }
  return d;
}

template <typename T>
BasicTensor<T> LowerCholeskyForward(const BasicTensor<T>& u) {
  const Index d = CheckedCholeskyDimension(u);
  const Index free = u.cols();
  const BasicTensor<T> diagonal = CholeskyDiagonalMask<T>(d);
  // exp only on the diagonal; off-diagonal entries see exp(0), so a large
  // off-diagonal value cannot overflow and send 0 * inf = NaN backwards.
  const BasicTensor<T> packed =
      Where(diagonal, Exp(Where(diagonal, u, BasicTensor<T>(0))), u);
  // Scatter by a gather: entry j * D + i (column-major) of L reads packed
  // entry PackedIndex(i, j), or an appended zero above the diagonal.
  std::vector<Index> source(static_cast<size_t>(d * d));
  for (Index j = 0; j < d; ++j) {
    for (Index i = 0; i < d; ++i) {
      source[static_cast<size_t>(j * d + i)] =
          i >= j ? PackedIndex(i, j) : free;
    }
  }
  const BasicTensor<T> column =
      ConcatRows({Transpose(packed), BasicTensor<T>(0)});
  return Reshape(GatherRows(column, source), d, d);
}

template <typename T>
BasicTensor<T> LowerCholeskyInverse(const BasicTensor<T>& l) {
  const Index d = l.rows();
  if (l.cols() != d) {
    ThrowStatus(absl::InvalidArgumentError(
        absl::StrCat("LowerCholesky: Inverse of a ", l.ShapeString(),
                     " tensor; expected a square matrix")));
  }
  std::vector<Index> source(static_cast<size_t>(d * (d + 1) / 2));
  for (Index i = 0; i < d; ++i) {
    for (Index j = 0; j <= i; ++j) {
      source[static_cast<size_t>(PackedIndex(i, j))] = j * d + i;
    }
  }
  const BasicTensor<T> packed =
      Transpose(GatherRows(Reshape(l, d * d, 1), source));
  const BasicTensor<T> diagonal = CholeskyDiagonalMask<T>(d);
  return Where(diagonal, Log(Where(diagonal, packed, BasicTensor<T>(1))),
               packed);
}

// Σ of the packed diagonal entries (1 x 1).
template <typename T>
BasicTensor<T> LowerCholeskyLogAbsDetJacobian(const BasicTensor<T>& u) {
  const Index d = CheckedCholeskyDimension(u);
  return RowSum(u * CholeskyDiagonalMask<T>(d));
}

}  // namespace distributions_internal
}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_INTERNAL_BIJECTOR_MATH_H_
