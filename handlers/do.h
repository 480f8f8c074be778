// Copyright 2026 The provi Authors.
//
// File: handlers/do.h
// -----------------------------------------------------------------------------
//
// do: an intervention. Sample sites named in the map take the given values
// without being observed: downstream sites see the value, but the site
// contributes no density (its mechanism was replaced). This is the
// difference from `condition`, which keeps log p(value).
//
// Example:
//
//   auto intervened = provi::handlers::Do(model, provi::Values({{"smoking",
//   one}}));

#ifndef PROVI_HANDLERS_DO_H_
#define PROVI_HANDLERS_DO_H_

#include <utility>

#include "handlers/internal/with_handler.h"
#include "handlers/value_map.h"
#include "runtime/handler.h"

namespace provi {

// DoHandler
class DoHandler : public Handler {
 public:
  explicit DoHandler(ValueMap values) : values_(std::move(values)) {}
  void Process(Message& msg) override;

 private:
  ValueMap values_;
};

namespace handlers {

template <typename F>
auto Do(F program, ValueMap values) {
  return handlers_internal::WithHandler(
      std::move(program),
      [values = std::move(values)] { return DoHandler(values); });
}

}  // namespace handlers
}  // namespace provi

#endif  // PROVI_HANDLERS_DO_H_
