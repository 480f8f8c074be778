// Copyright 2026 The provi Authors.
//
// ElboAnalyticKl (vi/objectives.h): on the conjugate model
//
//   z ~ N(0, 1), x | z ~ N(z, 1), x = 0.5 observed, guide N(m, e^s),
//
// its value and expected gradient are the ELBO's closed forms under the
// pathwise and score-function strategies; on a model mixing analytic sites
// (a Gamma global, Normal locals in a plate whose prior depends on another
// latent) with a site that has no formula (Normal guide, Cauchy prior), its
// mean and its expected gradient agree with Elbo's, and exactly the
// analytic sites are scored in closed form. Statistical checks follow the
// flake budget of tests/testing/statistical_testing.h (|z| < 5 per
// check).

#include "vi/internal/analytic_kl.h"

#include <cmath>
#include <vector>

#include "ad/ops.h"
#include "distributions/cauchy.h"
#include "distributions/gamma.h"
#include "distributions/normal.h"
#include "estimators/expectation.h"
#include "estimators/strategies.h"
#include "gtest/gtest.h"
#include "runtime/primitives.h"
#include "tests/testing/statistical_testing.h"
#include "vi/generative.h"
#include "vi/objectives.h"

namespace provi {
namespace {

using ::provi::testing::MeanAccumulator;

constexpr double kX = 0.5;
constexpr double kLog2Pi = 1.8378770664093453;

// |z| of the difference of two independent sample means.
double TwoSampleZ(const MeanAccumulator& a, const MeanAccumulator& b) {
  const double se = std::hypot(a.standard_error(), b.standard_error());
  return std::abs(a.mean() - b.mean()) / std::max(se, 1e-12);
}

struct Conjugate {
  Parameter m{Matrix::Constant(1, 1, Real(0.9))};
  Parameter s{Matrix::Constant(1, 1, Real(0.2))};
  std::shared_ptr<const SiteStrategy> z_strategy = Pathwise();

  auto Model() {
    return [] {
      const Tensor z = sample("z", Normal(0.0, 1.0));
      observe("x", Normal(z, 1.0), Tensor(kX));
    };
  }
  auto Guide() {
    return [this] {
      sample("z", Normal(m.tensor(), Exp(s.tensor())), z_strategy);
    };
  }
};

// ELBO(m, σ = e^s) = -½(m² + σ²) - ½((x - m)² + σ²) - log 2π
//                    + ½ log(2π e σ²),
// dELBO/dm = x - 2m, dELBO/ds = 1 - 2σ².
TEST(ElboAnalyticKlTest, ValueAndGradientMatchTheClosedForm) {
  const double m = 0.9, sigma = std::exp(0.2), sigma2 = sigma * sigma;
  const double elbo = -0.5 * (m * m + sigma2) -
                      0.5 * ((kX - m) * (kX - m) + sigma2) - kLog2Pi +
                      0.5 * (kLog2Pi + 1 + std::log(sigma2));
  const std::vector<std::shared_ptr<const SiteStrategy>> strategies = {
      Pathwise(), ScoreFunction()};
  uint64_t seed = 10;
  for (const std::shared_ptr<const SiteStrategy>& strategy : strategies) {
    SCOPED_TRACE(strategy->name());
    Conjugate c;
    c.z_strategy = strategy;
    auto objective = Expectation(ElboAnalyticKl(c.Model(), c.Guide()));
    objective.Seed(++seed);
    MeanAccumulator value, dm, ds;
    for (int n = 0; n < 6000; ++n) {
      c.m.ZeroGrad();
      c.s.ZeroGrad();
      const absl::StatusOr<GradientEstimate> g = objective.GradEstimate();
      ASSERT_TRUE(g.ok()) << g.status();
      value.Add(g->value(0, 0));
      dm.Add(c.m.grad()(0, 0));
      ds.Add(c.s.grad()(0, 0));
    }
    EXPECT_MEAN_NEAR(value, elbo);
    // The estimate is -(x - m - σε)²/2 + const = aε² + bε + const with
    // a = -σ²/2, b = (x - m)σ: variance 2a² + b², fourth central moment
    // 60a⁴ + 60a²b² + 3b⁴ (1.35 here; the sampled ELBO's is 4.49).
    const double a = -sigma2 / 2, b = (kX - m) * sigma;
    EXPECT_TRUE(::provi::testing::VarianceNear(
        value, 2 * a * a + b * b,
        60 * a * a * a * a + 60 * a * a * b * b + 3 * b * b * b * b));
    EXPECT_MEAN_NEAR(dm, kX - 2 * m);
    EXPECT_MEAN_NEAR(ds, 1 - 2 * sigma2);
  }
}

// The prior's log density minus the guide's is replaced by -KL, whose value
// for N(m, σ²) against N(0, 1) is ½(m² + σ² - 1) - log σ: the estimate is
// log N(x; z, 1) - KL exactly, z the guide's draw.
TEST(ElboAnalyticKlTest, EstimateIsTheLikelihoodMinusTheKl) {
  Conjugate c;
  const double m = 0.9, sigma = std::exp(0.2);
  const double kl = 0.5 * (m * m + sigma * sigma - 1) - std::log(sigma);
  auto model = c.Model();
  double z = 0;
  auto guide = [&] {
    z = sample("z", Normal(c.m.tensor(), Exp(c.s.tensor()))).item();
  };
  auto objective = Expectation(ElboAnalyticKl(model, guide));
  objective.Seed(3);
  const double tol = kRealIsDouble ? 1e-12 : 1e-5;
  for (int n = 0; n < 5; ++n) {
    const absl::StatusOr<Tensor> v = objective.Estimate();
    ASSERT_TRUE(v.ok()) << v.status();
    const double log_lik = -0.5 * (kX - z) * (kX - z) - 0.5 * kLog2Pi;
    EXPECT_NEAR(v->item(), log_lik - kl, tol * (1 + std::abs(log_lik - kl)));
  }
}

// tau ~ Gamma(2, 1) and z_i ~ N(mu, 1) have formulas against their guides
// (Gamma, Normal); mu ~ Cauchy(0, 2) against a Normal guide does not.
struct Mixed {
  static constexpr Index kPoints = 4;
  Parameter tau_shape{Matrix::Constant(1, 1, Real(0.7))};  // log α
  Parameter tau_rate{Matrix::Constant(1, 1, Real(0.1))};   // log β
  Parameter mu_loc{Matrix::Constant(1, 1, Real(0.3))};
  Parameter z_loc{(Matrix(kPoints, 1) << 0.2, -0.4, 1.1, 0.6).finished()};
  Parameter z_log_scale{Matrix::Constant(kPoints, 1, Real(-0.5))};
  Matrix data = (Matrix(kPoints, 1) << 0.4, -0.8, 1.9, 0.7).finished();

  auto Model() {
    return [this] {
      const Tensor tau = sample("tau", Gamma(2.0, 1.0));
      const Tensor mu = sample("mu", Cauchy(0.0, 2.0));
      Plate points("points", kPoints);
      const Tensor z = sample("z", Normal(mu, 1.0).Expand(kPoints, 1));
      observe("x", Normal(z, Tensor(1.0) / Sqrt(tau)), Tensor(data));
    };
  }
  auto Guide() {
    return [this] {
      sample("tau", Gamma(Exp(tau_shape.tensor()), Exp(tau_rate.tensor())));
      sample("mu", Normal(mu_loc.tensor(), 0.5));
      Plate points("points", kPoints);
      sample("z", Normal(z_loc.tensor(), Exp(z_log_scale.tensor())));
    };
  }
  std::vector<Parameter*> Parameters() {
    return {&tau_shape, &tau_rate, &mu_loc, &z_loc, &z_log_scale};
  }
};

TEST(ElboAnalyticKlTest, ScoresExactlyTheSitesWithAFormula) {
  Mixed mixed;
  Trace q = vi_internal::RunTraced(mixed.Guide());
  Trace p = vi_internal::ReplayTraced(mixed.Model(), q);
  EXPECT_EQ(vi_internal::CountAnalyticKlSites(p, q), 2);
  const Tensor lanes = vi_internal::ElboWithAnalyticKl(p, q);
  EXPECT_EQ(lanes.rows(), Mixed::kPoints);
  EXPECT_EQ(lanes.cols(), 1);
}

TEST(ElboAnalyticKlTest, AgreesWithTheElboInMeanAndGradient) {
  Mixed mixed;
  auto analytic = Expectation(ElboAnalyticKl(mixed.Model(), mixed.Guide()));
  auto sampled = Expectation(Elbo(mixed.Model(), mixed.Guide()));
  analytic.Seed(21);
  sampled.Seed(22);
  const std::vector<Parameter*> parameters = mixed.Parameters();
  // Value and the gradient's first entry for each parameter.
  const size_t n_stats = 1 + parameters.size();
  std::vector<MeanAccumulator> a(n_stats), s(n_stats);
  for (int n = 0; n < 20000; ++n) {
    for (int which = 0; which < 2; ++which) {
      for (Parameter* p : parameters) p->ZeroGrad();
      const absl::StatusOr<GradientEstimate> g =
          which == 0 ? analytic.GradEstimate() : sampled.GradEstimate();
      ASSERT_TRUE(g.ok()) << g.status();
      ASSERT_EQ(g->value.rows(), Mixed::kPoints);
      std::vector<MeanAccumulator>& acc = which == 0 ? a : s;
      acc[0].Add(g->value.sum());
      for (size_t i = 0; i < parameters.size(); ++i) {
        acc[1 + i].Add(parameters[i]->grad()(0, 0));
      }
    }
  }
  const char* names[] = {"value",  "tau_shape", "tau_rate",
                         "mu_loc", "z_loc",     "z_log_scale"};
  for (size_t i = 0; i < n_stats; ++i) {
    EXPECT_LT(TwoSampleZ(a[i], s[i]), ::provi::testing::kZThreshold)
        << names[i] << ": analytic " << a[i].mean() << " +- "
        << a[i].standard_error() << ", sampled " << s[i].mean() << " +- "
        << s[i].standard_error();
  }
}

}  // namespace
}  // namespace provi
