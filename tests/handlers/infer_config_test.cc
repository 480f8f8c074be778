// Copyright 2026 The provi Authors.
//
// The infer_config handler (handlers/infer_config.h): sets the gradient
// strategy of the selected latent sample sites and of no other site. The
// runtime carries a strategy without looking inside; the estimators layer
// defines them.

#include "handlers/infer_config.h"

#include <memory>
#include <vector>

#include "distributions/normal.h"
#include "estimators/strategies.h"
#include "gtest/gtest.h"
#include "handlers/seed.h"
#include "handlers/trace.h"
#include "runtime/message.h"
#include "runtime/primitives.h"
#include "tests/handlers/handler_testing.h"

namespace provi {
namespace {

using ::provi::testing::Data;
using ::provi::testing::ExpectedSite;
using ::provi::testing::ExpectTrace;
using ::provi::testing::Model;
using ::provi::testing::ModelSites;

TEST(InferConfigTest, SetsTheStrategyOfSelectedSites) {
  const std::shared_ptr<const SiteStrategy> score = ScoreFunction();
  const auto run = handlers::Trace(handlers::Seed(
      handlers::InferConfig(Model(),
                            InferConfigHandler::ForAddresses({"mu"}, score)),
      1))(Data());
  ASSERT_TRUE(run.ok()) << run.status();
  std::vector<ExpectedSite> expected = ModelSites(run->value.item());
  expected[0].strategy = score;
  ExpectTrace(run->trace, expected);
}

TEST(InferConfigTest, ObservedSitesAreNotConfigured) {
  // The predicate holds everywhere; only the latent sample site takes it.
  const std::shared_ptr<const SiteStrategy> score = ScoreFunction();
  const auto run = handlers::Trace(handlers::Seed(
      handlers::InferConfig(Model(),
                            InferConfigHandler::Where(
                                [](const Message&) { return true; }, score)),
      1))(Data());
  ASSERT_TRUE(run.ok()) << run.status();
  std::vector<ExpectedSite> expected = ModelSites(run->value.item());
  expected[0].strategy = score;
  ExpectTrace(run->trace, expected);
}

TEST(InferConfigTest, OverridesTheChoiceMadeAtTheSite) {
  const std::shared_ptr<const SiteStrategy> mvd = Mvd();
  const std::shared_ptr<const SiteStrategy> score = ScoreFunction();
  auto at_site = [&] { sample("c", Normal(0.0, 1.0), mvd); };
  EXPECT_EQ(handlers::Trace(at_site)()->trace.Find("c")->strategy, mvd);
  const auto run = handlers::Trace(handlers::InferConfig(
      at_site, InferConfigHandler::ForAddresses({"c"}, score)))();
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->trace.Find("c")->strategy, score);
}

}  // namespace
}  // namespace provi
