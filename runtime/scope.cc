// Copyright 2026 The provi Authors.

#include "runtime/scope.h"

#include "runtime/internal/program_state.h"

namespace provi {

using runtime_internal::ThreadProgramState;

Scope::Scope(absl::string_view prefix) : saved_(ThreadProgramState().scope) {
  ThreadProgramState().scope = Address::Join(saved_, prefix);
}

Scope::~Scope() { ThreadProgramState().scope = saved_; }

Address CurrentScope() { return ThreadProgramState().scope; }

}  // namespace provi
