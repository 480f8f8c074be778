// Copyright 2026 The provi Authors.
//
// File: estimators/pathwise.h
// -----------------------------------------------------------------------------
//
// The pathwise strategy (reparameterisation): the site's value is
// x = T(ε, θ), drawn with the family's `RSample` on the tape, so the
// gradient flows through the value into the parameters. It adds no term.
// The default for families that have `RSample`; others are an error naming
// the site.
//
// Example:
//
//   provi::sample("z", provi::Normal(loc, scale), provi::Pathwise());
//   auto guide_pw = provi::Pathwise(guide, {"z"});

#ifndef PROVI_ESTIMATORS_PATHWISE_H_
#define PROVI_ESTIMATORS_PATHWISE_H_

#include <initializer_list>
#include <memory>
#include <utility>

#include "absl/strings/string_view.h"
#include "estimators/site_strategy.h"
#include "estimators/with_strategy.h"

namespace provi {

// Pathwise()
//
// The strategy, for `sample`'s third argument; or `program` with the named
// sites (or those matching `predicate`) estimated pathwise.
std::shared_ptr<const SiteStrategy> Pathwise();

template <typename F>
auto Pathwise(F program, std::initializer_list<absl::string_view> sites) {
  return WithStrategy(std::move(program), sites, Pathwise());
}
template <typename F>
auto Pathwise(F program, SitePredicate predicate) {
  return WithStrategy(std::move(program), std::move(predicate), Pathwise());
}

}  // namespace provi

#endif  // PROVI_ESTIMATORS_PATHWISE_H_
