// Copyright 2026 The provi Authors.
//
// A table-driven probe of the entry points at extreme inputs: every family
// with one parameter at each extreme value (tests/distributions/
// extreme_cases.h), as a latent site and as an observed one, through
// handlers::Trace, Expectation::Estimate and Expectation::GradEstimate with
// each strategy the family supports. Every case must give a Status that
// names the site, or a correct result: an observed site's traced log
// density equals the family's LogProb at the value, and an estimate is
// not NaN.

#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/status_error.h"
#include "estimators/expectation.h"
#include "estimators/strategies.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "handlers/trace.h"
#include "runtime/primitives.h"
#include "tests/testing/extreme_cases.h"

namespace provi {
namespace {

using ::provi::testing::ExtremeValues;
using ::provi::testing::Families;

struct Tally {
  int cases = 0;
  int ok = 0;
  int statuses = 0;
};

// A failed case must name site "x".
void ExpectNamesSite(const absl::Status& status, const std::string& label) {
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("site 'x'"))
      << label << ": " << status;
}

void Record(const absl::Status& status, const std::string& label,
            Tally* tally) {
  ++tally->cases;
  if (status.ok()) {
    ++tally->ok;
  } else {
    ++tally->statuses;
    ExpectNamesSite(status, label);
  }
}

std::vector<std::shared_ptr<const SiteStrategy>> StrategiesFor(
    const Distribution& d) {
  std::vector<std::shared_ptr<const SiteStrategy>> out = {DefaultStrategy(d)};
  if (d.has_rsample()) out.push_back(Pathwise());
  out.push_back(ScoreFunction());
  if (d.has_enumerate_support()) out.push_back(Enumerate());
  if (d.has_mvd()) out.push_back(Mvd());
  return out;
}

TEST(ProbeTest, ExtremeFamiliesThroughTheEntryPointsGiveAStatusOrAResult) {
  Tally tally;
  // A value to observe: a draw of an ordinary member of the family.
  for (const auto& [family, make] : Families()) {
    // (1/3 where a row of three must sum to one.)
    std::shared_ptr<const Distribution> ordinary = make(Real(0.5));
    if (!ordinary->Validate().ok()) ordinary = make(Real(1) / 3);
    ASSERT_TRUE(ordinary->Validate().ok()) << family;
    Rng rng = MakeRng(7);
    const Tensor observed = Tensor(Matrix(ordinary->Sample(rng).value()));
    for (Real v : ExtremeValues()) {
      const std::string label = absl::StrCat(family, " = ", v);
      const std::shared_ptr<const Distribution> d = make(v);
      // Latent, traced.
      Record(handlers::Trace([&] { return sample("x", *d); })().status(),
             label + ", latent, Trace", &tally);
      // Observed, traced: the log density is the family's.
      const auto run = handlers::Trace([&] { observe("x", *d, observed); })();
      Record(run.status(), label + ", observed, Trace", &tally);
      if (run.ok()) {
        // The traced log density: an error naming the site exactly when the
        // family's own LogProb rejects the value or gives NaN or +inf (no
        // density), else the same number.
        Tensor traced;
        const absl::Status traced_status =
            CatchStatus([&] { traced = run->trace.LogProbSum(); });
        Tensor expected;
        const absl::Status direct_status =
            CatchStatus([&] { expected = SumAll(d->LogProb(observed)); });
        const bool no_density =
            direct_status.ok() &&
            (std::isnan(expected.value()(0, 0)) ||
             expected.value()(0, 0) == std::numeric_limits<Real>::infinity());
        EXPECT_EQ(traced_status.ok(), direct_status.ok() && !no_density)
            << label << ": traced " << traced_status << ", direct "
            << direct_status;
        if (!traced_status.ok()) {
          ExpectNamesSite(traced_status, label + ", observed, LogProbSum");
        } else {
          const double e = expected.value()(0, 0);
          const double t = traced.value()(0, 0);
          if (std::isfinite(e) || std::isfinite(t)) {
            EXPECT_NEAR(t, e, 1e-5 * (1 + std::abs(e))) << label;
          }
        }
      }
      // Under the estimator, every strategy the family has.
      for (const std::shared_ptr<const SiteStrategy>& strategy :
           StrategiesFor(*ordinary)) {
        const std::string with =
            absl::StrCat(label, ", ", strategy->name(), ", Estimate");
        auto objective = Expectation([&] {
                           return RowSum(sample("x", *d, strategy));
                         }).Seed(3);
        const absl::StatusOr<Tensor> estimate = objective.Estimate();
        Record(estimate.status(), with, &tally);
        if (estimate.ok()) {
          EXPECT_FALSE(estimate->value().array().isNaN().any()) << with;
        }
        const absl::StatusOr<GradientEstimate> gradient =
            objective.GradEstimate();
        Record(gradient.status(), with + " (gradient)", &tally);
        if (gradient.ok()) {
          EXPECT_FALSE(gradient->value.array().isNaN().any()) << with;
        }
      }
    }
  }
  std::printf("probe: %d cases, %d results, %d Statuses naming the site\n",
              tally.cases, tally.ok, tally.statuses);
  EXPECT_GT(tally.cases, 1000);
}

}  // namespace
}  // namespace provi
