// Copyright 2026 The provi Authors.
//
// The replay handler (handlers/replay.h): latent sites take a trace's values
// and plates its subsamples; observed sites keep their data; a missing
// latent site or a plate of another size is a status naming it.

#include "handlers/replay.h"

#include <vector>

#include "ad/tensor.h"
#include "distributions/normal.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "handlers/seed.h"
#include "handlers/trace.h"
#include "runtime/primitives.h"
#include "runtime/site_error.h"
#include "tests/handlers/handler_testing.h"

namespace provi {
namespace {

using ::provi::testing::Data;
using ::provi::testing::ExpectedSites;
using ::provi::testing::ExpectTrace;
using ::provi::testing::LogJoint;
using ::provi::testing::Model;
using ::provi::testing::ModelSites;
using ::provi::testing::Tol;
using ::testing::HasSubstr;

TEST(ReplayTest, LatentSitesTakeTheTracesValues) {
  auto guide = [](const Tensor&) { sample("mu", Normal(3.0, 0.1)); };
  const auto guide_run = handlers::Trace(handlers::Seed(guide, 2))(Data());
  ASSERT_TRUE(guide_run.ok());
  const auto model_run =
      handlers::Trace(handlers::Replay(Model(), guide_run->trace))(Data());
  ASSERT_TRUE(model_run.ok()) << model_run.status();
  const Real mu = guide_run->trace.Find("mu")->value->item();
  // mu from the guide; sigma and the observed x as the model has them.
  ExpectTrace(model_run->trace, ModelSites(mu));
  EXPECT_EQ(model_run->value.item(), mu);
  EXPECT_NEAR(model_run->trace.LogProbSum().item(), LogJoint(mu, 1.5),
              Tol() * 10);
}

TEST(ReplayTest, MissingSiteIsAStatusNamingIt) {
  const auto empty = handlers::Trace([] {})();
  const auto run =
      handlers::Trace(handlers::Replay(Model(), empty->trace))(Data());
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(run.status().message(), HasSubstr("'mu'"));
}

// A program over a plate of 1000 points drawn 100 at a time, recording the
// indices it saw in `seen`.
auto SubsampledProgram(std::vector<std::vector<Index>>* seen,
                       Index lanes = 100) {
  return [seen, lanes] {
    Plate data("data", 1000, lanes);
    seen->push_back(data.indices());
    sample("z", Normal(0.0, 1.0).Expand(lanes, 1));
  };
}

TEST(ReplayTest, PlatesTakeTheTracesSubsample) {
  std::vector<std::vector<Index>> seen;
  const auto guide_run =
      handlers::Trace(handlers::Seed(SubsampledProgram(&seen), 4))();
  ASSERT_TRUE(guide_run.ok()) << guide_run.status();
  const Site* plate = guide_run->trace.FindPlate("data");
  ASSERT_NE(plate, nullptr);
  ASSERT_TRUE(plate->value.has_value());
  EXPECT_EQ(plate->value->rows(), 100);
  const auto model_run = handlers::Trace(
      handlers::Replay(SubsampledProgram(&seen), guide_run->trace))();
  ASSERT_TRUE(model_run.ok()) << model_run.status();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1], seen[0]);
  // The same subsample and the same draws: the guide's whole trace.
  ExpectTrace(model_run->trace, ExpectedSites(guide_run->trace));
  // Plates alone: the latent site draws anew.
  const auto fresh = handlers::Trace(
      handlers::ReplaySubsamples(SubsampledProgram(&seen), guide_run->trace))();
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_EQ(seen[2], seen[0]);
  EXPECT_NE((*fresh->trace.Find("z")->value)(0, 0),
            (*guide_run->trace.Find("z")->value)(0, 0));
}

TEST(ReplayTest, PlateTheTraceDoesNotHaveDrawsItsOwnSubsample) {
  std::vector<std::vector<Index>> seen;
  const auto guide_run =
      handlers::Trace([] { sample("z", Normal(0.0, 1.0).Expand(100, 1)); })();
  ASSERT_TRUE(guide_run.ok());
  const auto model_run = handlers::Trace(
      handlers::Replay(SubsampledProgram(&seen), guide_run->trace))();
  ASSERT_TRUE(model_run.ok()) << model_run.status();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].size(), 100u);
}

TEST(ReplayTest, PlateOfAnotherSubsampleSizeIsAStatusNamingIt) {
  std::vector<std::vector<Index>> seen;
  const auto guide_run = handlers::Trace(SubsampledProgram(&seen, 100))();
  ASSERT_TRUE(guide_run.ok());
  const auto model_run = handlers::Trace(
      handlers::Replay(SubsampledProgram(&seen, 50), guide_run->trace))();
  ASSERT_FALSE(model_run.ok());
  EXPECT_EQ(model_run.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AnnotatedSite(model_run.status()), "data");
  EXPECT_THAT(model_run.status().message(), HasSubstr("plate site 'data'"));
  EXPECT_THAT(model_run.status().message(), HasSubstr("50 of 1000"));
}

}  // namespace
}  // namespace provi
