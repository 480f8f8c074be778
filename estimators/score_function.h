// Copyright 2026 The provi Authors.
//
// File: estimators/score_function.h
// -----------------------------------------------------------------------------
//
// The score-function strategy (REINFORCE, likelihood ratio): the site's value
// is drawn without gradient (`Sample`) and the site adds
//
//   Detach(C - b) ⊙ (log q(x) - Detach(log q(x)))
//
// to the surrogate, where C is the cost downstream of the site (the costs
// added after it and the returned value: ADEV's continuation) and b an
// optional baseline (estimators/baselines.h) that lowers the variance and
// keeps the gradient unbiased. Works for every family with a density whose
// support does not move with its parameters; the default for families
// without `RSample`. Per lane: each lane's score multiplies its own lane's
// cost.
//
// Example:
//
//   provi::sample("c", provi::Categorical::FromLogits(logits),
//                 provi::ScoreFunction(provi::MovingAverageBaseline(0.9)));
//   auto guide_sf = provi::ScoreFunction(guide, {"c"});

#ifndef PROVI_ESTIMATORS_SCORE_FUNCTION_H_
#define PROVI_ESTIMATORS_SCORE_FUNCTION_H_

#include <initializer_list>
#include <memory>
#include <utility>

#include "absl/strings/string_view.h"
#include "estimators/baselines.h"
#include "estimators/site_strategy.h"
#include "estimators/with_strategy.h"

namespace provi {

// ScoreFunction()
//
// The strategy with `baseline` (none if null), for `sample`'s third
// argument; or `program` with the named sites (or those matching
// `predicate`) estimated by it.
std::shared_ptr<const SiteStrategy> ScoreFunction(
    std::shared_ptr<const Baseline> baseline = nullptr);

template <typename F>
auto ScoreFunction(F program, std::initializer_list<absl::string_view> sites,
                   std::shared_ptr<const Baseline> baseline = nullptr) {
  return WithStrategy(std::move(program), sites,
                      ScoreFunction(std::move(baseline)));
}
template <typename F>
auto ScoreFunction(F program, SitePredicate predicate,
                   std::shared_ptr<const Baseline> baseline = nullptr) {
  return WithStrategy(std::move(program), std::move(predicate),
                      ScoreFunction(std::move(baseline)));
}

}  // namespace provi

#endif  // PROVI_ESTIMATORS_SCORE_FUNCTION_H_
