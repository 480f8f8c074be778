// Copyright 2026 The provi Authors.
//
// Strategies that learn across estimates keep what they learn in the
// objective (estimators/strategy_state.h): a baseline or control variate
// made inside the program, anew at every run, must learn as one made once.
// The checks are exact: a constant cost is fitted exactly after one
// estimate, after which the score term is exactly zero; a strategy whose
// state restarted at every run would leave C · score, nonzero whenever the
// drawn value's score is.

#include "estimators/strategy_state.h"

#include <memory>

#include "ad/tensor.h"
#include "distributions/bernoulli.h"
#include "estimators/baselines.h"
#include "estimators/control_variates.h"
#include "estimators/expectation.h"
#include "estimators/score_function.h"
#include "gtest/gtest.h"
#include "runtime/primitives.h"

namespace provi {
namespace {

constexpr Index kLanes = 20;

// b ~ Bernoulli(sigmoid(θ)) per lane with the strategy `make()` makes at
// every run, and a cost of 3 per lane whatever b is: the gradient is 0.
template <typename Make>
void ExpectExactAfterOneEstimate(Make make) {
  Parameter logit(Matrix::Constant(1, 1, Real(0.3)));
  auto expectation = Expectation([&] {
    sample("b", Bernoulli::FromLogits(logit.tensor()).Expand(kLanes, 1),
           make());
    return Tensor(Matrix::Constant(kLanes, 1, Real(3)));
  });
  expectation.Seed(7);
  for (int n = 0; n < 4; ++n) {
    logit.ZeroGrad();
    const absl::StatusOr<GradientEstimate> g = expectation.GradEstimate();
    ASSERT_TRUE(g.ok()) << g.status();
    if (n == 0) {
      // Nothing learned yet: Σ_r 3 (b_r - p), almost surely nonzero.
      EXPECT_NE(logit.grad()(0, 0), 0);
    } else {
      EXPECT_NEAR(logit.grad()(0, 0), 0, 1e-5) << "estimate " << n;
    }
  }
}

TEST(StrategyStateTest, AMovingAverageBaselineMadeInTheProgramLearns) {
  ExpectExactAfterOneEstimate(
      [] { return ScoreFunction(MovingAverageBaseline(0.5)); });
}

TEST(StrategyStateTest, ControlVariatesMadeInTheProgramLearn) {
  // The cost does not depend on b, so every value's coefficient is 3 once
  // both values were drawn, which 20 lanes at p = 0.57 all but guarantee.
  ExpectExactAfterOneEstimate(
      [] { return ScoreFunctionWithControlVariates(0.5); });
}

TEST(StrategyStateTest, OneObjectPerSiteAndKind) {
  StrategyState state;
  int made = 0;
  auto make = [&made] {
    ++made;
    return std::make_shared<int>(made);
  };
  const Address a = Address::Intern("a"), b = Address::Intern("b");
  std::shared_ptr<int> first = state.Find<int>(a, "kind 1", make);
  EXPECT_EQ(state.Find<int>(a, "kind 1", make), first);
  EXPECT_NE(state.Find<int>(a, "kind 2", make), first);
  EXPECT_NE(state.Find<int>(b, "kind 1", make), first);
  EXPECT_EQ(made, 3);
  EXPECT_EQ(state.size(), 3u);
}

TEST(StrategyStateTest, EachObjectiveLearnsOnItsOwn) {
  // One strategy object in two objectives with different costs: each
  // objective's baseline fits its own cost, so both are exact.
  Parameter logit(Matrix::Constant(1, 1, Real(0.3)));
  const auto strategy = ScoreFunction(MovingAverageBaseline(0.5));
  auto objective = [&](Real cost) {
    return Expectation([&logit, &strategy, cost] {
      sample("b", Bernoulli::FromLogits(logit.tensor()).Expand(kLanes, 1),
             strategy);
      return Tensor(Matrix::Constant(kLanes, 1, cost));
    });
  };
  auto first = objective(Real(3));
  auto second = objective(Real(-5));
  first.Seed(1);
  second.Seed(2);
  for (int n = 0; n < 3; ++n) {
    logit.ZeroGrad();
    ASSERT_TRUE(first.GradEstimate().ok());
    const Real g1 = logit.grad()(0, 0);
    logit.ZeroGrad();
    ASSERT_TRUE(second.GradEstimate().ok());
    const Real g2 = logit.grad()(0, 0);
    if (n > 0) {
      EXPECT_NEAR(g1, 0, 1e-5) << "estimate " << n;
      EXPECT_NEAR(g2, 0, 1e-5) << "estimate " << n;
    }
  }
}

}  // namespace
}  // namespace provi
