// Copyright 2026 The provi Authors.
//
// File: runtime/scope.h
// -----------------------------------------------------------------------------
//
// `Scope`: hierarchical addresses. While a Scope lives, the addresses of the
// sites a program creates are prefixed with its name.
//
// Example:
//
//   {
//     provi::Scope encoder("encoder");
//     provi::Tensor w = provi::param("w", init);   // address "encoder/w"
//   }

#ifndef PROVI_RUNTIME_SCOPE_H_
#define PROVI_RUNTIME_SCOPE_H_

#include "absl/strings/string_view.h"
#include "runtime/address.h"

namespace provi {

// Scope
//
// RAII: addresses of sites created while alive are prefixed with "prefix/".
// Scopes nest ("encoder/layer1/w").
class Scope {
 public:
  explicit Scope(absl::string_view prefix);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  Address saved_;
};

// CurrentScope()
//
// The prefix addresses are joined to (the root outside every Scope).
Address CurrentScope();

}  // namespace provi

#endif  // PROVI_RUNTIME_SCOPE_H_
