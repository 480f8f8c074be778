// Copyright 2026 The provi Authors.
//
// Expectation: exact enumeration gradients, composition of strategies in
// one program (checked against the analytic gradient), lanes against brute
// force, baselines (same mean, lower variance), AddCost ordering, nesting,
// and the Statuses of bad configurations. Statistical checks follow the
// flake budget of tests/testing/statistical_testing.h.

#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/random.h"
#include "distributions/bernoulli.h"
#include "distributions/categorical.h"
#include "distributions/gamma.h"
#include "distributions/normal.h"
#include "distributions/one_hot_categorical.h"
#include "distributions/poisson.h"
#include "estimators/expectation.h"
#include "estimators/strategies.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/handler.h"
#include "runtime/primitives.h"
#include "runtime/site_error.h"
#include "tests/testing/statistical_testing.h"

namespace provi {
namespace {

using ::provi::testing::MeanAccumulator;
using ::testing::HasSubstr;

// E[flip(p) ? 0 : -p/2] = -(1 - p) p / 2, so d/dp = p - 1/2.
Tensor FlipObjective(Parameter& p,
                     const std::shared_ptr<const SiteStrategy>& strategy) {
  const Tensor b = sample("b", Bernoulli::FromProbs(p.tensor()), strategy);
  return Where(b, Tensor(0.0), p.tensor() * -0.5);
}

TEST(ExpectationTest, EnumerationIsExactForTheFlipExample) {
  for (double p0 : {0.1, 0.3, 0.5, 0.7, 0.9}) {
    Parameter p(Matrix::Constant(1, 1, static_cast<Real>(p0)));
    auto objective = Expectation([&] { return FlipObjective(p, Enumerate()); });
    const absl::StatusOr<GradientEstimate> g = objective.GradEstimate();
    ASSERT_TRUE(g.ok()) << g.status();
    EXPECT_EQ(g->runs, 2);
    EXPECT_NEAR(p.grad()(0, 0), p0 - 0.5, 1e-6) << "p = " << p0;
    EXPECT_NEAR(g->value(0, 0), -(1 - p0) * p0 / 2, 1e-6);
  }
}

// A branch of probability zero contributes nothing, even at an infinite
// cost (0 x inf would be NaN): E[log(1 - b)] for b ~ Bernoulli(sigmoid(l))
// is 0 at l = lowest (b = 1 has probability 0 in Real) and -inf at l = 0.
TEST(ExpectationTest, EnumerationIgnoresABranchOfProbabilityZero) {
  Matrix l(2, 1);
  l << std::numeric_limits<Real>::lowest(), 0;
  Parameter logits(l);
  auto objective = Expectation([&] {
    const Tensor b =
        sample("b", Bernoulli::FromLogits(logits.tensor()), Enumerate());
    return Log(ScalarSubtract(Real(1), b));
  });
  const absl::StatusOr<GradientEstimate> g = objective.GradEstimate();
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->runs, 2);
  EXPECT_EQ(g->value(0, 0), 0);
  EXPECT_EQ(g->value(1, 0), -std::numeric_limits<Real>::infinity());
  EXPECT_EQ(logits.grad()(0, 0), 0);
  const absl::StatusOr<Tensor> v = objective.Estimate();
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->value()(0, 0), 0);
  EXPECT_EQ(v->value()(1, 0), -std::numeric_limits<Real>::infinity());
}

// A subsampled plate's indices are a choice of the run: drawn from the
// estimation's generator (so the seed fixes them, whatever the thread's
// generator does) and replayed by the runs that re-execute the program for
// enumeration and measure-valued derivatives, whose lanes must be the same
// data points.
TEST(ExpectationTest, SubsamplesComeFromTheSeedAndAreReplayedByReexecution) {
  Matrix points(50, 1);
  for (Index i = 0; i < 50; ++i) points(i, 0) = static_cast<Real>(i);
  const Tensor data(points);
  for (const std::shared_ptr<const SiteStrategy>& strategy :
       {Enumerate(), Mvd()}) {
    Parameter p(Matrix::Constant(1, 1, 0.3));
    std::vector<std::vector<Index>> seen;
    auto objective = Expectation([&] {
      Plate plate("data", 50, 4);
      seen.push_back(plate.indices());
      const Tensor b =
          sample("b", Bernoulli::FromProbs(p.tensor()).Expand(4, 1), strategy);
      const Tensor x = GatherRows(data, plate.indices());
      return Where(b, x, -x);
    });
    objective.Seed(7);
    SeedThreadRng(1);
    const absl::StatusOr<GradientEstimate> g = objective.GradEstimate();
    ASSERT_TRUE(g.ok()) << g.status();
    ASSERT_GE(g->runs, 2);
    ASSERT_EQ(seen.size(), static_cast<size_t>(g->runs));
    for (const std::vector<Index>& s : seen) EXPECT_EQ(s, seen[0]);
    // Exact for this subsample: d/dp Σ_i (p x_i - (1 - p) x_i) = 2 Σ_i x_i.
    if (g->runs == 2) {
      double sum = 0;
      for (Index i : seen[0]) sum += static_cast<double>(i);
      EXPECT_NEAR(p.grad()(0, 0), 2 * sum, 1e-4 * sum);
    }
    // The same seed, another thread generator: the same subsample.
    const std::vector<Index> first = seen[0];
    seen.clear();
    objective.Seed(7);
    SeedThreadRng(2);
    ASSERT_TRUE(objective.Estimate().ok());
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen[0], first);
  }
}

TEST(ExpectationTest, ScoreFunctionAndMvdMatchTheFlipExampleOnAverage) {
  uint64_t seed = 1;
  for (double p0 : {0.1, 0.3, 0.5, 0.7, 0.9}) {
    for (const std::shared_ptr<const SiteStrategy>& strategy :
         {ScoreFunction(), Mvd()}) {
      Parameter p(Matrix::Constant(1, 1, static_cast<Real>(p0)));
      auto objective = Expectation([&] { return FlipObjective(p, strategy); });
      objective.Seed(++seed);
      MeanAccumulator grad;
      for (int n = 0; n < 4000; ++n) {
        p.ZeroGrad();
        ASSERT_TRUE(objective.GradEstimate().ok());
        grad.Add(p.grad()(0, 0));
      }
      EXPECT_MEAN_NEAR(grad, p0 - 0.5)
          << "p = " << p0 << ", " << strategy->name();
    }
  }
}

// A program mixing strategies: b1 ~ Bernoulli(p1); b2 ~ Bernoulli(b1 ? p2 :
// p3); z ~ N(m b2, 1); cost z² + b1. With q2 = P(b2 = 1) = p1 p2 + (1-p1) p3,
// E = q2 (m² + 1) + (1 - q2) 1 + p1, so
//   dE/dp1 = (p2 - p3) m² + 1,  dE/dp2 = p1 m²,  dE/dp3 = (1 - p1) m²,
//   dE/dm = 2 m q2.
struct Mixed {
  Parameter p1{Matrix::Constant(1, 1, 0.3)};
  Parameter p2{Matrix::Constant(1, 1, 0.8)};
  Parameter p3{Matrix::Constant(1, 1, 0.4)};
  Parameter m{Matrix::Constant(1, 1, 1.5)};

  Tensor operator()(const std::shared_ptr<const SiteStrategy>& s1,
                    const std::shared_ptr<const SiteStrategy>& s2,
                    const std::shared_ptr<const SiteStrategy>& s3) {
    const Tensor b1 = sample("b1", Bernoulli::FromProbs(p1.tensor()), s1);
    const Tensor q = Where(b1, p2.tensor(), p3.tensor());
    const Tensor b2 = sample("b2", Bernoulli::FromProbs(q), s2);
    const Tensor z = sample("z", Normal(m.tensor() * b2, 1.0), s3);
    return Square(z) + b1;
  }

  std::vector<double> Gradient() const {
    const double a = 0.3, b = 0.8, c = 0.4, mu = 1.5;
    const double q2 = a * b + (1 - a) * c;
    return {(b - c) * mu * mu + 1, a * mu * mu, (1 - a) * mu * mu, 2 * mu * q2};
  }
};

TEST(ExpectationTest, StrategiesComposeInOneProgram) {
  struct Combination {
    std::shared_ptr<const SiteStrategy> s1, s2, s3;
  };
  const std::vector<Combination> combinations = {
      {ScoreFunction(), Enumerate(), Pathwise()},
      {Enumerate(), ScoreFunction(), Pathwise()},
      {Mvd(), Enumerate(), Pathwise()},
      {Enumerate(), Mvd(), ScoreFunction()},
      {Enumerate(), Enumerate(), Mvd()},
      {Mvd(), Mvd(), Pathwise()},
      {Mvd(), Mvd(), ScoreFunction()},
      {ScoreFunction(MovingAverageBaseline(0.9)), Mvd(), Pathwise()},
  };
  uint64_t seed = 100;
  for (const Combination& c : combinations) {
    SCOPED_TRACE(
        absl::StrCat(c.s1->name(), " / ", c.s2->name(), " / ", c.s3->name()));
    Mixed program;
    auto objective = Expectation([&] { return program(c.s1, c.s2, c.s3); });
    objective.Seed(++seed);
    std::vector<MeanAccumulator> grads(4);
    for (int n = 0; n < 3000; ++n) {
      Parameter* params[] = {&program.p1, &program.p2, &program.p3, &program.m};
      for (Parameter* p : params) p->ZeroGrad();
      const absl::StatusOr<GradientEstimate> g = objective.GradEstimate();
      ASSERT_TRUE(g.ok()) << g.status();
      for (int k = 0; k < 4; ++k) grads[k].Add(params[k]->grad()(0, 0));
    }
    const std::vector<double> expected = program.Gradient();
    for (int k = 0; k < 4; ++k) {
      EXPECT_MEAN_NEAR(grads[k], expected[k]) << "parameter " << k;
    }
  }
}

// The mixed program in kLanes lanes, each with its own b1, b2 and z, one
// value per lane (scaled by 1 / kLanes, so the gradient is the mixed
// program's). Sequential Bernoulli sites under MVD take one counterfactual
// run each (the lanes' sampled side is the run's own cost), alone and
// before an enumerated site, and stay unbiased.
TEST(ExpectationTest, MvdTakesOneCounterfactualPerBernoulliSite) {
  constexpr Index kLanes = 50;
  struct Combination {
    std::shared_ptr<const SiteStrategy> s1, s2;
    int runs;
  };
  // Mvd, Mvd: the first run and one value run per site. Mvd, Enumerate:
  // two branches, b1's value run once (value runs only sample).
  const std::vector<Combination> combinations = {
      {Mvd(), Mvd(), 3},
      {Mvd(), Enumerate(), 3},
      {Enumerate(), Mvd(), 4},
  };
  uint64_t seed = 200;
  for (const Combination& c : combinations) {
    SCOPED_TRACE(absl::StrCat(c.s1->name(), " / ", c.s2->name()));
    Mixed program;
    auto objective = Expectation([&] {
      const Tensor b1 = sample(
          "b1", Bernoulli::FromProbs(program.p1.tensor()).Expand(kLanes, 1),
          c.s1);
      const Tensor q = Where(b1, program.p2.tensor(), program.p3.tensor());
      const Tensor b2 = sample("b2", Bernoulli::FromProbs(q), c.s2);
      const Tensor z = sample("z", Normal(program.m.tensor() * b2, 1.0));
      return (Square(z) + b1) * (Real(1) / kLanes);
    });
    objective.Seed(++seed);
    std::vector<MeanAccumulator> grads(4);
    for (int n = 0; n < 1000; ++n) {
      Parameter* params[] = {&program.p1, &program.p2, &program.p3, &program.m};
      for (Parameter* p : params) p->ZeroGrad();
      const absl::StatusOr<GradientEstimate> g = objective.GradEstimate();
      ASSERT_TRUE(g.ok()) << g.status();
      ASSERT_EQ(g->runs, c.runs);
      for (int k = 0; k < 4; ++k) grads[k].Add(params[k]->grad()(0, 0));
    }
    const std::vector<double> expected = program.Gradient();
    for (int k = 0; k < 4; ++k) {
      EXPECT_MEAN_NEAR(grads[k], expected[k]) << "parameter " << k;
    }
  }
}

// Two particles of each of three lanes, particle-major (lane k 3 + r is
// particle k of lane r), and the importance-weighted value of each lane,
// log ½ (e^{y b_0} + e^{y b_1}) with b_k ~ Bernoulli(p): the score function
// multiplies each particle's score by its lane's value, and MVD flips one
// particle at a time (one counterfactual run per particle). Both are
// unbiased for d/dp E = 2 p y + 2 (1 - 2 p) log ½ (e^y + 1), averaged over
// the lanes.
TEST(ExpectationTest, ParticlesOfALaneShareItsValue) {
  const double y[3] = {0.5, 1.0, 2.0};
  const double p0 = 0.35;
  Matrix y_m(6, 1);
  double expected = 0;
  for (int r = 0; r < 3; ++r) {
    y_m(r, 0) = y_m(r + 3, 0) = static_cast<Real>(y[r]);
    expected += (2 * p0 * y[r] +
                 2 * (1 - 2 * p0) * std::log((std::exp(y[r]) + 1) / 2)) /
                3;
  }
  const Tensor y_t(y_m);
  struct Combination {
    std::shared_ptr<const SiteStrategy> strategy;
    int runs;
  };
  uint64_t seed = 250;
  for (const Combination& c :
       std::vector<Combination>{{ScoreFunction(), 1}, {Mvd(), 3}}) {
    SCOPED_TRACE(c.strategy->name());
    Parameter p(Matrix::Constant(1, 1, static_cast<Real>(p0)));
    auto objective = Expectation([&] {
      const Tensor b = sample(
          "b", Bernoulli::FromProbs(p.tensor()).Expand(6, 1), c.strategy);
      const Tensor lanes = RowLogSumExp(Reshape(b * y_t, 3, 2));
      return (lanes - std::log(Real(2))) * (Real(1) / 3);
    });
    objective.Seed(++seed);
    MeanAccumulator grad;
    for (int n = 0; n < 2000; ++n) {
      p.ZeroGrad();
      const absl::StatusOr<GradientEstimate> g = objective.GradEstimate();
      ASSERT_TRUE(g.ok()) << g.status();
      ASSERT_EQ(g->runs, c.runs);
      grad.Add(p.grad()(0, 0));
    }
    EXPECT_MEAN_NEAR(grad, expected);
  }
}

TEST(ExpectationTest, NestedEnumerationMultipliesTheRunsAndIsExact) {
  // The mixed program with z's contribution replaced by its expectation
  // E[z²] = (m b2)² + 1, so that every gradient is exact.
  Mixed program;
  auto exact = Expectation([&] {
    const Tensor b1 =
        sample("b1", Bernoulli::FromProbs(program.p1.tensor()), Enumerate());
    const Tensor q = Where(b1, program.p2.tensor(), program.p3.tensor());
    const Tensor b2 = sample("b2", Bernoulli::FromProbs(q), Enumerate());
    return Square(program.m.tensor() * b2) + 1.0 + b1;
  });
  const absl::StatusOr<GradientEstimate> g = exact.GradEstimate();
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->runs, 4);
  const std::vector<double> expected = program.Gradient();
  EXPECT_NEAR(program.p1.grad()(0, 0), expected[0], 1e-5);
  EXPECT_NEAR(program.p2.grad()(0, 0), expected[1], 1e-5);
  EXPECT_NEAR(program.p3.grad()(0, 0), expected[2], 1e-5);
  EXPECT_NEAR(program.m.grad()(0, 0), expected[3], 1e-5);
}

// An estimate over its run limit fails before the runs execute, naming the
// site that scheduled them; within the limit it is unchanged.
TEST(ExpectationTest, RunLimitStopsAnEstimateBeforeItsRunsExecute) {
  Parameter logits(Matrix::Zero(1, 10));
  int executions = 0;
  auto objective = Expectation([&] {
    ++executions;
    const Tensor c =
        sample("c", Categorical::FromLogits(logits.tensor()), Enumerate());
    return Square(c - 4.5);
  });
  objective.LimitRuns(9);
  const absl::StatusOr<GradientEstimate> over = objective.GradEstimate();
  EXPECT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(AnnotatedSite(over.status()), "c") << over.status();
  EXPECT_THAT(
      std::string(over.status().message()),
      ::testing::HasSubstr("10 program runs, more than its limit of 9"));
  EXPECT_EQ(executions, 1);  // the run that scheduled the others
  EXPECT_EQ(objective.Estimate().status().code(),
            absl::StatusCode::kResourceExhausted);

  executions = 0;
  objective.LimitRuns(10);
  const absl::StatusOr<GradientEstimate> within = objective.GradEstimate();
  ASSERT_TRUE(within.ok()) << within.status();
  EXPECT_EQ(within->runs, 10);
  EXPECT_EQ(executions, 10);
  // E[(c - 4.5)²] over 0..9 uniformly: 8.25.
  EXPECT_NEAR(within->value(0, 0), 8.25, 1e-4);
  objective.LimitRuns(0);  // no limit
  EXPECT_TRUE(objective.GradEstimate().ok());
}

// Three lanes, each with its own categorical assignment c_i ~ Cat(softmax
// (θ)) and cost (c_i - y_i)² w_i, returned per lane. Lane-wise enumeration
// needs 3 runs; the brute-force sum over all 27 joint assignments must give
// the same value and gradient.
TEST(ExpectationTest, LaneWiseEnumerationEqualsBruteForce) {
  const double y[3] = {0.0, 2.0, 1.0};
  const double w[3] = {1.0, 0.5, 2.0};
  Matrix theta0(1, 3);
  theta0 << 0.2, -0.4, 0.7;
  Matrix y_m(3, 1), w_m(3, 1);
  for (int i = 0; i < 3; ++i) {
    y_m(i, 0) = static_cast<Real>(y[i]);
    w_m(i, 0) = static_cast<Real>(w[i]);
  }
  const Tensor y_t(y_m), w_t(w_m);

  Parameter theta(theta0);
  auto objective = Expectation([&] {
    Plate lanes("lanes", 3);
    const Tensor c = sample(
        "c", Categorical::FromLogits(theta.tensor()).Expand(3), Enumerate());
    return Square(c - y_t) * w_t;
  });
  const absl::StatusOr<GradientEstimate> g = objective.GradEstimate();
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->runs, 3);

  // Brute force over the 27 joint assignments, on the tape.
  Parameter theta_bf(theta0);
  Tensor total(0.0);
  TapeScope scope;
  const Tensor log_p = theta_bf.tensor() - LogSumExpAll(theta_bf.tensor());
  Matrix lane_values = Matrix::Zero(3, 1);
  for (int a = 0; a < 3; ++a) {
    for (int b = 0; b < 3; ++b) {
      for (int c = 0; c < 3; ++c) {
        const int assignment[3] = {a, b, c};
        Tensor joint(0.0);
        double cost = 0;
        for (int i = 0; i < 3; ++i) {
          joint = joint + SliceCols(log_p, assignment[i], 1);
          cost += (assignment[i] - y[i]) * (assignment[i] - y[i]) * w[i];
        }
        const Tensor weighted = Exp(joint) * static_cast<Real>(cost);
        total = total + weighted;
        for (int i = 0; i < 3; ++i) {
          lane_values(i, 0) += static_cast<Real>(std::exp(joint.item()) *
                                                 (assignment[i] - y[i]) *
                                                 (assignment[i] - y[i]) * w[i]);
        }
      }
    }
  }
  Backward(total);
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(g->value(i, 0), lane_values(i, 0), 1e-5) << "lane " << i;
  }
  for (int k = 0; k < 3; ++k) {
    EXPECT_NEAR(theta.grad()(0, k), theta_bf.grad()(0, k), 1e-5)
        << "logit " << k;
  }
}

// Three lanes with their own logits, each x_i ~ OneHotCategorical(softmax(
// l_i)) a one-hot row, and a cost not linear in x, exp(x·a) + (x·b)² per
// lane: enumeration takes K = 3 runs for all lanes and gives E and
// dE/dl_ij = p_ij (f(e_j) - E_i) exactly.
TEST(ExpectationTest, EnumerationAtAOneHotSiteIsExact) {
  const double a[3] = {0.5, -1.0, 2.0};
  const double b[3] = {1.5, 0.0, -0.7};
  Matrix l(3, 3);
  l << 0.2, -0.4, 0.7,  //
      1.0, 0.0, -2.0,   //
      -0.3, 0.3, 0.1;
  Matrix a_row(1, 3), b_row(1, 3);
  for (int k = 0; k < 3; ++k) {
    a_row(0, k) = static_cast<Real>(a[k]);
    b_row(0, k) = static_cast<Real>(b[k]);
  }
  Parameter logits(l);
  auto objective = Expectation([&] {
    Plate lanes("lanes", 3);
    const Tensor x = sample("c", OneHotCategorical::FromLogits(logits.tensor()),
                            Enumerate());
    return Exp(RowSum(x * Tensor(a_row))) + Square(RowSum(x * Tensor(b_row)));
  });
  const absl::StatusOr<GradientEstimate> g = objective.GradEstimate();
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->runs, 3);
  for (Index i = 0; i < 3; ++i) {
    double z = 0;
    for (Index k = 0; k < 3; ++k) z += std::exp(double(l(i, k)));
    double mean = 0;
    double f[3];
    for (int k = 0; k < 3; ++k) {
      f[k] = std::exp(a[k]) + b[k] * b[k];
      mean += std::exp(double(l(i, k))) / z * f[k];
    }
    EXPECT_NEAR(g->value(i, 0), mean, 1e-5 * mean) << "lane " << i;
    for (Index j = 0; j < 3; ++j) {
      const double expected = std::exp(double(l(i, j))) / z * (f[j] - mean);
      EXPECT_NEAR(logits.grad()(i, j), expected, 1e-5 * (1 + mean))
          << "lane " << i << ", logit " << j;
    }
  }
}

// The moving-average baseline: the same mean, a lower variance, on a cost
// with a large constant offset (the canonical case for REINFORCE).
TEST(BaselineTest, BaselinesKeepTheMeanAndTheMovingAverageCutsTheVariance) {
  const double p0 = 0.3;
  auto run = [&](std::shared_ptr<const Baseline> baseline, uint64_t seed,
                 MeanAccumulator* grad) {
    Parameter p(Matrix::Constant(1, 1, static_cast<Real>(p0)));
    auto objective = Expectation([&] {
      const Tensor b = sample("b", Bernoulli::FromProbs(p.tensor()),
                              ScoreFunction(baseline));
      return b * 2.0 + 10.0;  // E = 2p + 10: d/dp = 2
    });
    objective.Seed(seed);
    for (int n = 0; n < 4000; ++n) {
      p.ZeroGrad();
      ASSERT_TRUE(objective.GradEstimate().ok());
      grad->Add(p.grad()(0, 0));
    }
  };
  MeanAccumulator none, constant, moving, learned;
  run(NoBaseline(), 1, &none);
  run(ConstantBaseline(10.0), 2, &constant);
  run(MovingAverageBaseline(0.9), 3, &moving);
  Parameter b(Matrix::Constant(1, 1, 0.0));
  run(LearnedBaseline([&] { return b.tensor(); }), 4, &learned);
  for (const MeanAccumulator* acc : {&none, &constant, &moving, &learned}) {
    EXPECT_MEAN_NEAR(*acc, 2.0);
  }
  // Without a baseline the score term carries the offset 10; the average
  // removes it: the variance falls by more than an order of magnitude.
  EXPECT_LT(moving.variance(), none.variance() / 10);
  // The learned baseline's own term -(b - C)² pulls it towards the cost
  // under gradient ascent (C > 10 > b = 0: the accumulated gradient of the
  // surrogate with respect to b is positive, 2 (C - b) > 20 per estimate).
  EXPECT_GT(b.grad()(0, 0), 4000 * 2 * 9.0);
}

TEST(BaselineTest, LeaveOneOutUsesTheOtherLanes) {
  Parameter p(Matrix::Constant(1, 1, 0.3));
  auto objective = Expectation([&] {
    Plate particles("particles", 8);
    const Tensor b = sample("b", Bernoulli::FromProbs(p.tensor()).Expand(8, 1),
                            ScoreFunction(LeaveOneOutBaseline()));
    return b * 2.0 + 10.0;
  });
  objective.Seed(5);
  MeanAccumulator grad;
  for (int n = 0; n < 2000; ++n) {
    p.ZeroGrad();
    ASSERT_TRUE(objective.GradEstimate().ok());
    grad.Add(p.grad()(0, 0));
  }
  // Eight lanes, each d/dp E[2 b + 10] = 2.
  EXPECT_MEAN_NEAR(grad, 16.0);
}

TEST(AddCostTest, ScoreTermsMultiplyOnlyLaterCosts) {
  // The p-gradient of each estimate must not depend on a cost added before
  // the site, however large.
  auto gradients = [](double early_cost) {
    Parameter p(Matrix::Constant(1, 1, 0.4));
    auto objective = Expectation([&] {
      AddCost(Tensor(early_cost));
      const Tensor b =
          sample("b", Bernoulli::FromProbs(p.tensor()), ScoreFunction());
      return b * 3.0;
    });
    objective.Seed(9);
    std::vector<Real> out;
    for (int n = 0; n < 20; ++n) {
      p.ZeroGrad();
      const absl::StatusOr<GradientEstimate> g = objective.GradEstimate();
      EXPECT_TRUE(g.ok());
      // The value includes the early cost.
      EXPECT_GE(g->value(0, 0), early_cost);
      out.push_back(p.grad()(0, 0));
    }
    return out;
  };
  EXPECT_EQ(gradients(0.0), gradients(1000.0));
  // A cost added after the site does multiply the score.
  Parameter p(Matrix::Constant(1, 1, 0.4));
  auto late = Expectation([&] {
    const Tensor b =
        sample("b", Bernoulli::FromProbs(p.tensor()), ScoreFunction());
    AddCost(Tensor(1000.0));
    return b * 3.0;
  });
  late.Seed(9);
  ASSERT_TRUE(late.GradEstimate().ok());
  EXPECT_GT(std::abs(p.grad()(0, 0)), 100);
}

TEST(NestingTest, AnInnerExpectationsSitesBelongToTheOuterEstimation) {
  // Outer: x ~ N(m, 1) pathwise, then the inner E_b[b] with b ~ Bernoulli(p)
  // enumerated, cost (inner)² + x. Nested, the inner sites are part of the
  // outer run: E[b² + x] = p + m, gradients (1, 1), exact because x is
  // drawn before the enumerated site and so replayed in both branches.
  Parameter p(Matrix::Constant(1, 1, 0.25));
  Parameter m(Matrix::Constant(1, 1, 0.5));
  auto inner = Expectation([&] {
    return sample("b", Bernoulli::FromProbs(p.tensor()), Enumerate());
  });
  auto outer = Expectation([&] {
    const Tensor x = sample("x", Normal(m.tensor(), 1.0));
    const Tensor b = inner.Value();
    return Square(b) + x;
  });
  outer.Seed(3);
  const absl::StatusOr<GradientEstimate> g = outer.GradEstimate();
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->runs, 2);
  EXPECT_NEAR(p.grad()(0, 0), 1.0, 1e-5);
  EXPECT_NEAR(m.grad()(0, 0), 1.0, 1e-5);
  // Outside an estimation Value() is an error; Estimate() works.
  EXPECT_FALSE(CatchStatus([&] { inner.Value(); }).ok());
  const absl::StatusOr<Tensor> e = inner.Estimate();
  ASSERT_TRUE(e.ok());
  EXPECT_NEAR(e->item(), 0.25, 1e-6);
}

TEST(EstimateTest, IsUnbiased) {
  Parameter m(Matrix::Constant(1, 1, 0.7));
  auto objective =
      Expectation([&] { return Square(sample("x", Normal(m.tensor(), 2.0))); });
  objective.Seed(11);
  MeanAccumulator value;
  for (int n = 0; n < 4000; ++n) value.Add(objective.Estimate()->item());
  EXPECT_MEAN_NEAR(value, 0.49 + 4.0);
}

TEST(ErrorTest, UnsupportedStrategiesAreStatusesNamingTheSite) {
  auto status_of = [](auto program) {
    auto objective = Expectation(program);
    return objective.GradEstimate().status();
  };
  const absl::Status enumerate_normal =
      status_of([] { return sample("z", Normal(0.0, 1.0), Enumerate()); });
  EXPECT_EQ(enumerate_normal.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(enumerate_normal.message(), HasSubstr("'z'"));
  EXPECT_THAT(enumerate_normal.message(), HasSubstr("Normal"));
  EXPECT_THAT(enumerate_normal.message(), HasSubstr("enumeration"));
  EXPECT_EQ(AnnotatedSite(enumerate_normal), "z");
  const absl::Status pathwise_poisson =
      status_of([] { return sample("n", Poisson(3.0), Pathwise()); });
  EXPECT_THAT(pathwise_poisson.message(), HasSubstr("'n'"));
  EXPECT_THAT(pathwise_poisson.message(), HasSubstr("Poisson"));
  const absl::Status mvd_gamma =
      status_of([] { return sample("g", Gamma(2.0, 1.0), Mvd()); });
  EXPECT_THAT(mvd_gamma.message(), HasSubstr("'g'"));
  // Lane-wise enumeration needs a per-lane result.
  const absl::Status lanes = status_of([] {
    const Tensor b =
        sample("b", Bernoulli::FromProbs(0.5).Expand(4, 1), Enumerate());
    return SumAll(b);
  });
  EXPECT_THAT(lanes.message(), HasSubstr("'b'"));
  EXPECT_THAT(lanes.message(), HasSubstr("one value per lane"));
  EXPECT_EQ(AnnotatedSite(lanes), "b");
  // An invalid distribution at a site.
  const absl::Status invalid =
      status_of([] { return sample("s", Normal(0.0, -1.0)); });
  EXPECT_THAT(invalid.message(), HasSubstr("'s'"));
  // Handlers choose strategies too, and are checked the same way.
  auto program = [] { return sample("z", Normal(0.0, 1.0)); };
  auto enumerated = Expectation(Enumerate(program, {"z"}));
  EXPECT_THAT(enumerated.GradEstimate().status().message(), HasSubstr("'z'"));
}

TEST(ErrorTest, MisplacedCallsAreStatuses) {
  EXPECT_EQ(CatchStatus([] { AddCost(Tensor(1.0)); }).code(),
            absl::StatusCode::kFailedPrecondition);
  auto inner = Expectation([] { return Tensor(1.0); });
  auto outer = Expectation([&] {
    const absl::StatusOr<GradientEstimate> g = inner.GradEstimate();
    EXPECT_EQ(g.status().code(), absl::StatusCode::kFailedPrecondition);
    return Tensor(0.0);
  });
  EXPECT_TRUE(outer.GradEstimate().ok());
  const absl::Status one_lane =
      Expectation([] {
        return sample("b", Bernoulli::FromProbs(0.5),
                      ScoreFunction(LeaveOneOutBaseline()));
      })
          .GradEstimate()
          .status();
  EXPECT_THAT(one_lane.message(), HasSubstr("two lanes"));
  EXPECT_EQ(AnnotatedSite(one_lane), "b");
}

TEST(StrategyHandlersTest, WrappersChooseTheStrategy) {
  Parameter p(Matrix::Constant(1, 1, 0.3));
  auto program = [&] { return sample("b", Bernoulli::FromProbs(p.tensor())); };
  // Enumerate makes the default score function exact.
  auto exact = Expectation(Enumerate(program, {"b"}));
  const absl::StatusOr<GradientEstimate> g = exact.GradEstimate();
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->runs, 2);
  EXPECT_NEAR(p.grad()(0, 0), 1.0, 1e-6);
  p.ZeroGrad();
  auto by_predicate = Expectation(Mvd(
      program, [](const Message& msg) { return msg.address.name() == "b"; }));
  ASSERT_TRUE(by_predicate.GradEstimate().ok());
  EXPECT_NEAR(p.grad()(0, 0), 1.0, 1e-6);  // Bernoulli MVD is exact
  p.ZeroGrad();
  auto general = Expectation(WithStrategy(program, {"b"}, Enumerate()));
  ASSERT_TRUE(general.GradEstimate().ok());
  EXPECT_NEAR(p.grad()(0, 0), 1.0, 1e-6);
}

// A strategy written outside the library: draws without gradient, adds
// nothing, and counts how the estimator used it.
class Counting final : public SiteStrategy {
 public:
  absl::string_view name() const override { return "counting"; }
  Tensor Draw(SiteRun& run) const override {
    ++draws;
    return run.distribution().Sample(run.gen());
  }
  void Replay(SiteRun& run, const Tensor& value) const override {
    (void)run;
    (void)value;
    ++replays;
  }
  mutable int draws = 0;
  mutable int replays = 0;
};

TEST(SiteStrategyTest, BranchesReplayTheSitesBeforeTheEnumeratedOne) {
  auto counting = std::make_shared<Counting>();
  Parameter p(Matrix::Constant(1, 1, 0.3));
  auto objective = Expectation([&] {
    const Tensor before = sample("before", Normal(0.0, 1.0), counting);
    const Tensor b = sample("b", Bernoulli::FromProbs(p.tensor()), Enumerate());
    const Tensor after = sample("after", Normal(0.0, 1.0), counting);
    return b + Detach(before) * 0.0 + Detach(after) * 0.0;
  });
  const absl::StatusOr<GradientEstimate> g = objective.GradEstimate();
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->runs, 2);
  // "before" is drawn once and replayed by the branch b = 1; "after" is
  // drawn in both runs.
  EXPECT_EQ(counting->draws, 3);
  EXPECT_EQ(counting->replays, 1);
  EXPECT_NEAR(p.grad()(0, 0), 1.0, 1e-6);
}

}  // namespace
}  // namespace provi
