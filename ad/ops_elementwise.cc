// Copyright 2026 The provi Authors.
//
// Elementwise operations: unary functions, operations with a plain number,
// broadcasting binary arithmetic and Where.

#include <cmath>

#include "ad/internal/op_support.h"
#include "ad/ops.h"
#include "base/internal/array_exp.h"
#include "base/special_functions.h"

namespace provi {
namespace {

using ad_internal::ArrayMap;
using ad_internal::ArrayX;
using ad_internal::ConstArrayMap;
using ad_internal::NeedsNode;
using ad_internal::NewResult;
using ad_internal::Record;
using ad_internal::ThrowInvalid;

// ---------------------------------------------------------------------------
// Unary operations. An op type provides
//   Value(x)       : the result array expression, and
//   Grad(x, y)     : dy/dx as an array expression of x and y,
// both on Eigen arrays. Ops may carry a parameter (a scalar constant); they
// are copied into the backward closure, so they must be trivially copyable.
// ---------------------------------------------------------------------------

template <typename T, typename Op>
BasicTensor<T> Unary(const BasicTensor<T>& x, Op op) {
  Tape& tape = Tape::Current();
  const bool node = NeedsNode(tape, x);
  BasicTensor<T> out = NewResult<T>(tape, x.rows(), x.cols(), node);
  const Index n = x.size();
  const T* xv = x.value_data();
  T* yv = ad_internal::MutableValue(out);
  if (n == 1) {
    // The scalar path avoids Eigen's dynamic-size loop setup.
    *yv = op.Value(*xv);
  } else {
    ArrayMap<T>(yv, n) = op.Value(ConstArrayMap<T>(xv, n));
  }
  if (node) {
    xv = ad_internal::Pin(tape, x);
    T* xa = x.adjoint_data();
    const T* ya = out.adjoint_data();
    Record(tape, out, [op, n, xv, xa, yv, ya] {
      if (n == 1) {
        *xa += *ya * op.Grad(*xv, *yv);
      } else {
        ArrayMap<T>(xa, n) +=
            ConstArrayMap<T>(ya, n) *
            op.Grad(ConstArrayMap<T>(xv, n), ConstArrayMap<T>(yv, n));
      }
    });
  }
  return out;
}

// Scalars go through std functions, arrays through Eigen's members. Each op
// below defines both overloads explicitly, which keeps every formula in one
// place and readable.
#define PROVI_UNARY_OP(Name, scalar_value, array_value, scalar_grad, \
                       array_grad)                                   \
  template <typename T>                                              \
  struct Name {                                                      \
    T Value(T x) const { return scalar_value; }                      \
    template <typename X>                                            \
    auto Value(const Eigen::ArrayBase<X>& x_base) const {            \
      const X& x = x_base.derived();                                 \
      return array_value;                                            \
    }                                                                \
    T Grad(T x, T y) const {                                         \
      (void)x;                                                       \
      (void)y;                                                       \
      return scalar_grad;                                            \
    }                                                                \
    template <typename X, typename Y>                                \
    auto Grad(const Eigen::ArrayBase<X>& x_base,                     \
              const Eigen::ArrayBase<Y>& y_base) const {             \
      const X& x = x_base.derived();                                 \
      const Y& y = y_base.derived();                                 \
      (void)x;                                                       \
      (void)y;                                                       \
      return array_grad;                                             \
    }                                                                \
  }

// Exp, Sigmoid and Softplus underflow to exactly 0 rather than to Eigen's
// clamped 5.6e-309 (2.9e-39 in float): base/internal/array_exp.h says why.
using base_internal::ExpOrZero;
PROVI_UNARY_OP(Exp_, ExpOrZero(x), ExpOrZero(x), y, y);
PROVI_UNARY_OP(Log_, std::log(x), x.log(), T(1) / x, x.inverse());
PROVI_UNARY_OP(Log1p_, std::log1p(x), x.log1p(), T(1) / (T(1) + x),
               (T(1) + x).inverse());
PROVI_UNARY_OP(Expm1_, std::expm1(x), x.expm1(), y + T(1), y + T(1));
PROVI_UNARY_OP(Sqrt_, std::sqrt(x), x.sqrt(), T(0.5) / y, T(0.5) / y);
PROVI_UNARY_OP(Square_, x* x, x.square(), T(2) * x, T(2) * x);
PROVI_UNARY_OP(Abs_, std::abs(x), x.abs(),
               x > T(0) ? T(1) : (x < T(0) ? T(-1) : T(0)),
               (x > T(0)).template cast<T>() - (x < T(0)).template cast<T>());
PROVI_UNARY_OP(Tanh_, std::tanh(x), x.tanh(), T(1) - y * y, T(1) - y.square());
PROVI_UNARY_OP(Sin_, std::sin(x), x.sin(), std::cos(x), x.cos());
PROVI_UNARY_OP(Cos_, std::cos(x), x.cos(), -std::sin(x), -x.sin());
// The logistic family on arrays, vectorised through one e = exp(-|x|) in
// (0, 1] (no overflow): softplus(x) = max(x, 0) + log1p(e), log σ(x) =
// min(x, 0) - log1p(e), σ(x) = exp(min(x, 0)) / (1 + e) (that is, 1 / (1 + e)
// for x >= 0 and e / (1 + e) otherwise, without a per-element branch, which
// Eigen would evaluate one scalar at a time). The scalar forms are
// base/special_functions.h's.
template <typename X>
auto ExpNegAbs(const Eigen::ArrayBase<X>& x) {
  return ExpOrZero(-x.abs());
}
template <typename X>
auto ArraySigmoid(const Eigen::ArrayBase<X>& x) {
  using T = typename X::Scalar;
  return ExpOrZero(x.min(T(0))) / (T(1) + ExpNegAbs(x));
}
PROVI_UNARY_OP(Sigmoid_, Sigmoid(x), ArraySigmoid(x), y*(T(1) - y),
               y*(T(1) - y));
PROVI_UNARY_OP(LogSigmoid_, LogSigmoid(x), x.min(T(0)) - ExpNegAbs(x).log1p(),
               Sigmoid(-x), ArraySigmoid(-x));
PROVI_UNARY_OP(Softplus_, Log1pExp(x), x.max(T(0)) + ExpNegAbs(x).log1p(),
               Sigmoid(x), ArraySigmoid(x));
PROVI_UNARY_OP(Relu_, x > T(0) ? x : T(0), x.max(T(0)), x > T(0) ? T(1) : T(0),
               (x > T(0)).template cast<T>());
PROVI_UNARY_OP(Lgamma_, std::lgamma(x),
               x.unaryExpr([](T v) { return std::lgamma(v); }), Digamma(x),
               x.unaryExpr([](T v) { return Digamma(v); }));
PROVI_UNARY_OP(Digamma_, Digamma(x),
               x.unaryExpr([](T v) { return Digamma(v); }), Trigamma(x),
               x.unaryExpr([](T v) { return Trigamma(v); }));
PROVI_UNARY_OP(Negate_, -x, -x, T(-1), ArrayX<T>::Constant(x.size(), T(-1)));

#undef PROVI_UNARY_OP

// Ops with a parameter.
template <typename T>
struct LeakyRelu_ {
  T slope;
  T Value(T x) const { return x > T(0) ? x : slope * x; }
  // The array forms avoid select(), which Eigen evaluates one scalar at a
  // time: one of max(x, 0) and min(x, 0) is zero, and the step function
  // [x > 0] is ceil(clamp(x, 0, 1)).
  template <typename X>
  auto Value(const Eigen::ArrayBase<X>& x) const {
    return x.max(T(0)) + slope * x.min(T(0));
  }
  T Grad(T x, T) const { return x > T(0) ? T(1) : slope; }
  template <typename X, typename Y>
  auto Grad(const Eigen::ArrayBase<X>& x, const Eigen::ArrayBase<Y>&) const {
    return slope + (T(1) - slope) * x.max(T(0)).min(T(1)).ceil();
  }
};

template <typename T>
struct Clamp_ {
  T lo, hi;
  T Value(T x) const { return x < lo ? lo : (x > hi ? hi : x); }
  template <typename X>
  auto Value(const Eigen::ArrayBase<X>& x) const {
    return x.max(lo).min(hi);
  }
  T Grad(T x, T) const { return (x >= lo && x <= hi) ? T(1) : T(0); }
  template <typename X, typename Y>
  auto Grad(const Eigen::ArrayBase<X>& x, const Eigen::ArrayBase<Y>&) const {
    return ((x >= lo) && (x <= hi)).template cast<T>();
  }
};

template <typename T>
struct AddScalar_ {
  T c;
  T Value(T x) const { return x + c; }
  template <typename X>
  auto Value(const Eigen::ArrayBase<X>& x) const {
    return x + c;
  }
  T Grad(T, T) const { return T(1); }
  template <typename X, typename Y>
  auto Grad(const Eigen::ArrayBase<X>& x, const Eigen::ArrayBase<Y>&) const {
    return ArrayX<T>::Ones(x.size());
  }
};

template <typename T>
struct MultiplyScalar_ {
  T c;
  T Value(T x) const { return x * c; }
  template <typename X>
  auto Value(const Eigen::ArrayBase<X>& x) const {
    return x * c;
  }
  T Grad(T, T) const { return c; }
  template <typename X, typename Y>
  auto Grad(const Eigen::ArrayBase<X>& x, const Eigen::ArrayBase<Y>&) const {
    return ArrayX<T>::Constant(x.size(), c);
  }
};

template <typename T>
struct ScalarSubtract_ {
  T c;
  T Value(T x) const { return c - x; }
  template <typename X>
  auto Value(const Eigen::ArrayBase<X>& x) const {
    return c - x;
  }
  T Grad(T, T) const { return T(-1); }
  template <typename X, typename Y>
  auto Grad(const Eigen::ArrayBase<X>& x, const Eigen::ArrayBase<Y>&) const {
    return ArrayX<T>::Constant(x.size(), T(-1));
  }
};

template <typename T>
struct ScalarDivide_ {
  T c;
  T Value(T x) const { return c / x; }
  template <typename X>
  auto Value(const Eigen::ArrayBase<X>& x) const {
    return c / x;
  }
  T Grad(T x, T y) const { return -y / x; }
  template <typename X, typename Y>
  auto Grad(const Eigen::ArrayBase<X>& x, const Eigen::ArrayBase<Y>& y) const {
    return -y / x;
  }
};

template <typename T>
struct PowScalar_ {
  T c;
  T Value(T x) const { return std::pow(x, c); }
  template <typename X>
  auto Value(const Eigen::ArrayBase<X>& x) const {
    return x.pow(c);
  }
  T Grad(T x, T) const { return c == T(0) ? T(0) : c * std::pow(x, c - T(1)); }
  template <typename X, typename Y>
  auto Grad(const Eigen::ArrayBase<X>& x, const Eigen::ArrayBase<Y>&) const {
    return c == T(0) ? ArrayX<T>::Zero(x.size()).eval()
                     : (c * x.pow(c - T(1))).eval();
  }
};

// ---------------------------------------------------------------------------
// Broadcasting binary operations. Every operand is read column by column:
// for output column j, an operand contributes either a column of length R or
// a single number (when it is 1x1, or 1xC).
// ---------------------------------------------------------------------------

enum class Broadcast { kFull, kScalar, kRow, kColumn };

struct BinaryShape {
  Index rows;
  Index cols;
  Broadcast a;
  Broadcast b;
};

Broadcast Classify(Index r, Index c, Index rows, Index cols) {
  if (r == rows && c == cols) return Broadcast::kFull;
  if (r == 1 && c == 1) return Broadcast::kScalar;
  if (r == 1 && c == cols) return Broadcast::kRow;
  return Broadcast::kColumn;  // r == rows && c == 1
}

bool Compatible(Index r, Index c, Index rows, Index cols) {
  return (r == rows && c == cols) || (r == 1 && c == 1) ||
         (r == 1 && c == cols) || (r == rows && c == 1);
}

// The broadcast size of one dimension, or -1 if the sizes conflict.
Index BroadcastDim(Index x, Index y) {
  if (x == y) return x;
  if (x == 1) return y;
  if (y == 1) return x;
  return -1;
}

template <typename T>
BinaryShape BroadcastShapes(const char* op, const BasicTensor<T>& a,
                            const BasicTensor<T>& b) {
  const Index rows = BroadcastDim(a.rows(), b.rows());
  const Index cols = BroadcastDim(a.cols(), b.cols());
  // One operand must already have the result's shape: Rx1 with 1xC is not
  // an outer product.
  const bool ok = rows >= 0 && cols >= 0 &&
                  ((a.rows() == rows && a.cols() == cols) ||
                   (b.rows() == rows && b.cols() == cols)) &&
                  Compatible(a.rows(), a.cols(), rows, cols) &&
                  Compatible(b.rows(), b.cols(), rows, cols);
  if (!ok) {
    ThrowInvalid(op, "shapes ", a.ShapeString(), " and ", b.ShapeString(),
                 " do not broadcast (allowed: equal shapes, 1x1, Rx1 with "
                 "RxC, 1xC with RxC)");
  }
  return BinaryShape{rows, cols, Classify(a.rows(), a.cols(), rows, cols),
                     Classify(b.rows(), b.cols(), rows, cols)};
}

// The view of one operand in output column j: a column or a constant.
template <typename T>
struct ColumnView {
  const T* data;
  Index rows;
  Broadcast kind;

  bool is_column() const {
    return kind == Broadcast::kFull || kind == Broadcast::kColumn;
  }
  const T* column(Index j) const {
    return kind == Broadcast::kFull ? data + j * rows : data;
  }
  T scalar(Index j) const { return kind == Broadcast::kRow ? data[j] : *data; }
};

// Binary op types provide Value(a, b), GradA(a, b, y), GradB(a, b, y) on
// array expressions (arguments may be arrays or Constant expressions).
// Equal shapes: one pass over contiguous memory each way, and a small node.
template <typename T, typename Op>
BasicTensor<T> SameShapeBinary(const BasicTensor<T>& a, const BasicTensor<T>& b,
                               Op op) {
  Tape& tape = Tape::Current();
  const bool node = NeedsNode(tape, a, b);
  BasicTensor<T> out = NewResult<T>(tape, a.rows(), a.cols(), node);
  T* yv = ad_internal::MutableValue(out);
  const T* av = a.value_data();
  const T* bv = b.value_data();
  const Index n = a.size();
  if (n == 1) {
    *yv = op.Value(*av, *bv);
  } else {
    ArrayMap<T>(yv, n) =
        op.Value(ConstArrayMap<T>(av, n), ConstArrayMap<T>(bv, n));
  }
  if (node) {
    av = ad_internal::Pin(tape, a);
    bv = ad_internal::Pin(tape, b);
    T* aa = a.adjoint_data();
    T* ba = b.adjoint_data();
    const T* ya = out.adjoint_data();
    Record(tape, out, [op, n, av, bv, yv, aa, ba, ya] {
      if (n == 1) {
        if (aa != nullptr) *aa += *ya * op.GradA(*av, *bv, *yv);
        if (ba != nullptr) *ba += *ya * op.GradB(*av, *bv, *yv);
        return;
      }
      const ConstArrayMap<T> A(av, n), B(bv, n), Y(yv, n), G(ya, n);
      if (aa != nullptr) ArrayMap<T>(aa, n) += G * op.GradA(A, B, Y);
      if (ba != nullptr) ArrayMap<T>(ba, n) += G * op.GradB(A, B, Y);
    });
  }
  return out;
}

template <typename T, typename Op>
BasicTensor<T> Binary(const char* name, const BasicTensor<T>& a,
                      const BasicTensor<T>& b, Op op) {
  if (a.rows() == b.rows() && a.cols() == b.cols()) {
    return SameShapeBinary(a, b, op);
  }
  const BinaryShape shape = BroadcastShapes(name, a, b);
  const Index rows = shape.rows;
  const Index cols = shape.cols;
  Tape& tape = Tape::Current();
  const bool node = NeedsNode(tape, a, b);
  BasicTensor<T> out = NewResult<T>(tape, rows, cols, node);
  T* yv = ad_internal::MutableValue(out);
  const T* av = a.value_data();
  const T* bv = b.value_data();
  const ColumnView<T> va{av, a.rows(), shape.a};
  const ColumnView<T> vb{bv, b.rows(), shape.b};
  for (Index j = 0; j < cols; ++j) {
    ArrayMap<T> y(yv + j * rows, rows);
    if (va.is_column() && vb.is_column()) {
      y = op.Value(ConstArrayMap<T>(va.column(j), rows),
                   ConstArrayMap<T>(vb.column(j), rows));
    } else if (va.is_column()) {
      y = op.Value(ConstArrayMap<T>(va.column(j), rows),
                   ArrayX<T>::Constant(rows, vb.scalar(j)));
    } else if (vb.is_column()) {
      y = op.Value(ArrayX<T>::Constant(rows, va.scalar(j)),
                   ConstArrayMap<T>(vb.column(j), rows));
    } else {
      y = ArrayX<T>::Constant(rows, op.Value(va.scalar(j), vb.scalar(j)));
    }
  }
  if (node) {
    av = ad_internal::Pin(tape, a);
    bv = ad_internal::Pin(tape, b);
    T* aa = a.adjoint_data();
    T* ba = b.adjoint_data();
    const T* ya = out.adjoint_data();
    const Broadcast ka = shape.a;
    const Broadcast kb = shape.b;
    const Index a_rows = a.rows();
    const Index b_rows = b.rows();
    Record(tape, out, [=] {
      const ColumnView<T> va{av, a_rows, ka};
      const ColumnView<T> vb{bv, b_rows, kb};
      for (Index j = 0; j < cols; ++j) {
        const ConstArrayMap<T> G(ya + j * rows, rows);
        const ConstArrayMap<T> Y(yv + j * rows, rows);
        // Contributions stay expressions (no temporary per column): a
        // broadcast operand is a constant expression, not an array.
        auto accumulate = [&](T* adj, Broadcast kind, Index adj_rows,
                              const auto& contribution) {
          switch (kind) {
            case Broadcast::kFull:
              ArrayMap<T>(adj + j * adj_rows, rows) += contribution;
              break;
            case Broadcast::kColumn:
              ArrayMap<T>(adj, rows) += contribution;
              break;
            case Broadcast::kRow:
              adj[j] += contribution.sum();
              break;
            case Broadcast::kScalar:
              *adj += contribution.sum();
              break;
          }
        };
        auto backward = [&](const auto& A, const auto& B) {
          if (aa != nullptr) accumulate(aa, ka, a_rows, G * op.GradA(A, B, Y));
          if (ba != nullptr) accumulate(ba, kb, b_rows, G * op.GradB(A, B, Y));
        };
        if (va.is_column() && vb.is_column()) {
          backward(ConstArrayMap<T>(va.column(j), rows),
                   ConstArrayMap<T>(vb.column(j), rows));
        } else if (va.is_column()) {
          backward(ConstArrayMap<T>(va.column(j), rows),
                   ArrayX<T>::Constant(rows, vb.scalar(j)));
        } else if (vb.is_column()) {
          backward(ArrayX<T>::Constant(rows, va.scalar(j)),
                   ConstArrayMap<T>(vb.column(j), rows));
        } else {
          backward(ArrayX<T>::Constant(rows, va.scalar(j)),
                   ArrayX<T>::Constant(rows, vb.scalar(j)));
        }
      }
    });
  }
  return out;
}

template <typename T>
struct Add_ {
  template <typename A, typename B>
  auto Value(const A& a, const B& b) const {
    return a + b;
  }
  template <typename A, typename B, typename Y>
  auto GradA(const A& a, const B&, const Y&) const {
    return One(a);
  }
  template <typename A, typename B, typename Y>
  auto GradB(const A& a, const B&, const Y&) const {
    return One(a);
  }
  static T One(T) { return T(1); }
  template <typename A>
  static auto One(const Eigen::ArrayBase<A>& a) {
    return ArrayX<T>::Ones(a.size());
  }
};

template <typename T>
struct Subtract_ {
  template <typename A, typename B>
  auto Value(const A& a, const B& b) const {
    return a - b;
  }
  template <typename A, typename B, typename Y>
  auto GradA(const A& a, const B&, const Y&) const {
    return Add_<T>::One(a);
  }
  template <typename A, typename B, typename Y>
  auto GradB(const A& a, const B&, const Y&) const {
    return -Add_<T>::One(a);
  }
};

template <typename T>
struct Multiply_ {
  template <typename A, typename B>
  auto Value(const A& a, const B& b) const {
    return a * b;
  }
  template <typename A, typename B, typename Y>
  auto GradA(const A&, const B& b, const Y&) const {
    return b;
  }
  template <typename A, typename B, typename Y>
  auto GradB(const A& a, const B&, const Y&) const {
    return a;
  }
};

template <typename T>
struct Divide_ {
  template <typename A, typename B>
  auto Value(const A& a, const B& b) const {
    return a / b;
  }
  template <typename A, typename B, typename Y>
  auto GradA(const A&, const B& b, const Y&) const {
    return T(1) / b;
  }
  template <typename A, typename B, typename Y>
  auto GradB(const A&, const B& b, const Y& y) const {
    return -y / b;
  }
};

template <typename T>
struct Pow_ {
  T Value(T a, T b) const { return std::pow(a, b); }
  template <typename A, typename B>
  auto Value(const Eigen::ArrayBase<A>& a, const Eigen::ArrayBase<B>& b) const {
    return a.binaryExpr(b, [](T x, T p) { return std::pow(x, p); });
  }
  static T DA(T a, T b) { return b == T(0) ? T(0) : b * std::pow(a, b - T(1)); }
  static T DB(T a, T y) { return a == T(0) ? T(0) : y * std::log(a); }
  T GradA(T a, T b, T) const { return DA(a, b); }
  T GradB(T a, T, T y) const { return DB(a, y); }
  template <typename A, typename B, typename Y>
  auto GradA(const Eigen::ArrayBase<A>& a, const Eigen::ArrayBase<B>& b,
             const Eigen::ArrayBase<Y>&) const {
    return a.binaryExpr(b, [](T x, T p) { return DA(x, p); });
  }
  template <typename A, typename B, typename Y>
  auto GradB(const Eigen::ArrayBase<A>& a, const Eigen::ArrayBase<B>&,
             const Eigen::ArrayBase<Y>& y) const {
    return a.binaryExpr(y, [](T x, T v) { return DB(x, v); });
  }
};

}  // namespace

template <typename T>
BasicTensor<T> Add(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  return Binary("Add", a, b, Add_<T>{});
}
template <typename T>
BasicTensor<T> Subtract(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  return Binary("Subtract", a, b, Subtract_<T>{});
}
template <typename T>
BasicTensor<T> Multiply(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  return Binary("Multiply", a, b, Multiply_<T>{});
}
template <typename T>
BasicTensor<T> Divide(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  return Binary("Divide", a, b, Divide_<T>{});
}
template <typename T>
BasicTensor<T> Pow(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  return Binary("Pow", a, b, Pow_<T>{});
}

template <typename T>
BasicTensor<T> AddScalar(const BasicTensor<T>& x, NoDeduce<T> c) {
  return Unary(x, AddScalar_<T>{c});
}
template <typename T>
BasicTensor<T> MultiplyScalar(const BasicTensor<T>& x, NoDeduce<T> c) {
  return Unary(x, MultiplyScalar_<T>{c});
}
template <typename T>
BasicTensor<T> ScalarSubtract(NoDeduce<T> c, const BasicTensor<T>& x) {
  return Unary(x, ScalarSubtract_<T>{c});
}
template <typename T>
BasicTensor<T> ScalarDivide(NoDeduce<T> c, const BasicTensor<T>& x) {
  return Unary(x, ScalarDivide_<T>{c});
}
template <typename T>
BasicTensor<T> PowScalar(const BasicTensor<T>& x, NoDeduce<T> c) {
  return Unary(x, PowScalar_<T>{c});
}
template <typename T>
BasicTensor<T> Negate(const BasicTensor<T>& x) {
  return Unary(x, Negate_<T>{});
}

#define PROVI_DEFINE_UNARY(Name)                 \
  template <typename T>                          \
  BasicTensor<T> Name(const BasicTensor<T>& x) { \
    return Unary(x, Name##_<T>{});               \
  }
PROVI_DEFINE_UNARY(Exp)
PROVI_DEFINE_UNARY(Log)
PROVI_DEFINE_UNARY(Log1p)
PROVI_DEFINE_UNARY(Expm1)
PROVI_DEFINE_UNARY(Sqrt)
PROVI_DEFINE_UNARY(Square)
PROVI_DEFINE_UNARY(Abs)
PROVI_DEFINE_UNARY(Tanh)
PROVI_DEFINE_UNARY(Sin)
PROVI_DEFINE_UNARY(Cos)
PROVI_DEFINE_UNARY(Sigmoid)
PROVI_DEFINE_UNARY(LogSigmoid)
PROVI_DEFINE_UNARY(Softplus)
PROVI_DEFINE_UNARY(Relu)
PROVI_DEFINE_UNARY(Lgamma)
PROVI_DEFINE_UNARY(Digamma)
#undef PROVI_DEFINE_UNARY

template <typename T>
BasicTensor<T> LeakyRelu(const BasicTensor<T>& x, NoDeduce<T> negative_slope) {
  return Unary(x, LeakyRelu_<T>{negative_slope});
}

template <typename T>
BasicTensor<T> Clamp(const BasicTensor<T>& x, NoDeduce<T> lo, NoDeduce<T> hi) {
  if (!(lo <= hi)) ThrowInvalid("Clamp", "lo = ", lo, " exceeds hi = ", hi);
  return Unary(x, Clamp_<T>{lo, hi});
}

template <typename T>
BasicTensor<T> Where(const BasicTensor<T>& condition, const BasicTensor<T>& a,
                     const BasicTensor<T>& b) {
  // The three shapes broadcast together; one of them is the result's shape.
  const Index rows =
      BroadcastDim(BroadcastDim(condition.rows(), a.rows()), b.rows());
  const Index cols =
      BroadcastDim(BroadcastDim(condition.cols(), a.cols()), b.cols());
  bool ok = rows >= 0 && cols >= 0 &&
            BroadcastDim(condition.rows(), a.rows()) >= 0 &&
            BroadcastDim(condition.cols(), a.cols()) >= 0;
  bool any_full = false;
  for (const BasicTensor<T>* t : {&condition, &a, &b}) {
    ok = ok && Compatible(t->rows(), t->cols(), rows, cols);
    any_full = any_full || (t->rows() == rows && t->cols() == cols);
  }
  if (!ok || !any_full) {
    ThrowInvalid("Where", "shapes ", condition.ShapeString(), " (condition), ",
                 a.ShapeString(), " and ", b.ShapeString(),
                 " do not broadcast");
  }
  const bool node = NeedsNode(a, b);
  BasicTensor<T> out = NewResult<T>(rows, cols, node);
  T* yv = ad_internal::MutableValue(out);
  // Element (i, j) of an operand broadcast to rows x cols.
  struct Reader {
    const T* data;
    Index rows, cols;
    Index Offset(Index i, Index j) const {
      return (cols == 1 ? 0 : j) * rows + (rows == 1 ? 0 : i);
    }
  };
  Reader rc{condition.value_data(), condition.rows(), condition.cols()};
  const Reader ra{a.value_data(), a.rows(), a.cols()};
  const Reader rb{b.value_data(), b.rows(), b.cols()};
  for (Index j = 0; j < cols; ++j) {
    for (Index i = 0; i < rows; ++i) {
      yv[j * rows + i] = rc.data[rc.Offset(i, j)] != T(0)
                             ? ra.data[ra.Offset(i, j)]
                             : rb.data[rb.Offset(i, j)];
    }
  }
  if (node) {
    // The backward step reads only the condition's values.
    rc.data = ad_internal::Pin(condition);
    T* aa = a.adjoint_data();
    T* ba = b.adjoint_data();
    const T* ya = out.adjoint_data();
    Record(out, [=] {
      for (Index j = 0; j < cols; ++j) {
        for (Index i = 0; i < rows; ++i) {
          const T g = ya[j * rows + i];
          if (rc.data[rc.Offset(i, j)] != T(0)) {
            if (aa != nullptr) aa[ra.Offset(i, j)] += g;
          } else if (ba != nullptr) {
            ba[rb.Offset(i, j)] += g;
          }
        }
      }
    });
  }
  return out;
}

#define PROVI_INSTANTIATE(T)                                                  \
  template BasicTensor<T> Add(const BasicTensor<T>&, const BasicTensor<T>&);  \
  template BasicTensor<T> Subtract(const BasicTensor<T>&,                     \
                                   const BasicTensor<T>&);                    \
  template BasicTensor<T> Multiply(const BasicTensor<T>&,                     \
                                   const BasicTensor<T>&);                    \
  template BasicTensor<T> Divide(const BasicTensor<T>&,                       \
                                 const BasicTensor<T>&);                      \
  template BasicTensor<T> Pow(const BasicTensor<T>&, const BasicTensor<T>&);  \
  template BasicTensor<T> AddScalar(const BasicTensor<T>&, T);                \
  template BasicTensor<T> MultiplyScalar(const BasicTensor<T>&, T);           \
  template BasicTensor<T> ScalarSubtract(T, const BasicTensor<T>&);           \
  template BasicTensor<T> ScalarDivide(T, const BasicTensor<T>&);             \
  template BasicTensor<T> PowScalar(const BasicTensor<T>&, T);                \
  template BasicTensor<T> Negate(const BasicTensor<T>&);                      \
  template BasicTensor<T> Exp(const BasicTensor<T>&);                         \
  template BasicTensor<T> Log(const BasicTensor<T>&);                         \
  template BasicTensor<T> Log1p(const BasicTensor<T>&);                       \
  template BasicTensor<T> Expm1(const BasicTensor<T>&);                       \
  template BasicTensor<T> Sqrt(const BasicTensor<T>&);                        \
  template BasicTensor<T> Square(const BasicTensor<T>&);                      \
  template BasicTensor<T> Abs(const BasicTensor<T>&);                         \
  template BasicTensor<T> Tanh(const BasicTensor<T>&);                        \
  template BasicTensor<T> Sin(const BasicTensor<T>&);                         \
  template BasicTensor<T> Cos(const BasicTensor<T>&);                         \
  template BasicTensor<T> Sigmoid(const BasicTensor<T>&);                     \
  template BasicTensor<T> LogSigmoid(const BasicTensor<T>&);                  \
  template BasicTensor<T> Softplus(const BasicTensor<T>&);                    \
  template BasicTensor<T> Relu(const BasicTensor<T>&);                        \
  template BasicTensor<T> LeakyRelu(const BasicTensor<T>&, T);                \
  template BasicTensor<T> Lgamma(const BasicTensor<T>&);                      \
  template BasicTensor<T> Digamma(const BasicTensor<T>&);                     \
  template BasicTensor<T> Clamp(const BasicTensor<T>&, T, T);                 \
  template BasicTensor<T> Where(const BasicTensor<T>&, const BasicTensor<T>&, \
                                const BasicTensor<T>&);
PROVI_INSTANTIATE(float)
PROVI_INSTANTIATE(double)
#undef PROVI_INSTANTIATE

}  // namespace provi
