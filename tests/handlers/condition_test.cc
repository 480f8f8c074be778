// Copyright 2026 The provi Authors.
//
// The condition handler (handlers/condition.h): named sample sites become
// observed at the given values and keep their densities; params and other
// sites are left alone; a value of the wrong shape is a status naming the
// site.

#include "handlers/condition.h"

#include <vector>

#include "ad/tensor.h"
#include "distributions/normal.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "handlers/trace.h"
#include "handlers/value_map.h"
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
using ::testing::HasSubstr;

TEST(ConditionTest, ConditionedSitesAreObservedAtTheData) {
  // "sigma" is a param: condition leaves it alone.
  const auto run = handlers::Trace(handlers::Condition(
      Model(), Values({{"mu", Tensor(0.25)}, {"sigma", Tensor(9.0)}})))(Data());
  ASSERT_TRUE(run.ok()) << run.status();
  std::vector<ExpectedSite> expected = ModelSites(0.25);
  expected[0].is_observed = true;
  ExpectTrace(run->trace, expected);
  EXPECT_EQ(run->value.item(), Real(0.25));
  EXPECT_NEAR(run->trace.LogProbSum().item(), LogJoint(0.25, 1.5), Tol() * 10);
}

TEST(ConditionTest, ObservedSiteTakesTheNewData) {
  const Tensor other = Column({1.0, 2.0, 3.0});
  const auto run = handlers::Trace(handlers::Condition(
      Model(), Values({{"mu", Tensor(0.25)}, {"x", other}})))(Data());
  ASSERT_TRUE(run.ok()) << run.status();
  std::vector<ExpectedSite> expected = ModelSites(0.25);
  expected[0].is_observed = true;
  expected[3].value = other;
  expected[3].log_prob = {NormalLogPdf(1.0, 0.25, 1.5),
                          NormalLogPdf(2.0, 0.25, 1.5),
                          NormalLogPdf(3.0, 0.25, 1.5)};
  ExpectTrace(run->trace, expected);
}

TEST(ConditionTest, WrongShapeIsAStatusNamingTheSite) {
  auto model = [] { sample("x", Normal(0.0, 1.0).Expand(3, 1)); };
  const auto run = handlers::Trace(handlers::Condition(
      model, Values({{"x", Tensor(Matrix::Zero(2, 2))}})))();
  ASSERT_FALSE(run.ok());
  EXPECT_THAT(run.status().message(), HasSubstr("'x'"));
  EXPECT_THAT(run.status().message(), HasSubstr("2x2"));
}

}  // namespace
}  // namespace provi
