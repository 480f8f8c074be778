// Copyright 2026 The provi Authors.
//
// The scale handler (handlers/scale.h): every site inside carries the
// factor, and every log density is multiplied by it; nested scales
// multiply; a non-positive or non-finite factor is a status.

#include "handlers/scale.h"

#include <limits>
#include <vector>

#include "ad/tensor.h"
#include "base/status_error.h"
#include "gtest/gtest.h"
#include "handlers/condition.h"
#include "handlers/trace.h"
#include "handlers/value_map.h"
#include "tests/handlers/handler_testing.h"

namespace provi {
namespace {

using ::provi::testing::Data;
using ::provi::testing::ExpectedSite;
using ::provi::testing::ExpectTrace;
using ::provi::testing::LogJoint;
using ::provi::testing::Model;
using ::provi::testing::ModelSites;
using ::provi::testing::Tol;

// The model's trace at mu = 0.25 (observed) with every site scaled by
// `factor`.
std::vector<ExpectedSite> ScaledSites(double factor) {
  std::vector<ExpectedSite> expected = ModelSites(0.25);
  expected[0].is_observed = true;
  for (ExpectedSite& site : expected) {
    site.scale = static_cast<Real>(factor);
    for (double& lp : site.log_prob) lp *= factor;
  }
  return expected;
}

TEST(ScaleTest, ScalesEveryLogDensity) {
  const auto run = handlers::Trace(handlers::Condition(
      handlers::Scale(Model(), 0.5), Values({{"mu", Tensor(0.25)}})))(Data());
  ASSERT_TRUE(run.ok()) << run.status();
  ExpectTrace(run->trace, ScaledSites(0.5));
  EXPECT_NEAR(run->trace.LogProbSum().item(), 0.5 * LogJoint(0.25, 1.5),
              Tol() * 10);
}

TEST(ScaleTest, NestedScalesMultiply) {
  const auto run = handlers::Trace(
      handlers::Condition(handlers::Scale(handlers::Scale(Model(), 0.5), 4.0),
                          Values({{"mu", Tensor(0.25)}})))(Data());
  ASSERT_TRUE(run.ok()) << run.status();
  ExpectTrace(run->trace, ScaledSites(2.0));
}

TEST(ScaleTest, NonPositiveOrNonFiniteFactorIsAStatus) {
  for (Real factor : {Real(-1), Real(0), std::numeric_limits<Real>::infinity(),
                      std::numeric_limits<Real>::quiet_NaN()}) {
    const absl::Status status =
        CatchStatus([factor] { ScaleHandler bad(factor); });
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << factor;
  }
}

}  // namespace
}  // namespace provi
