// Copyright 2026 The provi Authors.
//
// The estimator advisor (estimators/advisor.h) on an `Elbo` objective: it
// advises the guide's latent sites only (the model's are replayed at the
// guide's choices), the guide's `Auto()` sites adopt its choice, and the
// advised estimator's mean is the exact ELBO gradient (a z-test from the
// standard error; flake budget in tests/testing/statistical_testing.h).
//
// Model: b ~ Bernoulli(1/2), z ~ N(0, 1), x ~ N(z + 2 b, 1), x = 1.5.
// Guide: b ~ Bernoulli(σ(t)), z ~ N(m, 1). With p = σ(t),
//
//   ELBO = Σ_b q(b) [log 1/2 - log q(b) - (x - m - 2 b)² / 2] - m² / 2 + c,
//   dELBO/dm = Σ_b q(b) (x - m - 2 b) - m,
//   dELBO/dt = p (1 - p) (f(1) - f(0)),  f(b) the bracket.

#include <cmath>
#include <string>
#include <vector>

#include "ad/ops.h"
#include "distributions/bernoulli.h"
#include "distributions/normal.h"
#include "estimators/advisor.h"
#include "estimators/expectation.h"
#include "gtest/gtest.h"
#include "runtime/primitives.h"
#include "tests/testing/statistical_testing.h"
#include "vi/objectives.h"

namespace provi {
namespace {

using ::provi::testing::MeanAccumulator;

constexpr double kX = 1.5;

TEST(AdvisorElboTest, AdvisesTheGuideSitesAndStaysUnbiased) {
  Parameter t(Matrix::Constant(1, 1, 0.4));
  Parameter m(Matrix::Constant(1, 1, -0.3));
  const auto strategy = Auto();
  auto model = [] {
    const Tensor b = sample("b", Bernoulli::FromProbs(0.5));
    const Tensor z = sample("z", Normal(0.0, 1.0));
    observe("x", Normal(z + b * 2.0, 1.0), Tensor(static_cast<Real>(kX)));
  };
  auto guide = [&] {
    sample("b", Bernoulli::FromLogits(t.tensor()), strategy);
    sample("z", Normal(m.tensor(), 1.0), strategy);
  };
  auto elbo = Elbo(model, guide);
  const absl::StatusOr<Advice> advice = Advise(elbo, {{"t", &t}, {"m", &m}});
  ASSERT_TRUE(advice.ok()) << advice.status();
  std::cout << advice->ToString();
  ASSERT_EQ(advice->sites.size(), 2u);
  EXPECT_EQ(advice->sites[0].site, "b");
  EXPECT_EQ(advice->sites[0].parameters, std::vector<std::string>{"t"});
  EXPECT_EQ(advice->sites[1].site, "z");
  EXPECT_EQ(advice->sites[1].parameters, std::vector<std::string>{"m"});
  // Which strategy wins here is the pilot's business (on this 1x1 Normal
  // with a quadratic cost, MVD's four coupled runs can beat pathwise); only
  // that it chose one for each site is checked.
  EXPECT_EQ(advice->choice.size(), 2u);
  strategy->Adopt(*advice);

  const double p = 1 / (1 + std::exp(-t.value()(0, 0)));
  const double mu = m.value()(0, 0);
  auto f = [&](int b) {
    const double q = b == 1 ? p : 1 - p;
    const double r = kX - mu - 2 * b;
    return std::log(0.5) - std::log(q) - r * r / 2;
  };
  const double exact_t = p * (1 - p) * (f(1) - f(0));
  const double exact_m = p * (kX - mu - 2) + (1 - p) * (kX - mu) - mu;

  auto objective = Expectation(elbo);
  objective.Seed(17);
  MeanAccumulator grad_t, grad_m;
  for (int i = 0; i < 2000; ++i) {
    t.ZeroGrad();
    m.ZeroGrad();
    ASSERT_TRUE(objective.GradEstimate().ok());
    grad_t.Add(t.grad()(0, 0));
    grad_m.Add(m.grad()(0, 0));
  }
  EXPECT_MEAN_NEAR(grad_t, exact_t);
  EXPECT_MEAN_NEAR(grad_m, exact_m);
}

}  // namespace
}  // namespace provi
