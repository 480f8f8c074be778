// Copyright 2026 The provi Authors.
//
// File: distributions/kl.h
// -----------------------------------------------------------------------------
//
// Analytic Kullback-Leibler divergences between two distributions of the
// same family,
//
//   KL(p ‖ q) = E_p[log p(x) - log q(x)],
//
// one value per lane, summed over the event columns exactly as `LogProb`
// sums: for elementwise families the sum of the elementwise divergences of
// a lane, for the multivariate ones (MvNormal, Dirichlet, Categorical,
// OneHotCategorical) the divergence of the lane's joint distribution. The
// result is a tensor on the tape, differentiable in the parameters of both
// distributions (an analytic KL term in an ELBO needs no sampling and has no
// variance).
//
// Shapes broadcast as `LogProb`'s value does against its distribution
// (DESIGN.md section 2): 1x1 against anything, 1xC or Rx1 against RxC,
// and the result is (broadcast rows) x 1. The multivariate families
// broadcast their lanes only and must have the same event size (D, or K
// categories). The parameters are not validated here (call `Validate()`);
// a family whose own parameter shapes do not broadcast reports its
// `Validate()` error.
//
// The formulas, per element (or per lane for the multivariate families),
// p's parameters indexed 1 and q's 2. Each follows from the definition with
// the expectations under p noted after it; the references give them in the
// same form.
//
//   Normal(μ, σ) (Rasmussen and Williams, "Gaussian Processes for Machine
//   Learning", MIT Press 2006, appendix A.5, with D = 1):
//     KL = log(σ2 / σ1) + (σ1² + (μ1 - μ2)²) / (2 σ2²) - 1/2,
//     evaluated as ½ (r² + d² - 1) - log r with r = σ1 / σ2 and
//     d = (μ1 - μ2) / σ2, which is exactly 0 when p = q.
//
//   MvNormal(μ, L Lᵀ) over D dimensions (same reference):
//     KL = ½ [tr(Σ2⁻¹ Σ1) + (μ2 - μ1)ᵀ Σ2⁻¹ (μ2 - μ1) - D]
//          + ½ log det Σ2 - ½ log det Σ1,
//     computed from the Cholesky factors without an inverse:
//     tr(Σ2⁻¹ Σ1) = ‖L2⁻¹ L1‖²_F and the Mahalanobis term ‖L2⁻¹ (μ2 - μ1)‖²
//     by triangular solves (one solve for all lanes), and
//     ½ log det Σ = Σ_d log L_dd. For p = q the result is 0 up to the
//     rounding of L⁻¹ L = I.
//
//   Bernoulli(π) (the definition, with the conventions of Cover and Thomas,
//   "Elements of Information Theory", 2nd ed., Wiley 2006, sec. 2.3):
//     KL = π1 log(π1 / π2) + (1 - π1) log((1 - π1) / (1 - π2)),
//     with 0 · log(0 / π2) = 0 for any π2 (also 0) and π1 log(π1 / 0) = +∞
//     for π1 > 0: p = Bernoulli(1) against q = Bernoulli(0.3) is
//     log(1 / 0.3), against q = Bernoulli(0) it is +∞. Logits are used
//     through log σ(l) and log σ(-l), which stay finite for finite logits;
//     a distribution built from logits gives every outcome positive mass
//     (its probabilities are kept at or above the smallest normal `Real`
//     where they would round to 0), so it has infinite divergence from a
//     q with probability exactly 0 or 1.
//
//   Categorical(π) over K categories (the definition, same conventions):
//     KL = Σ_k π1_k log(π1_k / π2_k), with the same conventions; logits
//     through the log-softmax l_k - log Σ_j e^(l_j). OneHotCategorical(π)
//     is the same distribution written as one-hot rows: the same formula.
//
//   Gamma(α, β), rate β (Penny, "KL-divergences of Normal, Gamma,
//   Dirichlet and Wishart densities", Wellcome Department of Imaging
//   Neuroscience, 2001, rewritten from scale to rate), with
//   E_p log x = ψ(α1) - log β1 and E_p x = α1 / β1:
//     KL = (α1 - α2) ψ(α1) - log Γ(α1) + log Γ(α2)
//          + α2 (log β1 - log β2) + α1 (β2 - β1) / β1.
//
//   Beta(a, b) (the K = 2 case of the Dirichlet below), with
//   E_p log x = ψ(a1) - ψ(a1 + b1), E_p log(1 - x) = ψ(b1) - ψ(a1 + b1):
//     KL = log B(a2, b2) - log B(a1, b1) + (a1 - a2) (ψ(a1) - ψ(a1 + b1))
//          + (b1 - b2) (ψ(b1) - ψ(a1 + b1)),
//     log B(a, b) = log Γ(a) + log Γ(b) - log Γ(a + b).
//
//   Dirichlet(c) over K categories (Penny 2001), c0 = Σ_k c_k and
//   E_p log x_k = ψ(c1_k) - ψ(c1_0):
//     KL = log Γ(c1_0) - Σ_k log Γ(c1_k) - log Γ(c2_0) + Σ_k log Γ(c2_k)
//          + Σ_k (c1_k - c2_k) (ψ(c1_k) - ψ(c1_0)).
//
//   Exponential(λ), with E_p x = 1 / λ1:
//     KL = log λ1 - log λ2 + λ2 / λ1 - 1.
//
//   Poisson(λ), with E_p x = λ1 (the log x! terms cancel):
//     KL = λ1 (log λ1 - log λ2) + λ2 - λ1.
//
// Gradients are those of the formulas, except at the boundary of Bernoulli
// and the categorical families: where π1 = 0 the term π1 log π1 = 0 · log 0
// contributes 0 to the gradient instead of its one-sided derivative
// log π1 + 1 = -∞ (the convention Beta's and Dirichlet's densities follow
// for 0 · log 0), and the term π1 log π2 contributes log π2 to ∂/∂π1 and 0
// to ∂/∂π2, also when π2 = 0. Where the divergence is +∞ its gradient is not
// meaningful.
//
// Errors (thrown as `StatusError`, like `LogProb`'s): a pair of families
// without a formula here is Unimplemented, naming both families ("no
// analytic KL divergence from Normal to Gamma"); shapes that do not
// broadcast are InvalidArgument, naming both families and shapes.
//
// Example:
//
//   // The analytic KL term of a mean-field normal guide against a standard
//   // normal prior: one value per image in the minibatch.
//   provi::Normal guide(loc, scale);                 // B x 10 each
//   provi::Normal prior(0.0, 1.0);
//   provi::Tensor kl = provi::KlDivergence(guide, prior);  // B x 1
//   provi::Tensor elbo = log_likelihood - kl;

#ifndef PROVI_DISTRIBUTIONS_KL_H_
#define PROVI_DISTRIBUTIONS_KL_H_

#include "ad/tensor.h"
#include "distributions/distribution.h"

namespace provi {

// KlDivergence()
//
// KL(p ‖ q), one value per lane: a (broadcast rows) x 1 tensor on the tape.
// Supported pairs (both arguments of the same family): Normal, MvNormal,
// Bernoulli, Categorical, OneHotCategorical, Gamma, Beta, Dirichlet,
// Exponential, Poisson, in either parameterisation where a family has two.
// See the file comment for the formulas, the conventions at the boundary
// and the errors.
Tensor KlDivergence(const Distribution& p, const Distribution& q);

// HasAnalyticKl()
//
// Whether `KlDivergence(p, q)` has a formula for the families of p and q
// (it may still fail on their shapes).
bool HasAnalyticKl(const Distribution& p, const Distribution& q);

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_KL_H_
