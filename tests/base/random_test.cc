// Copyright 2026 The provi Authors.

#include "base/random.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include "absl/random/bit_gen_ref.h"
#include "absl/random/distributions.h"
#include "gtest/gtest.h"

namespace provi {
namespace {

// The stream is a pure function of the seed. Reference words from an
// independent transcription of SplitMix64 seeding and xoshiro256++ (Python
// integers masked to 64 bits), so a generator salted per process, or a
// changed algorithm, fails here.
TEST(RngTest, StreamIsAFunctionOfTheSeedAlone) {
  Rng rng = MakeRng(42);
  EXPECT_EQ(rng(), 0xd0764d4f4476689full);
  EXPECT_EQ(rng(), 0x519e4174576f3791ull);
  EXPECT_EQ(rng(), 0xfbe07cfb0c24ed8cull);
  Rng zero = MakeRng(0);
  EXPECT_EQ(zero(), 0x53175d61490b23dfull);
  EXPECT_EQ(zero(), 0x61da6f3dc380d507ull);
}

TEST(RngTest, CopiesContinueTheSameStreamAndSeedsDiffer) {
  Rng a = MakeRng(7);
  a();
  Rng b = a;
  EXPECT_EQ(a, b);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a(), b());
  EXPECT_NE(MakeRng(1)(), MakeRng(2)());
}

TEST(RngTest, WorksThroughBitGenRefWithAbslDistributions) {
  Rng a = MakeRng(3), b = MakeRng(3);
  absl::BitGenRef ref(a);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(absl::Gaussian<double>(ref), absl::Gaussian<double>(b));
  }
}

// A bit-balance check: over 10^5 words each of the 64 bits is set with
// probability 1/2; |count - n/2| < 5 sd (sd = sqrt(n)/2) for all 64 bits
// fails with probability below 64 * 6e-7 < 1e-4.
TEST(RngTest, EveryBitIsBalanced) {
  Rng rng = MakeRng(11);
  const int n = 100000;
  std::vector<int> ones(64, 0);
  for (int i = 0; i < n; ++i) {
    const uint64_t w = rng();
    for (int bit = 0; bit < 64; ++bit) ones[bit] += (w >> bit) & 1;
  }
  const double sd = std::sqrt(static_cast<double>(n)) / 2;
  for (int bit = 0; bit < 64; ++bit) {
    EXPECT_LT(std::abs(ones[bit] - n / 2.0), 5 * sd) << "bit " << bit;
  }
}

}  // namespace
}  // namespace provi
