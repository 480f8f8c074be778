// Copyright 2026 The provi Authors.
//
// Normalize (SIR) on the conjugate model z ~ N(0, 1), x | z ~ N(z, 1),
// x = 0.5: the normaliser estimate is unbiased, and with the exact posterior
// as proposal every estimate is exact.

#include "vi/normalize.h"

#include <cmath>

#include "distributions/normal.h"
#include "estimators/expectation.h"
#include "gtest/gtest.h"
#include "runtime/primitives.h"
#include "tests/testing/statistical_testing.h"

namespace provi {
namespace {

using ::provi::testing::MeanAccumulator;

constexpr double kLog2Pi = 1.8378770664093453;

auto Model() {
  return [] {
    const Tensor z = sample("z", Normal(0.0, 1.0));
    sample("x", Normal(z, 1.0));
  };
}

double LogNormal(double x, double mean, double variance) {
  return -0.5 * (x - mean) * (x - mean) / variance - 0.5 * std::log(variance) -
         0.5 * kLog2Pi;
}

TEST(NormalizeTest, NormaliserEstimateIsUnbiased) {
  auto prior = [] { sample("z", Normal(0.0, 1.0)); };
  const auto posterior =
      Normalize(Target(Model(), Values({{"x", Tensor(0.5)}})), prior, 4);
  auto z_hat = Expectation([&] { return Exp(posterior.LogNormalizer()); });
  z_hat.Seed(3);
  MeanAccumulator estimate;
  for (int n = 0; n < 4000; ++n) estimate.Add(z_hat.Estimate()->item());
  EXPECT_MEAN_NEAR(estimate, std::exp(LogNormal(0.5, 0.0, 2.0)));
}

TEST(NormalizeTest, ExactProposalGivesExactDensities) {
  // p(z | x) = N(0.25, 1/2).
  auto exact = [] { sample("z", Normal(0.25, std::sqrt(0.5))); };
  const auto posterior =
      Normalize(Target(Model(), Values({{"x", Tensor(0.5)}})), exact, 5);
  auto simulate = Expectation([&] {
    const Simulation s = Simulate(posterior);
    const double z = s.choices.Find("z")->value->item();
    return s.log_density - LogNormal(z, 0.25, 0.5);
  });
  simulate.Seed(4);
  const double tol = kRealIsDouble ? 1e-9 : 5e-5;
  for (int n = 0; n < 10; ++n) {
    EXPECT_NEAR(simulate.Estimate()->item(), 0.0, tol);
  }
  auto log_z = Expectation([&] { return posterior.LogNormalizer(); });
  EXPECT_NEAR(log_z.Estimate()->item(), LogNormal(0.5, 0.0, 2.0), tol);
}

TEST(NormalizeTest, NeedsAParticle) {
  // Building it does not throw; running it is an error from the entry point.
  auto prior = [] { sample("z", Normal(0.0, 1.0)); };
  const auto posterior =
      Normalize(Target(Model(), Values({{"x", Tensor(0.5)}})), prior, 0);
  auto simulate = Expectation([&] { return Simulate(posterior).log_density; });
  EXPECT_FALSE(simulate.Estimate().ok());
  auto log_z = Expectation([&] { return posterior.LogNormalizer(); });
  const absl::Status status = log_z.Estimate().status();
  EXPECT_NE(status.message().find("Normalize: needs at least one particle"),
            absl::string_view::npos)
      << status;
}

}  // namespace
}  // namespace provi
