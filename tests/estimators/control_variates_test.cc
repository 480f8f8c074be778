// Copyright 2026 The provi Authors.
//
// estimators/control_variates.h: the score function with a table of control
// variates per support value. Unbiased alone and composed with enumeration
// of a later site (whose branches replay this site's value), exact when the
// cost is a function of the site's value alone, lower in variance than the
// moving-average baseline when the cost depends on the value, and an error
// naming the site for families without a finite support.

#include "estimators/control_variates.h"

#include <cmath>
#include <memory>
#include <string>

#include "absl/random/distributions.h"
#include "ad/ops.h"
#include "ad/tensor.h"
#include "base/random.h"
#include "distributions/bernoulli.h"
#include "distributions/categorical.h"
#include "distributions/normal.h"
#include "estimators/expectation.h"
#include "estimators/strategies.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/primitives.h"
#include "runtime/site_error.h"
#include "tests/testing/statistical_testing.h"

namespace provi {
namespace {

using ::provi::testing::MeanAccumulator;
using ::testing::HasSubstr;

constexpr Index kLanes = 50;

Real Sigmoid(Real x) { return 1 / (1 + std::exp(-x)); }

// b ~ Bernoulli(sigmoid(θ)) per lane and a cost 3 b + 1 + σ ε with ε ~ N(0,
// 1) drawn independently (pathwise, no parameter): d/dθ E[cost] = 3 p (1 -
// p) per lane. The program returns the mean over lanes.
struct BernoulliCost {
  explicit BernoulliCost(Real noise) : noise(noise) {}
  Real noise;
  Parameter logit{Matrix::Constant(1, 1, Real(-0.4))};

  Real ExactGradient() const {
    const Real p = Sigmoid(Real(-0.4));
    return 3 * p * (1 - p);
  }

  template <typename Strategy>
  auto Program(Strategy strategy) {
    return [this, strategy] {
      const Tensor b =
          sample("b", Bernoulli::FromLogits(logit.tensor()).Expand(kLanes, 1),
                 strategy);
      const Tensor eps = sample("eps", Normal(0.0, 1.0).Expand(kLanes, 1));
      return (b * Real(3) + Real(1) + Detach(eps) * noise) * (Real(1) / kLanes);
    };
  }
};

// The gradients of `estimates` estimates of `program`'s expectation.
template <typename F>
MeanAccumulator Gradients(F program, Parameter& param, int estimates,
                          uint64_t seed, int warm_up = 0) {
  auto expectation = Expectation(program);
  expectation.Seed(seed);
  MeanAccumulator grads;
  for (int n = 0; n < warm_up + estimates; ++n) {
    param.ZeroGrad();
    const absl::StatusOr<GradientEstimate> g = expectation.GradEstimate();
    EXPECT_TRUE(g.ok()) << g.status();
    if (!g.ok()) break;
    if (n >= warm_up) grads.Add(param.grad()(0));
  }
  return grads;
}

TEST(ControlVariatesTest, UnbiasedForANoisyCost) {
  BernoulliCost model(1.0);
  const MeanAccumulator grads =
      Gradients(model.Program(ScoreFunctionWithControlVariates(0.9)),
                model.logit, 2000, 11);
  EXPECT_MEAN_NEAR(grads, model.ExactGradient());
}

TEST(ControlVariatesTest, ExactOnceFittedWhenTheCostIsAFunctionOfTheValue) {
  // The table of a deterministic f(b) is f itself after one estimate in
  // which both values were drawn (50 lanes: all but certain), and then
  // Σ_k f(k) ∇q(k) is the exact gradient in every estimate.
  BernoulliCost model(0.0);
  const MeanAccumulator grads =
      Gradients(model.Program(ScoreFunctionWithControlVariates(0.5)),
                model.logit, 20, 12, /*warm_up=*/1);
  EXPECT_NEAR(grads.mean(), model.ExactGradient(), 1e-5);
  EXPECT_LT(std::sqrt(grads.variance()), 1e-5);
}

TEST(ControlVariatesTest, LowerVarianceThanTheMovingAverageBaseline) {
  // Per lane, with the moving average the score's weight keeps 3 (b - p):
  // a variance of 9 Var((b - p)²) + σ² p (1 - p) per lane; the table leaves
  // σ² p (1 - p). With p = sigmoid(-0.4) and σ = 0.2 that is 0.0939 against
  // 0.0096, a ratio of 9.8; 5 is asserted (the sample variances of 1,000
  // estimates are within a few percent of the truth, so a ratio below 5
  // has a probability far below 1e-4).
  BernoulliCost model(0.2);
  const MeanAccumulator cv =
      Gradients(model.Program(ScoreFunctionWithControlVariates(0.9)),
                model.logit, 1000, 13, /*warm_up=*/20);
  const MeanAccumulator ma =
      Gradients(model.Program(ScoreFunction(MovingAverageBaseline(0.9))),
                model.logit, 1000, 13, /*warm_up=*/20);
  EXPECT_GT(ma.variance(), 5 * cv.variance())
      << "moving average " << ma.variance() << ", control variates "
      << cv.variance();
}

TEST(ControlVariatesTest, UnbiasedWhenALaterSiteIsEnumerated) {
  // c ~ Bernoulli(0.3), enumerated: its branches replay b's value, and each
  // branch evaluates b's term with coefficients fixed when b was drawn.
  // E[cost] = E[(2 + c) b + c] : d/dθ = (2 + 0.3) p (1 - p).
  Parameter logit(Matrix::Constant(1, 1, Real(0.7)));
  auto program = [&] {
    const Tensor b =
        sample("b", Bernoulli::FromLogits(logit.tensor()).Expand(kLanes, 1),
               ScoreFunctionWithControlVariates(0.8));
    const Tensor c = sample(
        "c", Bernoulli::FromProbs(Tensor(0.3)).Expand(kLanes, 1), Enumerate());
    return (b * (c + Real(2)) + c) * (Real(1) / kLanes);
  };
  const MeanAccumulator grads = Gradients(program, logit, 2000, 14);
  const Real p = Sigmoid(Real(0.7));
  EXPECT_MEAN_NEAR(grads, 2.3 * p * (1 - p));
}

TEST(ControlVariatesTest, OneSiteValueForEveryLaneOfTheProgram) {
  // A site outside the lanes (1 x 1) in a program returning one value per
  // lane: d/dθ E[Σ_r (r + 1) b / R] = p (1 - p) (R + 1) / 2.
  Parameter logit(Matrix::Constant(1, 1, Real(0.2)));
  auto program = [&] {
    const Tensor b = sample("b", Bernoulli::FromLogits(logit.tensor()),
                            ScoreFunctionWithControlVariates(0.9));
    Real* w = nullptr;
    const Tensor weights = NewConstant(kLanes, 1, &w);
    for (Index r = 0; r < kLanes; ++r) w[r] = Real(r + 1) / kLanes;
    return weights * b;
  };
  const MeanAccumulator grads = Gradients(program, logit, 200, 15, 1);
  const Real p = Sigmoid(Real(0.2));
  EXPECT_NEAR(grads.mean(), p * (1 - p) * (kLanes + 1) / 2, 1e-4);
}

TEST(ControlVariatesTest, CategoricalSitesUseOneCoefficientPerCategory) {
  // f(c) = c² exactly: after one estimate the table is f and the gradient
  // is exact: d/dl_j E[c²] = p_j (j² - E[c²]).
  Parameter logits(Matrix(1, 3));
  logits.value() << Real(0.2), Real(-0.5), Real(0.9);
  auto program = [&] {
    const Tensor c =
        sample("c", Categorical::FromLogits(logits.tensor()).Expand(kLanes),
               ScoreFunctionWithControlVariates(0.5));
    return Square(c) * (Real(1) / kLanes);
  };
  auto expectation = Expectation(program);
  expectation.Seed(16);
  for (int n = 0; n < 3; ++n) {
    logits.ZeroGrad();
    ASSERT_TRUE(expectation.GradEstimate().ok());
  }
  const double l[3] = {0.2, -0.5, 0.9};
  double z = 0, mean = 0;
  for (double v : l) z += std::exp(v);
  for (int j = 0; j < 3; ++j) mean += std::exp(l[j]) / z * j * j;
  for (int j = 0; j < 3; ++j) {
    EXPECT_NEAR(logits.grad()(j), std::exp(l[j]) / z * (j * j - mean), 1e-4)
        << j;
  }
}

TEST(ControlVariatesTest, AFamilyWithoutFiniteSupportIsAnErrorNamingTheSite) {
  Parameter loc(Matrix::Constant(1, 1, Real(0)));
  auto program = [&] {
    return sample("z", Normal(loc.tensor(), Tensor(1.0)),
                  ScoreFunctionWithControlVariates(0.9));
  };
  auto expectation = Expectation(program);
  const absl::StatusOr<GradientEstimate> g = expectation.GradEstimate();
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(g.status().message()), HasSubstr("sample site 'z'"));
  EXPECT_THAT(std::string(g.status().message()), HasSubstr("finite support"));
  EXPECT_EQ(AnnotatedSite(g.status()), "z");
}

TEST(ControlVariatesTest, AnInvalidDecayIsRejected) {
  for (const Real decay : {Real(-0.1), Real(1), Real(NAN)}) {
    try {
      ScoreFunctionWithControlVariates(decay);
      ADD_FAILURE() << "no error for " << decay;
    } catch (const StatusError& error) {
      EXPECT_THAT(std::string(error.status().message()),
                  HasSubstr("must be in [0, 1)"));
    }
  }
}

TEST(ControlVariatesTest, UnbiasedForAnElboWhoseCostReadsTheParameter) {
  // An ELBO per lane: the guide's z ~ Bernoulli(sigmoid θ) against the
  // model z ~ Bernoulli(0.3), x = 1 ~ N(3z - 1, 1). Its cost reads θ
  // through -log q(z) too (a pathwise term of mean zero). The exact
  // gradient is the same program's with z enumerated (0.0607 at θ = 0.4);
  // the strategy is made inside the program, as a user writes it. The
  // standard error of the mean of 4,000 estimates is 0.0011, so a bias of
  // 10% fails the z-test.
  Parameter theta(Matrix::Constant(1, 1, Real(0.4)));
  auto elbo = [&](auto make) {
    return [&theta, make] {
      const Bernoulli q =
          Bernoulli::FromLogits(theta.tensor()).Expand(kLanes, 1);
      const Tensor z = sample("z", q, make());
      const Tensor ones(Matrix::Ones(kLanes, 1));
      const Tensor log_p =
          Bernoulli::FromProbs(Tensor(0.3)).Expand(kLanes, 1).LogProb(z) +
          Normal(z * Real(3) - Real(1), Tensor(1.0))
              .Expand(kLanes, 1)
              .LogProb(ones);
      return (log_p - q.LogProb(z)) * (Real(1) / kLanes);
    };
  };
  auto exact = Expectation(elbo([] { return Enumerate(); }));
  theta.ZeroGrad();
  ASSERT_TRUE(exact.GradEstimate().ok());
  const double exact_gradient = theta.grad()(0, 0);
  const MeanAccumulator grads =
      Gradients(elbo([] { return ScoreFunctionWithControlVariates(0.5); }),
                theta, 4000, 25);
  EXPECT_MEAN_NEAR(grads, exact_gradient);
}

// Learned control variates: per lane r, the cost (r + 1) (1 + 2 b) / R
// (+ noise). The gradient is Σ_r 2 (r + 1) / R · p (1 - p).
struct LaneCost {
  Parameter logit{Matrix::Constant(1, 1, Real(0.3))};
  Parameter coefficients{Matrix::Zero(kLanes, 2)};

  Real ExactGradient() const {
    const Real p = Sigmoid(Real(0.3));
    return p * (1 - p) * 2 * (kLanes + 1) / 2;
  }

  auto Program(Real noise) {
    return [this, noise] {
      const Tensor b =
          sample("b", Bernoulli::FromLogits(logit.tensor()).Expand(kLanes, 1),
                 ScoreFunctionWithLearnedControlVariates(
                     [this] { return coefficients.tensor(); }));
      const Tensor eps = sample("eps", Normal(0.0, 1.0).Expand(kLanes, 1));
      Real* w = nullptr;
      const Tensor weights = NewConstant(kLanes, 1, &w);
      for (Index r = 0; r < kLanes; ++r) w[r] = Real(r + 1) / kLanes;
      return weights * (b * Real(2) + Real(1)) + Detach(eps) * noise;
    };
  }
};

TEST(LearnedControlVariatesTest, UnbiasedWhateverTheCoefficients) {
  // Coefficients far from the costs: more variance, the same mean.
  LaneCost model;
  Rng rng = MakeRng(21);
  for (Index i = 0; i < model.coefficients.value().size(); ++i) {
    model.coefficients.value()(i) =
        static_cast<Real>(absl::Gaussian<double>(rng, 0, 3));
  }
  const MeanAccumulator grads =
      Gradients(model.Program(Real(0.5)), model.logit, 2000, 22);
  EXPECT_MEAN_NEAR(grads, model.ExactGradient());
}

TEST(LearnedControlVariatesTest, ExactWhenTheCoefficientsAreEachLanesCosts) {
  // B(r, k) = (r + 1) (1 + 2k) / R: the score term vanishes, the
  // correction is the exact gradient, and the coefficients' own gradient
  // (their squared error) is zero.
  LaneCost model;
  for (Index r = 0; r < kLanes; ++r) {
    for (Index k = 0; k < 2; ++k) {
      model.coefficients.value()(r, k) = Real(r + 1) * (1 + 2 * k) / kLanes;
    }
  }
  const MeanAccumulator grads =
      Gradients(model.Program(Real(0)), model.logit, 20, 23);
  EXPECT_NEAR(grads.mean(), model.ExactGradient(), 1e-4);
  EXPECT_LT(std::sqrt(grads.variance()), 1e-4);
  EXPECT_LT(model.coefficients.grad().cwiseAbs().maxCoeff(), 1e-5);
}

TEST(LearnedControlVariatesTest, TheCoefficientsOfTheDrawnValuesLearnTheCost) {
  // From B = 0, the surrogate's gradient for B is -∂(B(r, x_r) - C_r)²,
  // that is 2 C_r at the value drawn and 0 at the other.
  LaneCost model;
  auto expectation = Expectation([&] {
    const Tensor b = sample(
        "b", Bernoulli::FromLogits(model.logit.tensor()).Expand(kLanes, 1),
        ScoreFunctionWithLearnedControlVariates(
            [&] { return model.coefficients.tensor(); }));
    return b * Real(2) + Real(1);
  });
  expectation.Seed(24);
  const absl::StatusOr<GradientEstimate> g = expectation.GradEstimate();
  ASSERT_TRUE(g.ok()) << g.status();
  for (Index r = 0; r < kLanes; ++r) {
    const Real cost = g->value(r, 0);
    const Index drawn = cost > 2 ? 1 : 0;
    EXPECT_NEAR(model.coefficients.grad()(r, drawn), 2 * cost, 1e-5) << r;
    EXPECT_EQ(model.coefficients.grad()(r, 1 - drawn), 0) << r;
  }
}

TEST(LearnedControlVariatesTest,
     CoefficientsOfAnotherShapeAreAnErrorNamingTheSite) {
  Parameter logit(Matrix::Constant(1, 1, Real(0)));
  Parameter coefficients(Matrix::Zero(kLanes, 3));
  auto expectation = Expectation([&] {
    return sample("b", Bernoulli::FromLogits(logit.tensor()).Expand(kLanes, 1),
                  ScoreFunctionWithLearnedControlVariates(
                      [&] { return coefficients.tensor(); }));
  });
  const absl::StatusOr<GradientEstimate> g = expectation.GradEstimate();
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(g.status().message()), HasSubstr("sample site 'b'"));
  EXPECT_THAT(std::string(g.status().message()),
              HasSubstr("one column per support value (2)"));
  EXPECT_EQ(AnnotatedSite(g.status()), "b");
}

}  // namespace
}  // namespace provi
