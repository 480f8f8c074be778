// Copyright 2026 The provi Authors.
//
// The density handler (handlers/density.h): the log joint of a run, its
// per-lane and global parts, equal to the trace's and to hand-computed
// values; it leaves every site as it is; it is differentiable; a duplicate
// address is a status.

#include "handlers/density.h"

#include <vector>

#include "ad/ops.h"
#include "ad/tape.h"
#include "ad/tensor.h"
#include "distributions/normal.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "handlers/condition.h"
#include "handlers/mask.h"
#include "handlers/seed.h"
#include "handlers/trace.h"
#include "handlers/value_map.h"
#include "runtime/primitives.h"
#include "tests/handlers/handler_testing.h"

namespace provi {
namespace {

using ::provi::testing::Column;
using ::provi::testing::Data;
using ::provi::testing::DataValues;
using ::provi::testing::ExpectedSite;
using ::provi::testing::ExpectTrace;
using ::provi::testing::LogJoint;
using ::provi::testing::Model;
using ::provi::testing::ModelSites;
using ::provi::testing::NormalLogPdf;
using ::provi::testing::Tol;
using ::testing::HasSubstr;

TEST(DensityTest, LeavesEverySiteAsItIs) {
  // A trace outside the density handler sees the sites it saw.
  auto conditioned =
      handlers::Condition(Model(), Values({{"mu", Tensor(0.25)}}));
  absl::StatusOr<LogDensityResult> density;
  const auto run = handlers::Trace([&](const Tensor& x) {
    density = handlers::LogDensity(conditioned)(x);
  })(Data());
  ASSERT_TRUE(run.ok()) << run.status();
  std::vector<ExpectedSite> expected = ModelSites(0.25);
  expected[0].is_observed = true;
  ExpectTrace(run->trace, expected);
  ASSERT_TRUE(density.ok()) << density.status();
  EXPECT_NEAR(density->total.item(), LogJoint(0.25, 1.5), Tol() * 10);
  EXPECT_NEAR(density->total.item(), run->trace.LogProbSum().item(),
              Tol() * 10);
  EXPECT_NEAR(density->global.item(), NormalLogPdf(0.25, 0, 10), Tol());
  ASSERT_TRUE(density->lanes.has_value());
  ASSERT_EQ(density->lanes->rows(), 3);
  for (Index i = 0; i < 3; ++i) {
    EXPECT_NEAR((*density->lanes)(i, 0),
                NormalLogPdf(DataValues()[i], 0.25, 1.5), Tol() * 10);
  }
}

TEST(DensityTest, SubsampledPlateMatchesTheHandComputedLogJoint) {
  // N = 6 data points, a subsample of B = 3 in each run; the likelihood is
  // scaled by N / B = 2.
  const Matrix all =
      (Matrix(6, 1) << 0.5, -1.0, 2.0, 0.3, 1.1, -0.2).finished();
  auto model = [&] {
    const Tensor mu = sample("mu", Normal(0.0, 10.0));
    Plate data("data", 6, 3);
    Matrix batch(3, 1);
    for (size_t i = 0; i < data.indices().size(); ++i) {
      batch(static_cast<Index>(i), 0) = all(data.indices()[i], 0);
    }
    observe("x", Normal(mu, 1.0).Expand(3, 1), Tensor(batch));
    // Remember which points ran, for the check below.
    deterministic("batch", Tensor(batch));
  };
  auto conditioned = handlers::Seed(
      handlers::Condition(model, Values({{"mu", Tensor(0.4)}})), 3);
  const auto density = handlers::LogDensity(conditioned)();
  ASSERT_TRUE(density.ok()) << density.status();
  const auto run = handlers::Trace(conditioned)();
  ASSERT_TRUE(run.ok());
  const Tensor batch = *run->trace.Find("batch")->value;
  double expected_lanes[3];
  double expected = NormalLogPdf(0.4, 0, 10);
  for (int i = 0; i < 3; ++i) {
    expected_lanes[i] = 2.0 * NormalLogPdf(batch(i, 0), 0.4, 1.0);
    expected += expected_lanes[i];
  }
  EXPECT_NEAR(density->total.item(), expected, Tol() * 10);
  EXPECT_NEAR(density->global.item(), NormalLogPdf(0.4, 0, 10), Tol());
  ASSERT_TRUE(density->lanes.has_value());
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR((*density->lanes)(i, 0), expected_lanes[i], Tol() * 10);
  }
}

TEST(DensityTest, MaskedLanesAndFactorsCount) {
  auto program = [] {
    observe("g", Normal(0.0, 1.0), Tensor(0.5));
    Plate data("data", 3);
    handlers::Mask(
        [] {
          observe("x", Normal(0.0, 2.0).Expand(3, 1), Column({1, 2, 3}));
        },
        Column({1, 0, 1}))();
    factor("f", Column({-0.25, -0.5, -0.75}));
  };
  const auto density = handlers::LogDensity(program)();
  ASSERT_TRUE(density.ok()) << density.status();
  const double lanes[3] = {NormalLogPdf(1, 0, 2) - 0.25, -0.5,
                           NormalLogPdf(3, 0, 2) - 0.75};
  ASSERT_TRUE(density->lanes.has_value());
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR((*density->lanes)(i, 0), lanes[i], Tol() * 10);
  }
  EXPECT_NEAR(density->global.item(), NormalLogPdf(0.5, 0, 1), Tol());
  EXPECT_NEAR(density->total.item(),
              NormalLogPdf(0.5, 0, 1) + lanes[0] + lanes[1] + lanes[2],
              Tol() * 10);
}

TEST(DensityTest, IsDifferentiable) {
  Parameter sigma(Matrix::Constant(1, 1, 1.5));
  auto model = [&](const Tensor& x) {
    const Tensor mu = sample("mu", Normal(0.0, 10.0));
    Plate data("data", x.rows());
    observe("x", Normal(mu, sigma.tensor()).Expand(x.rows(), 1), x);
  };
  TapeScope scope;
  const auto density = handlers::LogDensity(
      handlers::Condition(model, Values({{"mu", Tensor(0.0)}})))(Data());
  ASSERT_TRUE(density.ok());
  Backward(density->total);
  // d/dσ Σ log N(x_i; 0, σ) = Σ (x_i² / σ³ - 1 / σ).
  double expected = 0;
  for (double x : DataValues()) expected += x * x / (1.5 * 1.5 * 1.5) - 1 / 1.5;
  EXPECT_NEAR(sigma.grad()(0, 0), expected, Tol() * 10);
}

TEST(DensityTest, DuplicateAddressIsAStatus) {
  auto model = [] {
    sample("z", Normal(0.0, 1.0));
    sample("z", Normal(0.0, 1.0));
  };
  const auto density = handlers::LogDensity(model)();
  ASSERT_FALSE(density.ok());
  EXPECT_THAT(density.status().message(), HasSubstr("'z'"));
}

}  // namespace
}  // namespace provi
