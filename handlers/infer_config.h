// Copyright 2026 The provi Authors.
//
// File: handlers/infer_config.h
// -----------------------------------------------------------------------------
//
// infer_config: chooses the gradient strategy of the sample sites inside, by
// address or by predicate, overriding the distribution's default and any
// choice made at the site. The strategies themselves come from estimators/
// (estimators/strategies.h), whose `WithStrategy` wrappers are built on this
// handler; to the handler a strategy is an opaque `SiteStrategy`.
//
// Example:
//
//   auto configured = provi::handlers::InferConfig(
//       guide, provi::InferConfigHandler::ForAddresses({"c"},
//                                                      provi::Enumerate()));

#ifndef PROVI_HANDLERS_INFER_CONFIG_H_
#define PROVI_HANDLERS_INFER_CONFIG_H_

#include <functional>
#include <initializer_list>
#include <memory>
#include <utility>

#include "absl/strings/string_view.h"
#include "handlers/internal/with_handler.h"
#include "runtime/handler.h"

namespace provi {

// InferConfigHandler
class InferConfigHandler : public Handler {
 public:
  // Edits the strategy of each latent sample site (called on every one).
  using Configure = std::function<void(
      const Message&, std::shared_ptr<const SiteStrategy>& strategy)>;

  explicit InferConfigHandler(Configure configure)
      : configure_(std::move(configure)) {}

  // Sets `strategy` on the named addresses, or where `predicate` holds.
  static Configure ForAddresses(
      std::initializer_list<absl::string_view> addresses,
      std::shared_ptr<const SiteStrategy> strategy);
  static Configure Where(std::function<bool(const Message&)> predicate,
                         std::shared_ptr<const SiteStrategy> strategy);

  void Process(Message& msg) override {
    if (msg.kind == SiteKind::kSample && !msg.is_observed) {
      configure_(msg, msg.strategy);
    }
  }

 private:
  Configure configure_;
};

namespace handlers {

template <typename F>
auto InferConfig(F program, InferConfigHandler::Configure configure) {
  return handlers_internal::WithHandler(std::move(program),
                                        [configure = std::move(configure)] {
                                          return InferConfigHandler(configure);
                                        });
}

}  // namespace handlers
}  // namespace provi

#endif  // PROVI_HANDLERS_INFER_CONFIG_H_
