// Copyright 2026 The provi Authors.
//
// File: handlers/lift.h
// -----------------------------------------------------------------------------
//
// lift: turns param sites into sample sites drawn from a prior, so a model
// written with point parameters becomes a Bayesian one. The prior is given
// per address, or one prior for every param. Params without a prior stay
// params.
//
// Example:
//
//   const provi::Normal prior = provi::Normal(0.0, 1.0).Expand(1, 5);
//   auto bayesian = provi::handlers::Lift(regression, provi::Priors({{"w",
//   prior}}));

#ifndef PROVI_HANDLERS_LIFT_H_
#define PROVI_HANDLERS_LIFT_H_

#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "distributions/distribution.h"
#include "handlers/internal/with_handler.h"
#include "runtime/handler.h"

namespace provi {

// LiftHandler
class LiftHandler : public Handler {
 public:
  using PriorMap =
      absl::flat_hash_map<Address, std::shared_ptr<const Distribution>>;

  // Priors by address.
  explicit LiftHandler(PriorMap priors) : priors_(std::move(priors)) {}
  // One prior for every param.
  explicit LiftHandler(std::shared_ptr<const Distribution> prior)
      : default_prior_(std::move(prior)) {}

  void Process(Message& msg) override;

 private:
  PriorMap priors_;
  std::shared_ptr<const Distribution> default_prior_;
};

// Priors()
//
// A PriorMap from (address, distribution) pairs; distributions are cloned.
LiftHandler::PriorMap Priors(
    std::initializer_list<std::pair<absl::string_view, const Distribution&>>
        entries);

namespace handlers {

template <typename F>
auto Lift(F program, LiftHandler::PriorMap priors) {
  return handlers_internal::WithHandler(
      std::move(program),
      [priors = std::move(priors)] { return LiftHandler(priors); });
}

template <typename F>
auto Lift(F program, const Distribution& prior) {
  return handlers_internal::WithHandler(
      std::move(program),
      [prior = prior.Clone()] { return LiftHandler(prior); });
}

}  // namespace handlers
}  // namespace provi

#endif  // PROVI_HANDLERS_LIFT_H_
