// Copyright 2026 The provi Authors.
//
// File: handlers/block.h
// -----------------------------------------------------------------------------
//
// block: hides sites from the handlers outside it (their messages stop
// here), e.g. to keep a sub-model's choices out of an outer trace. Choose the
// hidden sites by address (`Hide`), by the complement (`Expose`), or by a
// predicate; with no selection every site is hidden.
//
// Example:
//
//   // An outer trace sees only "x".
//   auto quiet = provi::handlers::Block(model,
//   provi::BlockHandler::Expose({"x"}));

#ifndef PROVI_HANDLERS_BLOCK_H_
#define PROVI_HANDLERS_BLOCK_H_

#include <functional>
#include <initializer_list>
#include <utility>

#include "absl/strings/string_view.h"
#include "handlers/internal/with_handler.h"
#include "runtime/handler.h"

namespace provi {

// BlockHandler
class BlockHandler : public Handler {
 public:
  using Predicate = std::function<bool(const Message&)>;

  // Hides the sites for which `hide` is true (all sites if empty).
  explicit BlockHandler(Predicate hide = nullptr) : hide_(std::move(hide)) {}

  // Predicates hiding the named addresses, or all but them.
  static Predicate Hide(std::initializer_list<absl::string_view> addresses);
  static Predicate Expose(std::initializer_list<absl::string_view> addresses);

  void Process(Message& msg) override {
    if (!hide_ || hide_(msg)) msg.stop = true;
  }

 private:
  Predicate hide_;
};

namespace handlers {

template <typename F>
auto Block(F program, BlockHandler::Predicate hide = nullptr) {
  return handlers_internal::WithHandler(
      std::move(program),
      [hide = std::move(hide)] { return BlockHandler(hide); });
}

}  // namespace handlers
}  // namespace provi

#endif  // PROVI_HANDLERS_BLOCK_H_
