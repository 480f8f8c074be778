// Copyright 2026 The provi Authors.
//
// The lift handler (handlers/lift.h): params with a prior become latent
// sample sites drawn from it; params without one and every other site are
// left alone.

#include "handlers/lift.h"

#include <cstdint>
#include <vector>

#include "ad/tensor.h"
#include "distributions/normal.h"
#include "distributions/support.h"
#include "gtest/gtest.h"
#include "handlers/seed.h"
#include "handlers/trace.h"
#include "runtime/primitives.h"
#include "tests/handlers/handler_testing.h"

namespace provi {
namespace {

using ::provi::testing::Data;
using ::provi::testing::ExpectedSite;
using ::provi::testing::ExpectTrace;
using ::provi::testing::Model;
using ::provi::testing::ModelSites;
using ::provi::testing::NormalLogPdf;

// The trace of the model with sigma lifted to `prior`'s N(2, 0.5), at the
// draws of the model written that way under the same seed.
std::vector<ExpectedSite> LiftedSites(uint64_t seed) {
  auto written = [](const Tensor& x) {
    const Tensor mu = sample("mu", Normal(0.0, 10.0));
    const Tensor sigma = sample("sigma", Normal(2.0, 0.5));
    Plate data("data", x.rows());
    observe("x", Normal(mu, sigma).Expand(x.rows(), 1), x);
  };
  const auto reference = handlers::Trace(handlers::Seed(written, seed))(Data());
  EXPECT_TRUE(reference.ok()) << reference.status();
  const double mu = reference->trace.Find("mu")->value->item();
  const double sigma = reference->trace.Find("sigma")->value->item();
  std::vector<ExpectedSite> expected = ModelSites(mu, sigma);
  expected[1].kind = SiteKind::kSample;
  expected[1].constraint = Support::Real();
  expected[1].log_prob = {NormalLogPdf(sigma, 2.0, 0.5)};
  return expected;
}

TEST(LiftTest, ParamsBecomeSamplesFromThePrior) {
  const Normal prior(2.0, 0.5);
  const auto run = handlers::Trace(handlers::Seed(
      handlers::Lift(Model(), Priors({{"sigma", prior}})), 4))(Data());
  ASSERT_TRUE(run.ok()) << run.status();
  ExpectTrace(run->trace, LiftedSites(4));
  EXPECT_NE(run->trace.Find("sigma")->value->item(), Real(1.5));
}

TEST(LiftTest, OnePriorForEveryParam) {
  const auto run = handlers::Trace(
      handlers::Seed(handlers::Lift(Model(), Normal(2.0, 0.5)), 4))(Data());
  ASSERT_TRUE(run.ok()) << run.status();
  ExpectTrace(run->trace, LiftedSites(4));
}

TEST(LiftTest, ParamsWithoutAPriorStayParams) {
  const auto run = handlers::Trace(handlers::Seed(
      handlers::Lift(Model(), Priors({{"other", Normal(2.0, 0.5)}})), 4))(
      Data());
  ASSERT_TRUE(run.ok()) << run.status();
  ExpectTrace(run->trace, ModelSites(run->value.item()));
}

}  // namespace
}  // namespace provi
