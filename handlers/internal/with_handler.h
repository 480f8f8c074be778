// Copyright 2026 The provi Authors.
//
// File: handlers/internal/with_handler.h
// -----------------------------------------------------------------------------
//
// The one mechanism behind every combinator in handlers/: wrap a callable so
// that each call runs it with a freshly made handler on the stack.

#ifndef PROVI_HANDLERS_INTERNAL_WITH_HANDLER_H_
#define PROVI_HANDLERS_INTERNAL_WITH_HANDLER_H_

#include <utility>

#include "runtime/handler.h"

namespace provi {
namespace handlers_internal {

// Returns a callable that, given arguments, makes a handler with
// `make_handler()`, installs it, and calls `program(arguments...)`.
template <typename F, typename MakeHandler>
auto WithHandler(F program, MakeHandler make_handler) {
  return [program = std::move(program), make_handler = std::move(make_handler)](
             auto&&... args) -> decltype(auto) {
    auto handler = make_handler();
    HandlerScope scope(handler);
    return program(std::forward<decltype(args)>(args)...);
  };
}

}  // namespace handlers_internal
}  // namespace provi

#endif  // PROVI_HANDLERS_INTERNAL_WITH_HANDLER_H_
