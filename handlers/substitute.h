// Copyright 2026 The provi Authors.
//
// File: handlers/substitute.h
// -----------------------------------------------------------------------------
//
// substitute: param and latent sample sites named in the map take the given
// values, without becoming observed (a sample site keeps its density at the
// substituted value, as if the draw had come out that way). With a function,
// the function decides per site (return std::nullopt to leave a site alone).
//
// Example:
//
//   auto fixed = provi::handlers::Substitute(model, provi::Values({{"w",
//   w0}}));

#ifndef PROVI_HANDLERS_SUBSTITUTE_H_
#define PROVI_HANDLERS_SUBSTITUTE_H_

#include <functional>
#include <optional>
#include <utility>

#include "handlers/internal/with_handler.h"
#include "handlers/value_map.h"
#include "runtime/handler.h"

namespace provi {

// SubstituteHandler
class SubstituteHandler : public Handler {
 public:
  using Function = std::function<std::optional<Tensor>(const Message&)>;
  explicit SubstituteHandler(ValueMap values);
  explicit SubstituteHandler(Function function)
      : function_(std::move(function)) {}
  void Process(Message& msg) override;

 private:
  Function function_;
};

namespace handlers {

template <typename F>
auto Substitute(F program, ValueMap values) {
  return handlers_internal::WithHandler(
      std::move(program),
      [values = std::move(values)] { return SubstituteHandler(values); });
}

template <typename F>
auto Substitute(F program, SubstituteHandler::Function function) {
  return handlers_internal::WithHandler(
      std::move(program),
      [function = std::move(function)] { return SubstituteHandler(function); });
}

}  // namespace handlers
}  // namespace provi

#endif  // PROVI_HANDLERS_SUBSTITUTE_H_
