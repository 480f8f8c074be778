// Copyright 2026 The provi Authors.
//
// The uncondition handler (handlers/uncondition.h): observed sites drop
// their data and are drawn like latent sites; every other site is left
// alone.

#include "handlers/uncondition.h"

#include <vector>

#include "ad/tensor.h"
#include "distributions/normal.h"
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

TEST(UnconditionTest, ObservedSitesAreDrawnAgain) {
  const auto run = handlers::Trace(
      handlers::Seed(handlers::Uncondition(Model()), 5))(Data());
  ASSERT_TRUE(run.ok()) << run.status();
  // The draws of the model written with x latent, under the same seed.
  auto latent_x = [](const Tensor& x) {
    const Tensor mu = sample("mu", Normal(0.0, 10.0));
    Plate data("data", x.rows());
    return sample("x", Normal(mu, 1.5).Expand(x.rows(), 1));
  };
  const auto reference = handlers::Trace(handlers::Seed(latent_x, 5))(Data());
  ASSERT_TRUE(reference.ok()) << reference.status();
  const double mu = reference->trace.Find("mu")->value->item();
  const Tensor x = reference->value;
  std::vector<ExpectedSite> expected = ModelSites(mu);
  expected[3].is_observed = false;
  expected[3].value = x;
  expected[3].log_prob.clear();
  for (Index i = 0; i < 3; ++i) {
    expected[3].log_prob.push_back(NormalLogPdf(x(i, 0), mu, 1.5));
  }
  ExpectTrace(run->trace, expected);
  EXPECT_NE(x(0, 0), Data()(0, 0));
}

}  // namespace
}  // namespace provi
