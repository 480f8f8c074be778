// Copyright 2026 The provi Authors.
//
// File: vi/internal/prototype_run.h
// -----------------------------------------------------------------------------
//
// The set-up run of an autoguide (vi/autoguide.h): the model runs once with
// its own random stream, recorded by a trace that nothing outside sees, and
// with every latent value and parameter a leaf on the tape, so that a
// support whose bounds were computed from them is recognisably dynamic.
//
// Example:
//
//   PrototypeRun run(seed);
//   model(args...);              // may throw StatusError
//   const Trace prototype = run.TakeTrace();

#ifndef PROVI_VI_INTERNAL_PROTOTYPE_RUN_H_
#define PROVI_VI_INTERNAL_PROTOTYPE_RUN_H_

#include <cstdint>

#include "ad/tape.h"
#include "handlers/block.h"
#include "handlers/seed.h"
#include "handlers/trace.h"
#include "runtime/handler.h"
#include "runtime/trace.h"

namespace provi {
namespace autoguide_internal {

// PrototypeValues
//
// Gives the set-up run what it needs: a value for each latent site without
// a sampler (u uniform on [-2, 2] per unconstrained element, mapped onto the
// support), and every latent value and parameter as a leaf on the tape.
class PrototypeValues : public Handler {
 public:
  void Process(Message& msg) override;
  void Postprocess(Message& msg) override;
};

// PrototypeRun
//
// Installs, for one run of the model, the handlers that record it without
// anything outside seeing it: block (outermost), trace, the prototype's
// values, seed (innermost), inside a tape scope of its own that records
// even when the caller does not. What the run records lives in that scope:
// use the trace before the PrototypeRun ends.
class PrototypeRun {
 public:
  explicit PrototypeRun(uint64_t seed);

  // The recorded run.
  Trace TakeTrace() { return trace_.TakeTrace(); }

 private:
  TapeScope tape_scope_;
  ResumeRecordingScope recording_;
  BlockHandler block_;
  TraceHandler trace_;
  PrototypeValues values_;
  SeedHandler seed_;
  HandlerScope block_scope_;
  HandlerScope trace_scope_;
  HandlerScope values_scope_;
  HandlerScope seed_scope_;
};

}  // namespace autoguide_internal
}  // namespace provi

#endif  // PROVI_VI_INTERNAL_PROTOTYPE_RUN_H_
