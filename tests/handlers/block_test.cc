// Copyright 2026 The provi Authors.
//
// The block handler (handlers/block.h): hidden sites do not reach the
// handlers outside it; the sites that do are unchanged.

#include "handlers/block.h"

#include <vector>

#include "gtest/gtest.h"
#include "handlers/seed.h"
#include "handlers/trace.h"
#include "tests/handlers/handler_testing.h"

namespace provi {
namespace {

using ::provi::testing::Data;
using ::provi::testing::ExpectedSite;
using ::provi::testing::ExpectTrace;
using ::provi::testing::Model;
using ::provi::testing::ModelSites;

// mu as the unblocked model draws it under seed 3 (the seed handler is
// inside the block, so hidden draws use it too).
double Mu() {
  return handlers::Trace(handlers::Seed(Model(), 3))(Data())->value.item();
}

TEST(BlockTest, HiddenSitesDoNotReachOuterHandlers) {
  const auto run = handlers::Trace(handlers::Block(
      handlers::Seed(Model(), 3), BlockHandler::Hide({"mu"})))(Data());
  ASSERT_TRUE(run.ok()) << run.status();
  std::vector<ExpectedSite> expected = ModelSites(Mu());
  expected.erase(expected.begin());
  ExpectTrace(run->trace, expected);
}

TEST(BlockTest, ExposedSitesAloneReachOuterHandlers) {
  const auto run = handlers::Trace(handlers::Block(
      handlers::Seed(Model(), 3), BlockHandler::Expose({"x"})))(Data());
  ASSERT_TRUE(run.ok()) << run.status();
  ExpectTrace(run->trace, {ModelSites(Mu())[3]});
}

TEST(BlockTest, WithoutASelectionEverySiteIsHidden) {
  const auto run =
      handlers::Trace(handlers::Block(handlers::Seed(Model(), 3)))(Data());
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_TRUE(run->trace.empty());
  EXPECT_EQ(run->value.item(), Mu());
}

}  // namespace
}  // namespace provi
