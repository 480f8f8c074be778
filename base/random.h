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
//   provi::Rng rng = provi::MakeRng(42);  // same stream in every process
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
// The generator provi creates: xoshiro256++ (Blackman and Vigna, "Scrambled
// linear pseudorandom number generators", ACM TOMS 2021), a 256-bit-state
// generator with period 2^256 - 1 that passes BigCrush and costs a handful
// of instructions per draw. Its stream depends only on the seed: the same
// seed gives the same draws in every process, on every machine and with
// every Abseil release. (absl::BitGen is deliberately not like that: it
// salts its seed sequence with per-process entropy, so it cannot make a run
// reproducible.)
//
// Satisfies UniformRandomBitGenerator, so it works with the absl::
// distributions and binds to `absl::BitGenRef`. A default-constructed Rng
// is seeded from std::random_device.
class Rng {
 public:
  using result_type = uint64_t;

  // Seeds the 256-bit state from `seed` by SplitMix64, as the generator's
  // authors recommend; every seed, including 0, gives a valid state.
  explicit Rng(uint64_t seed) { Reseed(seed); }

  Rng() {
    std::random_device device;
    Reseed((static_cast<uint64_t>(device()) << 32) ^ device());
  }

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~uint64_t{0}; }

  result_type operator()() {
    const uint64_t result = Rotl(state_[0] + state_[3], 23) + state_[0];
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }

  friend bool operator==(const Rng& a, const Rng& b) {
    return a.state_[0] == b.state_[0] && a.state_[1] == b.state_[1] &&
           a.state_[2] == b.state_[2] && a.state_[3] == b.state_[3];
  }
  friend bool operator!=(const Rng& a, const Rng& b) { return !(a == b); }

 private:
  static constexpr uint64_t Rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
  }

  // SplitMix64 (Steele, Lea and Flood, OOPSLA 2014) expands one word into
  // four well-mixed, not-all-zero words.
  void Reseed(uint64_t seed) {
    for (uint64_t& word : state_) {
      seed += 0x9e3779b97f4a7c15ull;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      word = z ^ (z >> 31);
    }
  }

  uint64_t state_[4];
};

// MakeRng()
//
// Returns a generator seeded deterministically from `seed`: the same seed
// gives the same stream in every process.
inline Rng MakeRng(uint64_t seed) { return Rng(seed); }

}  // namespace provi

#endif  // PROVI_BASE_RANDOM_H_
