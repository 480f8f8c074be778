// Copyright 2026 The provi Authors.
//
// File: runtime/internal/program_state.h
// -----------------------------------------------------------------------------
//
// What a running program's statements share on a thread: the enclosing
// scope (runtime/scope.h) and plates (runtime/plate.h), and the message a
// primitive starts from. Private to //runtime.

#ifndef PROVI_RUNTIME_INTERNAL_PROGRAM_STATE_H_
#define PROVI_RUNTIME_INTERNAL_PROGRAM_STATE_H_

#include "absl/strings/string_view.h"
#include "base/real.h"
#include "runtime/address.h"
#include "runtime/message.h"

namespace provi {
namespace runtime_internal {

// ProgramState
//
// The innermost scope and the plates entered, outermost first.
struct ProgramState {
  Address scope;
  PlateStack plates;
};

// ThreadProgramState()
//
// This thread's state.
inline ProgramState& ThreadProgramState() {
  thread_local ProgramState state;
  return state;
}

// NewMessage()
//
// The message a primitive of kind `kind` at `address` sends: the address
// joined to the scope, the enclosing plates, and the log-density scale
// their subsampling implies.
inline Message NewMessage(SiteKind kind, absl::string_view address) {
  Message msg;
  msg.kind = kind;
  ProgramState& state = ThreadProgramState();
  msg.address = Address::Join(state.scope, address);
  if (state.plates.empty()) return msg;  // the common case: nothing to copy
  msg.plates = state.plates;
  for (const PlateInfo& plate : state.plates) {
    if (plate.subsample_size != plate.size) {
      msg.scale *= static_cast<Real>(plate.size) /
                   static_cast<Real>(plate.subsample_size);
    }
  }
  return msg;
}

}  // namespace runtime_internal
}  // namespace provi

#endif  // PROVI_RUNTIME_INTERNAL_PROGRAM_STATE_H_
