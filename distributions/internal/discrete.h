// Copyright 2026 The provi Authors.
//
// File: distributions/internal/discrete.h
// -----------------------------------------------------------------------------
//
// Helpers shared by the discrete families (Bernoulli, Categorical,
// Binomial, Poisson, Geometric): constants filled element by element,
// parameter values read with broadcasting, integer values read from `Real`
// tensors, and the enumeration of a finite support. Internal to
// distributions/.

#ifndef PROVI_DISTRIBUTIONS_INTERNAL_DISCRETE_H_
#define PROVI_DISTRIBUTIONS_INTERNAL_DISCRETE_H_

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "ad/ops.h"
#include "ad/tensor.h"
#include "base/status_error.h"
#include "distributions/distribution.h"
#include "distributions/internal/family_support.h"

namespace provi {
namespace distributions_internal {

// The most values `EnumerateSupport` returns. Enumeration re-runs the rest
// of a program once per value, so a support this large is already far
// beyond what a gradient step can afford; a larger one is a modelling error
// worth reporting rather than an allocation worth attempting.
inline constexpr int64_t kMaxEnumeratedValues = 65536;

// Throws `family.Validate()`'s error when the parameter shapes do not
// broadcast (`shape` is invalid), before a sampler or enumeration indexes
// parameters with a shape that does not exist.
inline void ThrowIfShapeInvalid(const Distribution& family,
                                const Shape& shape) {
  if (!shape.valid()) ThrowIfError(family.Validate());
}

// A constant rows x cols tensor whose element (i, j) is `fill(i, j)`.
template <typename F>
Tensor MakeConstant(Index rows, Index cols, const F& fill) {
  Real* data = nullptr;
  Tensor out = NewConstant(rows, cols, &data);
  for (Index j = 0; j < cols; ++j) {
    for (Index i = 0; i < rows; ++i) {
      data[j * rows + i] = static_cast<Real>(fill(i, j));
    }
  }
  return out;
}

// Element (i, j) of `param` read as if broadcast to a larger shape: a
// dimension of size 1 is repeated.
inline double BroadcastAt(const Tensor& param, Index i, Index j) {
  return static_cast<double>(
      param(param.rows() == 1 ? 0 : i, param.cols() == 1 ? 0 : j));
}

// An integer-valued element of a value tensor, as an integer. Callers have
// checked the value (or chose to skip checks), so a non-integer rounds down.
inline int64_t AsCount(Real x) { return static_cast<int64_t>(x); }

// Every joint value of a `rows` x `cols` sample whose elements each take
// `values_per_column` values {0, ..., values_per_column - 1}, the same value
// in every lane, in lexicographic order (column 0 varies slowest). Throws
// InvalidArgument naming `family` when there would be more than
// kMaxEnumeratedValues of them.
std::vector<Tensor> EnumerateGrid(absl::string_view family, Index rows,
                                  Index cols, int64_t values_per_column);

}  // namespace distributions_internal
}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_INTERNAL_DISCRETE_H_
