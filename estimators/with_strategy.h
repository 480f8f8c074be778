// Copyright 2026 The provi Authors.
//
// File: estimators/with_strategy.h
// -----------------------------------------------------------------------------
//
// `WithStrategy(program, sites, strategy)`: `program` with the latent sample
// sites named in `sites` (or those matching a predicate) estimated by
// `strategy`, overriding the choice made at the site and the distribution's
// default. Each strategy's header offers the same as a short form named
// after the strategy: `Enumerate(program, {"c"})` is
// `WithStrategy(program, {"c"}, Enumerate())`. `WithStrategies(program,
// map)` sets one strategy per address at once, from a `StrategyMap` (the
// form the estimator advisor, estimators/advisor.h, returns its choice in).
//
// Example:
//
//   auto exact_guide = provi::WithStrategy(guide, {"c"}, provi::Enumerate());
//   auto all_sf = provi::WithStrategy(
//       guide, [](const provi::Message&) { return true; },
//       provi::ScoreFunction(provi::MovingAverageBaseline(0.9)));
//   provi::StrategyMap choice = {{"c", provi::Enumerate()},
//                                {"z", provi::Pathwise()}};
//   auto chosen = provi::WithStrategies(guide, choice);

#ifndef PROVI_ESTIMATORS_WITH_STRATEGY_H_
#define PROVI_ESTIMATORS_WITH_STRATEGY_H_

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "estimators/site_strategy.h"
#include "handlers/infer_config.h"
#include "runtime/address.h"
#include "runtime/message.h"

namespace provi {

// SitePredicate
//
// Selects sites by their message (address, distribution, plates, ...).
using SitePredicate = std::function<bool(const Message&)>;

// WithStrategy()
//
// See the file comment.
template <typename F>
auto WithStrategy(F program, std::initializer_list<absl::string_view> sites,
                  std::shared_ptr<const SiteStrategy> strategy) {
  return handlers::InferConfig(
      std::move(program),
      InferConfigHandler::ForAddresses(sites, std::move(strategy)));
}
template <typename F>
auto WithStrategy(F program, SitePredicate predicate,
                  std::shared_ptr<const SiteStrategy> strategy) {
  return handlers::InferConfig(
      std::move(program),
      InferConfigHandler::Where(std::move(predicate), std::move(strategy)));
}

// StrategyMap
//
// A strategy per site, keyed by the site's address (its full name, as
// `Address::name()` spells it).
using StrategyMap =
    absl::flat_hash_map<std::string, std::shared_ptr<const SiteStrategy>>;

// WithStrategies()
//
// `program` with each site named in `strategies` estimated by its strategy;
// sites not named keep their choice.
template <typename F>
auto WithStrategies(F program, const StrategyMap& strategies) {
  auto by_address = std::make_shared<
      absl::flat_hash_map<Address, std::shared_ptr<const SiteStrategy>>>();
  for (const auto& [name, strategy] : strategies) {
    (*by_address)[Address::Intern(name)] = strategy;
  }
  return handlers::InferConfig(
      std::move(program),
      [by_address](const Message& msg,
                   std::shared_ptr<const SiteStrategy>& strategy) {
        const auto it = by_address->find(msg.address);
        if (it != by_address->end()) strategy = it->second;
      });
}

}  // namespace provi

#endif  // PROVI_ESTIMATORS_WITH_STRATEGY_H_
