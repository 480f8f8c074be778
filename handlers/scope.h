// Copyright 2026 The provi Authors.
//
// File: handlers/scope.h
// -----------------------------------------------------------------------------
//
// scope: prefixes the address of every site inside with "prefix/", from the
// outside of a program (the `Scope` primitive does the same from inside).
// Lets one program be used twice in a bigger one without address clashes.
//
// Example:
//
//   auto left = provi::handlers::Scoped(tree, "left");    // "left/z", ...
//   auto right = provi::handlers::Scoped(tree, "right");  // "right/z", ...

#ifndef PROVI_HANDLERS_SCOPE_H_
#define PROVI_HANDLERS_SCOPE_H_

#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "handlers/internal/with_handler.h"
#include "runtime/handler.h"
#include "runtime/primitives.h"

namespace provi {

// ScopeHandler
class ScopeHandler : public Handler {
 public:
  // Plates already entered when the handler is made are outside it and keep
  // their names.
  explicit ScopeHandler(absl::string_view prefix)
      : prefix_(Address::Intern(prefix)),
        outer_plates_(CurrentPlates().size()) {}

  void Process(Message& msg) override {
    msg.address = Address::Join(prefix_, msg.address.name());
    if (msg.kind == SiteKind::kPlate) msg.plate.name = msg.address;
    for (size_t i = outer_plates_; i < msg.plates.size(); ++i) {
      msg.plates[i].name = Address::Join(prefix_, msg.plates[i].name.name());
    }
  }

 private:
  Address prefix_;
  size_t outer_plates_;
};

namespace handlers {

template <typename F>
auto Scoped(F program, std::string prefix) {
  return handlers_internal::WithHandler(
      std::move(program),
      [prefix = std::move(prefix)] { return ScopeHandler(prefix); });
}

}  // namespace handlers
}  // namespace provi

#endif  // PROVI_HANDLERS_SCOPE_H_
