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
// Plates are replayed too: a plate the trace has (by name) gives the
// program the trace's subsample, so a model sees the data points its guide
// drew its local latents for. A plate the trace does not have draws its own
// subsample (a model-only plate); a subsampled plate the trace has with
// another size or subsample size is an error naming the plate.
// `ReplaySubsamples` replays the plates alone (e.g. to run more particles of a
// program on the data points of a first one).
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
//
// With `only_subsamples`, sample sites are left alone.
class ReplayHandler : public Handler {
 public:
  explicit ReplayHandler(Trace trace, bool only_subsamples = false)
      : trace_(std::move(trace)), only_subsamples_(only_subsamples) {}
  void Process(Message& msg) override;

 private:
  Trace trace_;
  bool only_subsamples_;
};

// ReplayPlate()
//
// What replay does at a plate message `msg` without a value: if `trace` has
// a plate of the same name and either is subsampled, checks that their
// sizes and subsample sizes agree (else throws InvalidArgument naming the
// plate) and gives `msg` the trace's indices. The trace handler uses it for
// plates entered again in one run.
void ReplayPlate(const Trace& trace, Message& msg);

// The same against a recorded plate entry: its plate and its indices
// (`value`, null when the recorded entry kept none).
void ReplayPlate(const PlateInfo& recorded, const Tensor* value, Message& msg);

namespace handlers {

// Replay()
//
// `program` with latent sample sites and plates replayed from `trace`.
template <typename F>
auto Replay(F program, provi::Trace trace) {
  return handlers_internal::WithHandler(
      std::move(program),
      [trace = std::move(trace)] { return ReplayHandler(trace); });
}

// ReplaySubsamples()
//
// `program` with only its plates' subsamples replayed from `trace`.
template <typename F>
auto ReplaySubsamples(F program, provi::Trace trace) {
  return handlers_internal::WithHandler(
      std::move(program),
      [trace = std::move(trace)] { return ReplayHandler(trace, true); });
}

}  // namespace handlers
}  // namespace provi

#endif  // PROVI_HANDLERS_REPLAY_H_
