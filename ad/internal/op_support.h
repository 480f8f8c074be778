// Copyright 2026 The provi Authors.
//
// File: ad/internal/op_support.h
// -----------------------------------------------------------------------------
//
// Building blocks for implementing operations: allocate a result in the
// arena (or on the heap outside a scope), decide whether it needs a node, and
// record the node's backward closure. Internal to ad/.

#ifndef PROVI_AD_INTERNAL_OP_SUPPORT_H_
#define PROVI_AD_INTERNAL_OP_SUPPORT_H_

#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "Eigen/Core"
#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ad/tape.h"
#include "ad/tensor.h"
#include "base/status_error.h"

namespace provi {
namespace ad_internal {

template <typename T>
using ArrayX = Eigen::Array<T, Eigen::Dynamic, 1>;
template <typename T>
using ArrayMap = Eigen::Map<ArrayX<T>>;
template <typename T>
using ConstArrayMap = Eigen::Map<const ArrayX<T>>;
template <typename T>
using MatrixMap = Eigen::Map<MatrixT<T>>;
template <typename T>
using ConstMatrixMap = Eigen::Map<const MatrixT<T>>;

struct Access {
  template <typename T>
  static BasicTensor<T> Make(T* value, T* adjoint, Index rows, Index cols) {
    return BasicTensor<T>(value, adjoint, rows, cols);
  }
  template <typename T>
  static BasicTensor<T> Make(T* value, T* adjoint, Index rows, Index cols,
                             std::shared_ptr<T[]> storage) {
    return BasicTensor<T>(value, adjoint, rows, cols, std::move(storage));
  }
  // A tensor sharing x's storage (and adjoint): `rows` x `cols` elements
  // starting `offset` elements into x. The result stays valid as long as
  // x's storage does (inline scalars are copied along).
  template <typename T>
  static BasicTensor<T> View(const BasicTensor<T>& x, Index offset, Index rows,
                             Index cols, bool keep_adjoint) {
    BasicTensor<T> t = x;  // repoints an inline scalar at t's own copy
    t.value_ += offset;
    if (t.adjoint_ != nullptr) t.adjoint_ += offset;
    if (!keep_adjoint) t.adjoint_ = nullptr;
    t.rows_ = rows;
    t.cols_ = cols;
    return t;
  }
  template <typename T>
  static T* MutableValue(BasicTensor<T>& t) {
    return t.value_;
  }
  // A pointer to x's value that stays valid until the innermost TapeScope
  // ends, for backward closures. Arena and parameter memory already does;
  // heap storage is kept alive by the tape; an inline scalar is copied into
  // the arena.
  template <typename T>
  ABSL_ATTRIBUTE_ALWAYS_INLINE static const T* Pin(Tape& tape,
                                                   const BasicTensor<T>& x) {
    if (ABSL_PREDICT_TRUE(x.storage_ == nullptr && x.value_ != &x.inline_)) {
      return x.value_;
    }
    return PinSlow(tape, x);
  }
  template <typename T>
  static const T* PinSlow(Tape& tape, const BasicTensor<T>& x) {
    if (x.value_ == &x.inline_) {
      T* copy = tape.arena().template AllocateArray<T>(1);
      *copy = x.inline_;
      return copy;
    }
    if (x.storage_ != nullptr) tape.KeepAlive(x.storage_);
    return x.value_;
  }
};

// See Access::Pin. Every backward closure that reads an operand's value must
// capture the pointer returned by Pin, never `value_data()`: a constant
// operand may die before the reverse sweep.
template <typename T>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline const T* Pin(Tape& tape,
                                                 const BasicTensor<T>& x) {
  return Access::Pin(tape, x);
}
template <typename T>
const T* Pin(const BasicTensor<T>& x) {
  return Access::Pin(Tape::Current(), x);
}

// True when an operation whose operands include one requiring a gradient
// must record a node.
template <typename... Ts>
bool NeedsNode(const Tape& tape, const Ts&... operands) {
  return (operands.requires_grad() || ...) && tape.recording();
}
template <typename... Ts>
bool NeedsNode(const Ts&... operands) {
  return (operands.requires_grad() || ...) && Tape::Current().recording();
}

// A result tensor of the given shape with uninitialised value. With
// `requires_grad`, also a zeroed adjoint (the caller must then `Record` a
// node). Lives in the arena inside a scope (value and adjoint in one
// allocation); owns heap storage (or its inline scalar) outside.
template <typename T>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline BasicTensor<T> NewResult(
    Tape& tape, Index rows, Index cols, bool requires_grad) {
  const size_t n = static_cast<size_t>(rows * cols);
  if (tape.in_scope()) {
    T* value = tape.arena().AllocateArray<T>(requires_grad ? 2 * n : n);
    T* adjoint = nullptr;
    if (requires_grad) {
      adjoint = value + n;
      if (n == 1) {
        *adjoint = T(0);
      } else {
        std::memset(adjoint, 0, sizeof(T) * n);
      }
    }
    return Access::Make<T>(value, adjoint, rows, cols);
  }
  if (n == 1) {
    BasicTensor<T> scalar(T(0));
    return scalar;
  }
  std::shared_ptr<T[]> storage(new T[n]);
  T* value = storage.get();
  return Access::Make<T>(value, nullptr, rows, cols, std::move(storage));
}
template <typename T>
BasicTensor<T> NewResult(Index rows, Index cols, bool requires_grad) {
  return NewResult<T>(Tape::Current(), rows, cols, requires_grad);
}

// Records the backward closure of `out`, which must have been made by
// `NewResult(..., true)`.
template <typename T, typename F>
void Record(Tape& tape, const BasicTensor<T>& out, F backward) {
  tape.Push(out.adjoint_data(), sizeof(T) * static_cast<size_t>(out.size()),
            std::move(backward));
}
template <typename T, typename F>
void Record(const BasicTensor<T>& out, F backward) {
  Record(Tape::Current(), out, std::move(backward));
}

template <typename T>
T* MutableValue(BasicTensor<T>& t) {
  return Access::MutableValue(t);
}

// Copies `n` values into the arena (inside a scope) so a closure can
// capture them; returns the copy.
template <typename U>
U* CopyToArena(const U* data, size_t n) {
  U* copy = Tape::Current().arena().AllocateArray<U>(n);
  if (n > 0) std::memcpy(copy, data, n * sizeof(U));
  return copy;
}

// Throws an InvalidArgument StatusError "<op>: <message>".
template <typename... Args>
[[noreturn]] void ThrowInvalid(const char* op, const Args&... message) {
  ThrowStatus(absl::InvalidArgumentError(absl::StrCat(op, ": ", message...)));
}

}  // namespace ad_internal
}  // namespace provi

#endif  // PROVI_AD_INTERNAL_OP_SUPPORT_H_
