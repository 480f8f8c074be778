// Copyright 2026 The provi Authors.
//
// Every supported (strategy x distribution) pair is unbiased: the mean of
// many gradient estimates of d/dθ E[f(x)] matches the analytic derivative
// (a z-test from the empirical standard error; flake budget in
// tests/testing/statistical_testing.h). Each estimate averages R lanes
// of a program returning one value per lane, so this also exercises the
// lane-wise semantics of every strategy.
//
// Not in the matrix, on purpose: the score function for Delta and Uniform,
// whose supports move with their parameters (the score-function identity
// does not hold there; use pathwise).

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/random.h"
#include "distributions/bernoulli.h"
#include "distributions/beta.h"
#include "distributions/binomial.h"
#include "distributions/categorical.h"
#include "distributions/cauchy.h"
#include "distributions/delta.h"
#include "distributions/dirichlet.h"
#include "distributions/exponential.h"
#include "distributions/gamma.h"
#include "distributions/geometric.h"
#include "distributions/half_cauchy.h"
#include "distributions/half_normal.h"
#include "distributions/laplace.h"
#include "distributions/log_normal.h"
#include "distributions/mv_normal.h"
#include "distributions/normal.h"
#include "distributions/one_hot_categorical.h"
#include "distributions/poisson.h"
#include "distributions/student_t.h"
#include "distributions/uniform.h"
#include "estimators/expectation.h"
#include "estimators/site_strategy.h"
#include "estimators/strategies.h"
#include "gtest/gtest.h"
#include "runtime/primitives.h"
#include "tests/testing/statistical_testing.h"

namespace provi {
namespace {

using ::provi::testing::MeanAccumulator;
using Params = std::vector<Tensor>;

constexpr Index kLanes = 100;
constexpr int kEstimates = 400;

struct Case {
  std::string name;
  // Initial parameter values, each a 1 x width row.
  std::vector<Matrix> params;
  // The distribution for `kLanes` lanes.
  std::function<std::unique_ptr<Distribution>(const Params&)> make;
  // The cost per lane (R x 1) of a value (R x C).
  std::function<Tensor(const Tensor&)> f;
  // d E[f] / d (each parameter entry), flattened over parameters.
  std::vector<double> gradient;
};

Matrix Row(std::initializer_list<double> values) {
  Matrix m(1, static_cast<Index>(values.size()));
  Index j = 0;
  for (double v : values) m(0, j++) = static_cast<Real>(v);
  return m;
}

Tensor Identity(const Tensor& x) { return x; }
Tensor SquareOf(const Tensor& x) { return Square(x); }

void CheckUnbiased(const Case& c,
                   const std::shared_ptr<const SiteStrategy>& strategy,
                   uint64_t seed) {
  SCOPED_TRACE(
      absl::StrCat(c.name, " with the ", strategy->name(), " strategy"));
  std::vector<Parameter> params;
  for (const Matrix& m : c.params) params.emplace_back(m);
  std::vector<MeanAccumulator> grads(c.gradient.size());
  auto program = [&] {
    Params tensors;
    for (Parameter& p : params) tensors.push_back(p.tensor());
    const std::unique_ptr<Distribution> dist = c.make(tensors);
    const Tensor x = sample("x", *dist, strategy);
    return c.f(x) * (Real(1) / kLanes);
  };
  auto expectation = Expectation(program);
  expectation.Seed(seed);
  for (int n = 0; n < kEstimates; ++n) {
    for (Parameter& p : params) p.ZeroGrad();
    const absl::StatusOr<GradientEstimate> g = expectation.GradEstimate();
    ASSERT_TRUE(g.ok()) << g.status();
    size_t k = 0;
    for (const Parameter& p : params) {
      for (Index e = 0; e < p.grad().size(); ++e) grads[k++].Add(p.grad()(e));
    }
  }
  for (size_t k = 0; k < c.gradient.size(); ++k) {
    EXPECT_MEAN_NEAR(grads[k], c.gradient[k]) << "parameter entry " << k;
  }
}

// Families with a pathwise sampler, with their analytic gradients.
std::vector<Case> ContinuousCases() {
  std::vector<Case> cases;
  {
    const double mu = 0.4, sigma = 1.3;
    cases.push_back({"Normal, E[x^2] = mu^2 + sigma^2",
                     {Row({mu}), Row({sigma})},
                     [](const Params& p) {
                       return std::make_unique<Normal>(
                           Normal(p[0], p[1]).Expand(kLanes, 1));
                     },
                     SquareOf,
                     {2 * mu, 2 * sigma}});
  }
  {
    const double mu = 0.2, sigma = 0.5;
    const double mean = std::exp(mu + sigma * sigma / 2);
    cases.push_back({"LogNormal, E[x] = exp(mu + sigma^2 / 2)",
                     {Row({mu}), Row({sigma})},
                     [](const Params& p) {
                       return std::make_unique<LogNormal>(
                           LogNormal(p[0], p[1]).Expand(kLanes, 1));
                     },
                     Identity,
                     {mean, sigma * mean}});
  }
  {
    const double sigma = 1.7;
    cases.push_back({"HalfNormal, E[x] = sigma sqrt(2 / pi)",
                     {Row({sigma})},
                     [](const Params& p) {
                       return std::make_unique<HalfNormal>(
                           HalfNormal(p[0]).Expand(kLanes, 1));
                     },
                     Identity,
                     {std::sqrt(2 / M_PI)}});
  }
  {
    // E[1 / (1 + x^2)] = (g + 1) / (mu^2 + (g + 1)^2) for Cauchy(mu, g):
    // the Poisson kernel evaluates the bounded analytic 1 / (z + i) at
    // mu + i g.
    const double mu = 0.5, g = 0.8;
    const double d = mu * mu + (g + 1) * (g + 1);
    cases.push_back(
        {"Cauchy, E[1 / (1 + x^2)]",
         {Row({mu}), Row({g})},
         [](const Params& p) {
           return std::make_unique<Cauchy>(
               Cauchy(p[0], p[1]).Expand(kLanes, 1));
         },
         [](const Tensor& x) { return 1.0 / (Square(x) + 1.0); },
         {-2 * mu * (g + 1) / (d * d), (d - 2 * (g + 1) * (g + 1)) / (d * d)}});
    cases.push_back({"HalfCauchy, E[1 / (1 + x^2)] = 1 / (g + 1)",
                     {Row({g})},
                     [](const Params& p) {
                       return std::make_unique<HalfCauchy>(
                           HalfCauchy(p[0]).Expand(kLanes, 1));
                     },
                     [](const Tensor& x) { return 1.0 / (Square(x) + 1.0); },
                     {-1 / ((g + 1) * (g + 1))}});
  }
  {
    const double nu = 6, mu = 0.3, sigma = 1.2;
    cases.push_back({"StudentT, E[x^2] = mu^2 + sigma^2 nu / (nu - 2)",
                     {Row({nu}), Row({mu}), Row({sigma})},
                     [](const Params& p) {
                       return std::make_unique<StudentT>(
                           StudentT(p[0], p[1], p[2]).Expand(kLanes, 1));
                     },
                     SquareOf,
                     {-2 * sigma * sigma / ((nu - 2) * (nu - 2)), 2 * mu,
                      2 * sigma * nu / (nu - 2)}});
  }
  {
    const double mu = -0.3, b = 0.9;
    cases.push_back({"Laplace, E[x^2] = mu^2 + 2 b^2",
                     {Row({mu}), Row({b})},
                     [](const Params& p) {
                       return std::make_unique<Laplace>(
                           Laplace(p[0], p[1]).Expand(kLanes, 1));
                     },
                     SquareOf,
                     {2 * mu, 4 * b}});
  }
  {
    const double a = 0.5, b = 2.0;
    cases.push_back({"Uniform, E[x^2] = (a^2 + ab + b^2) / 3",
                     {Row({a}), Row({b})},
                     [](const Params& p) {
                       return std::make_unique<Uniform>(
                           Uniform(p[0], p[1]).Expand(kLanes, 1));
                     },
                     SquareOf,
                     {(2 * a + b) / 3, (a + 2 * b) / 3}});
  }
  {
    const double rate = 1.5;
    cases.push_back({"Exponential, E[x] = 1 / rate",
                     {Row({rate})},
                     [](const Params& p) {
                       return std::make_unique<Exponential>(
                           Exponential(p[0]).Expand(kLanes, 1));
                     },
                     Identity,
                     {-1 / (rate * rate)}});
  }
  {
    const double alpha = 2.5, beta = 1.5;
    cases.push_back({"Gamma, E[x] = alpha / beta",
                     {Row({alpha}), Row({beta})},
                     [](const Params& p) {
                       return std::make_unique<Gamma>(
                           Gamma(p[0], p[1]).Expand(kLanes, 1));
                     },
                     Identity,
                     {1 / beta, -alpha / (beta * beta)}});
  }
  {
    const double a = 2.0, b = 3.0;
    cases.push_back({"Beta, E[x] = a / (a + b)",
                     {Row({a}), Row({b})},
                     [](const Params& p) {
                       return std::make_unique<Beta>(
                           Beta(p[0], p[1]).Expand(kLanes, 1));
                     },
                     Identity,
                     {b / ((a + b) * (a + b)), -a / ((a + b) * (a + b))}});
  }
  {
    const double a0 = 1.5, a1 = 2.0, a2 = 0.8, s = a0 + a1 + a2;
    cases.push_back({"Dirichlet, E[x_0] = a_0 / sum(a)",
                     {Row({a0, a1, a2})},
                     [](const Params& p) {
                       return std::make_unique<Dirichlet>(
                           Dirichlet(p[0]).Expand(kLanes));
                     },
                     [](const Tensor& x) { return SliceCols(x, 0, 1); },
                     {(s - a0) / (s * s), -a0 / (s * s), -a0 / (s * s)}});
  }
  {
    // E[|x|^2] = |loc|^2 + |L|_F^2 for x ~ N(loc, L L^T).
    Matrix l(2, 2);
    l << 1.2, 0.0, 0.4, 0.7;
    cases.push_back(
        {"MvNormal, E[|x|^2] = |loc|^2 + |L|_F^2",
         {Row({0.3, -0.6}), l},
         [](const Params& p) {
           return std::make_unique<MvNormal>(
               MvNormal(p[0], p[1]).Expand(kLanes, 2));
         },
         [](const Tensor& x) { return RowSum(Square(x)); },
         // Parameter entries in column-major order: loc (2), then L.
         {0.6, -1.2, 2 * 1.2, 2 * 0.4, 0.0, 2 * 0.7}});
  }
  return cases;
}

TEST(UnbiasednessTest, PathwiseForEveryReparameterisableFamily) {
  uint64_t seed = 100;
  for (const Case& c : ContinuousCases()) CheckUnbiased(c, Pathwise(), ++seed);
  // Delta: the value is the parameter.
  const Case delta{
      "Delta, E[x^2] = v^2",
      {Row({0.7})},
      [](const Params& p) {
        return std::make_unique<Delta>(Delta(p[0]).Expand(kLanes, 1));
      },
      SquareOf,
      {1.4}};
  CheckUnbiased(delta, Pathwise(), ++seed);
}

TEST(UnbiasednessTest, ScoreFunctionForEveryFamilyWithAFixedSupport) {
  uint64_t seed = 200;
  for (const Case& c : ContinuousCases()) {
    if (c.name.rfind("Uniform", 0) == 0) continue;  // moving support
    CheckUnbiased(c, ScoreFunction(), ++seed);
  }
}

std::vector<Case> DiscreteCases() {
  std::vector<Case> cases;
  const double p = 0.3;
  cases.push_back({"Bernoulli, E[x] = p",
                   {Row({p})},
                   [](const Params& q) {
                     return std::make_unique<Bernoulli>(
                         Bernoulli::FromProbs(q[0]).Expand(kLanes, 1));
                   },
                   Identity,
                   {1.0}});
  {
    // E[x^2] over logits l: d/dl_j = p_j (j^2 - E[x^2]).
    const double l[3] = {0.2, -0.5, 0.9};
    double z = 0;
    for (double v : l) z += std::exp(v);
    double probs[3], mean = 0;
    for (int j = 0; j < 3; ++j) {
      probs[j] = std::exp(l[j]) / z;
      mean += probs[j] * j * j;
    }
    std::vector<double> grad;
    for (int j = 0; j < 3; ++j) grad.push_back(probs[j] * (j * j - mean));
    cases.push_back({"Categorical from logits, E[x^2]",
                     {Row({l[0], l[1], l[2]})},
                     [](const Params& q) {
                       return std::make_unique<Categorical>(
                           Categorical::FromLogits(q[0]).Expand(kLanes));
                     },
                     SquareOf,
                     grad});
    // The same distribution as one-hot rows x, with the same cost: the
    // category k = x·(0, 1, 2), squared.
    cases.push_back({"OneHotCategorical from logits, E[(x.(0, 1, 2))^2]",
                     {Row({l[0], l[1], l[2]})},
                     [](const Params& q) {
                       return std::make_unique<OneHotCategorical>(
                           OneHotCategorical::FromLogits(q[0]).Expand(kLanes));
                     },
                     [](const Tensor& x) {
                       return Square(RowSum(x * Tensor(Row({0, 1, 2}))));
                     },
                     grad});
  }
  {
    const double n = 4, q = 0.35;
    cases.push_back({"Binomial, E[x^2] = nq(1 - q) + n^2 q^2",
                     {Row({q})},
                     [](const Params& r) {
                       return std::make_unique<Binomial>(
                           Binomial(4, r[0]).Expand(kLanes, 1));
                     },
                     SquareOf,
                     {n * (1 - 2 * q) + 2 * n * n * q}});
  }
  {
    const double rate = 2.5;
    cases.push_back({"Poisson, E[x^2] = rate + rate^2",
                     {Row({rate})},
                     [](const Params& r) {
                       return std::make_unique<Poisson>(
                           Poisson(r[0]).Expand(kLanes, 1));
                     },
                     SquareOf,
                     {1 + 2 * rate}});
  }
  {
    const double q = 0.4;
    cases.push_back({"Geometric, E[x] = (1 - p) / p",
                     {Row({q})},
                     [](const Params& r) {
                       return std::make_unique<Geometric>(
                           Geometric(r[0]).Expand(kLanes, 1));
                     },
                     Identity,
                     {-1 / (q * q)}});
  }
  return cases;
}

TEST(UnbiasednessTest, ScoreFunctionForEveryDiscreteFamily) {
  uint64_t seed = 300;
  for (const Case& c : DiscreteCases()) {
    CheckUnbiased(c, ScoreFunction(), ++seed);
  }
}

TEST(UnbiasednessTest, EnumerationForEveryFiniteFamily) {
  uint64_t seed = 400;
  for (const Case& c : DiscreteCases()) {
    if (c.name.rfind("Poisson", 0) == 0 || c.name.rfind("Geometric", 0) == 0) {
      continue;  // infinite supports
    }
    CheckUnbiased(c, Enumerate(), ++seed);
  }
}

TEST(UnbiasednessTest, ControlVariatesForEveryFiniteFamily) {
  uint64_t seed = 450;
  for (const Case& c : DiscreteCases()) {
    if (c.name.rfind("Poisson", 0) == 0 || c.name.rfind("Geometric", 0) == 0) {
      continue;  // infinite supports
    }
    // A fresh table per family: it is fitted while the estimates run.
    CheckUnbiased(c, ScoreFunctionWithControlVariates(0.9), ++seed);
  }
}

TEST(UnbiasednessTest, AMovingAverageBaselineUnderBranchesReplayingItsSite) {
  // One lane: b ~ Bernoulli(sigmoid θ) by the score function with a moving
  // average (decay 0.5), then c ~ Bernoulli(0.5) enumerated, so both
  // branches replay b's value. Were the average updated between the two
  // branches' terms, the second branch's baseline would hold half of the
  // first branch's cost, a function of b: a bias of about -17% here. The
  // cost 5 b (1 + c) has d/dθ E = 7.5 p (1 - p).
  Parameter logit(Matrix::Constant(1, 1, Real(0.3)));
  const std::shared_ptr<const SiteStrategy> strategy =
      ScoreFunction(MovingAverageBaseline(0.5));
  auto program = [&] {
    const Tensor b =
        sample("b", Bernoulli::FromLogits(logit.tensor()), strategy);
    const Tensor c =
        sample("c", Bernoulli::FromProbs(Tensor(0.5)), Enumerate());
    return b * (c + Real(1)) * Real(5);
  };
  auto expectation = Expectation(program);
  expectation.Seed(17);
  MeanAccumulator grads;
  for (int n = 0; n < 4000; ++n) {
    logit.ZeroGrad();
    const absl::StatusOr<GradientEstimate> g = expectation.GradEstimate();
    ASSERT_TRUE(g.ok()) << g.status();
    grads.Add(logit.grad()(0));
  }
  const double p = 1 / (1 + std::exp(-0.3));
  EXPECT_MEAN_NEAR(grads, 7.5 * p * (1 - p));
}

TEST(UnbiasednessTest, MeasureValuedForEveryFamilyWithCouplings) {
  uint64_t seed = 500;
  for (const Case& c : DiscreteCases()) {
    if (c.name.rfind("Binomial", 0) == 0) continue;  // no couplings
    CheckUnbiased(c, Mvd(), ++seed);
  }
  for (const Case& c : ContinuousCases()) {
    if (c.name.rfind("Normal", 0) == 0 || c.name.rfind("Exponential", 0) == 0) {
      CheckUnbiased(c, Mvd(), ++seed);
    }
  }
}

// A gradient strategy written here, against estimators/site_strategy.h
// alone, to show that the set is open: the score function with a baseline
// drawn afresh. Besides its value v the site draws an independent v' and
// schedules a value run forced to v'; that run's cost C(v') is independent
// of v given the sites before, so score(v) * (C(v) - C(v')) keeps the
// score function's expectation. It uses a value run (`ScheduleValueRun`),
// the cost downstream of the site (`cost_mark`) and a term shared with the
// branches that replay the site (`AddSharedTerm`), which no library
// strategy combines this way.
class SampledBaselineScore final : public SiteStrategy {
 public:
  absl::string_view name() const override {
    return "score function with a sampled baseline";
  }

  Tensor Draw(SiteRun& run) const override {
    const Distribution& dist = run.distribution();
    const Tensor value = dist.Sample(run.gen());
    auto term = std::make_shared<Term>();
    run.ScheduleValueRun(dist.Sample(run.gen()),
                         [term](const Tensor& cost) { term->baseline = cost; });
    const Tensor log_q = dist.LogProb(value);
    term->score = log_q - Detach(log_q);
    term->mark = run.cost_mark();
    run.AddSharedTerm(term);
    return value;
  }

 private:
  struct Term final : SurrogateTerm {
    Tensor Evaluate(const RunCosts& costs) const override {
      return (costs.DetachedAfter(mark) - baseline) * score;
    }
    Tensor score;     // log q - Detach(log q), per lane
    size_t mark = 0;  // the run's costs before the site
    Tensor baseline;  // C(v'), per lane, set by the value run
  };
};

TEST(UnbiasednessTest, AStrategyWrittenOutsideTheLibrary) {
  const auto strategy = std::make_shared<SampledBaselineScore>();
  uint64_t seed = 600;
  for (const Case& c : DiscreteCases()) CheckUnbiased(c, strategy, ++seed);
  for (const Case& c : ContinuousCases()) {
    if (c.name.rfind("Normal", 0) == 0 || c.name.rfind("Gamma", 0) == 0) {
      CheckUnbiased(c, strategy, ++seed);
    }
  }
}

// The same strategy chosen by wrapping a program, at one of two sites, in a
// program whose other site is enumerated: the enumeration's branch replays
// the wrapped site (and its shared term), and E[(b + 1) x] = (p + 1) mu has
// the gradient (mu, p + 1) in (p, mu).
TEST(UnbiasednessTest, AStrategyWrittenOutsideTheLibraryComposes) {
  const double p0 = 0.3, mu0 = 0.8;
  Parameter p(Matrix::Constant(1, 1, static_cast<Real>(p0)));
  Parameter mu(Matrix::Constant(1, 1, static_cast<Real>(mu0)));
  auto program = [&] {
    const Tensor x = sample("x", Poisson(mu.tensor()).Expand(kLanes, 1));
    const Tensor b = sample(
        "b", Bernoulli::FromProbs(p.tensor()).Expand(kLanes, 1), Enumerate());
    return (b + 1.0) * x * (Real(1) / kLanes);
  };
  auto expectation = Expectation(
      WithStrategy(program, {"x"}, std::make_shared<SampledBaselineScore>()));
  expectation.Seed(700);
  MeanAccumulator grad_p, grad_mu;
  for (int n = 0; n < kEstimates; ++n) {
    p.ZeroGrad();
    mu.ZeroGrad();
    const absl::StatusOr<GradientEstimate> g = expectation.GradEstimate();
    ASSERT_TRUE(g.ok()) << g.status();
    // The first run, the enumeration's branch and one value run.
    ASSERT_EQ(g->runs, 3);
    grad_p.Add(p.grad()(0, 0));
    grad_mu.Add(mu.grad()(0, 0));
  }
  EXPECT_MEAN_NEAR(grad_p, mu0);
  EXPECT_MEAN_NEAR(grad_mu, p0 + 1);
}

}  // namespace
}  // namespace provi
