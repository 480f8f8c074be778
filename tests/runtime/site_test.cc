// Copyright 2026 The provi Authors.
//
// runtime/site.h: the one rule for a site's log density (SiteLogDensity),
// applied alike by a traced site (Site::LogProb, Trace::LogProbSum and
// Trace::LaneLogProb) and by the density handler (handlers/density.h).

#include "runtime/site.h"

#include <cmath>
#include <limits>
#include <string>

#include "ad/ops.h"
#include "base/status_error.h"
#include "distributions/normal.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "handlers/density.h"
#include "handlers/trace.h"
#include "runtime/plate.h"
#include "runtime/primitives.h"
#include "runtime/site_error.h"

namespace provi {
namespace {

using ::testing::HasSubstr;

Real NormalLogPdf(Real x, Real mu, Real sigma) {
  const Real z = (x - mu) / sigma;
  return -Real(0.5) * z * z - std::log(sigma) -
         Real(0.5) * std::log(2 * static_cast<Real>(M_PI));
}

// A global site, a one-row site inside a plate of three lanes (allowed: a
// plated site has one row per lane or a single row) and a three-row site.
void Program() {
  observe("g", Normal(0.0, 1.0), Tensor(0.5));
  Plate data("data", 3);
  observe("shared", Normal(0.0, 2.0), Tensor(1.0));
  Matrix x(3, 1);
  x << 0.1, -0.4, 1.2;
  observe("x", Normal(0.0, 1.0).Expand(3, 1), Tensor(x));
}

TEST(SiteLogDensityTest, DensityHandlerAndTraceShareOneRuleForLanes) {
  const Real g = NormalLogPdf(0.5, 0, 1);
  const Real shared = NormalLogPdf(1.0, 0, 2);
  const Real x[3] = {NormalLogPdf(0.1, 0, 1), NormalLogPdf(-0.4, 0, 1),
                     NormalLogPdf(1.2, 0, 1)};
  const Real total = g + shared + x[0] + x[1] + x[2];

  auto density = handlers::LogDensity(Program)();
  ASSERT_TRUE(density.ok()) << density.status();
  auto run = handlers::Trace(Program)();
  ASSERT_TRUE(run.ok()) << run.status();

  // The one-row plated site counts once in the total, on both paths.
  EXPECT_NEAR(density->total.item(), total, 1e-5);
  EXPECT_NEAR(run->trace.LogProbSum().item(), total, 1e-5);
  // Each lane gets its own entry of "x" and a third of "shared"; the lanes
  // sum to the plated sites' total; the trace's lanes also share "g".
  ASSERT_TRUE(density->lanes.has_value());
  ASSERT_EQ(density->lanes->rows(), 3);
  EXPECT_NEAR(density->global.item(), g, 1e-6);
  const Tensor trace_lanes = run->trace.LaneLogProb();
  ASSERT_EQ(trace_lanes.rows(), 3);
  for (Index i = 0; i < 3; ++i) {
    EXPECT_NEAR((*density->lanes)(i, 0), x[i] + shared / 3, 1e-5) << i;
    EXPECT_NEAR(trace_lanes(i, 0), x[i] + (shared + g) / 3, 1e-5) << i;
  }
}

TEST(SiteLogDensityTest, NanAndInfiniteEntriesAreErrorsNamingTheSite) {
  // (The factor primitive rejects such weights before any handler sees
  // them; the rule itself is checked here directly.)
  const Real bad[2] = {std::numeric_limits<Real>::infinity(),
                       std::numeric_limits<Real>::quiet_NaN()};
  for (const Real b : bad) {
    Matrix w(2, 1);
    w << 0.0, b;
    const Tensor weight(w);
    try {
      SiteLogDensity(SiteKind::kFactor, Address::Intern("bad"), nullptr,
                     nullptr, &weight, nullptr, 1);
      ADD_FAILURE() << "no error for " << b;
    } catch (const StatusError& error) {
      EXPECT_THAT(std::string(error.status().message()),
                  HasSubstr("factor site 'bad': log density element (1, 0) ="));
      EXPECT_EQ(AnnotatedSite(error.status()), "bad");
    }
  }
}

TEST(SiteLogDensityTest, ZeroDensityIsNotedByTheWatchOnBothPaths) {
  auto program = [] {
    factor("ok", Tensor(0.0));
    factor("zero", Tensor(-std::numeric_limits<Real>::infinity()));
  };
  {
    ZeroDensityWatch watch;
    auto density = handlers::LogDensity(program)();
    ASSERT_TRUE(density.ok()) << density.status();
    EXPECT_TRUE(std::isinf(density->total.item()));
    ASSERT_TRUE(watch.site().has_value());
    EXPECT_EQ(*watch.site(),
              "factor site 'zero': log density element (0, 0) = -inf");
  }
  {
    auto run = handlers::Trace(program)();
    ASSERT_TRUE(run.ok()) << run.status();
    ZeroDensityWatch watch;
    EXPECT_TRUE(std::isinf(run->trace.LogProbSum().item()));
    ASSERT_TRUE(watch.site().has_value());
    EXPECT_EQ(*watch.site(),
              "factor site 'zero': log density element (0, 0) = -inf");
  }
}

TEST(SiteLogDensityTest, MaskAndScaleApplyAfterTheChecks) {
  const Distribution& dist = Normal(0.0, 1.0).Expand(2, 1);
  Matrix v(2, 1);
  v << 0.3, -0.7;
  const Tensor value(v);
  Matrix m(2, 1);
  m << 1.0, 0.0;
  const Tensor mask(m);
  const Tensor lp = SiteLogDensity(SiteKind::kSample, Address::Intern("s"),
                                   &dist, &value, nullptr, &mask, 4.0);
  EXPECT_NEAR(lp(0, 0), 4 * NormalLogPdf(0.3, 0, 1), 1e-5);
  EXPECT_EQ(lp(1, 0), 0);
}

}  // namespace
}  // namespace provi
