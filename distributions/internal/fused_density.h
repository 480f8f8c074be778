// Copyright 2026 The provi Authors.
//
// File: distributions/internal/fused_density.h
// -----------------------------------------------------------------------------
//
// A family's elementwise log density as ONE tape node: the forward pass
// computes f(value, θ1, ..., θk) element by element and sums it over the
// event columns into one value per lane (rows x 1), and the backward pass
// adds upstream × ∂f/∂operand into each operand's adjoint, recomputing the
// partials from the operands' values. Composed from single operations the
// same density records one node (and one temporary tensor, read and written
// once more in each direction) per arithmetic step; the fused node reads
// each operand once per pass, which is what hand-written code does.
//
// Operands broadcast the simple way: each is 1x1 or has the full shape.
// Anything else (a 1 x C row against R x C, say) makes `FusedLogDensity`
// return nullopt, and the family falls back to its composed expression.
//
// A kernel is a trivially copyable struct (it is captured by the backward
// closure) with
//
//   template <typename... A> auto Value(const A&... a) const;
//   template <int I, typename... A> auto Partial(const A&... a) const;
//
// whose arguments are, per operand, a Real (a 1x1 operand) or an Eigen
// array expression of one column of R lanes (a full operand), in the order
// passed to FusedLogDensity: write them with operators and `using std::log;
// log(x)` (Eigen's array functions are found by argument-dependent lookup),
// so one definition serves every mix. `Partial<I>` is ∂Value/∂(operand I);
// it is only called for operands that require a gradient. A density of at
// most kFusedElementwiseMax elements is computed element by element with
// every argument a Real (an Eigen expression costs more to set up than a
// handful of elements take to compute), so a kernel must also accept all
// Reals, which the form above does.
//
// Example (the normal log density):
//
//   struct NormalKernel {
//     template <typename X, typename L, typename S>
//     auto Value(const X& x, const L& loc, const S& scale) const {
//       using std::log;
//       const auto z = (x - loc) / scale;
//       return Real(-0.5) * z * z - log(scale) - kHalfLog2Pi;
//     }
//     ...
//   };
//   std::optional<Tensor> lp =
//       FusedLogDensity(NormalKernel{}, shape, value, loc_, scale_);

#ifndef PROVI_DISTRIBUTIONS_INTERNAL_FUSED_DENSITY_H_
#define PROVI_DISTRIBUTIONS_INTERNAL_FUSED_DENSITY_H_

#include <array>
#include <cmath>
#include <cstddef>
#include <optional>
#include <type_traits>
#include <utility>

#include "Eigen/Core"
#include "ad/internal/op_support.h"
#include "ad/tape.h"
#include "ad/tensor.h"
#include "base/internal/array_exp.h"
#include "base/special_functions.h"
#include "distributions/internal/family_support.h"

namespace provi {
namespace distributions_internal {
namespace fused_internal {

using ad_internal::ArrayMap;
using ad_internal::ConstArrayMap;

// One operand as the passes see it: its value (pinned for the backward
// pass), its adjoint (null for constants) and whether it is a 1x1.
struct Operand {
  const Real* value;
  Real* adjoint;
  bool scalar;
};

// Calls f(args...) with operand I onwards appended as a Real (1x1) or as the
// map of column `col` (R lanes).
template <size_t I, size_t N, typename F, typename... Args>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void WithColumn(
    const std::array<Operand, N>& ops, Index col, Index rows, const F& f,
    const Args&... args) {
  if constexpr (I == N) {
    f(args...);
  } else if (ops[I].scalar) {
    WithColumn<I + 1>(ops, col, rows, f, args..., ops[I].value[0]);
  } else {
    WithColumn<I + 1>(ops, col, rows, f, args...,
                      ConstArrayMap<Real>(ops[I].value + col * rows, rows));
  }
}

template <typename E>
constexpr bool IsScalar() {
  return std::is_arithmetic_v<std::decay_t<E>>;
}

// out (R lanes) = or += e, a per-lane expression or a number for all lanes.
template <typename E>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void Accumulate(ArrayMap<Real> out,
                                                    const E& e, bool first) {
  if constexpr (IsScalar<E>()) {
    if (first) {
      out.setConstant(static_cast<Real>(e));
    } else {
      out += static_cast<Real>(e);
    }
  } else {
    if (first) {
      out = e;
    } else {
      out += e;
    }
  }
}

// Adds Σ_lanes upstream × partial into a 1x1 adjoint, or upstream × partial
// lane by lane into one column of a full adjoint.
template <typename G>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void AddPartial(
    const ConstArrayMap<Real>& upstream, const G& partial, Real* adjoint,
    bool scalar, Index col, Index rows) {
  if constexpr (IsScalar<G>()) {
    if (scalar) {
      adjoint[0] += static_cast<Real>(partial) * upstream.sum();
    } else {
      ArrayMap<Real>(adjoint + col * rows, rows) +=
          static_cast<Real>(partial) * upstream;
    }
  } else {
    if (scalar) {
      adjoint[0] += (upstream * partial).sum();
    } else {
      ArrayMap<Real>(adjoint + col * rows, rows) += upstream * partial;
    }
  }
}

// The element `i` (column-major) of an operand, whose stride is 0 when it is
// 1x1.
template <typename Kernel, size_t N, size_t... Is>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline Real ElementValue(
    const Kernel& kernel, const std::array<Operand, N>& ops,
    const std::array<Index, N>& at, std::index_sequence<Is...>) {
  return static_cast<Real>(kernel.Value(ops[Is].value[at[Is]]...));
}
template <int I, typename Kernel, size_t N, size_t... Is>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline Real ElementPartial(
    const Kernel& kernel, const std::array<Operand, N>& ops,
    const std::array<Index, N>& at, std::index_sequence<Is...>) {
  return static_cast<Real>(
      kernel.template Partial<I>(ops[Is].value[at[Is]]...));
}
template <size_t N>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline std::array<Index, N> ElementIndices(
    const std::array<Operand, N>& ops, Index i) {
  std::array<Index, N> at;
  for (size_t k = 0; k < N; ++k) at[k] = ops[k].scalar ? 0 : i;
  return at;
}

// The forward pass element by element: lanes[r] = Σ_c f(element (r, c)).
template <typename Kernel, size_t N>
void ForwardElements(const Kernel& kernel, const std::array<Operand, N>& ops,
                     Real* lanes, Index rows, Index cols) {
  for (Index r = 0; r < rows; ++r) lanes[r] = 0;
  for (Index col = 0; col < cols; ++col) {
    for (Index r = 0; r < rows; ++r) {
      lanes[r] += ElementValue(kernel, ops, ElementIndices(ops, col * rows + r),
                               std::make_index_sequence<N>());
    }
  }
}

// The backward pass element by element, for operand I and those after it.
template <int I, typename Kernel, size_t N>
void BackwardElements(const Kernel& kernel, const std::array<Operand, N>& ops,
                      const Real* upstream, Index rows, Index cols) {
  if constexpr (I < static_cast<int>(N)) {
    if (ops[I].adjoint != nullptr) {
      for (Index col = 0; col < cols; ++col) {
        for (Index r = 0; r < rows; ++r) {
          const std::array<Index, N> at = ElementIndices(ops, col * rows + r);
          ops[I].adjoint[at[I]] +=
              upstream[r] *
              ElementPartial<I>(kernel, ops, at, std::make_index_sequence<N>());
        }
      }
    }
    BackwardElements<I + 1>(kernel, ops, upstream, rows, cols);
  }
}

template <int I, typename Kernel, size_t N>
void BackwardOperand(const Kernel& kernel, const std::array<Operand, N>& ops,
                     const Real* upstream_data, Index rows, Index cols) {
  if constexpr (I < static_cast<int>(N)) {
    if (ops[I].adjoint != nullptr) {
      const ConstArrayMap<Real> upstream(upstream_data, rows);
      for (Index col = 0; col < cols; ++col) {
        WithColumn<0>(ops, col, rows, [&](const auto&... args) {
          AddPartial(upstream, kernel.template Partial<I>(args...),
                     ops[I].adjoint, ops[I].scalar, col, rows);
        });
      }
    }
    BackwardOperand<I + 1>(kernel, ops, upstream_data, rows, cols);
  }
}

}  // namespace fused_internal

// FusedLgamma(), FusedDigamma()
//
// log Γ and ψ for kernels: of a number, or elementwise of an array
// expression (evaluated one element at a time, as Eigen has no vectorised
// form of either).
inline Real FusedLgamma(Real x) { return std::lgamma(x); }
template <typename X>
auto FusedLgamma(const Eigen::ArrayBase<X>& x) {
  return x.unaryExpr([](Real v) { return std::lgamma(v); });
}
inline Real FusedDigamma(Real x) { return Digamma(x); }
template <typename X>
auto FusedDigamma(const Eigen::ArrayBase<X>& x) {
  return x.unaryExpr([](Real v) { return Digamma(v); });
}

// FusedSoftplus(), FusedSigmoid()
//
// log(1 + e^x) and 1 / (1 + e^-x) for kernels, without overflow: of a
// number (base/special_functions.h), or vectorised over an array expression
// through one e = exp(-|x|) (softplus = max(x, 0) + log1p(e), σ =
// exp(min(x, 0)) / (1 + e)), as ad/'s Softplus and Sigmoid compute them.
inline Real FusedSoftplus(Real x) { return Log1pExp(x); }
template <typename X>
auto FusedSoftplus(const Eigen::ArrayBase<X>& x) {
  return x.max(Real(0)) + base_internal::ExpOrZero(-x.abs()).log1p();
}
inline Real FusedSigmoid(Real x) { return Sigmoid(x); }
template <typename X>
auto FusedSigmoid(const Eigen::ArrayBase<X>& x) {
  return base_internal::ExpOrZero(x.min(Real(0))) /
         (Real(1) + base_internal::ExpOrZero(-x.abs()));
}

// FusedLogDensity()
//
// Σ over the event columns of kernel.Value(operands...) elementwise, as a
// shape.rows x 1 tensor on the tape (see the file comment), or nullopt when
// an operand is neither 1x1 nor of the full shape.
// The largest density (rows x cols elements) computed element by element.
inline constexpr Index kFusedElementwiseMax = 16;

template <typename Kernel, typename... Operands>
std::optional<Tensor> FusedLogDensity(const Kernel& kernel, const Shape& shape,
                                      const Operands&... operands) {
  static_assert(std::is_trivially_copyable_v<Kernel> &&
                    std::is_trivially_destructible_v<Kernel>,
                "kernels are captured by the backward closure");
  constexpr size_t kN = sizeof...(Operands);
  const Index rows = shape.rows;
  const Index cols = shape.cols;
  const auto fits = [&](const Tensor& t) {
    return t.is_scalar() || (t.rows() == rows && t.cols() == cols);
  };
  if (rows <= 0 || cols <= 0 || !(fits(operands) && ...)) return std::nullopt;
  Tape& tape = Tape::Current();
  const bool node = ad_internal::NeedsNode(tape, operands...);
  Tensor out = ad_internal::NewResult<Real>(tape, rows, 1, node);
  std::array<fused_internal::Operand, kN> ops = {fused_internal::Operand{
      node ? ad_internal::Pin(tape, operands) : operands.value_data(),
      operands.adjoint_data(), operands.is_scalar()}...};
  Real* out_value = ad_internal::MutableValue(out);
  if (rows * cols <= kFusedElementwiseMax) {
    fused_internal::ForwardElements(kernel, ops, out_value, rows, cols);
    if (node) {
      const Real* upstream = out.adjoint_data();
      ad_internal::Record(tape, out, [kernel, ops, upstream, rows, cols] {
        fused_internal::BackwardElements<0>(kernel, ops, upstream, rows, cols);
      });
    }
    return out;
  }
  const fused_internal::ArrayMap<Real> lanes(out_value, rows);
  for (Index col = 0; col < cols; ++col) {
    fused_internal::WithColumn<0>(ops, col, rows, [&](const auto&... args) {
      fused_internal::Accumulate(lanes, kernel.Value(args...), col == 0);
    });
  }
  if (node) {
    const Real* upstream = out.adjoint_data();
    ad_internal::Record(tape, out, [kernel, ops, upstream, rows, cols] {
      fused_internal::BackwardOperand<0>(kernel, ops, upstream, rows, cols);
    });
  }
  return out;
}

}  // namespace distributions_internal
}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_INTERNAL_FUSED_DENSITY_H_
