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
// `WithStrategy(program, {"c"}, Enumerate())`.
//
// Example:
//
//   auto exact_guide = provi::WithStrategy(guide, {"c"}, provi::Enumerate());
//   auto all_sf = provi::WithStrategy(
//       guide, [](const provi::Message&) { return true; },
//       provi::ScoreFunction(provi::MovingAverageBaseline(0.9)));

#ifndef PROVI_ESTIMATORS_WITH_STRATEGY_H_
#define PROVI_ESTIMATORS_WITH_STRATEGY_H_

#include <functional>
#include <initializer_list>
#include <memory>
#include <utility>

#include "absl/strings/string_view.h"
#include "estimators/site_strategy.h"
#include "handlers/infer_config.h"
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

}  // namespace provi

#endif  // PROVI_ESTIMATORS_WITH_STRATEGY_H_
