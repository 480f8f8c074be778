// Copyright 2026 The provi Authors.
//
// File: estimators/enumerate.h
// -----------------------------------------------------------------------------
//
// The enumeration strategy (exact marginalisation): the program's rest runs
// once per value v of the site's finite support, each run weighted by
// p_θ(v) on the tape, so the surrogate is Σ_v p_θ(v) L_v: its value is the
// exact conditional expectation and its gradient exact for this site. Direct
// style has no first-class continuation, so the estimator gets "the rest of
// the program" by re-execution: the first run takes the first value and
// each other value is a branch that replays the sites before this one.
// Nested enumerated sites multiply the runs, as in ADEV.
//
// Per lane: a site with R lanes needs one run per support value for all R
// lanes together (not K^R), each lane weighted by its own p(v), which needs
// the program to return one value per lane.
//
// Example:
//
//   provi::sample("c", provi::Categorical::FromLogits(logits),
//                 provi::Enumerate());
//   auto exact_guide = provi::Enumerate(guide, {"c"});

#ifndef PROVI_ESTIMATORS_ENUMERATE_H_
#define PROVI_ESTIMATORS_ENUMERATE_H_

#include <initializer_list>
#include <memory>
#include <utility>

#include "absl/strings/string_view.h"
#include "estimators/site_strategy.h"
#include "estimators/with_strategy.h"

namespace provi {

// Enumerate()
//
// The strategy, for `sample`'s third argument; or `program` with the named
// sites (or those matching `predicate`) enumerated. Needs a family with a
// finite support (`Distribution::EnumerateSupport`).
std::shared_ptr<const SiteStrategy> Enumerate();

template <typename F>
auto Enumerate(F program, std::initializer_list<absl::string_view> sites) {
  return WithStrategy(std::move(program), sites, Enumerate());
}
template <typename F>
auto Enumerate(F program, SitePredicate predicate) {
  return WithStrategy(std::move(program), std::move(predicate), Enumerate());
}

}  // namespace provi

#endif  // PROVI_ESTIMATORS_ENUMERATE_H_
