// Copyright 2026 The provi Authors.
//
// The seed handler (handlers/seed.h): the same seed gives the same draws,
// another seed others; the innermost seed wins; no other site changes.

#include "handlers/seed.h"

#include <cstdint>

#include "ad/tensor.h"
#include "distributions/normal.h"
#include "gtest/gtest.h"
#include "handlers/trace.h"
#include "runtime/primitives.h"
#include "tests/handlers/handler_testing.h"

namespace provi {
namespace {

using ::provi::testing::Data;
using ::provi::testing::ExpectTrace;
using ::provi::testing::Model;
using ::provi::testing::ModelSites;

// The first draw of N(0, 10) under seed `seed`, from a program other than
// the model.
double FirstDraw(uint64_t seed) {
  auto program = [] { return sample("first", Normal(0.0, 10.0)); };
  return handlers::Trace(handlers::Seed(program, seed))()->value.item();
}

TEST(SeedTest, SameSeedSameDrawsDifferentSeedDifferentDraws) {
  auto draw = [](uint64_t seed) {
    return handlers::Trace(handlers::Seed(Model(), seed))(Data())->value.item();
  };
  EXPECT_EQ(draw(7), draw(7));
  EXPECT_NE(draw(7), draw(8));
}

TEST(SeedTest, TraceIsTheModelAtTheSeedsFirstDraw) {
  const auto run = handlers::Trace(handlers::Seed(Model(), 7))(Data());
  ASSERT_TRUE(run.ok()) << run.status();
  ExpectTrace(run->trace, ModelSites(FirstDraw(7)));
}

TEST(SeedTest, InnermostSeedWins) {
  const auto run =
      handlers::Trace(handlers::Seed(handlers::Seed(Model(), 7), 8))(Data());
  ASSERT_TRUE(run.ok()) << run.status();
  ExpectTrace(run->trace, ModelSites(FirstDraw(7)));
}

}  // namespace
}  // namespace provi
