// Copyright 2026 The provi Authors.
//
// File: handlers/condition.h
// -----------------------------------------------------------------------------
//
// condition: sample sites named in the data become observed at the given
// values (they then contribute log p(value) to the density, and are not
// drawn). A value whose shape does not match the site's distribution is an
// error naming the address (checked when the site runs).
//
// Example:
//
//   auto conditioned = provi::handlers::Condition(model, provi::Values({{"x",
//   x}}));

#ifndef PROVI_HANDLERS_CONDITION_H_
#define PROVI_HANDLERS_CONDITION_H_

#include <utility>

#include "handlers/internal/with_handler.h"
#include "handlers/value_map.h"
#include "runtime/handler.h"

namespace provi {

// ConditionHandler
class ConditionHandler : public Handler {
 public:
  explicit ConditionHandler(ValueMap data) : data_(std::move(data)) {}
  void Process(Message& msg) override;

 private:
  ValueMap data_;
};

namespace handlers {

template <typename F>
auto Condition(F program, ValueMap data) {
  return handlers_internal::WithHandler(
      std::move(program),
      [data = std::move(data)] { return ConditionHandler(data); });
}

}  // namespace handlers
}  // namespace provi

#endif  // PROVI_HANDLERS_CONDITION_H_
