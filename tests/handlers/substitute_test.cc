// Copyright 2026 The provi Authors.
//
// The substitute handler (handlers/substitute.h): params and latent sample
// sites take the given values without becoming observed; observed sites
// keep their data; a latent value of another shape is a status naming the
// site.

#include "handlers/substitute.h"

#include <optional>
#include <vector>

#include "ad/tensor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "handlers/trace.h"
#include "handlers/value_map.h"
#include "runtime/message.h"
#include "tests/handlers/handler_testing.h"

namespace provi {
namespace {

using ::provi::testing::Column;
using ::provi::testing::Data;
using ::provi::testing::ExpectTrace;
using ::provi::testing::LogJoint;
using ::provi::testing::Model;
using ::provi::testing::ModelSites;
using ::provi::testing::Tol;
using ::testing::HasSubstr;

TEST(SubstituteTest, ParamsAndLatentsTakeValuesWithoutBecomingObserved) {
  // "x" is observed: substitute leaves its data.
  const auto run = handlers::Trace(handlers::Substitute(
      Model(), Values({{"sigma", Tensor(0.5)},
                       {"mu", Tensor(1.0)},
                       {"x", Column({7.0, 8.0, 9.0})}})))(Data());
  ASSERT_TRUE(run.ok()) << run.status();
  ExpectTrace(run->trace, ModelSites(1.0, 0.5));
  EXPECT_NEAR(run->trace.LogProbSum().item(), LogJoint(1.0, 0.5), Tol() * 10);
}

TEST(SubstituteTest, FunctionChoosesPerSite) {
  const auto run = handlers::Trace(handlers::Substitute(
      Model(), [](const Message& msg) -> std::optional<Tensor> {
        if (msg.address.name() == "mu") return Tensor(-0.5);
        return std::nullopt;
      }))(Data());
  ASSERT_TRUE(run.ok()) << run.status();
  ExpectTrace(run->trace, ModelSites(-0.5));
}

TEST(SubstituteTest, LatentValueMustHaveTheSitesExactShape) {
  // Broadcasting is for observed data; a substituted draw must be a draw.
  const auto run = handlers::Trace(handlers::Substitute(
      Model(), Values({{"mu", Tensor(Matrix::Zero(3, 1))}})))(Data());
  ASSERT_FALSE(run.ok());
  EXPECT_THAT(run.status().message(), HasSubstr("'mu'"));
}

}  // namespace
}  // namespace provi
