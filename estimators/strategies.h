// Copyright 2026 The provi Authors.
//
// File: estimators/strategies.h
// -----------------------------------------------------------------------------
//
// Choosing the gradient strategy of a sample site (DESIGN.md section 5).
// Each strategy has one name, used both for the site-level object and for
// the program wrapper:
//
//   strategy                    at the site          over a program
//   pathwise (reparameterised)  Pathwise()           Pathwise(p, sites)
//   score function (+ baseline) ScoreFunction(b)     ScoreFunction(p, sites, b)
//   score function + fitted     ScoreFunctionWith-   ScoreFunctionWith-
//     control variates          ControlVariates(d)   ControlVariates(p, s)
//   enumeration (exact)         Enumerate()          Enumerate(p, sites)
//   measure-valued derivative   Mvd()                Mvd(p, sites)
//   chosen by measurement       Auto()               WithStrategies(p, map)
//   straight-through (biased)   StraightThrough()
//   Gumbel-softmax (biased)     GumbelSoftmax(τ)
//
// (`Auto()` and `Advise`, which returns the map, are in estimators/advisor.h;
// the biased strategies, opt-in only, in estimators/relaxed.h), and any
// strategy, including one written against estimators/site_strategy.h,
// goes over a program with `WithStrategy(p, sites, strategy)`. `sites` is a
// list of addresses or a predicate on the site's message. Three ways to
// choose, the later overriding the earlier:
//
//   1. the distribution's default (`DefaultStrategy`): pathwise if it has
//      RSample, else the score function;
//   2. at the site: `sample("c", Categorical(p), Enumerate())`;
//   3. by wrapping a program: `ScoreFunction(guide, {"c"},
//      MovingAverageBaseline(0.9))`, `WithStrategy(guide, {"c"}, Mvd())`.
//
// A strategy the distribution cannot support (enumerating a Normal, pathwise
// through a Poisson) is reported as a Status naming the site when the
// estimator runs.
//
// Example:
//
//   auto guide = [&](const Tensor& x) {
//     provi::sample("c", provi::Categorical::FromLogits(logits),
//                   provi::Enumerate());
//     provi::sample("z", provi::Normal(loc, scale));  // pathwise
//   };
//   auto noisy = provi::ScoreFunction(guide, {"z"});

#ifndef PROVI_ESTIMATORS_STRATEGIES_H_
#define PROVI_ESTIMATORS_STRATEGIES_H_

#include <memory>

#include "distributions/distribution.h"
#include "estimators/baselines.h"
#include "estimators/control_variates.h"
#include "estimators/enumerate.h"
#include "estimators/mvd.h"
#include "estimators/pathwise.h"
#include "estimators/relaxed.h"
#include "estimators/score_function.h"
#include "estimators/site_strategy.h"
#include "estimators/with_strategy.h"

namespace provi {

// DefaultStrategy()
//
// The strategy of a site that chose none: `Pathwise()` if `dist` has
// RSample, else `ScoreFunction()`.
const std::shared_ptr<const SiteStrategy>& DefaultStrategy(
    const Distribution& dist);

}  // namespace provi

#endif  // PROVI_ESTIMATORS_STRATEGIES_H_
