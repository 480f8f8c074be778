// Copyright 2026 The provi Authors.
//
// File: tests/fuzz/fuzz_driver.h
// -----------------------------------------------------------------------------
//
// A randomized driver of provi's public entry points. `RunInput(bytes)`
// reads a small program from the bytes (sites of random families with
// parameters that include ±0, subnormals, ±inf, NaN, 1e±300 and huge
// counts; random shapes including empty ones; plates, subsampling, handler
// stacks and per-site strategies) and runs it through one entry point
// (`handlers::Trace`, `Expectation::Estimate` / `GradEstimate`, the ELBO,
// IWELBO, Rényi and VIMCO objectives, an `Svi` step, `ParamStore::Load` of
// the bytes). Every outcome must be OK or a Status: a crash, a sanitizer
// report or an uncaught exception ends the process (the test fails), and a
// hang is caught by the caller's watchdog.
//
// The driver knows which sites it made invalid (their distribution's
// `Validate()` fails, their shape is empty, their observed value or factor
// holds a NaN), so it can check that a Status caused by a site names it.
//
// Example:
//
//   provi::fuzz::Outcome outcome = provi::fuzz::RunInput(bytes);
//   if (outcome.site_caused && !outcome.names_site) { ... }

#ifndef PROVI_TESTS_FUZZ_FUZZ_DRIVER_H_
#define PROVI_TESTS_FUZZ_FUZZ_DRIVER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace provi {
namespace fuzz {

// Outcome
//
// What one input did.
struct Outcome {
  absl::Status status;
  // The entry point that ran ("trace", "estimate", ...).
  std::string entry;
  // The input had an invalid site (and nothing else wrong that an entry
  // point would report first) and the outcome is a Status.
  bool site_caused = false;
  // ... and that Status names one of the invalid sites.
  bool names_site = false;
  // The input had an invalid site but the outcome was OK (accepted bad
  // input), or OK with a NaN value (a silent NaN; ±inf is a value: a log
  // density of -inf is a probability of zero).
  bool accepted_invalid = false;
  bool silent_non_finite = false;
  // A description of the program, for reports.
  std::string description;
};

// RunInput()
//
// Interprets `bytes` (any bytes; reading past the end gives zeros) and
// runs the program. Never throws.
Outcome RunInput(absl::string_view bytes);

}  // namespace fuzz
}  // namespace provi

#endif  // PROVI_TESTS_FUZZ_FUZZ_DRIVER_H_
