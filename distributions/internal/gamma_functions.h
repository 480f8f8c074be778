// Copyright 2026 The provi Authors.
//
// File: distributions/internal/gamma_functions.h
// -----------------------------------------------------------------------------
//
// What Gamma, Beta and Dirichlet share: a standard-gamma sampler, the
// regularised lower incomplete gamma function P(α, x) (Boost.Math's) and
// its derivative in α, and the implicitly reparameterised draw built from
// them. Internal to distributions/.
//
// Implicit reparameterisation (Figurnov, Mohamed and Mnih, "Implicit
// Reparameterization Gradients", NeurIPS 2018, eq. (6)): a draw x of a
// distribution with CDF F(x; α) satisfies F(x; α) = u for a uniform u that
// does not depend on α. Differentiating that identity at fixed u,
//
//   dx/dα = -(∂F(x; α)/∂α) / p(x; α),
//
// which needs the CDF's derivative at the draw but never its inverse: the
// draw itself may come from any exact sampler (here Marsaglia and Tsang's).
// For the standard gamma F = P(α, x) and p(x; α) = x^(α-1) e^(-x) / Γ(α).
//
// The scalar functions compute in double whatever `provi::Real` is.
//
// Example:
//
//   double p = RegularizedGammaP(2.5, 1.5);             // 0.30001416412137...
//   double g = SampleStandardGamma(0.3, gen);           // one draw
//   double slope = StandardGammaSampleDerivative(0.3, g);  // dg/dα
//   Tensor x = StandardGammaRSample(alpha, rows, cols, gen);  // on the tape

#ifndef PROVI_DISTRIBUTIONS_INTERNAL_GAMMA_FUNCTIONS_H_
#define PROVI_DISTRIBUTIONS_INTERNAL_GAMMA_FUNCTIONS_H_

#include "absl/random/bit_gen_ref.h"
#include "ad/tensor.h"
#include "base/real.h"

namespace provi {
namespace distributions_internal {

// RegularizedGammaP()
//
// P(a, x) = γ(a, x) / Γ(a) = (1 / Γ(a)) ∫_0^x t^(a-1) e^(-t) dt, the CDF of
// the standard gamma distribution with shape a, for a > 0 and x >= 0 (NaN
// otherwise; P(a, +inf) = 1): Boost.Math's `gamma_p`, evaluated in double
// (base_internal::MathPolicy). Measured against 50-digit references
// (benchmarks/special_functions_accuracy, quantiles 1e-6 to 1 - 1e-6):
// relative error at most 9.4e-16 for a < 1, 1.7e-15 for a < 10, 8.2e-15 for
// a <= 1e3 and 4.0e-14 for a <= 1e4, where the series and continued
// fraction below (which provi evaluated before) reach 2.4e-15, 4.2e-15,
// 1.4e-12 and 2.6e-11; and in 0.61 of their time.
double RegularizedGammaP(double a, double x);

// RegularizedGammaPDerivative()
//
// ∂P(a, x)/∂a. For x < a + 1, P = x^a e^(-x) / Γ(a + 1) S with the series
//
//   S = Σ_{n>=0} x^n / ((a + 1) ... (a + n)),
//
// otherwise Q = 1 - P = x^a e^(-x) / Γ(a) f with Legendre's continued
// fraction f = 1/(x + 1 - a - 1(1 - a)/(x + 3 - a - 2(2 - a)/(x + 5 - a -
// ...))), evaluated by its three-term recurrence; both need O(1 + √a)
// terms near x = a. Differentiating term by term: with the prefactor's
// derivative log x - ψ(a + 1) (series) or log x - ψ(a) (fraction), the
// series' terms' derivatives -t_n Σ_{k<=n} 1/(a + k), and the fraction's
// numerators and denominators differentiated along the recurrence. The
// prefactor x^a e^(-x) / Γ(a) is x times Boost.Math's
// `gamma_p_derivative`, which avoids the rounding of the exponent
// a log x - x - log Γ(a). Same domain as RegularizedGammaP. Measured
// relative error against 50-digit references, quantiles 1e-6 to 1 - 1e-6:
// 1.6e-14 for a < 1, 1.1e-14 for a < 100, 3.8e-14 for a <= 1e3 and 2.2e-13
// for a <= 1e4 (Eigen's `igamma_der_a`: 1.6e-14, 1.1e-13, 1.5e-12 and
// 3.0e-6, in 0.90 of the time).
double RegularizedGammaPDerivative(double a, double x);

// kLargeConcentration
//
// Above this shape StandardGammaSampleDerivative uses the Wilson-Hilferty
// approximation instead of the exact derivative, whose cost grows as √a
// near the mean.
inline constexpr double kLargeConcentration = 1e3;

// StandardGammaSampleDerivative()
//
// dx/da at fixed u = P(a, x): the implicit reparameterisation gradient of a
// standard-gamma draw x, -(∂P(a, x)/∂a) / p(x; a). For a > 0, x > 0.
//
// For a <= kLargeConcentration the ratio is formed without the common
// factor x^a e^(-x) / Γ(·), which cancels, so it neither underflows nor
// overflows for tiny or huge draws: with S and ∂S/∂a the series and its
// derivative, or f and ∂f/∂a the continued fraction and its derivative,
//
//   dx/da = -(x / a) ((log x - ψ(a + 1)) S + ∂S/∂a)    (x < a + 1),
//   dx/da = x ((log x - ψ(a)) f + ∂f/∂a)                (otherwise).
//
// Measured relative error against 50-digit references
// (benchmarks/special_functions_accuracy) for quantiles 1e-6 to 1 - 1e-6:
// 1.6e-14 for 0.01 <= a < 1, 1.0e-14 for a < 100, 3.9e-14 for a <= 1e3.
// Eigen's `gamma_sample_der_alpha`, the same computation, takes the same
// time and reaches 1.5e-14, 1.3e-14 and 5.8e-14, and 3.0e-6 above 1e3.
//
// For a > kLargeConcentration and draws within 6 standard deviations of
// the mean (all but a fraction 2e-9; the exact formula, fast that far from
// x = a, takes the others): the Wilson-Hilferty approximation
// x ≈ a (1 - 1/(9a) + z / (3√a))³ with z a standard normal quantile, so
// that with w = (x / a)^(1/3) and z = 3√a (w - 1 + 1/(9a)),
//
//   dx/da|z = w² (3/2 - w/2 + 1/(6a)) + (z³ - 3z) / (108 a^(3/2)).
//
// The first term is Wilson-Hilferty's own derivative; the second corrects
// it to the Cornish-Fisher expansion of the gamma quantile,
// x = a + √a z + (z² - 1)/3 + (z³ - 7z)/(36√a) + O(1/a). Wilson-Hilferty's
// order-1/√a term is (z³/27 - 2z/9)/√a instead, (z³ - 3z)/(108√a) too
// much: that changes the derivative at fixed z by -(z³ - 3z)/(216 a^(3/2)),
// and holding Wilson-Hilferty's z fixed rather than the true quantile's
// changes it by the same again. The remaining relative error is O(a^-2):
// at most 2.4e-6 at a = 1e3 for |z| <= 6 (9e-8 for |z| <= 3), 2.1e-8 at
// a = 1e4 (measured against the exact formula above); without the
// correction it would be 6e-5 at a = 1e3.
double StandardGammaSampleDerivative(double a, double x);

// SampleStandardGamma()
//
// One draw of the standard gamma distribution with shape a > 0, in double:
// Marsaglia and Tsang's squeeze-and-reject method ("A Simple Method for
// Generating Gamma Variables", ACM TOMS 26(3), 2000) for a >= 1, and for
// a < 1 their boost G(a) = G(a + 1) U^(1/a). The result is clamped below at
// the smallest positive normal `provi::Real`, so that a draw stored as a
// `Real` is never 0 (whose log density would be infinite) even when
// U^(1/a) underflows. That changes a fraction P(a, 1.2e-38) of float
// draws: 5e-12 for a = 0.3, but 0.42 for a = 0.01, whose draws float
// cannot represent; in double (2.2e-308) it is 6e-93 for a = 0.3. It is
// clamped above at the largest finite `Real` (reached in float for shapes
// near 3.4e38). Every a > 0 and finite ends after a bounded expected number
// of tries (at most about 1.05 per draw, Marsaglia and Tsang's acceptance
// rate; no recursion); any other a, which `Validate()` rejects, gives NaN.
double SampleStandardGamma(double a, absl::BitGenRef gen);

// StandardGammaSample()
//
// A constant rows x cols tensor of independent standard-gamma draws, the
// shape of element (i, j) being `concentration` broadcast to rows x cols.
Tensor StandardGammaSample(const Tensor& concentration, Index rows, Index cols,
                           absl::BitGenRef gen);

// StandardGammaRSample()
//
// The same draws G, implicitly reparameterised as a surrogate that needs no
// custom AD node:
//
//   G_s = G + (α - Detach(α)) D,   D = StandardGammaSampleDerivative(α, G),
//
// whose value is G and whose gradient in α (= `concentration`) is D, summed
// over broadcast axes like any operand. D is a constant computed in double
// at the stored (rounded) draw. When `concentration` does not require a
// gradient or the tape is not recording, D is not computed and G is
// returned.
Tensor StandardGammaRSample(const Tensor& concentration, Index rows, Index cols,
                            absl::BitGenRef gen);

// ClampValue()
//
// `x` with its value clamped to [lo, hi] but its gradient unchanged:
// x + c with the constant c = clamp(x, lo, hi) - x (x itself when nothing
// is clamped). Beta and Dirichlet use it to keep `Real` draws off 0 and 1,
// where rounding puts a few of them for small concentrations, without
// zeroing the pathwise gradient of those draws as `Clamp` would.
Tensor ClampValue(const Tensor& x, Real lo, Real hi);

// GuardZeroTimesLog()
//
// `value` (already broadcast to its full shape) with each element equal to
// `pole` replaced by `safe` where the matching element of `coefficient`
// (broadcastable to it) is 0. Then coefficient * Log(result) follows the
// convention 0 · log 0 = 0, as the density of Beta(1, b) at 0 requires,
// instead of giving NaN; the gradient there is 0 rather than NaN. Returns
// `value` itself when nothing matches.
Tensor GuardZeroTimesLog(const Tensor& coefficient, const Tensor& value,
                         Real pole, Real safe);

}  // namespace distributions_internal
}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_INTERNAL_GAMMA_FUNCTIONS_H_
