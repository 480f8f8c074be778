// Copyright 2026 The provi Authors.
//
// File: distributions/internal/family_support.h
// -----------------------------------------------------------------------------
//
// Helpers shared by the family implementations: broadcast shapes of
// parameters, parameter checks that produce the standard messages, value
// checks for `LogProb`, noise tensors and the event sum. Internal to
// distributions/.

#ifndef PROVI_DISTRIBUTIONS_INTERNAL_FAMILY_SUPPORT_H_
#define PROVI_DISTRIBUTIONS_INTERNAL_FAMILY_SUPPORT_H_

#include <cmath>
#include <initializer_list>
#include <string>
#include <utility>

#include "absl/base/optimization.h"
#include "absl/random/bit_gen_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ad/internal/op_support.h"
#include "ad/ops.h"
#include "ad/tensor.h"
#include "distributions/support.h"

namespace provi {
namespace distributions_internal {

// A parameter with its name, for messages.
struct NamedParam {
  const char* name;
  const Tensor* tensor;
};

// The shape all parameters broadcast to (together with an explicit
// `expand` shape when `given`); {-1, -1} when they do not.
struct Shape {
  Index rows = -1;
  Index cols = -1;
  // Set by ExpandShape: this is the shape `Expand` asked for.
  bool given = false;
  bool valid() const { return rows >= 0 && cols >= 0; }
};

// The shape `Expand(rows, cols)` asks for (negative dimensions included, so
// that Validate() reports them).
inline Shape ExpandShape(Index rows, Index cols) {
  return Shape{rows, cols, true};
}

// The dimension x and y broadcast to (-1 stands for "none yet"), or -2 when
// they do not broadcast.
inline Index BroadcastDim(Index x, Index y) {
  if (x < 0 || x == y || x == 1) return y;
  if (y == 1) return x;
  return -2;
}

// (These are inline: they run at every sample site while validation is on.)
inline Shape BroadcastShape(std::initializer_list<NamedParam> params,
                            Shape expand = Shape{}) {
  Shape shape;
  for (const NamedParam& p : params) {
    shape.rows = BroadcastDim(shape.rows, p.tensor->rows());
    shape.cols = BroadcastDim(shape.cols, p.tensor->cols());
    if (shape.rows == -2 || shape.cols == -2) return Shape{};
  }
  if (!expand.given) return shape;
  if (!expand.valid()) return Shape{};
  for (const NamedParam& p : params) {
    const Index r = p.tensor->rows();
    const Index c = p.tensor->cols();
    if (!((r == expand.rows || r == 1) && (c == expand.cols || c == 1))) {
      return Shape{};
    }
  }
  return expand;
}

// The error CheckShapes returns.
absl::Status ShapesError(absl::string_view family,
                         std::initializer_list<NamedParam> params,
                         Shape expand);

// OK if the parameters broadcast (to `expand` if given); otherwise
// InvalidArgument "<family>: parameter shapes loc 2x3, scale 4x1 do not
// broadcast" (or "... to the expanded shape RxC").
inline absl::Status CheckShapes(absl::string_view family,
                                std::initializer_list<NamedParam> params,
                                Shape expand = Shape{}) {
  if (BroadcastShape(params, expand).valid()) return absl::OkStatus();
  return ShapesError(family, params, expand);
}

// The InvalidArgument status "<family>: parameter '<name>' element (i, j) =
// v <requirement>".
absl::Status ParamError(absl::string_view family, const NamedParam& param,
                        Index i, Index j, absl::string_view requirement);

// OK if `predicate(x)` holds for every element x of `param`; otherwise the
// ParamError of the first element that fails. (A template, so the check
// inlines: it runs at every sample site while validation is on.)
template <typename Predicate>
absl::Status CheckParam(absl::string_view family, const NamedParam& param,
                        const Predicate& predicate,
                        absl::string_view requirement) {
  const Real* data = param.tensor->value_data();
  const Index rows = param.tensor->rows();
  const Index size = param.tensor->size();
  for (Index k = 0; k < size; ++k) {
    if (!predicate(data[k])) {
      return ParamError(family, param, k % rows, k / rows, requirement);
    }
  }
  return absl::OkStatus();
}

// CheckParam with a fast path: `all_hold(values)` answers for the whole
// tensor (an Eigen array map of its values) in one pass of Eigen's packet
// operations, which vectorise where a loop testing a predicate does not (a
// loop with an early exit never does, and GCC's cost model at -O2 rarely
// vectorises a reduction); only when it fails does CheckParam's loop run to
// name the element. A few values (kAllFiniteLoopMax or fewer) go straight
// to the loop, which costs less than setting up a vectorised reduction, so
// `all_hold` sees more than that many (a minimum exists).
template <typename AllHold, typename Predicate>
absl::Status CheckParamVectorised(absl::string_view family,
                                  const NamedParam& param,
                                  const AllHold& all_hold,
                                  const Predicate& predicate,
                                  absl::string_view requirement) {
  const Index size = param.tensor->size();
  if (size > kAllFiniteLoopMax) {
    const ad_internal::ConstArrayMap<Real> values(param.tensor->value_data(),
                                                  size);
    if (ABSL_PREDICT_TRUE(all_hold(values))) return absl::OkStatus();
  }
  return CheckParam(family, param, predicate, requirement);
}

// Shorthands for the common requirements. NaN fails them all.
inline absl::Status CheckFinite(absl::string_view family,
                                const NamedParam& param) {
  return CheckParamVectorised(
      family, param, [](const auto& v) { return AllFinite(v); },
      [](Real x) { return std::isfinite(x); }, "must be finite");
}
inline absl::Status CheckPositive(absl::string_view family,
                                  const NamedParam& param) {
  return CheckParamVectorised(
      family, param,
      [](const auto& v) { return AllFinite(v) && v.minCoeff() > 0; },
      [](Real x) { return x > 0 && std::isfinite(x); },
      "must be > 0 and finite");
}
inline absl::Status CheckProbability(absl::string_view family,
                                     const NamedParam& param) {
  // x · 0 is NaN for a NaN or infinite x, and the other terms are >= 0 and
  // zero exactly inside [0, 1], so the sum is 0 exactly when all are in.
  return CheckParamVectorised(
      family, param,
      [](const auto& v) {
        return (v * Real(0) + (-v).max(Real(0)) + (v - Real(1)).max(Real(0)))
                   .sum() == Real(0);
      },
      [](Real x) { return x >= 0 && x <= 1; }, "must be in [0, 1]");
}

// Checks a value passed to LogProb: its shape must broadcast with
// rows x cols (throws StatusError otherwise, always) and, while validation is
// on, each element must lie in `support` (throws otherwise). Returns the
// broadcast shape of value and distribution.
Shape CheckValue(absl::string_view family, const Tensor& value, Index rows,
                 Index cols, const Support& support);

// `value` broadcast to `shape` (itself when already of that shape), so that
// every elementwise expression of it and the parameters has a full operand.
inline Tensor BroadcastValue(const Tensor& value, const Shape& shape) {
  return BroadcastTo(value, shape.rows, shape.cols);
}

// Σ over the event columns of an elementwise log density, after broadcasting
// it to `shape`: a shape.rows x 1 tensor.
Tensor SumEvent(const Tensor& elementwise, const Shape& shape);

// Constant tensors of independent draws, rows x cols.
Tensor StandardNormalNoise(Index rows, Index cols, absl::BitGenRef gen);
// Uniform on the open interval (0, 1).
Tensor UniformNoise(Index rows, Index cols, absl::BitGenRef gen);

// A constant copy of `value` with column `column` replaced by `column_value`
// (rows x 1, or 1x1 broadcast down the column).
Tensor ReplaceColumn(const Tensor& value, Index column,
                     const Tensor& column_value);

// log(2π) / 2.
inline constexpr double kHalfLog2Pi = 0.91893853320467274178;

}  // namespace distributions_internal
}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_INTERNAL_FAMILY_SUPPORT_H_
