// Copyright 2026 The provi Authors.
//
// The do handler (handlers/do.h): named sample sites take the given values,
// are marked intervened, not observed, and lose their density; params and
// other sites are left alone.

#include "handlers/do.h"

#include <vector>

#include "ad/tensor.h"
#include "gtest/gtest.h"
#include "handlers/trace.h"
#include "handlers/value_map.h"
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

TEST(DoTest, InterventionsFixValuesWithoutDensity) {
  // "sigma" is a param: do leaves it alone.
  const auto run = handlers::Trace(handlers::Do(
      Model(), Values({{"mu", Tensor(0.25)}, {"sigma", Tensor(9.0)}})))(Data());
  ASSERT_TRUE(run.ok()) << run.status();
  std::vector<ExpectedSite> expected = ModelSites(0.25);
  expected[0].is_intervened = true;
  expected[0].log_prob.clear();
  ExpectTrace(run->trace, expected);
  EXPECT_EQ(run->value.item(), Real(0.25));
  // Only the likelihood remains: log N(mu; 0, 10) is gone.
  EXPECT_NEAR(run->trace.LogProbSum().item(),
              LogJoint(0.25, 1.5) - NormalLogPdf(0.25, 0, 10), Tol() * 10);
}

TEST(DoTest, InterventionOnAnObservedSiteRemovesItsDensity) {
  const Tensor other = Column({1.0, 2.0, 3.0});
  const auto run = handlers::Trace(handlers::Do(
      Model(), Values({{"mu", Tensor(0.25)}, {"x", other}})))(Data());
  ASSERT_TRUE(run.ok()) << run.status();
  std::vector<ExpectedSite> expected = ModelSites(0.25);
  for (int i : {0, 3}) {
    expected[i].is_intervened = true;
    expected[i].is_observed = false;
    expected[i].log_prob.clear();
  }
  expected[3].value = other;
  ExpectTrace(run->trace, expected);
}

}  // namespace
}  // namespace provi
