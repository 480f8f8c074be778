// Copyright 2026 The provi Authors.
//
// IndependentBlocks (estimators/independent_blocks.h): value runs forked
// inside a block execute that block alone, take the other blocks' values
// and costs from the scheduling run, replay the block's earlier sites, and
// keep the estimators unbiased.

#include "estimators/independent_blocks.h"

#include <cmath>
#include <stdexcept>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "distributions/bernoulli.h"
#include "distributions/normal.h"
#include "estimators/expectation.h"
#include "estimators/strategies.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/primitives.h"
#include "tests/testing/statistical_testing.h"

namespace provi {
namespace {

using ::provi::testing::MeanAccumulator;
using ::testing::HasSubstr;

// log ½ (e^{v_0} + e^{v_1}) of two 1x1 values.
Tensor LogMeanExp(const std::vector<Tensor>& values) {
  return RowLogSumExp(ConcatCols(values)) -
         std::log(static_cast<Real>(values.size()));
}

double F(double y0, double b0, double y1, double b1) {
  return std::log((std::exp(y0 * b0) + std::exp(y1 * b1)) / 2);
}

TEST(IndependentBlocksTest, OutsideAnEstimatorEveryBlockRuns) {
  std::vector<int> runs(3, 0);
  const std::vector<Tensor> values = IndependentBlocks(3, [&](int j) {
    ++runs[static_cast<size_t>(j)];
    return Tensor(static_cast<double>(j) + 0.5);
  });
  ASSERT_EQ(values.size(), 3u);
  for (int j = 0; j < 3; ++j) {
    EXPECT_EQ(runs[static_cast<size_t>(j)], 1);
    EXPECT_EQ(values[static_cast<size_t>(j)].value()(0, 0), j + 0.5);
  }
  EXPECT_TRUE(IndependentBlocks(0, [](int) { return Tensor(1.0); }).empty());
}

// Two particles, each with a pathwise site u_k before an MVD site b_k: the
// bound log ½ (e^{y_0 b_0} + e^{y_1 b_1}). Each counterfactual executes
// only its own block (4 block executions per estimate instead of 6),
// replays u_k from the first run, and the gradients keep their means:
// d/dp_0 E = p_1 [f(1, 1) - f(0, 1)] + (1 - p_1) [f(1, 0) - f(0, 0)].
TEST(IndependentBlocksTest, CounterfactualsRunOneBlockAndStayUnbiased) {
  const double y[2] = {1.5, -0.7};
  const double p0[2] = {0.35, 0.6};
  Parameter p[2] = {Parameter(Matrix::Constant(1, 1, Real(p0[0]))),
                    Parameter(Matrix::Constant(1, 1, Real(p0[1])))};
  std::vector<int> executions(2, 0);
  std::vector<std::vector<double>> u_seen(2);
  auto objective = Expectation([&] {
    return LogMeanExp(IndependentBlocks(2, [&](int k) {
      ++executions[static_cast<size_t>(k)];
      const Tensor u = sample(absl::StrCat("u", k), Normal(0.0, 1.0));
      u_seen[static_cast<size_t>(k)].push_back(u.value()(0, 0));
      const Tensor b = sample(absl::StrCat("b", k),
                              Bernoulli::FromProbs(p[k].tensor()), Mvd());
      return b * Real(y[k]) + (u - Detach(u));
    }));
  });
  objective.Seed(31);
  MeanAccumulator grads[2];
  for (int n = 0; n < 4000; ++n) {
    for (Parameter& q : p) q.ZeroGrad();
    executions.assign(2, 0);
    u_seen[0].clear();
    u_seen[1].clear();
    const absl::StatusOr<GradientEstimate> g = objective.GradEstimate();
    ASSERT_TRUE(g.ok()) << g.status();
    ASSERT_EQ(g->runs, 3);
    ASSERT_EQ(executions[0], 2);
    ASSERT_EQ(executions[1], 2);
    for (int k = 0; k < 2; ++k) {
      ASSERT_EQ(u_seen[k].size(), 2u);
      ASSERT_EQ(u_seen[k][0], u_seen[k][1]) << "block " << k;
    }
    for (int k = 0; k < 2; ++k) grads[k].Add(p[k].grad()(0, 0));
  }
  const double expected0 =
      p0[1] * (F(y[0], 1, y[1], 1) - F(y[0], 0, y[1], 1)) +
      (1 - p0[1]) * (F(y[0], 1, y[1], 0) - F(y[0], 0, y[1], 0));
  const double expected1 =
      p0[0] * (F(y[0], 1, y[1], 1) - F(y[0], 1, y[1], 0)) +
      (1 - p0[0]) * (F(y[0], 0, y[1], 1) - F(y[0], 0, y[1], 0));
  EXPECT_MEAN_NEAR(grads[0], expected0);
  EXPECT_MEAN_NEAR(grads[1], expected1);
}

// The same without the declaration (a plain loop): every counterfactual
// runs both blocks, as the cost comparison above assumes.
TEST(IndependentBlocksTest, APlainLoopRunsEveryBlockInACounterfactual) {
  Parameter p(Matrix::Constant(1, 1, Real(0.4)));
  int executions = 0;
  auto objective = Expectation([&] {
    std::vector<Tensor> values;
    for (int k = 0; k < 2; ++k) {
      ++executions;
      values.push_back(sample(absl::StrCat("b", k),
                              Bernoulli::FromProbs(p.tensor()), Mvd()));
    }
    return LogMeanExp(values);
  });
  const absl::StatusOr<GradientEstimate> g = objective.GradEstimate();
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->runs, 3);
  EXPECT_EQ(executions, 6);
}

// Costs a skipped block added with AddCost are part of the counterfactual's
// cost: with f = Σ_k (g_k + y_k) b_k, MVD's estimate of d/dp_k is exactly
// g_k + y_k at every draw (it would be off by g_0 b_0 at p_1 if block 0's
// cost were dropped).
TEST(IndependentBlocksTest, SkippedBlocksKeepTheCostsTheyAdded) {
  const double g[2] = {2.0, -3.0};
  const double y[2] = {0.5, 1.25};
  Parameter p[2] = {Parameter(Matrix::Constant(1, 1, Real(0.5))),
                    Parameter(Matrix::Constant(1, 1, Real(0.5)))};
  auto objective = Expectation([&] {
    const std::vector<Tensor> values = IndependentBlocks(2, [&](int k) {
      const Tensor b = sample(absl::StrCat("b", k),
                              Bernoulli::FromProbs(p[k].tensor()), Mvd());
      AddCost(b * Real(g[k]));
      return b * Real(y[k]);
    });
    return values[0] + values[1];
  });
  objective.Seed(7);
  bool saw[2][2] = {{false, false}, {false, false}};
  for (int n = 0; n < 40; ++n) {
    for (Parameter& q : p) q.ZeroGrad();
    const absl::StatusOr<GradientEstimate> e = objective.GradEstimate();
    ASSERT_TRUE(e.ok()) << e.status();
    ASSERT_EQ(e->runs, 3);
    const double total = e->value(0, 0);
    for (int k = 0; k < 2; ++k) {
      EXPECT_NEAR(p[k].grad()(0, 0), g[k] + y[k], 1e-5) << "block " << k;
    }
    // Both values of both sites were drawn at some point.
    const double b0 =
        std::abs(total - (g[1] + y[1])) < 1e-5 || std::abs(total) < 1e-5 ? 0
                                                                         : 1;
    saw[0][static_cast<int>(b0)] = true;
    saw[1][0] = saw[1][0] || std::abs(total - b0 * (g[0] + y[0])) < 1e-5;
    saw[1][1] = saw[1][1] ||
                std::abs(total - b0 * (g[0] + y[0]) - (g[1] + y[1])) < 1e-5;
  }
  EXPECT_TRUE(saw[0][0] && saw[0][1] && saw[1][0] && saw[1][1]);
}

// An enumerated site in block 0 and an MVD site in block 1: the enumerated
// branch is a surrogate run and executes both blocks; each of the two
// counterfactuals (one per surrogate run) executes block 1 alone, with
// block 0's value of its own scheduling run. The enumeration makes the
// gradient of p_1 exact at every draw.
TEST(IndependentBlocksTest, BranchesRunEveryBlockAndScheduleTheirOwn) {
  const double y[2] = {1.0, 2.0};
  const double p0[2] = {0.3, 0.7};
  Parameter p[2] = {Parameter(Matrix::Constant(1, 1, Real(p0[0]))),
                    Parameter(Matrix::Constant(1, 1, Real(p0[1])))};
  std::vector<int> executions(2, 0);
  auto objective = Expectation([&] {
    return LogMeanExp(IndependentBlocks(2, [&](int k) {
      ++executions[static_cast<size_t>(k)];
      const Tensor b =
          sample(absl::StrCat("b", k), Bernoulli::FromProbs(p[k].tensor()),
                 k == 0 ? Enumerate() : Mvd());
      return b * Real(y[k]);
    }));
  });
  objective.Seed(11);
  MeanAccumulator grad0;
  const double expected1 =
      p0[0] * (F(y[0], 1, y[1], 1) - F(y[0], 1, y[1], 0)) +
      (1 - p0[0]) * (F(y[0], 0, y[1], 1) - F(y[0], 0, y[1], 0));
  const double expected0 =
      p0[1] * (F(y[0], 1, y[1], 1) - F(y[0], 0, y[1], 1)) +
      (1 - p0[1]) * (F(y[0], 1, y[1], 0) - F(y[0], 0, y[1], 0));
  for (int n = 0; n < 2000; ++n) {
    for (Parameter& q : p) q.ZeroGrad();
    executions.assign(2, 0);
    const absl::StatusOr<GradientEstimate> e = objective.GradEstimate();
    ASSERT_TRUE(e.ok()) << e.status();
    ASSERT_EQ(e->runs, 4);
    ASSERT_EQ(executions[0], 2);
    ASSERT_EQ(executions[1], 4);
    ASSERT_NEAR(p[1].grad()(0, 0), expected1, 1e-5);
    grad0.Add(p[0].grad()(0, 0));
  }
  EXPECT_MEAN_NEAR(grad0, expected0);
}

// A call inside a block is a plain loop: a counterfactual at its site runs
// every inner block (the outer block is the unit of independence).
TEST(IndependentBlocksTest, NestedCallsAreLoops) {
  Parameter p(Matrix::Constant(1, 1, Real(0.5)));
  int inner = 0;
  int outer = 0;
  auto objective = Expectation([&] {
    return LogMeanExp(IndependentBlocks(2, [&](int k) {
      ++outer;
      return LogMeanExp(IndependentBlocks(2, [&](int j) {
        ++inner;
        return sample(absl::StrCat("b", k, "_", j),
                      Bernoulli::FromProbs(p.tensor()), Mvd());
      }));
    }));
  });
  const absl::StatusOr<GradientEstimate> e = objective.GradEstimate();
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->runs, 5);
  // First run: 2 outer, 4 inner; each of the 4 counterfactuals: 1 outer
  // block and both of its inner blocks.
  EXPECT_EQ(outer, 2 + 4);
  EXPECT_EQ(inner, 4 + 4 * 2);
}

TEST(IndependentBlocksTest, ANegativeCountIsAnError) {
  auto objective = Expectation([&] {
    IndependentBlocks(-1, [](int) { return Tensor(0.0); });
    return Tensor(0.0);
  });
  const absl::StatusOr<GradientEstimate> e = objective.GradEstimate();
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(e.status().message(), HasSubstr("got -1"));
}

// A program whose replay reaches the call with another number of blocks
// fails with FailedPrecondition instead of mixing blocks.
TEST(IndependentBlocksTest, AReplayWithOtherBlocksIsAnError) {
  Parameter p(Matrix::Constant(1, 1, Real(0.5)));
  int calls = 0;
  auto objective = Expectation([&] {
    const int n = ++calls == 1 ? 2 : 3;
    const std::vector<Tensor> values = IndependentBlocks(n, [&](int k) {
      return sample(absl::StrCat("b", k), Bernoulli::FromProbs(p.tensor()),
                    Mvd());
    });
    return values[0] + values[1];
  });
  const absl::StatusOr<GradientEstimate> e = objective.GradEstimate();
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(e.status().message(), HasSubstr("3 blocks"));
}

// Blocks may return anything, an empty tensor included (their costs then
// come from AddCost).
TEST(IndependentBlocksTest, BlocksMayReturnEmptyTensors) {
  Parameter p(Matrix::Constant(1, 1, Real(0.25)));
  auto objective = Expectation([&] {
    IndependentBlocks(2, [&](int k) {
      const Tensor b =
          sample(absl::StrCat("b", k), Bernoulli::FromProbs(p.tensor()), Mvd());
      AddCost(b * Real(k + 1));
      return Tensor();
    });
    return Tensor(0.0);
  });
  p.ZeroGrad();
  const absl::StatusOr<GradientEstimate> e = objective.GradEstimate();
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->runs, 3);
  // d/dp E[b_0 + 2 b_1] = 3, exactly at every draw.
  EXPECT_NEAR(p.grad()(0, 0), 3.0, 1e-5);
}

// A run that left the call early (a block threw and the program caught the
// error outside the call) cannot lend its blocks' values: a counterfactual
// forked in an earlier block fails with FailedPrecondition.
TEST(IndependentBlocksTest, ABlockThatDidNotReturnIsAnError) {
  Parameter p(Matrix::Constant(1, 1, Real(0.5)));
  int runs = 0;
  auto objective = Expectation([&] {
    const bool first = ++runs == 1;
    try {
      IndependentBlocks(2, [&](int k) {
        const Tensor b = sample(absl::StrCat("b", k),
                                Bernoulli::FromProbs(p.tensor()), Mvd());
        if (k == 1 && first) throw std::runtime_error("stop");
        return b;
      });
    } catch (const std::runtime_error&) {
    }
    return Tensor(1.0);
  });
  const absl::StatusOr<GradientEstimate> e = objective.GradEstimate();
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(e.status().message(), HasSubstr("did not return"));
}

}  // namespace
}  // namespace provi
