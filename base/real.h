// Copyright 2026 The provi Authors.
//
// File: base/real.h
// -----------------------------------------------------------------------------
//
// `provi::Real` is the scalar type of every tensor, density and gradient in
// provi. It is `float` by default, the precision deep generative models train
// in (as PyTorch and JAX default to), and `double`, which statistical models
// and gradient checks want, when the build setting `@provi//:real` is
// "double" (build_defs/real.bzl):
//
//   bazel build --@provi//:real=double //:my_model   # a depending workspace
//   ./bazelw test --config=f64 //...                 # provi's own (the same)
//
// The setting applies to a whole build, so provi and the code that uses it
// always agree on `Real`.
//
// Example:
//
//   provi::Real x = provi::Real{0.5};
//   static_assert(provi::kRealIsDouble == std::is_same_v<provi::Real, double>);

#ifndef PROVI_BASE_REAL_H_
#define PROVI_BASE_REAL_H_

#include <limits>

namespace provi {

// Real
//
// The floating-point type provi computes in. Selected at build time by the
// `PROVI_REAL_DOUBLE` macro, which `//base:real` defines for every target
// depending on it when `@provi//:real` is "double". Set the build setting,
// not the macro, which would have to reach every target of a binary alike:
// code compiled with one `Real` cannot call code compiled with the other.
#if defined(PROVI_REAL_DOUBLE)
using Real = double;
#else
using Real = float;
#endif

// kRealIsDouble
//
// True when `Real` is `double`.
inline constexpr bool kRealIsDouble = sizeof(Real) == sizeof(double);

// kRealName
//
// "double" or "float", for messages and benchmark labels.
inline constexpr const char* kRealName = kRealIsDouble ? "double" : "float";

// kRealEpsilon
//
// The machine epsilon of `Real`.
inline constexpr Real kRealEpsilon = std::numeric_limits<Real>::epsilon();

// kInfinity, kNaN
//
// Positive infinity and a quiet NaN of type `Real`.
inline constexpr Real kInfinity = std::numeric_limits<Real>::infinity();
inline constexpr Real kNaN = std::numeric_limits<Real>::quiet_NaN();

}  // namespace provi

#endif  // PROVI_BASE_REAL_H_
