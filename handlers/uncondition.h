// Copyright 2026 The provi Authors.
//
// File: handlers/uncondition.h
// -----------------------------------------------------------------------------
//
// uncondition: observed sites become latent again: their data is dropped and
// they are drawn like any other sample site (e.g. to sample the prior
// predictive of a conditioned model). condition then uncondition gives back
// the original program.
//
// Example:
//
//   auto prior_predictive = provi::handlers::Uncondition(model);

#ifndef PROVI_HANDLERS_UNCONDITION_H_
#define PROVI_HANDLERS_UNCONDITION_H_

#include <utility>

#include "handlers/internal/with_handler.h"
#include "runtime/handler.h"

namespace provi {

// UnconditionHandler
class UnconditionHandler : public Handler {
 public:
  void Process(Message& msg) override {
    if (msg.kind != SiteKind::kSample || !msg.is_observed) return;
    msg.is_observed = false;
    msg.value.reset();
  }
};

namespace handlers {

template <typename F>
auto Uncondition(F program) {
  return handlers_internal::WithHandler(std::move(program),
                                        [] { return UnconditionHandler(); });
}

}  // namespace handlers
}  // namespace provi

#endif  // PROVI_HANDLERS_UNCONDITION_H_
