// Copyright 2026 The provi Authors.

#include "distributions/internal/gamma_functions.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "absl/random/distributions.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/internal/math_policy.h"
#include "base/special_functions.h"
#include "boost/math/special_functions/gamma.hpp"

namespace provi {
namespace distributions_internal {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The large-shape approximation's error grows as z⁴ / a²; beyond this many
// standard deviations (a fraction 2e-9 of draws) the exact formula takes
// over, and it converges fast there because x is far from a.
constexpr double kApproximationMaxZ = 6;

// A function value and its derivative in the shape a.
struct WithDerivative {
  double value;
  double derivative;
};

// Terms enough for the series or the continued fraction to converge: both
// need about 9√a near x = a, far fewer elsewhere. A cap keeps a NaN-free but
// absurd input (a = 1e300) from looping for ever.
double MaxTerms(double a) { return std::min(100 + 20 * std::sqrt(a), 1e8); }

// S(a, x) = Σ_{n>=0} t_n with t_0 = 1, t_n = t_{n-1} x / (a + n), and
// ∂S/∂a = -Σ t_n H_n, H_n = Σ_{k=1}^{n} 1/(a + k), since
// ∂t_n/∂a = -t_n H_n. All terms are positive: no cancellation. For
// x < a + 1 the ratio x / (a + n) is below 1 from the first term on.
WithDerivative LowerSeries(double a, double x) {
  // A term this small relative to the sum no longer changes it in double.
  constexpr double kTolerance = 1e-17;
  double term = 1;
  double sum = 1;
  double harmonic = 0;
  double derivative = 0;
  const double max_terms = MaxTerms(a);
  for (double n = 1; n <= max_terms; ++n) {
    term *= x / (a + n);
    harmonic += 1 / (a + n);
    sum += term;
    derivative -= term * harmonic;
    if (term <= kTolerance * sum &&
        term * harmonic <= kTolerance * std::abs(derivative)) {
      break;
    }
  }
  return {sum, derivative};
}

// f(a, x), Legendre's continued fraction b_0 + a_1/(b_1 + a_2/(b_2 + ...))
// with b_0 = 0, a_1 = 1, a_n = -(n - 1)(n - 1 - a) for n >= 2 and
// b_n = x + 2n - 1 - a, so ∂a_n/∂a = n - 1 (n >= 2) and ∂b_n/∂a = -1.
// Evaluated by the forward recurrence A_n = b_n A_{n-1} + a_n A_{n-2} (and
// the same for B_n), with f = A_n / B_n. Differentiating the recurrence
// gives one for ∂A_n and ∂B_n; all eight quantities obey jointly linear
// homogeneous recurrences, so dividing them all by B_n at each step keeps
// them bounded without changing f or ∂f = (∂A_n - f ∂B_n) / B_n.
WithDerivative UpperContinuedFraction(double a, double x) {
  constexpr double kTolerance = 1e-16;
  // Indices: 2 for n - 2, 1 for n - 1. A_{-1} = 1, B_{-1} = 0, A_0 = 0,
  // B_0 = 1, and their derivatives 0.
  double a2 = 1, b2 = 0, da2 = 0, db2 = 0;
  double a1 = 0, b1 = 1, da1 = 0, db1 = 0;
  double f = 0;
  double df = 0;
  const double max_terms = MaxTerms(a);
  for (double n = 1; n <= max_terms; ++n) {
    const double an = n == 1 ? 1.0 : -(n - 1) * (n - 1 - a);
    const double dan = n == 1 ? 0.0 : n - 1;
    const double bn = x + 2 * n - 1 - a;
    const double dbn = -1;
    const double big_a = bn * a1 + an * a2;
    const double big_b = bn * b1 + an * b2;
    const double d_big_a = dbn * a1 + bn * da1 + dan * a2 + an * da2;
    const double d_big_b = dbn * b1 + bn * db1 + dan * b2 + an * db2;
    const double scale = 1 / big_b;
    a2 = a1 * scale;
    b2 = b1 * scale;
    da2 = da1 * scale;
    db2 = db1 * scale;
    a1 = big_a * scale;
    b1 = 1;
    da1 = d_big_a * scale;
    db1 = d_big_b * scale;
    const double next_f = a1;
    const double next_df = da1 - next_f * db1;
    const bool converged =
        std::abs(next_f - f) <= kTolerance * std::abs(next_f) &&
        std::abs(next_df - df) <= kTolerance * std::abs(next_df);
    f = next_f;
    df = next_df;
    if (converged) break;
  }
  return {f, df};
}

bool ValidArguments(double a, double x) {
  return a > 0 && std::isfinite(a) && x >= 0;  // false for NaN
}

// Wilson-Hilferty with the Cornish-Fisher correction, see the header, or
// nothing when x is beyond kApproximationMaxZ standard deviations.
std::optional<double> LargeShapeSampleDerivative(double a, double x) {
  const double w = std::cbrt(x / a);
  const double sqrt_a = std::sqrt(a);
  const double z = 3 * sqrt_a * (w - 1 + 1 / (9 * a));
  if (!(std::abs(z) <= kApproximationMaxZ)) return std::nullopt;
  return w * w * (1.5 - 0.5 * w + 1 / (6 * a)) +
         z * (z * z - 3) / (108 * a * sqrt_a);
}

// `t` broadcast to rows x cols, read at (i, j).
Real Broadcast(const Tensor& t, Index i, Index j) {
  return t(t.rows() == 1 ? 0 : i, t.cols() == 1 ? 0 : j);
}

}  // namespace

double RegularizedGammaP(double a, double x) {
  if (!ValidArguments(a, x)) return kNaN;
  if (std::isinf(x)) return 1;
  return boost::math::gamma_p(a, x, base_internal::MathPolicy());
}

double RegularizedGammaPDerivative(double a, double x) {
  if (!ValidArguments(a, x)) return kNaN;
  if (x == 0 || std::isinf(x)) return 0;
  const double log_x = std::log(x);
  // x^a e^(-x) / Γ(a): x times the gamma density, which Boost evaluates
  // without forming the exponent a log x - x - log Γ(a) (whose rounding
  // would cost a relative error of order a · 1e-16).
  const double prefactor =
      x * boost::math::gamma_p_derivative(a, x, base_internal::MathPolicy());
  if (x < a + 1) {
    // P = (prefactor / a) S.
    const WithDerivative s = LowerSeries(a, x);
    return prefactor / a * ((log_x - Digamma(a + 1)) * s.value + s.derivative);
  }
  // Q = prefactor f, and ∂P/∂a = -∂Q/∂a.
  const WithDerivative f = UpperContinuedFraction(a, x);
  return -prefactor * ((log_x - Digamma(a)) * f.value + f.derivative);
}

double StandardGammaSampleDerivative(double a, double x) {
  if (!ValidArguments(a, x) || x == 0) return kNaN;
  if (std::isinf(x)) return x;
  if (a > kLargeConcentration) {
    if (const std::optional<double> approximate =
            LargeShapeSampleDerivative(a, x)) {
      return *approximate;
    }
  }
  const double log_x = std::log(x);
  // p(x; a) = e^L a / x = e^M / x with L and M as above, so the
  // prefactors cancel to x / a and x.
  if (x < a + 1) {
    const WithDerivative s = LowerSeries(a, x);
    return -(x / a) * ((log_x - Digamma(a + 1)) * s.value + s.derivative);
  }
  const WithDerivative f = UpperContinuedFraction(a, x);
  return x * ((log_x - Digamma(a)) * f.value + f.derivative);
}

namespace {

// Marsaglia and Tsang's sampler for a >= 1: d (1 + c z)³ with z standard
// normal is accepted with the probability that makes it exactly Gamma(a);
// the cheap squeeze u < 1 - 0.0331 z⁴ decides most draws without a
// logarithm. Finite for every finite a >= 1 (for a near the largest double,
// d v may round to infinity, which the caller clamps).
double MarsagliaTsang(double a, absl::BitGenRef gen) {
  const double d = a - 1.0 / 3.0;
  const double c = 1 / std::sqrt(9 * d);
  while (true) {
    double z;
    double v;
    do {
      z = absl::Gaussian<double>(gen);
      v = 1 + c * z;
    } while (v <= 0);
    v = v * v * v;
    const double u = absl::Uniform<double>(absl::IntervalOpen, gen, 0, 1);
    const double z2 = z * z;
    if (u < 1 - 0.0331 * z2 * z2 ||
        std::log(u) < 0.5 * z2 + d * (1 - v + std::log(v))) {
      return d * v;
    }
  }
}

}  // namespace

double SampleStandardGamma(double a, absl::BitGenRef gen) {
  // Outside (0, inf) there is no distribution: Validate() rejects such
  // shapes, and a caller that skipped it gets NaN rather than a sampler
  // that never ends.
  if (!(a > 0 && a < std::numeric_limits<double>::infinity())) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  constexpr double kTiny = std::numeric_limits<Real>::min();
  constexpr double kHuge = std::numeric_limits<Real>::max();
  if (a >= 1) return std::clamp(MarsagliaTsang(a, gen), kTiny, kHuge);
  // G(a) = G(a + 1) U^(1/a), in logs so that only the final exp can
  // underflow (and then the clamp applies).
  const double u = absl::Uniform<double>(absl::IntervalOpen, gen, 0, 1);
  const double boosted = MarsagliaTsang(a + 1, gen);
  return std::clamp(std::exp(std::log(boosted) + std::log(u) / a), kTiny,
                    kHuge);
}

Tensor StandardGammaSample(const Tensor& concentration, Index rows, Index cols,
                           absl::BitGenRef gen) {
  Real* data = nullptr;
  Tensor draws = NewConstant(rows, cols, &data);
  for (Index j = 0; j < cols; ++j) {
    for (Index i = 0; i < rows; ++i) {
      data[j * rows + i] = static_cast<Real>(
          SampleStandardGamma(Broadcast(concentration, i, j), gen));
    }
  }
  return draws;
}

Tensor StandardGammaRSample(const Tensor& concentration, Index rows, Index cols,
                            absl::BitGenRef gen) {
  const Tensor draws = StandardGammaSample(concentration, rows, cols, gen);
  if (!concentration.requires_grad() || !Tape::Current().recording()) {
    return draws;
  }
  Real* slope = nullptr;
  const Tensor slopes = NewConstant(rows, cols, &slope);
  for (Index j = 0; j < cols; ++j) {
    for (Index i = 0; i < rows; ++i) {
      slope[j * rows + i] = static_cast<Real>(StandardGammaSampleDerivative(
          Broadcast(concentration, i, j), draws(i, j)));
    }
  }
  return draws + (concentration - Detach(concentration)) * slopes;
}

Tensor ClampValue(const Tensor& x, Real lo, Real hi) {
  const auto v = x.value();
  if ((v.array() >= lo && v.array() <= hi).all()) return x;
  Real* data = nullptr;
  const Tensor shift = NewConstant(x.rows(), x.cols(), &data);
  for (Index k = 0; k < x.size(); ++k) {
    const Real value = x.value_data()[k];
    data[k] = std::clamp(value, lo, hi) - value;
  }
  return x + shift;
}

Tensor GuardZeroTimesLog(const Tensor& coefficient, const Tensor& value,
                         Real pole, Real safe) {
  const Index rows = value.rows();
  const Index cols = value.cols();
  bool any = false;
  for (Index j = 0; j < cols && !any; ++j) {
    for (Index i = 0; i < rows && !any; ++i) {
      any = value(i, j) == pole && Broadcast(coefficient, i, j) == 0;
    }
  }
  if (!any) return value;
  Real* data = nullptr;
  const Tensor mask = NewConstant(rows, cols, &data);
  for (Index j = 0; j < cols; ++j) {
    for (Index i = 0; i < rows; ++i) {
      data[j * rows + i] =
          value(i, j) == pole && Broadcast(coefficient, i, j) == 0 ? 1 : 0;
    }
  }
  return Where(mask, Tensor(safe), value);
}

}  // namespace distributions_internal
}  // namespace provi
