// Copyright 2026 The provi Authors.
//
// File: base/special_functions.h
// -----------------------------------------------------------------------------
//
// Scalar special functions the standard library lacks, for `float` and
// `double`: the digamma and trigamma functions (derivatives of log Γ) and
// numerically stable log-sigmoid / softplus. The AD operations and the
// distributions build on them.
//
// Example:
//
//   double psi = provi::Digamma(2.5);   // 0.7031566406452432
//   double psi1 = provi::Trigamma(2.5); // 0.4903577561002349

#ifndef PROVI_BASE_SPECIAL_FUNCTIONS_H_
#define PROVI_BASE_SPECIAL_FUNCTIONS_H_

#include <cmath>
#include <limits>

#include "base/internal/array_exp.h"
#include "base/internal/math_policy.h"
#include "boost/math/special_functions/digamma.hpp"

namespace provi {

// Digamma()
//
// ψ(x) = d/dx log Γ(x), by Boost.Math's `digamma` evaluated in double (for
// float too): reflection for x < 0, rational approximations on [1, 10]
// (around the positive root 1.4616... to full relative accuracy), the
// asymptotic series above. Poles (x = 0, -1, -2, ...) and NaN give NaN.
// Measured against 50-digit references (benchmarks/
// special_functions_accuracy): relative error at most 2.7e-16 for
// 1e-3 <= x < 1e6, and about half the time of the recurrence-and-series
// evaluation it replaced (benchmarks/special_functions_benchmark).
template <typename T>
T Digamma(T x) {
  if (std::isnan(x)) return x;
  return static_cast<T>(boost::math::digamma(static_cast<double>(x),
                                             base_internal::MathPolicy()));
}

// Trigamma()
//
// ψ'(x) = d²/dx² log Γ(x). Reflection for x < 0, recurrence
// ψ'(x) = ψ'(x + 1) + 1/x² up to x >= 12, then the asymptotic series. Poles
// give NaN.
template <typename T>
T Trigamma(T x) {
  if (std::isnan(x)) return x;
  double v = static_cast<double>(x);
  double result = 0.0;
  double sign = 1.0;
  if (v <= 0.0) {
    if (v == std::floor(v)) return std::numeric_limits<T>::quiet_NaN();
    // ψ'(1 - v) + ψ'(v) = π² / sin²(π v).
    constexpr double kPi = 3.14159265358979323846;
    const double s = std::sin(kPi * v);
    result = kPi * kPi / (s * s);
    sign = -1.0;
    v = 1.0 - v;
  }
  double tail = 0.0;
  while (v < 12.0) {
    tail += 1.0 / (v * v);
    v += 1.0;
  }
  const double inv = 1.0 / v;
  const double inv2 = inv * inv;
  // 1/v + 1/(2v²) + Σ B_2k / v^(2k+1).
  const double series =
      inv + 0.5 * inv2 +
      inv * inv2 *
          (1.0 / 6 -
           inv2 * (1.0 / 30 -
                   inv2 * (1.0 / 42 - inv2 * (1.0 / 30 - inv2 * 5.0 / 66))));
  return static_cast<T>(result + sign * (tail + series));
}

// Log1pExp()
//
// softplus(x) = log(1 + e^x) without overflow.
template <typename T>
T Log1pExp(T x) {
  return x > T(0) ? x + std::log1p(base_internal::ExpOrZero(-x))
                  : std::log1p(base_internal::ExpOrZero(x));
}

// LogSigmoid()
//
// log(1 / (1 + e^-x)) = -softplus(-x), without overflow.
template <typename T>
T LogSigmoid(T x) {
  return -Log1pExp(-x);
}

// Sigmoid()
//
// 1 / (1 + e^-x), without overflow, and exactly 0 where e^x underflows
// (base/internal/array_exp.h), as ad/'s vectorised Sigmoid.
template <typename T>
T Sigmoid(T x) {
  if (x >= T(0)) return T(1) / (T(1) + base_internal::ExpOrZero(-x));
  const T e = base_internal::ExpOrZero(x);
  return e / (T(1) + e);
}

}  // namespace provi

#endif  // PROVI_BASE_SPECIAL_FUNCTIONS_H_
