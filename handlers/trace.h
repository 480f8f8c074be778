// Copyright 2026 The provi Authors.
//
// File: handlers/trace.h
// -----------------------------------------------------------------------------
//
// trace: records every site a program runs into a `Trace` (runtime/trace.h),
// in Postprocess, so it sees the values that inner handlers (replay,
// condition, ...) decided. A second site at an address already recorded is
// an error naming the address. A plate entered again takes the subsample
// recorded for its first entry (one plate, one subsample per run).
//
// `handlers::Trace(program)` is the entry point most code uses: calling it
// runs the program and returns `absl::StatusOr<TracedRun<R>>` with the trace
// and the program's return value; every error raised inside the program
// (see runtime/primitives.h) comes back as the status.
//
// Example:
//
//   auto run = provi::handlers::Trace(model)(x);
//   if (!run.ok()) return run.status();
//   for (const provi::Site& site : run->trace.sites()) { ... }

#ifndef PROVI_HANDLERS_TRACE_H_
#define PROVI_HANDLERS_TRACE_H_

#include <type_traits>
#include <utility>

#include "absl/status/statusor.h"
#include "base/status_error.h"
#include "runtime/handler.h"
#include "runtime/trace.h"

namespace provi {

// TraceHandler
//
// Records sites into `trace()`.
class TraceHandler : public Handler {
 public:
  void Process(Message& msg) override;
  void Postprocess(Message& msg) override;

  const Trace& trace() const { return trace_; }
  Trace TakeTrace() { return std::move(trace_); }

 private:
  Trace trace_;
};

// TracedRun<R>
//
// What `handlers::Trace(program)(args...)` returns on success.
template <typename R>
struct TracedRun {
  R value;
  Trace trace;
};
template <>
struct TracedRun<void> {
  Trace trace;
};

namespace handlers {

// Trace()
//
// See the file comment.
template <typename F>
auto Trace(F program) {
  return [program = std::move(program)](auto&&... args) {
    using R = std::invoke_result_t<const F&, decltype(args)...>;
    using Out = absl::StatusOr<TracedRun<R>>;
    TraceHandler handler;
    try {
      HandlerScope scope(handler);
      if constexpr (std::is_void_v<R>) {
        program(std::forward<decltype(args)>(args)...);
        return Out(TracedRun<void>{handler.TakeTrace()});
      } else {
        R value = program(std::forward<decltype(args)>(args)...);
        return Out(TracedRun<R>{std::move(value), handler.TakeTrace()});
      }
    } catch (const StatusError& error) {
      return Out(error.status());
    }
  };
}

}  // namespace handlers
}  // namespace provi

#endif  // PROVI_HANDLERS_TRACE_H_
