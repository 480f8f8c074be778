// Copyright 2026 The provi Authors.
//
// File: base/random.h
// -----------------------------------------------------------------------------
//
// Random-number plumbing. Every sampler in provi takes its randomness through
// `absl::BitGenRef`, so callers choose the generator; `provi::Rng` is the one
// provi itself creates, and `MakeRng(seed)` makes runs reproducible from a
// 64-bit seed.
//
// Example:
//
//   provi::Rng rng = provi::MakeRng(42);
//   double u = absl::Uniform(rng, 0.0, 1.0);

#ifndef PROVI_BASE_RANDOM_H_
#define PROVI_BASE_RANDOM_H_

#include <cstdint>
#include <random>

#include "absl/random/bit_gen_ref.h"
#include "absl/random/random.h"

namespace provi {

// Rng
//
// The generator provi creates for a seed. Its stream is reproducible for a
// given seed on one build of Abseil (Abseil does not promise the same stream
// across its releases).
using Rng = absl::BitGen;

// MakeRng()
//
// Returns a generator seeded deterministically from `seed`.
inline Rng MakeRng(uint64_t seed) {
  std::seed_seq sequence{static_cast<uint32_t>(seed),
                         static_cast<uint32_t>(seed >> 32)};
  return Rng(sequence);
}

}  // namespace provi

#endif  // PROVI_BASE_RANDOM_H_
