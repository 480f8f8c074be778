// Copyright 2026 The provi Authors.
//
// File: handlers/seed.h
// -----------------------------------------------------------------------------
//
// seed: gives a program its own random stream, so runs are reproducible:
// every default draw inside (and plate subsampling) uses a generator seeded
// from `seed` when the program is called. The innermost seed handler wins.
// Two calls of `handlers::Seed(program, 7)` draw the same values.
//
// Example:
//
//   auto run1 = provi::handlers::Trace(provi::handlers::Seed(model, 7))(x);
//   auto run2 = provi::handlers::Trace(provi::handlers::Seed(model, 7))(x);
//   // run1->trace and run2->trace hold the same values.

#ifndef PROVI_HANDLERS_SEED_H_
#define PROVI_HANDLERS_SEED_H_

#include <cstdint>
#include <utility>

#include "base/random.h"
#include "handlers/internal/with_handler.h"
#include "runtime/handler.h"

namespace provi {

// SeedHandler
class SeedHandler : public Handler {
 public:
  explicit SeedHandler(uint64_t seed) : rng_(MakeRng(seed)) {}
  // Copies and moves would leave `rng_` references dangling in flight.
  SeedHandler(SeedHandler&& other) : rng_(std::move(other.rng_)) {}

  void Process(Message& msg) override {
    if (!msg.rng.has_value()) msg.rng.emplace(rng_);
  }

  Rng& rng() { return rng_; }

 private:
  Rng rng_;
};

namespace handlers {

template <typename F>
auto Seed(F program, uint64_t seed) {
  return handlers_internal::WithHandler(std::move(program),
                                        [seed] { return SeedHandler(seed); });
}

}  // namespace handlers
}  // namespace provi

#endif  // PROVI_HANDLERS_SEED_H_
