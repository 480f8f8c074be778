// Copyright 2026 The provi Authors.
//
// File: handlers/replay.h
// -----------------------------------------------------------------------------
//
// replay: latent sample sites take their values from a given trace (e.g. a
// guide's trace replayed into the model). Observed sites keep their data. A
// latent site the trace does not have is an error naming the address: the
// two programs disagree about their choices.
//
// Example:
//
//   auto guide_run = provi::handlers::Trace(guide)(x);
//   auto model_run = provi::handlers::Trace(
//       provi::handlers::Replay(model, guide_run->trace))(x);

#ifndef PROVI_HANDLERS_REPLAY_H_
#define PROVI_HANDLERS_REPLAY_H_

#include <utility>

#include "handlers/internal/with_handler.h"
#include "runtime/handler.h"
#include "runtime/trace.h"

namespace provi {

// ReplayHandler
class ReplayHandler : public Handler {
 public:
  explicit ReplayHandler(Trace trace) : trace_(std::move(trace)) {}
  void Process(Message& msg) override;

 private:
  Trace trace_;
};

namespace handlers {

// Replay()
//
// `program` with latent sample sites replayed from `trace`.
template <typename F>
auto Replay(F program, provi::Trace trace) {
  return handlers_internal::WithHandler(
      std::move(program),
      [trace = std::move(trace)] { return ReplayHandler(trace); });
}

}  // namespace handlers
}  // namespace provi

#endif  // PROVI_HANDLERS_REPLAY_H_
