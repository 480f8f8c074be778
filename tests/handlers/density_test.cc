// Copyright 2026 The provi Authors.
//
// The density handler (handlers/density.h): the log joint of a run, its
// per-lane and global parts, equal to the trace's and to hand-computed
// values; it leaves every site as it is; it is differentiable; a duplicate
// address is a status. LaneDensityHandler: the trace's per-lane density
// (value and gradient) without a trace, replaying choices as the replay
// handler does, repeated plates as the trace handler does, and the trace's
// errors.

#include "handlers/density.h"

#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <vector>

#include "ad/ops.h"
#include "ad/tape.h"
#include "ad/tensor.h"
#include "base/status_error.h"
#include "distributions/normal.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "handlers/condition.h"
#include "handlers/do.h"
#include "handlers/mask.h"
#include "handlers/replay.h"
#include "handlers/scale.h"
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

// A program with every kind of site: a global latent, a param, a
// deterministic, an intervened site, a plate of 4 lanes with a latent, a
// masked and scaled observation, one-row and per-lane factors, and a 1 x 3
// observation inside the plate.
void EveryKindOfSite(Parameter& scale) {
  const Tensor mu = sample("mu", Normal(0.0, 10.0));
  const Tensor s = param("s", Tensor(1.0), Support::Positive());
  deterministic("twice_mu", mu * 2.0);
  handlers::Do([] { sample("fixed", Normal(0.0, 1.0)); },
               Values({{"fixed", Tensor(0.5)}}))();
  Plate data("data", 4);
  const Tensor z = sample("z", Normal(mu, scale.tensor()).Expand(4, 1));
  handlers::Scale(
      handlers::Mask(
          [&] {
            observe("x", Normal(z, s), Column({0.5, -1.0, 2.0, 0.25}));
          },
          Column({1, 0, 1, 1})),
      0.5)();
  factor("one_row", mu * -0.125);
  factor("per_lane", z * 0.25);
  observe("wide", Normal(0.0, 1.0).Expand(1, 3),
          Tensor(Matrix((Matrix(1, 3) << 0.1, 0.2, 0.3).finished())));
}

TEST(LaneDensityTest, EqualsTheTracesLaneLogProbWithItsGradient) {
  Parameter scale(Matrix::Constant(1, 1, 1.5));
  const auto guide = handlers::Trace(
      [&] { handlers::Seed([&] { EveryKindOfSite(scale); }, 7)(); })();
  ASSERT_TRUE(guide.ok()) << guide.status();

  // The trace's per-lane density at the guide's choices, and its gradient.
  Matrix traced_lanes;
  double traced_grad;
  {
    TapeScope tape;
    const auto replayed = handlers::Trace(
        handlers::Replay([&] { EveryKindOfSite(scale); }, guide->trace))();
    ASSERT_TRUE(replayed.ok()) << replayed.status();
    const Tensor lanes = replayed->trace.LaneLogProb();
    traced_lanes = lanes.value();
    scale.ZeroGrad();
    Backward(SumAll(lanes));
    traced_grad = scale.grad()(0, 0);
  }
  ASSERT_EQ(traced_lanes.rows(), 4);

  TapeScope tape;
  LaneDensityHandler density(&guide->trace);
  ASSERT_TRUE(CatchStatus([&] {
                HandlerScope scope(density);
                EveryKindOfSite(scale);
              }).ok());
  const auto lanes = CatchStatusOr([&] { return density.LaneLogProb(); });
  ASSERT_TRUE(lanes.ok()) << lanes.status();
  ASSERT_EQ(lanes->rows(), 4);
  ASSERT_EQ(lanes->cols(), traced_lanes.cols());
  for (Index i = 0; i < 4; ++i) {
    for (Index j = 0; j < lanes->cols(); ++j) {
      EXPECT_EQ((*lanes)(i, j), traced_lanes(i, j)) << i << ", " << j;
    }
  }
  scale.ZeroGrad();
  Backward(SumAll(*lanes));
  EXPECT_NEAR(scale.grad()(0, 0), traced_grad,
              Tol() * (1 + std::abs(traced_grad)));
  EXPECT_NE(traced_grad, 0);

  EXPECT_EQ(density.KindAt(Address::Intern("z")), SiteKind::kSample);
  EXPECT_EQ(density.KindAt(Address::Intern("s")), SiteKind::kParam);
  EXPECT_EQ(density.KindAt(Address::Intern("one_row")), SiteKind::kFactor);
  EXPECT_EQ(density.KindAt(Address::Intern("fixed")), SiteKind::kSample);
  EXPECT_EQ(density.KindAt(Address::Intern("data")), std::nullopt);
  EXPECT_EQ(density.KindAt(Address::Intern("absent")), std::nullopt);
}

TEST(LaneDensityTest, ReplaysTheChoicesAndRepeatedPlates) {
  // The plate is entered twice per run; the program notes each entry's
  // subsample.
  std::vector<std::vector<Index>> seen;
  auto program = [&seen] {
    const Tensor mu = sample("mu", Normal(0.0, 1.0));
    for (const char* name : {"a", "b"}) {
      Plate data("data", 100, 5);
      seen.push_back(data.indices());
      sample(name, Normal(mu, 1.0).Expand(5, 1));
    }
  };
  const auto run = handlers::Trace(handlers::Seed(program, 3))();
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_EQ(seen.size(), 2u);
  const std::vector<Index> recorded = seen[0];

  // Alone: the second entry takes the first entry's (new) subsample.
  seen.clear();
  LaneDensityHandler alone;
  ASSERT_TRUE(CatchStatus([&] {
                HandlerScope scope(alone);
                handlers::Seed(program, 4)();
              }).ok());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1], seen[0]);
  EXPECT_NE(seen[0], recorded);

  // Replaying the run: both entries take its subsample, the latent sites
  // its values, so the density is the run's.
  seen.clear();
  LaneDensityHandler replaying(&run->trace);
  ASSERT_TRUE(CatchStatus([&] {
                HandlerScope scope(replaying);
                handlers::Seed(program, 5)();
              }).ok());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], recorded);
  EXPECT_EQ(seen[1], recorded);
  const auto lanes = CatchStatusOr([&] { return replaying.LaneLogProb(); });
  ASSERT_TRUE(lanes.ok()) << lanes.status();
  const Tensor expected = run->trace.LaneLogProb();
  ASSERT_EQ(lanes->rows(), 5);
  for (Index i = 0; i < 5; ++i) EXPECT_EQ((*lanes)(i, 0), expected(i, 0));
}

TEST(LaneDensityTest, TheTracesErrorsAreStatuses) {
  const auto status_of = [](const std::function<void()>& program,
                            const Trace* choices) {
    return CatchStatus([&] {
      LaneDensityHandler density(choices);
      {
        HandlerScope scope(density);
        program();
      }
      density.LaneLogProb();
    });
  };
  // Two sites at one address.
  absl::Status status = status_of(
      [] {
        param("z", Tensor(1.0));
        sample("z", Normal(0.0, 1.0));
      },
      nullptr);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              HasSubstr("address 'z' is used by two sites in one run "
                        "(sample after param)"));
  // Lane counts 3 and 4.
  status = status_of(
      [] {
        sample("three", Normal(0.0, 1.0).Expand(3, 1));
        sample("four", Normal(0.0, 1.0).Expand(4, 1));
      },
      nullptr);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("'four'"));
  EXPECT_THAT(status.message(), HasSubstr("4 lanes but earlier sites have 3"));
  // A latent site the choices do not have.
  Trace empty;
  status = status_of([] { sample("missing", Normal(0.0, 1.0)); }, &empty);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr("'missing'"));
  // A NaN log density.
  status = status_of(
      [] { factor("bad", Tensor(std::numeric_limits<Real>::quiet_NaN())); },
      nullptr);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("'bad'"));
}

}  // namespace
}  // namespace provi
