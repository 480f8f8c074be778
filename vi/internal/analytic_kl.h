// Copyright 2026 The provi Authors.
//
// File: vi/internal/analytic_kl.h
// -----------------------------------------------------------------------------
//
// The trace arithmetic behind `ElboAnalyticKl` (vi/objectives.h): given the
// guide's trace q and the model's trace p replayed on q's choices, the ELBO
// per lane with every latent site whose two distributions have a closed-form
// KL divergence (distributions/kl.h) contributing -KL(q_site ‖ p_site)
// instead of the sampled log p_site(z) - log q_site(z).

#ifndef PROVI_VI_INTERNAL_ANALYTIC_KL_H_
#define PROVI_VI_INTERNAL_ANALYTIC_KL_H_

#include "ad/tensor.h"
#include "runtime/trace.h"

namespace provi {
namespace vi_internal {

// ElboWithAnalyticKl()
//
// A guide site takes the analytic term when all of these hold: it is a latent
// sample site with a density in q (not observed, not intervened on); p has a
// latent sample site with a density at the same address; `HasAnalyticKl`
// holds for the two distributions; and the two sites carry the same scale
// and the same mask (or neither has one), which then weight the KL as they
// weight the log densities. Every other site keeps its sampled log density.
//
// The result has one value per lane, shared out as `LaneDifference` does.
// Throws StatusError naming the site if a KL divergence fails (shapes that
// do not broadcast) or produces a NaN.
Tensor ElboWithAnalyticKl(const Trace& model_trace, const Trace& guide_trace);

// The number of sites of `guide_trace` that ElboWithAnalyticKl would score
// analytically against `model_trace`.
int CountAnalyticKlSites(const Trace& model_trace, const Trace& guide_trace);

}  // namespace vi_internal
}  // namespace provi

#endif  // PROVI_VI_INTERNAL_ANALYTIC_KL_H_
