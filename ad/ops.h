// Copyright 2026 The provi Authors.
//
// File: ad/ops.h
// -----------------------------------------------------------------------------
//
// The differentiable operations on `Tensor`s. Each records at most one node
// (a matrix operation is one node whose adjoint is whole-matrix algebra) and
// its comment states the derivative the node applies: for `y = f(x)` with
// upstream adjoint `ȳ`, what is added to `x̄`.
//
// Broadcasting (elementwise binary operations and `Where`): two shapes are
// compatible when they are equal, when one is 1x1, when their rows agree and
// one has one column (Rx1 against RxC), or when their columns agree and one
// has one row (1xC against RxC). The result has the larger shape. Anything
// else, including Rx1 against 1xC, is an error.
//
// Errors: an operation given invalid input (incompatible shapes, an index out
// of range, a matrix that is not positive definite) throws a `StatusError`
// with an InvalidArgument status naming the operation and the shapes or
// values (see base/status_error.h). provi's entry points turn it into an
// `absl::Status`. Values outside an operation's domain (log of a negative
// number) are not errors here: they give NaN or infinity as in plain C++, and
// the runtime reports NaNs at the sample site that produced them.
//
// Every function is a template over `BasicTensor<float>` and
// `BasicTensor<double>`; calls on `Tensor` deduce it.
//
// Example:
//
//   provi::Tensor h = provi::Tanh(provi::MatMul(x, w.tensor()) + b.tensor());
//   provi::Tensor loss = provi::SumAll(provi::Square(h - y));

#ifndef PROVI_AD_OPS_H_
#define PROVI_AD_OPS_H_

#include <initializer_list>
#include <memory>
#include <vector>

#include "absl/types/span.h"
#include "ad/tensor.h"

namespace provi {

// NoDeduce<T>
//
// `T`, in a position that does not take part in template argument deduction:
// plain-number arguments (`LeakyRelu(x, 0.01)`) then convert to the tensor's
// scalar type instead of conflicting with it.
template <typename T>
using NoDeduce = typename BasicTensor<T>::Scalar;

// -----------------------------------------------------------------------------
// Leaves, gradients and stop-gradient
// -----------------------------------------------------------------------------

// Variable()
//
// A leaf on the current tape holding a copy of `value`, with a zero adjoint
// that `Backward` fills. Must be called inside a `TapeScope` (a checked
// precondition).
template <typename T>
BasicTensor<T> Variable(const MatrixT<T>& value);
Tensor Variable(const Matrix& value);

// NewConstant()
//
// An uninitialised constant of the given shape, in the arena inside a
// `TapeScope` and owning heap storage outside; `*data` receives a pointer to
// its column-major values for the caller to fill. Samplers use it to write
// noise without a temporary matrix.
template <typename T>
BasicTensor<T> NewConstant(Index rows, Index cols, T** data);
Tensor NewConstant(Index rows, Index cols, Real** data);

// Backward()
//
// Reverse sweep: adds 1 to the adjoint of `loss`, which must be 1x1 (else
// throws), then runs every node of the tape, last first. Adjoints accumulate
// across calls; `Tape::Current().ZeroAdjoints()` and `Parameter::ZeroGrad()`
// reset them. A constant `loss` is a no-op.
template <typename T>
void Backward(const BasicTensor<T>& loss);

// Detach()
//
// Stop-gradient: the same value as a constant (no copy). Derivative: zero.
template <typename T>
BasicTensor<T> Detach(const BasicTensor<T>& x);

// BasicLaneGradientScale<T> (LaneGradientScale for Tensor)
//
// One factor per lane (row) for `ScaleLaneGradient`, read when the backward
// pass runs rather than when the operation is recorded: a caller can record
// the operation, compute further with its result, and then `Set` factors
// that depend on that computation's values. Copies share the factors.
// Factors start at 1.
//
// Example (the adjoint reaching z scaled by weights computed from z):
//
//   provi::LaneGradientScale weights(z.rows());
//   provi::Tensor log_w = LogDensity(provi::ScaleLaneGradient(z, weights));
//   weights.Set(provi::Exp(log_w - provi::LogSumExpAll(log_w)));
//   provi::Backward(provi::SumAll(log_w));  // z̄[i, :] scaled by w̃[i]
template <typename T>
class BasicLaneGradientScale {
 public:
  // `lanes` factors of 1. Throws InvalidArgument if lanes < 1.
  explicit BasicLaneGradientScale(Index lanes);

  // lanes()
  //
  // The number of factors.
  Index lanes() const { return lanes_; }

  // Set()
  //
  // The factors become the values of `factors`, a lanes() x 1 tensor (its
  // gradient, if any, is not followed). Any time before the backward pass,
  // as often as needed. Throws InvalidArgument naming both shapes if
  // `factors` has another shape.
  void Set(const BasicTensor<T>& factors);

  // factor()
  //
  // Lane `i`'s factor.
  T factor(Index i) const { return factors_.get()[i]; }

 private:
  template <typename U>
  friend BasicTensor<U> ScaleLaneGradient(
      const BasicTensor<U>& x, const BasicLaneGradientScale<U>& scale);

  std::shared_ptr<T[]> factors_;
  Index lanes_;
};
using LaneGradientScale = BasicLaneGradientScale<Real>;

// ScaleLaneGradient(x, scale) = x (a copy). Not a derivative: a reweighting
// of the gradient lane by lane, as Detach is one by zero.
//                              x̄[i, :] += scale.factor(i) ȳ[i, :],
// with the factors `scale` holds when the backward pass runs. Throws
// InvalidArgument naming both shapes unless x has scale.lanes() rows.
template <typename T>
BasicTensor<T> ScaleLaneGradient(const BasicTensor<T>& x,
                                 const BasicLaneGradientScale<T>& scale);

// -----------------------------------------------------------------------------
// Elementwise arithmetic (with broadcasting)
// -----------------------------------------------------------------------------

// Add(a, b) = a + b.           ā += ȳ;          b̄ += ȳ.
// Subtract(a, b) = a - b.      ā += ȳ;          b̄ -= ȳ.
// Multiply(a, b) = a * b.      ā += ȳ b;        b̄ += ȳ a.
// Divide(a, b) = a / b.        ā += ȳ / b;      b̄ -= ȳ y / b.
// Pow(a, b) = a^b.             ā += ȳ b a^(b-1); b̄ += ȳ y log(a) (0 where a=0).
// Broadcast operands receive their adjoint summed over the broadcast axis.
template <typename T>
BasicTensor<T> Add(const BasicTensor<T>& a, const BasicTensor<T>& b);
template <typename T>
BasicTensor<T> Subtract(const BasicTensor<T>& a, const BasicTensor<T>& b);
template <typename T>
BasicTensor<T> Multiply(const BasicTensor<T>& a, const BasicTensor<T>& b);
template <typename T>
BasicTensor<T> Divide(const BasicTensor<T>& a, const BasicTensor<T>& b);
template <typename T>
BasicTensor<T> Pow(const BasicTensor<T>& a, const BasicTensor<T>& b);

// Operations with a plain number c (no tensor is made for c):
// AddScalar(x, c) = x + c.     x̄ += ȳ.
// MultiplyScalar(x, c) = c x.  x̄ += c ȳ.
// ScalarSubtract(c, x) = c - x. x̄ -= ȳ.
// ScalarDivide(c, x) = c / x.  x̄ -= ȳ y / x.
// PowScalar(x, c) = x^c.       x̄ += ȳ c x^(c-1).
template <typename T>
BasicTensor<T> AddScalar(const BasicTensor<T>& x, NoDeduce<T> c);
template <typename T>
BasicTensor<T> MultiplyScalar(const BasicTensor<T>& x, NoDeduce<T> c);
template <typename T>
BasicTensor<T> ScalarSubtract(NoDeduce<T> c, const BasicTensor<T>& x);
template <typename T>
BasicTensor<T> ScalarDivide(NoDeduce<T> c, const BasicTensor<T>& x);
template <typename T>
BasicTensor<T> PowScalar(const BasicTensor<T>& x, NoDeduce<T> c);

// Negate(x) = -x.              x̄ -= ȳ.
template <typename T>
BasicTensor<T> Negate(const BasicTensor<T>& x);

// -----------------------------------------------------------------------------
// Elementwise functions
// -----------------------------------------------------------------------------

// Exp(x) = e^x.                        x̄ += ȳ y.
// Log(x) = ln x.                       x̄ += ȳ / x.
// Log1p(x) = ln(1 + x).                x̄ += ȳ / (1 + x).
// Expm1(x) = e^x - 1.                  x̄ += ȳ (y + 1).
// Sqrt(x) = √x.                        x̄ += ȳ / (2 y).
// Square(x) = x².                      x̄ += 2 ȳ x.
// Abs(x) = |x|.                        x̄ += ȳ sign(x) (0 at 0).
// Tanh(x).                             x̄ += ȳ (1 - y²).
// Sin(x).                              x̄ += ȳ cos x.
// Cos(x).                              x̄ += -ȳ sin x.
// Sigmoid(x) = 1 / (1 + e^-x).         x̄ += ȳ y (1 - y).
// LogSigmoid(x) = -softplus(-x).       x̄ += ȳ sigmoid(-x).
// Softplus(x) = ln(1 + e^x).           x̄ += ȳ sigmoid(x).
// Relu(x) = max(x, 0).                 x̄ += ȳ [x > 0].
// LeakyRelu(x, s) = x > 0 ? x : s x.   x̄ += ȳ (x > 0 ? 1 : s).
// Lgamma(x) = ln |Γ(x)|.               x̄ += ȳ ψ(x) (digamma).
// Digamma(x) = ψ(x).                   x̄ += ȳ ψ'(x) (trigamma).
// Clamp(x, lo, hi).                    x̄ += ȳ [lo <= x <= hi].
// Softplus, LogSigmoid and Sigmoid are evaluated without overflow for large
// |x|.
template <typename T>
BasicTensor<T> Exp(const BasicTensor<T>& x);
template <typename T>
BasicTensor<T> Log(const BasicTensor<T>& x);
template <typename T>
BasicTensor<T> Log1p(const BasicTensor<T>& x);
template <typename T>
BasicTensor<T> Expm1(const BasicTensor<T>& x);
template <typename T>
BasicTensor<T> Sqrt(const BasicTensor<T>& x);
template <typename T>
BasicTensor<T> Square(const BasicTensor<T>& x);
template <typename T>
BasicTensor<T> Abs(const BasicTensor<T>& x);
template <typename T>
BasicTensor<T> Tanh(const BasicTensor<T>& x);
template <typename T>
BasicTensor<T> Sin(const BasicTensor<T>& x);
template <typename T>
BasicTensor<T> Cos(const BasicTensor<T>& x);
template <typename T>
BasicTensor<T> Sigmoid(const BasicTensor<T>& x);
template <typename T>
BasicTensor<T> LogSigmoid(const BasicTensor<T>& x);
template <typename T>
BasicTensor<T> Softplus(const BasicTensor<T>& x);
template <typename T>
BasicTensor<T> Relu(const BasicTensor<T>& x);
template <typename T>
BasicTensor<T> LeakyRelu(const BasicTensor<T>& x, NoDeduce<T> negative_slope);
template <typename T>
BasicTensor<T> Lgamma(const BasicTensor<T>& x);
template <typename T>
BasicTensor<T> Digamma(const BasicTensor<T>& x);
template <typename T>
BasicTensor<T> Clamp(const BasicTensor<T>& x, NoDeduce<T> lo, NoDeduce<T> hi);

// Where(condition, a, b) = condition != 0 ? a : b, elementwise; the three
// shapes broadcast together. `condition` is read as a constant.
//   ā += ȳ [condition];  b̄ += ȳ [!condition].
template <typename T>
BasicTensor<T> Where(const BasicTensor<T>& condition, const BasicTensor<T>& a,
                     const BasicTensor<T>& b);

// -----------------------------------------------------------------------------
// Reductions. "Row" reductions reduce each row (lane) over its columns and
// give Rx1; "Col" reductions reduce each column over the rows and give 1xC;
// "All" reductions give 1x1.
// -----------------------------------------------------------------------------

// SumAll, RowSum, ColSum.      x̄ += ȳ broadcast back to x's shape.
// MeanAll, RowMean, ColMean.   x̄ += ȳ / n, n = number of terms reduced.
// LogSumExpAll, RowLogSumExp, ColLogSumExp: y = log Σ e^x, computed stably.
//                              x̄ += ȳ e^(x - y) (softmax weights).
// Sums of nothing are 0, means of nothing NaN, log-sum-exps of nothing -∞.
template <typename T>
BasicTensor<T> SumAll(const BasicTensor<T>& x);
template <typename T>
BasicTensor<T> RowSum(const BasicTensor<T>& x);
template <typename T>
BasicTensor<T> ColSum(const BasicTensor<T>& x);
template <typename T>
BasicTensor<T> MeanAll(const BasicTensor<T>& x);
template <typename T>
BasicTensor<T> RowMean(const BasicTensor<T>& x);
template <typename T>
BasicTensor<T> ColMean(const BasicTensor<T>& x);
template <typename T>
BasicTensor<T> LogSumExpAll(const BasicTensor<T>& x);
template <typename T>
BasicTensor<T> RowLogSumExp(const BasicTensor<T>& x);
template <typename T>
BasicTensor<T> ColLogSumExp(const BasicTensor<T>& x);

// LaneSum(terms, lanes): the lanes x 1 sum of `terms`, each lanes x 1 or
// 1x1; a 1x1 term is shared evenly (term / lanes to every lane), so the
// lanes sum to the sum of every term's elements. One node for all terms (a
// trace's per-lane log density adds one term per site). With no terms, zeros.
// Throws if a term has another shape or lanes < 1.
//                              lanes x 1 term: x̄ += ȳ;
//                              1x1 term:       x̄ += Σ ȳ / lanes.
template <typename T>
BasicTensor<T> LaneSum(absl::Span<const BasicTensor<T>> terms, Index lanes);

// -----------------------------------------------------------------------------
// Shape operations
// -----------------------------------------------------------------------------

// Transpose(x) = xᵀ.                              x̄ += ȳᵀ.
template <typename T>
BasicTensor<T> Transpose(const BasicTensor<T>& x);

// SliceRows(x, start, count): rows [start, start + count).
//                              x̄[start:start+count, :] += ȳ.
// SliceCols(x, start, count): columns [start, start + count); a view sharing
// x's storage and adjoint (columns are contiguous), so it records no node.
// Throws if the range is not within x.
template <typename T>
BasicTensor<T> SliceRows(const BasicTensor<T>& x, Index start, Index count);
template <typename T>
BasicTensor<T> SliceCols(const BasicTensor<T>& x, Index start, Index count);

// ConcatRows(parts): stacks vertically (all parts have equal columns).
// ConcatCols(parts): side by side (all parts have equal rows).
//                              each part's adjoint += its block of ȳ.
// `parts` is a span, a std::vector or a braced list, with the scalar type
// deduced from the parts: `ConcatCols({a, b, c})`, `ConcatRows(rows)`.
template <typename T>
BasicTensor<T> ConcatRows(absl::Span<const BasicTensor<T>> parts);
template <typename T>
BasicTensor<T> ConcatCols(absl::Span<const BasicTensor<T>> parts);
template <typename T>
BasicTensor<T> ConcatRows(std::initializer_list<BasicTensor<T>> parts) {
  return ConcatRows<T>(absl::Span<const BasicTensor<T>>(parts));
}
template <typename T>
BasicTensor<T> ConcatCols(std::initializer_list<BasicTensor<T>> parts) {
  return ConcatCols<T>(absl::Span<const BasicTensor<T>>(parts));
}
template <typename T>
BasicTensor<T> ConcatRows(const std::vector<BasicTensor<T>>& parts) {
  return ConcatRows<T>(absl::Span<const BasicTensor<T>>(parts));
}
template <typename T>
BasicTensor<T> ConcatCols(const std::vector<BasicTensor<T>>& parts) {
  return ConcatCols<T>(absl::Span<const BasicTensor<T>>(parts));
}

// Reshape(x, rows, cols): the same column-major elements in a new shape; a
// view sharing storage and adjoint (no node). Throws if the sizes differ.
template <typename T>
BasicTensor<T> Reshape(const BasicTensor<T>& x, Index rows, Index cols);

// BroadcastTo(x, rows, cols): x broadcast to rows x cols by the rules above
// (x itself when the shapes are equal). Throws if x does not broadcast.
//                              x̄ += ȳ summed over the broadcast axes.
template <typename T>
BasicTensor<T> BroadcastTo(const BasicTensor<T>& x, Index rows, Index cols);

// Tile(x, row_copies, col_copies): x repeated as a block matrix.
//                              x̄ += Σ over blocks of ȳ's block.
template <typename T>
BasicTensor<T> Tile(const BasicTensor<T>& x, Index row_copies,
                    Index col_copies);

// GatherRows(x, index): y row i = x row index[i] (rows may repeat, e.g.
// resampling particles).        x̄ row index[i] += ȳ row i.
// GatherCols(x, index): one value per lane, y(i, 0) = x(i, index[i]), with
// index.size() == x.rows() (e.g. a categorical log-probability).
//                               x̄(i, index[i]) += ȳ(i, 0).
// Throws on an index out of range or a length mismatch.
template <typename T>
BasicTensor<T> GatherRows(const BasicTensor<T>& x,
                          absl::Span<const Index> index);
template <typename T>
BasicTensor<T> GatherCols(const BasicTensor<T>& x,
                          absl::Span<const Index> index);

// ScatterAddRows(x, index, rows): the sum of the rows of x that index sends
// to each of `rows` groups, y row g = Σ_{i: index[i] = g} x row i (a group
// with no row is 0). The adjoint of GatherRows.
//                               x̄ row i += ȳ row index[i].
// RowGroupLogSumExp(x, group, groups): y(g, j) = log Σ_{i: group[i] = g}
// e^x(i, j), computed stably (-∞ for a group with no row): a log-sum-exp
// over each group of rows, e.g. the particles or enumeration branches of
// each data point, in any layout.
//                               x̄(i, j) += ȳ(g, j) e^(x(i, j) - y(g, j)),
//                               g = group[i].
// Both need one entry per row of x, each in [0, groups); they throw
// otherwise.
template <typename T>
BasicTensor<T> ScatterAddRows(const BasicTensor<T>& x,
                              absl::Span<const Index> index, Index rows);
template <typename T>
BasicTensor<T> RowGroupLogSumExp(const BasicTensor<T>& x,
                                 absl::Span<const Index> group, Index groups);

// -----------------------------------------------------------------------------
// Images
// -----------------------------------------------------------------------------

// SpatialTransform(src, where, src_height, src_width, out_height, out_width)
//
// The spatial transformer of Jaderberg et al. (NeurIPS 2015) for
// scale-and-shift transforms, as Attend-Infer-Repeat uses it: each row n of
// `src` is an image of src_height x src_width pixels (pixel (r, c) in column
// src_width r + c), each row of `where` (R x 3) a transform (s, tx, ty),
// and row n of the result (R x out_height·out_width) the image resampled
// bilinearly on the grid θ = [[s, 0, tx], [0, s, ty]], exactly as PyTorch's
// affine_grid + grid_sample with align_corners=False and zero padding. For
// output pixel (i, j), with Ho, Wo the output and Hs, Ws the source sizes:
//
//   xt = (2j + 1) / Wo - 1,        yt = (2i + 1) / Ho - 1
//   ix = ((s xt + tx + 1) Ws - 1) / 2,  iy = ((s yt + ty + 1) Hs - 1) / 2
//   x0 = ⌊ix⌋, ax = ix - x0,       y0 = ⌊iy⌋, ay = iy - y0
//   y(i, j) = (1-ax)(1-ay) V(y0, x0) + ax (1-ay) V(y0, x0+1)
//             + (1-ax) ay V(y0+1, x0) + ax ay V(y0+1, x0+1),
//
// V(r, c) the source pixel, 0 outside the source. In normalised
// coordinates (each image spanning [-1, 1]) the output shows the source
// square [tx - s, tx + s] x [ty - s, ty + s] (s = 1, tx = ty = 0 with equal
// sizes reproduces the image); equivalently, the whole source lands on the
// output square of half-side 1/s centred at (-tx/s, -ty/s), where the
// inverse transform (1/s, -tx/s, -ty/s) reads it back. Derivatives (ḡ the
// output's adjoint; ⌊·⌋ is piecewise constant):
//
//   src̄(y0+a, x0+b) += ḡ · (its bilinear weight above), for each corner
//                      inside the source;
//   ∂y/∂ix = (1-ay)(V(y0, x0+1) - V(y0, x0)) + ay (V(y0+1, x0+1) - V(y0+1,
//   x0)), ∂y/∂iy = (1-ax)(V(y0+1, x0) - V(y0, x0)) + ax (V(y0+1, x0+1) - V(y0,
//   x0+1)), s̄ += ḡ (∂y/∂ix · Ws/2 · xt + ∂y/∂iy · Hs/2 · yt), tx̄ += ḡ ∂y/∂ix ·
//   Ws/2,   tȳ += ḡ ∂y/∂iy · Hs/2,
//
// summed over the row's output pixels. One node; the sampling positions are
// recomputed in the reverse sweep rather than stored. A row whose transform
// is not finite gives NaN everywhere (and passes no gradient). Throws if a
// size is not positive, src is not R x Hs·Ws or where not R x 3.
template <typename T>
BasicTensor<T> SpatialTransform(const BasicTensor<T>& src,
                                const BasicTensor<T>& where, Index src_height,
                                Index src_width, Index out_height,
                                Index out_width);

// -----------------------------------------------------------------------------
// Linear algebra
// -----------------------------------------------------------------------------

// MatMul(a, b) = a b.          ā += ȳ bᵀ;  b̄ += aᵀ ȳ (two GEMMs, each only
// when that operand needs a gradient).
template <typename T>
BasicTensor<T> MatMul(const BasicTensor<T>& a, const BasicTensor<T>& b);

// Cholesky(a) = L, lower triangular with L Lᵀ = a, reading only the lower
// triangle of the square matrix a. Throws if a is not positive definite.
// With S = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹, Φ taking the lower triangle with its diagonal
// halved (Murray, "Differentiation of the Cholesky decomposition", 2016):
//   ā += tril(S + Sᵀ) - diag(S)   (the upper triangle gets nothing).
template <typename T>
BasicTensor<T> Cholesky(const BasicTensor<T>& a);

// TriangularSolve(l, b) = x with l x = b, for square lower-triangular l
// (only its lower triangle is read) and b with as many rows as l.
//   b̄ += l⁻ᵀ ȳ;  l̄ -= tril(b̄_new xᵀ), b̄_new being the first term.
template <typename T>
BasicTensor<T> TriangularSolve(const BasicTensor<T>& l,
                               const BasicTensor<T>& b);

// -----------------------------------------------------------------------------
// Operators
// -----------------------------------------------------------------------------

template <typename T>
BasicTensor<T> operator+(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  return Add(a, b);
}
template <typename T>
BasicTensor<T> operator-(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  return Subtract(a, b);
}
template <typename T>
BasicTensor<T> operator*(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  return Multiply(a, b);
}
template <typename T>
BasicTensor<T> operator/(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  return Divide(a, b);
}
template <typename T>
BasicTensor<T> operator-(const BasicTensor<T>& x) {
  return Negate(x);
}

// With a plain number on either side. `typename BasicTensor<T>::Scalar`
// keeps `T` deduced from the tensor alone, so `x * 2` and `0.5 - x` work.
template <typename T>
BasicTensor<T> operator+(const BasicTensor<T>& x,
                         typename BasicTensor<T>::Scalar c) {
  return AddScalar(x, c);
}
template <typename T>
BasicTensor<T> operator+(typename BasicTensor<T>::Scalar c,
                         const BasicTensor<T>& x) {
  return AddScalar(x, c);
}
template <typename T>
BasicTensor<T> operator-(const BasicTensor<T>& x,
                         typename BasicTensor<T>::Scalar c) {
  return AddScalar(x, -c);
}
template <typename T>
BasicTensor<T> operator-(typename BasicTensor<T>::Scalar c,
                         const BasicTensor<T>& x) {
  return ScalarSubtract(c, x);
}
template <typename T>
BasicTensor<T> operator*(const BasicTensor<T>& x,
                         typename BasicTensor<T>::Scalar c) {
  return MultiplyScalar(x, c);
}
template <typename T>
BasicTensor<T> operator*(typename BasicTensor<T>::Scalar c,
                         const BasicTensor<T>& x) {
  return MultiplyScalar(x, c);
}
template <typename T>
BasicTensor<T> operator/(const BasicTensor<T>& x,
                         typename BasicTensor<T>::Scalar c) {
  return MultiplyScalar(x, T(1) / c);
}
template <typename T>
BasicTensor<T> operator/(typename BasicTensor<T>::Scalar c,
                         const BasicTensor<T>& x) {
  return ScalarDivide(c, x);
}

}  // namespace provi

#endif  // PROVI_AD_OPS_H_
