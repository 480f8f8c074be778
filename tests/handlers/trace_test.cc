// Copyright 2026 The provi Authors.
//
// The trace handler (handlers/trace.h): records every site in order with its
// kind, value, plates and log density; factors and deterministic sites; a
// plate entered again keeps its subsample. (A duplicate address is tested
// with the primitives, in tests/runtime/runtime_test.cc.)

#include "handlers/trace.h"

#include <vector>

#include "ad/ops.h"
#include "ad/tensor.h"
#include "distributions/normal.h"
#include "gtest/gtest.h"
#include "handlers/seed.h"
#include "runtime/primitives.h"
#include "tests/handlers/handler_testing.h"

namespace provi {
namespace {

using ::provi::testing::Column;
using ::provi::testing::Data;
using ::provi::testing::ExpectedSite;
using ::provi::testing::ExpectTrace;
using ::provi::testing::LogJoint;
using ::provi::testing::Model;
using ::provi::testing::ModelSites;
using ::provi::testing::NormalLogPdf;
using ::provi::testing::Tol;

TEST(TraceTest, RecordsEverySiteInOrder) {
  const auto run = handlers::Trace(handlers::Seed(Model(), 1))(Data());
  ASSERT_TRUE(run.ok()) << run.status();
  // The return value is the latent draw.
  const double mu = run->value.item();
  EXPECT_EQ(run->value.item(), run->trace.Find("mu")->value->item());
  ExpectTrace(run->trace, ModelSites(mu));
  EXPECT_NEAR(run->trace.LogProbSum().item(), LogJoint(mu, 1.5), Tol() * 10);
}

TEST(TraceTest, LaneLogProbSplitsGlobalSitesAcrossTheLanes) {
  const auto run = handlers::Trace(handlers::Seed(Model(), 1))(Data());
  ASSERT_TRUE(run.ok()) << run.status();
  const double mu = run->value.item();
  const Tensor lanes = run->trace.LaneLogProb();
  ASSERT_EQ(lanes.rows(), 3);
  // Lane 1: its own observation and a third of the one-lane prior on mu.
  EXPECT_NEAR(lanes(1, 0),
              NormalLogPdf(-1.0, mu, 1.5) + NormalLogPdf(mu, 0, 10) / 3,
              Tol() * 10);
  EXPECT_NEAR(SumAll(lanes).item(), run->trace.LogProbSum().item(), Tol() * 10);
}

TEST(TraceTest, RecordsFactorsAndDeterministicSites) {
  auto program = [] {
    Plate data("data", 2);
    factor("f", Column({-1.0, -2.5}));
    deterministic("d", Column({3.0, 4.0}));
  };
  const auto run = handlers::Trace(program)();
  ASSERT_TRUE(run.ok()) << run.status();
  std::vector<ExpectedSite> expected(3);
  expected[0].address = "data";
  expected[0].kind = SiteKind::kPlate;
  expected[0].plate = {"data", 2, 2};
  expected[1].address = "f";
  expected[1].kind = SiteKind::kFactor;
  expected[1].value = Column({-1.0, -2.5});  // its log weight
  expected[1].log_prob = {-1.0, -2.5};
  expected[1].plates = {{"data", 2, 2}};
  expected[2].address = "d";
  expected[2].kind = SiteKind::kDeterministic;
  expected[2].value = Column({3.0, 4.0});
  expected[2].plates = {{"data", 2, 2}};
  ExpectTrace(run->trace, expected);
}

TEST(TraceTest, PlateEnteredAgainKeepsItsSubsample) {
  std::vector<Index> first;
  std::vector<Index> second;
  auto program = [&] {
    {
      Plate data("data", 1000, 100);
      first = data.indices();
    }
    Plate data("data", 1000, 100);
    second = data.indices();
  };
  const auto run = handlers::Trace(program)();
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(second, first);
  EXPECT_EQ(run->trace.FindPlate("data"), &run->trace.sites()[0]);
}

}  // namespace
}  // namespace provi
