// Copyright 2026 The provi Authors.
//
// File: ad/tensor.h
// -----------------------------------------------------------------------------
//
// `provi::Tensor` is the value every layer of provi computes with: a 2-D,
// column-major array of `provi::Real` whose **rows are lanes** (independent
// instances: data points in a plate, particles) and whose **columns are event
// components**. A scalar is 1x1. A tensor is either a *constant* or a
// *variable*: a value whose gradient reverse mode accumulates in its adjoint.
//
// Variables come from three places: `Parameter::tensor()` (model parameters,
// living outside the tape, gradients in `Parameter::grad()`), `Variable(m)`
// (a leaf on the current tape) and operations on variables inside a
// `TapeScope`. Copying a tensor is cheap: it is a view (pointers, a shape and,
// for constants created from matrices, a shared reference to their storage).
//
// The operations are in `ad/ops.h`. `BasicTensor<T>` exists for `float` and
// `double`; `Tensor` is `BasicTensor<Real>`. The other instantiation lets
// gradient checks evaluate the same function in double precision in a float
// build.
//
// Lifetime: a tensor produced inside a `TapeScope` lives in that scope's
// arena and must not be used after the scope ends. Tensors created outside
// every scope own their storage.
//
// Example:
//
//   provi::TapeScope scope;
//   provi::Tensor x = provi::Variable(provi::Matrix::Constant(2, 3, 0.5));
//   provi::Tensor y = provi::SumAll(provi::Exp(x) * 2.0);
//   provi::Backward(y);
//   // x.adjoint() is now 2 * exp(0.5) everywhere.

#ifndef PROVI_AD_TENSOR_H_
#define PROVI_AD_TENSOR_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "Eigen/Core"
#include "base/check.h"
#include "base/real.h"

namespace provi {

// Index
//
// Eigen's signed index type, used for every shape and position.
using Index = Eigen::Index;

// MatrixT, Matrix
//
// Dynamic-size, column-major Eigen matrices of `T` and of `Real`.
template <typename T>
using MatrixT = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
using Matrix = MatrixT<Real>;

// AllFinite()
//
// Whether every element of `x` is finite (neither infinite nor NaN), in one
// vectorised pass: x · 0 is ±0 for finite x and NaN otherwise, so the sum
// of x · 0 is zero exactly when every element is finite. Eigen's
// `allFinite()` answers the same question element by element, several
// times slower on the gradients of a network. True for an empty `x`.
//
// Example:
//
//   if (!provi::AllFinite(grad)) { /* find and report the element */ }
template <typename Derived>
bool AllFinite(const Eigen::DenseBase<Derived>& x) {
  using Scalar = typename Derived::Scalar;
  return (x.derived().array() * Scalar(0)).sum() == Scalar(0);
}

// AllFinite(data, n)
//
// The same for the n values at `data`: a plain loop for a few values
// (kAllFiniteLoopMax or fewer; Eigen's vectorised reduction costs more to
// set up than they take to test), Eigen's packet sum beyond.
inline constexpr Index kAllFiniteLoopMax = 16;
template <typename T>
bool AllFinite(const T* data, Index n) {
  if (n <= kAllFiniteLoopMax) {
    bool finite = true;
    for (Index k = 0; k < n; ++k) {
      finite &= std::abs(data[k]) <= std::numeric_limits<T>::max();
    }
    return finite;
  }
  return AllFinite(
      Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>(data, n));
}

// ForEachChunk()
//
// Calls `f(chunk)` on consecutive pieces of the arrays `data...` (each of
// `n` elements), at most `kCacheChunk` long, as Eigen array maps: the loop
// of a pass that applies several element-wise operations to a piece while
// it is in cache, so that each array is read from memory once. The
// arithmetic, and so every bit of the result, is that of whole-array
// passes. Pointers to const give read-only maps.
//
// Example (x -= rate * g, and whether g is finite, in one pass):
//
//   bool finite = true;
//   provi::ForEachChunk(n, [&](auto x, auto g) {
//     finite = finite && provi::AllFinite(g);
//     x -= rate * g;
//   }, x_data, g_data);
constexpr Index kCacheChunk = 4096;
template <typename F, typename... T>
void ForEachChunk(Index n, F&& f, T*... data) {
  for (Index begin = 0; begin < n; begin += kCacheChunk) {
    const Index length = std::min(kCacheChunk, n - begin);
    f(Eigen::Map<std::conditional_t<
          std::is_const_v<T>,
          const Eigen::Array<std::remove_const_t<T>, Eigen::Dynamic, 1>,
          Eigen::Array<T, Eigen::Dynamic, 1>>>(data + begin, length)...);
  }
}

template <typename T>
class BasicTensor;

namespace ad_internal {
struct Access;
}  // namespace ad_internal

// BasicTensor<T>
//
// See the file comment. `T` is `float` or `double`.
template <typename T>
class BasicTensor {
 public:
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "BasicTensor is defined for float and double");
  using Scalar = T;
  using MatrixType = MatrixT<T>;
  using Map = Eigen::Map<MatrixType>;
  using ConstMap = Eigen::Map<const MatrixType>;

  // An empty (0x0) constant.
  BasicTensor() : value_(&inline_) {}

  // A 1x1 constant. Implicit, so that `Normal(0.0, 1.0)` and `x * 2` read
  // naturally. Stores the value inline: no allocation.
  template <typename A, typename = std::enable_if_t<std::is_arithmetic_v<A>>>
  BasicTensor(A value)  // NOLINT(google-explicit-constructor)
      : value_(&inline_), rows_(1), cols_(1), inline_(static_cast<T>(value)) {}

  // A constant holding a copy of `value`.
  template <typename Derived>
  explicit BasicTensor(const Eigen::MatrixBase<Derived>& value)
      : BasicTensor(FromMatrix(value.template cast<T>().eval())) {}

  BasicTensor(const BasicTensor& other)
      : value_(other.value_ == &other.inline_ ? &inline_ : other.value_),
        adjoint_(other.adjoint_),
        rows_(other.rows_),
        cols_(other.cols_),
        storage_(other.storage_),
        inline_(other.inline_) {}
  BasicTensor(BasicTensor&& other) noexcept
      : value_(other.value_ == &other.inline_ ? &inline_ : other.value_),
        adjoint_(other.adjoint_),
        rows_(other.rows_),
        cols_(other.cols_),
        storage_(std::move(other.storage_)),
        inline_(other.inline_) {}
  BasicTensor& operator=(const BasicTensor& other) {
    if (this != &other) {
      storage_ = other.storage_;
      Assign(other);
    }
    return *this;
  }
  BasicTensor& operator=(BasicTensor&& other) noexcept {
    if (this != &other) {
      storage_ = std::move(other.storage_);
      Assign(other);
    }
    return *this;
  }
  ~BasicTensor() = default;

  // rows(), cols(), size()
  //
  // Lanes, event components, and their product.
  Index rows() const { return rows_; }
  Index cols() const { return cols_; }
  Index size() const { return static_cast<Index>(rows_) * cols_; }
  bool is_scalar() const { return rows_ == 1 && cols_ == 1; }

  // requires_grad()
  //
  // True for variables: values whose adjoint reverse mode accumulates.
  bool requires_grad() const { return adjoint_ != nullptr; }

  // value()
  //
  // A read-only view of the value.
  ConstMap value() const { return ConstMap(value_, rows_, cols_); }

  // item()
  //
  // The value of a 1x1 tensor. Checks the shape (a programming error).
  T item() const {
    PROVI_CHECK(is_scalar())
        << "item() of a " << rows_ << "x" << cols_ << " tensor";
    return *value_;
  }

  // operator()(row, col)
  //
  // One element of the value.
  T operator()(Index row, Index col) const { return value_[col * rows_ + row]; }

  // adjoint()
  //
  // The gradient accumulated by `Backward` (variables only).
  Map adjoint() const {
    PROVI_CHECK(requires_grad()) << "adjoint() of a constant tensor";
    return Map(adjoint_, rows_, cols_);
  }

  // ShapeString()
  //
  // "RxC", for messages.
  std::string ShapeString() const {
    return std::to_string(rows_) + "x" + std::to_string(cols_);
  }

  // Raw storage, for operations and interop. `adjoint_data()` is null for
  // constants.
  const T* value_data() const { return value_; }
  T* adjoint_data() const { return adjoint_; }

 private:
  friend struct ad_internal::Access;

  // A view of memory owned elsewhere (arena or parameter), or of `storage`.
  BasicTensor(T* value, T* adjoint, Index rows, Index cols,
              std::shared_ptr<T[]> storage = nullptr)
      : value_(value),
        adjoint_(adjoint),
        rows_(rows),
        cols_(cols),
        storage_(std::move(storage)) {}

  static BasicTensor FromMatrix(const MatrixType& value);

  // Everything but the storage.
  void Assign(const BasicTensor& other) {
    rows_ = other.rows_;
    cols_ = other.cols_;
    adjoint_ = other.adjoint_;
    inline_ = other.inline_;
    value_ = other.value_ == &other.inline_ ? &inline_ : other.value_;
  }

  // Points at `inline_`, at `storage_`, at arena memory or at a parameter.
  T* value_;
  T* adjoint_ = nullptr;
  Index rows_ = 0;
  Index cols_ = 0;
  std::shared_ptr<T[]> storage_;
  T inline_ = T(0);
};

using Tensor = BasicTensor<Real>;

// Parameter
//
// A trainable matrix living outside the tape: its value and its gradient
// buffer. Inside a `TapeScope`, `tensor()` is a variable whose adjoint *is*
// `grad()`, so `Backward` accumulates into it directly, with no copy; outside
// every scope it is a constant. Gradients accumulate across `Backward` calls
// until `ZeroGrad()`. A parameter must outlive the tensors made from it and
// must not be resized while they are in use.
class Parameter {
 public:
  Parameter() = default;
  explicit Parameter(Matrix value)
      : value_(std::move(value)),
        grad_(Matrix::Zero(value_.rows(), value_.cols())) {}

  Matrix& value() { return value_; }
  const Matrix& value() const { return value_; }
  Matrix& grad() { return grad_; }
  const Matrix& grad() const { return grad_; }
  Index rows() const { return value_.rows(); }
  Index cols() const { return value_.cols(); }

  // Sets the gradient to zero.
  void ZeroGrad() { grad_.setZero(); }

  // Replaces the value (and resets the gradient to zeros of the new shape).
  void Reset(Matrix value) {
    value_ = std::move(value);
    grad_ = Matrix::Zero(value_.rows(), value_.cols());
  }

  // The parameter as a tensor: a variable when recording, else a constant
  // view of the value.
  Tensor tensor();

 private:
  Matrix value_;
  Matrix grad_;
};

}  // namespace provi

#endif  // PROVI_AD_TENSOR_H_
