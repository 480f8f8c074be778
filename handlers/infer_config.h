// Copyright 2026 The provi Authors.
//
// File: handlers/infer_config.h
// -----------------------------------------------------------------------------
//
// infer_config: chooses the gradient estimator (and its options) of the
// sample sites inside, by address or by predicate, overriding the
// distribution's default and any choice made at the site. The estimators
// layer builds its `Reparam`, `ScoreFunction`, `Marginalize` and `Mvd`
// wrappers on this handler.
//
// Example:
//
//   provi::SiteEstimator sf{provi::SiteEstimator::Kind::kScoreFunction};
//   auto configured = provi::handlers::InferConfig(
//       guide, provi::InferConfigHandler::ForAddresses({"c"}, sf));

#ifndef PROVI_HANDLERS_INFER_CONFIG_H_
#define PROVI_HANDLERS_INFER_CONFIG_H_

#include <functional>
#include <initializer_list>
#include <utility>

#include "absl/strings/string_view.h"
#include "handlers/internal/with_handler.h"
#include "runtime/handler.h"

namespace provi {

// InferConfigHandler
class InferConfigHandler : public Handler {
 public:
  // Edits the estimator of each sample site (called on every one).
  using Configure = std::function<void(const Message&, SiteEstimator&)>;

  explicit InferConfigHandler(Configure configure)
      : configure_(std::move(configure)) {}

  // Sets `estimator` on the named addresses, or where `predicate` holds.
  static Configure ForAddresses(
      std::initializer_list<absl::string_view> addresses,
      SiteEstimator estimator);
  static Configure Where(std::function<bool(const Message&)> predicate,
                         SiteEstimator estimator);

  void Process(Message& msg) override {
    if (msg.kind == SiteKind::kSample && !msg.is_observed) {
      configure_(msg, msg.estimator);
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
