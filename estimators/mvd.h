// Copyright 2026 The provi Authors.
//
// File: estimators/mvd.h
// -----------------------------------------------------------------------------
//
// The measure-valued derivative strategy (MVD): the site's value is drawn
// without gradient, and for each parameter entry θ_j of the family the
// derivative of its density is written as c_j (p⁺_j - p⁻_j), a difference of
// two coupled distributions (`Distribution::MvdTerms`). For each j the
// estimator schedules value runs that force the site to the coupled draws
// x⁺_j, x⁻_j and run the rest of the program without gradient, giving
// costs L⁺_j, L⁻_j; the site adds
//
//   Σ_j (θ_j - Detach(θ_j)) c_j Detach(L⁺_j - L⁻_j)
//
// to the surrogate of its run and of every branch forked after it. Value
// runs are forward-only: they record nothing on the tape.
//
// One run per coupling term where it can: when each lane's drawn value is
// one of the two coupled draws (a Bernoulli's coupling is 1 and 0, so the
// drawn value is always one side), the run evaluating the term already has
// that side's cost L, so a single value run forced to the other side lane
// by lane gives L_other and L⁺_j - L⁻_j = ±(L - L_other) per lane: one
// counterfactual per Bernoulli site. In a program whose value has one
// lane per K particles of the site's (an importance-weighted bound, lanes
// laid out as `Iwelbo`'s), the particles of a lane share its value, so the
// counterfactual is one run per particle, each flipping that particle's
// lanes only. Particles run one after the other as `IndependentBlocks`
// (estimators/independent_blocks.h) fare better: a counterfactual at a
// site of particle k re-runs particle k alone and reuses the others' values
// from the run that scheduled it. Other families (the Normal's Weibull
// couplings, say) take two runs per parameter entry (one when the negative
// part is zero). Per lane: a site with R lanes needs the program to return
// one value per lane.
//
// Example:
//
//   provi::sample("b", provi::Bernoulli::FromProbs(p), provi::Mvd());
//   auto guide_mvd = provi::Mvd(guide, {"b"});

#ifndef PROVI_ESTIMATORS_MVD_H_
#define PROVI_ESTIMATORS_MVD_H_

#include <initializer_list>
#include <memory>
#include <utility>

#include "absl/strings/string_view.h"
#include "estimators/site_strategy.h"
#include "estimators/with_strategy.h"

namespace provi {

// Mvd()
//
// The strategy, for `sample`'s third argument; or `program` with the named
// sites (or those matching `predicate`) estimated by it. Needs a family
// with couplings (`Distribution::has_mvd`).
std::shared_ptr<const SiteStrategy> Mvd();

template <typename F>
auto Mvd(F program, std::initializer_list<absl::string_view> sites) {
  return WithStrategy(std::move(program), sites, Mvd());
}
template <typename F>
auto Mvd(F program, SitePredicate predicate) {
  return WithStrategy(std::move(program), std::move(predicate), Mvd());
}

}  // namespace provi

#endif  // PROVI_ESTIMATORS_MVD_H_
