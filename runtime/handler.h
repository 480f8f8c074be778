// Copyright 2026 The provi Authors.
//
// File: runtime/handler.h
// -----------------------------------------------------------------------------
//
// The effect runtime: a thread-local stack of `Handler`s and `ApplyStack`,
// which interprets a `Message` in NumPyro's three phases:
//
//   1. `Process` from the innermost handler outwards, until one sets `stop`;
//   2. the default behaviour: a sample site without a value draws one
//      (`RSample` if the family has it, else `Sample`), a param site takes
//      its initial value;
//   3. `Postprocess` over the handlers reached in phase 1, outermost first.
//
// Handlers are installed by `HandlerScope` (RAII: the stack is balanced even
// when an exception unwinds) or by the combinators in handlers/, which wrap
// any callable.
//
// Example:
//
//   class Counter : public provi::Handler {
//    public:
//     void Postprocess(provi::Message& msg) override { ++sites; }
//     int sites = 0;
//   };
//   Counter counter;
//   {
//     provi::HandlerScope scope(counter);
//     model();
//   }

#ifndef PROVI_RUNTIME_HANDLER_H_
#define PROVI_RUNTIME_HANDLER_H_

#include <cstdint>

#include "absl/random/bit_gen_ref.h"
#include "runtime/message.h"

namespace provi {

// Handler
//
// Override what you need; both default to doing nothing.
class Handler {
 public:
  virtual ~Handler() = default;
  virtual void Process(Message& msg) { (void)msg; }
  virtual void Postprocess(Message& msg) { (void)msg; }
};

// HandlerScope
//
// Pushes `handler` (not owned) on this thread's stack for the scope's life.
// Scopes must nest (a checked invariant).
class HandlerScope {
 public:
  explicit HandlerScope(Handler& handler);
  ~HandlerScope();
  HandlerScope(const HandlerScope&) = delete;
  HandlerScope& operator=(const HandlerScope&) = delete;

 private:
  Handler* handler_;
};

// ApplyStack()
//
// Runs the three phases on `msg` (see the file comment). Errors (an invalid
// distribution at a site, a value of the wrong shape, ...) are thrown as
// `StatusError` naming the site's address.
//
// Before any handler sees a sample message, its distribution is validated
// (`ValidateSite`), so no handler draws from parameters `Validate()` would
// reject.
void ApplyStack(Message& msg);

// ValidateSite()
//
// While distribution validation is on (distributions/distribution.h): checks
// the sample message's distribution (`msg.dist()`) once, and throws
// `StatusError` naming the site when `Validate()` rejects it or its shape is
// empty (no lanes or no components). `ApplyStack` calls it before the
// handlers run; a handler that draws from a distribution another handler
// substituted (lift) calls it first. Cheap when already done: one pointer
// comparison.
void ValidateSite(Message& msg);

// HandlerDepth()
//
// The number of handlers on this thread's stack.
int HandlerDepth();

// ThreadRng(), SeedThreadRng()
//
// The generator default draws use when no seed handler is active: one per
// thread, seeded nondeterministically unless `SeedThreadRng` was called on
// this thread.
absl::BitGenRef ThreadRng();
void SeedThreadRng(uint64_t seed);

}  // namespace provi

#endif  // PROVI_RUNTIME_HANDLER_H_
