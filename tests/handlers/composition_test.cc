// Copyright 2026 The provi Authors.
//
// Handlers composed: the round trips between condition, uncondition, lift
// and do, and trace of replay of condition.

#include <vector>

#include "ad/tensor.h"
#include "distributions/normal.h"
#include "distributions/support.h"
#include "gtest/gtest.h"
#include "handlers/condition.h"
#include "handlers/do.h"
#include "handlers/lift.h"
#include "handlers/replay.h"
#include "handlers/seed.h"
#include "handlers/trace.h"
#include "handlers/uncondition.h"
#include "handlers/value_map.h"
#include "runtime/primitives.h"
#include "tests/handlers/handler_testing.h"

namespace provi {
namespace {

using ::provi::testing::Data;
using ::provi::testing::ExpectedSite;
using ::provi::testing::ExpectedSites;
using ::provi::testing::ExpectTrace;
using ::provi::testing::LogJoint;
using ::provi::testing::Model;
using ::provi::testing::ModelSites;
using ::provi::testing::NormalLogPdf;
using ::provi::testing::Tol;

TEST(RoundTripTest, UnconditionThenConditionOnTheDataIsTheOriginal) {
  auto original = handlers::Seed(Model(), 9);
  auto round_trip =
      handlers::Seed(handlers::Condition(handlers::Uncondition(Model()),
                                         Values({{"x", Data()}})),
                     9);
  const auto a = handlers::Trace(original)(Data());
  const auto b = handlers::Trace(round_trip)(Data());
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  ExpectTrace(b->trace, ExpectedSites(a->trace));
  ExpectTrace(a->trace, ModelSites(a->value.item()));
}

TEST(RoundTripTest, DoThenConditionDifferOnlyInTheDensityOfTheSite) {
  const auto intervened = handlers::Trace(
      handlers::Do(Model(), Values({{"mu", Tensor(0.25)}})))(Data());
  const auto conditioned = handlers::Trace(
      handlers::Condition(Model(), Values({{"mu", Tensor(0.25)}})))(Data());
  ASSERT_TRUE(intervened.ok()) << intervened.status();
  ASSERT_TRUE(conditioned.ok()) << conditioned.status();
  std::vector<ExpectedSite> expected = ExpectedSites(conditioned->trace);
  expected[0].is_observed = false;
  expected[0].is_intervened = true;
  expected[0].log_prob.clear();
  ExpectTrace(intervened->trace, expected);
  EXPECT_NEAR(conditioned->trace.LogProbSum().item() -
                  intervened->trace.LogProbSum().item(),
              NormalLogPdf(0.25, 0, 10), Tol() * 10);
}

TEST(RoundTripTest, LiftedParamConditionedAtItsValueAddsThePriorDensity) {
  const Normal prior(2.0, 0.5);
  auto lifted = handlers::Condition(
      handlers::Lift(Model(), Priors({{"sigma", prior}})),
      Values({{"sigma", Tensor(1.5)}, {"mu", Tensor(0.25)}}));
  const auto run = handlers::Trace(lifted)(Data());
  ASSERT_TRUE(run.ok()) << run.status();
  std::vector<ExpectedSite> expected = ModelSites(0.25);
  expected[0].is_observed = true;
  expected[1].kind = SiteKind::kSample;
  expected[1].is_observed = true;
  expected[1].constraint = Support::Real();
  expected[1].log_prob = {NormalLogPdf(1.5, 2.0, 0.5)};
  ExpectTrace(run->trace, expected);
  EXPECT_NEAR(run->trace.LogProbSum().item(),
              LogJoint(0.25, 1.5) + NormalLogPdf(1.5, 2.0, 0.5), Tol() * 10);
}

TEST(CompositionTest, TraceOfReplayOfConditionComposes) {
  auto guide = [](const Tensor&) { sample("mu", Normal(0.7, 0.1)); };
  const auto guide_run = handlers::Trace(handlers::Seed(guide, 6))(Data());
  ASSERT_TRUE(guide_run.ok()) << guide_run.status();
  const Real mu = guide_run->trace.Find("mu")->value->item();
  // The model's data comes from condition this time, and sigma is fixed.
  auto model = [](const Tensor& x) {
    const Tensor m = sample("mu", Normal(0.0, 10.0));
    const Tensor sigma = param("sigma", Tensor(1.5), Support::Positive());
    Plate data("data", x.rows());
    sample("x", Normal(m, sigma).Expand(x.rows(), 1));
  };
  const auto run = handlers::Trace(handlers::Replay(
      handlers::Condition(model, Values({{"x", Data()}})), guide_run->trace))(
      Data());
  ASSERT_TRUE(run.ok()) << run.status();
  ExpectTrace(run->trace, ModelSites(mu));
  EXPECT_NEAR(run->trace.LogProbSum().item(), LogJoint(mu, 1.5), Tol() * 10);
}

}  // namespace
}  // namespace provi
