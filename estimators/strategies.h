// Copyright 2026 The provi Authors.
//
// File: estimators/strategies.h
// -----------------------------------------------------------------------------
//
// Choosing the gradient estimator of a sample site (DESIGN.md section 5).
// Three ways, the later overriding the earlier:
//
//   1. the distribution's default: pathwise if it has RSample, else the
//      score function;
//   2. at the site: `sample("c", Categorical(p), Enumerate())`;
//   3. by wrapping a program: `Reparam(guide, {"z"})`,
//      `ScoreFunction(guide, {"c"}, MovingAverageBaseline(0.9))`,
//      `Marginalize(guide, {"c"})`, `Mvd(guide, {"b"})`, each also with a
//      predicate instead of addresses.
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
//   auto noisy = provi::ScoreFunction(guide, {"z"}, provi::NoBaseline());

#ifndef PROVI_ESTIMATORS_STRATEGIES_H_
#define PROVI_ESTIMATORS_STRATEGIES_H_

#include <functional>
#include <initializer_list>
#include <memory>
#include <utility>

#include "absl/strings/string_view.h"
#include "estimators/baselines.h"
#include "handlers/infer_config.h"
#include "runtime/message.h"

namespace provi {

// Site-level strategies, for the third argument of `sample`.
inline SiteEstimator Pathwise() {
  return SiteEstimator(SiteEstimator::Kind::kPathwise);
}
inline SiteEstimator Enumerate() {
  return SiteEstimator(SiteEstimator::Kind::kEnumerate);
}
inline SiteEstimator ScoreFunctionEstimator(
    std::shared_ptr<const Baseline> baseline = NoBaseline()) {
  return SiteEstimator(SiteEstimator::Kind::kScoreFunction,
                       std::move(baseline));
}
inline SiteEstimator MeasureValued() {
  return SiteEstimator(SiteEstimator::Kind::kMvd);
}

using SitePredicate = std::function<bool(const Message&)>;

// Reparam(), ScoreFunction(), Marginalize(), Mvd()
//
// `program` with the named sites (or those matching `predicate`) estimated
// pathwise, by the score function with `baseline`, by exact enumeration, or
// by measure-valued derivatives.
template <typename F>
auto Reparam(F program, std::initializer_list<absl::string_view> addresses) {
  return handlers::InferConfig(
      std::move(program),
      InferConfigHandler::ForAddresses(addresses, Pathwise()));
}
template <typename F>
auto Reparam(F program, SitePredicate predicate) {
  return handlers::InferConfig(
      std::move(program),
      InferConfigHandler::Where(std::move(predicate), Pathwise()));
}

template <typename F>
auto ScoreFunction(F program,
                   std::initializer_list<absl::string_view> addresses,
                   std::shared_ptr<const Baseline> baseline = NoBaseline()) {
  return handlers::InferConfig(
      std::move(program),
      InferConfigHandler::ForAddresses(
          addresses, ScoreFunctionEstimator(std::move(baseline))));
}
template <typename F>
auto ScoreFunction(F program, SitePredicate predicate,
                   std::shared_ptr<const Baseline> baseline = NoBaseline()) {
  return handlers::InferConfig(
      std::move(program),
      InferConfigHandler::Where(std::move(predicate),
                                ScoreFunctionEstimator(std::move(baseline))));
}

template <typename F>
auto Marginalize(F program,
                 std::initializer_list<absl::string_view> addresses) {
  return handlers::InferConfig(
      std::move(program),
      InferConfigHandler::ForAddresses(addresses, Enumerate()));
}
template <typename F>
auto Marginalize(F program, SitePredicate predicate) {
  return handlers::InferConfig(
      std::move(program),
      InferConfigHandler::Where(std::move(predicate), Enumerate()));
}

template <typename F>
auto Mvd(F program, std::initializer_list<absl::string_view> addresses) {
  return handlers::InferConfig(
      std::move(program),
      InferConfigHandler::ForAddresses(addresses, MeasureValued()));
}
template <typename F>
auto Mvd(F program, SitePredicate predicate) {
  return handlers::InferConfig(
      std::move(program),
      InferConfigHandler::Where(std::move(predicate), MeasureValued()));
}

}  // namespace provi

#endif  // PROVI_ESTIMATORS_STRATEGIES_H_
