// Copyright 2026 The provi Authors.
//
// Autoguides on the supports a statistical model's latents have beyond the
// standard ones: improper flat priors (ImproperUniform), ordered vectors,
// intervals with per-element bounds, and supports whose bounds depend on
// other latents or on parameters (Stan's real<lower=0, upper=1-alpha>):
// the layout, draws inside each run's bounds, the guide's density against
// the change of variables written out here, its expectation against an
// independently computed KL divergence, gradients through the bounds
// against finite differences, AutoDelta, and the accessors' errors.
//
// Statistical checks use |z| < 5 (tests/testing/statistical_testing.h,
// 5.7e-7 per comparison; this binary makes fewer than 10).

#include <cmath>
#include <string>
#include <vector>

#include "ad/ops.h"
#include "ad/tape.h"
#include "base/random.h"
#include "base/status_error.h"
#include "distributions/beta.h"
#include "distributions/improper_uniform.h"
#include "distributions/normal.h"
#include "distributions/uniform.h"
#include "estimators/expectation.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "handlers/trace.h"
#include "runtime/primitives.h"
#include "tests/testing/statistical_testing.h"
#include "tests/testing/status_testing.h"
#include "vi/autoguide.h"
#include "vi/objectives.h"
#include "vi/param_store.h"

namespace provi {
namespace {

using ::provi::testing::ExpectError;
using ::provi::testing::MeanAccumulator;

constexpr double kHalfLog2Pi = 0.91893853320467274178;
const double kDensityTolerance = kRealIsDouble ? 1e-9 : 2e-4;

double NormalLogPdf(double x, double mu, double sigma) {
  const double z = (x - mu) / sigma;
  return -0.5 * z * z - std::log(sigma) - kHalfLog2Pi;
}

double Logit(double p) { return std::log(p / (1 - p)); }

// -----------------------------------------------------------------------------
// Improper flat priors and ordered vectors
// -----------------------------------------------------------------------------

// Flat priors on beta (reals), sigma > 0 and cut points c (ordered).
void FlatModel(const Tensor& y) {
  const Tensor beta = sample("beta", ImproperUniform(Support::Real(), 1, 2));
  const Tensor sigma =
      sample("sigma", ImproperUniform(Support::Positive(), 1, 1));
  sample("c", ImproperUniform(Support::Ordered(), 1, 3));
  Plate data("data", y.rows());
  observe("y", Normal(SliceCols(beta, 0, 1) + SliceCols(beta, 1, 1), sigma), y);
}

Tensor FlatData() { return Tensor(Matrix(Matrix::Constant(5, 1, 0.5))); }

TEST(AutoGuideSupportsTest, ImproperPriorsAreInitialisedInUnconstrainedSpace) {
  for (const AutoGuideInit init :
       {AutoGuideInit::kPrior, AutoGuideInit::kUniform}) {
    AutoGuideOptions options;
    options.init = init;
    options.seed = 3;
    AutoNormal guide(FlatModel, options);
    ASSERT_TRUE(guide.SetUp(FlatData()).ok()) << guide.SetUp(FlatData());
    ASSERT_EQ(guide.sites().size(), 3u);
    EXPECT_EQ(guide.sites()[1].support, Support::Positive());
    EXPECT_EQ(guide.sites()[2].support.kind(), Support::Kind::kOrdered);
    EXPECT_FALSE(guide.sites()[2].dynamic);
    ParamStore store;
    ParamStoreScope scope(store);
    SeedThreadRng(4);
    auto run = handlers::Trace(guide)(FlatData());
    ASSERT_TRUE(run.ok()) << run.status();
    for (const char* name : {"beta", "sigma", "c"}) {
      const Matrix loc = store.Get(std::string("auto/loc/") + name)->value();
      EXPECT_LE(loc.cwiseAbs().maxCoeff(), Real(2)) << name;
    }
    const Tensor c = *run->trace.Find("c")->value;
    EXPECT_TRUE(Support::Ordered().Check(c, "c").ok());
    // The ELBO of the flat model runs: the model's density replays the
    // guide's values.
    auto elbo = Expectation(Elbo(FlatModel, guide));
    elbo.Seed(5);
    absl::StatusOr<Tensor> value = elbo.Estimate(FlatData());
    ASSERT_TRUE(value.ok()) << value.status();
    EXPECT_TRUE(std::isfinite(SumAll(*value).item()));
  }
}

TEST(AutoGuideSupportsTest, ImproperPriorsHaveNoSamplerWithoutAGuide) {
  auto run = handlers::Trace(FlatModel)(FlatData());
  ExpectError(run.status(), absl::StatusCode::kFailedPrecondition,
              "sample site 'beta': ImproperUniform on (-inf, inf) is an "
              "improper prior and has no sampler");
}

// For an ordered site c = T(u), u ~ N(loc, scale): log q(c) = log N(u) -
// Σ_{k>=1} u_k with u = (c_0, log(c_1 - c_0), log(c_2 - c_1)).
TEST(AutoGuideSupportsTest, OrderedSiteDensityIsTheChangeOfVariables) {
  AutoNormal guide(FlatModel);
  ParamStore store;
  ParamStoreScope scope(store);
  SeedThreadRng(6);
  auto run = handlers::Trace(guide)(FlatData());
  ASSERT_TRUE(run.ok()) << run.status();
  const Tensor c = *run->trace.Find("c")->value;
  const Matrix loc = store.Get("auto/loc/c")->value();
  const Matrix scale = store.Get("auto/scale/c")->value();
  const double u[] = {c(0, 0), std::log(c(0, 1) - c(0, 0)),
                      std::log(c(0, 2) - c(0, 1))};
  double expected = -u[1] - u[2];
  for (int k = 0; k < 3; ++k) expected += NormalLogPdf(u[k], loc(k), scale(k));
  EXPECT_NEAR(run->trace.Find("c")->LogProb().item(), expected,
              kDensityTolerance * (1 + std::abs(expected)));
}

// -----------------------------------------------------------------------------
// Supports that depend on other latents
// -----------------------------------------------------------------------------

// alpha ~ U(0, 1), beta ~ U(0, 1 - alpha): the prior is the posterior (no
// data), log p = -log(1 - alpha).
void TriangleModel() {
  const Tensor alpha = sample("alpha", Uniform(0.0, 1.0));
  sample("beta", Uniform(0.0, 1 - alpha));
}

// The same support on a flat prior, and a bound from a parameter.
void FlatTriangleModel() {
  const Tensor alpha = sample("alpha", Uniform(0.0, 1.0));
  sample("beta",
         ImproperUniform(Support::Interval(Tensor(0.0), 1 - alpha), 1, 1));
}

void ParameterBoundModel() {
  const Tensor upper = param("upper", Tensor(2.0), Support::Positive());
  sample("x", Uniform(0.0, upper));
}

TEST(AutoGuideSupportsTest, SupportsComputedFromLatentsAreDynamic) {
  AutoNormal triangle(TriangleModel);
  ASSERT_TRUE(triangle.SetUp().ok()) << triangle.SetUp();
  ASSERT_EQ(triangle.sites().size(), 2u);
  EXPECT_FALSE(triangle.sites()[0].dynamic);
  EXPECT_TRUE(triangle.sites()[1].dynamic);
  EXPECT_TRUE(triangle.sites()[1].support.has_tensor_bounds());
  AutoMultivariateNormal flat(FlatTriangleModel);
  ASSERT_TRUE(flat.SetUp().ok()) << flat.SetUp();
  EXPECT_TRUE(flat.sites()[1].dynamic);
  AutoNormal bound_by_parameter(ParameterBoundModel);
  ASSERT_TRUE(bound_by_parameter.SetUp().ok());
  EXPECT_TRUE(bound_by_parameter.sites()[0].dynamic);
  // Set up from a caller that records nothing (Expectation::Estimate), the
  // dependence is still seen.
  AutoNormal late(TriangleModel);
  auto elbo = Expectation(Elbo(TriangleModel, late));
  ASSERT_TRUE(elbo.Estimate().ok());
  EXPECT_TRUE(late.sites()[1].dynamic);
}

// Per-element constant bounds are not dynamic, and every element is drawn
// inside its own interval.
void PerElementBoundsModel() {
  Matrix low(1, 3), high(1, 3);
  low << -5, 0, 10;
  high << -4, 0.1, 20;
  sample("x", Uniform(Tensor(low), Tensor(high)));
}

TEST(AutoGuideSupportsTest, PerElementBoundsAreEachElementsOwn) {
  AutoNormal guide(PerElementBoundsModel, {.init_scale = 3});
  ASSERT_TRUE(guide.SetUp().ok()) << guide.SetUp();
  EXPECT_FALSE(guide.sites()[0].dynamic);
  ParamStore store;
  ParamStoreScope scope(store);
  SeedThreadRng(7);
  for (int k = 0; k < 50; ++k) {
    auto run = handlers::Trace(guide)();
    ASSERT_TRUE(run.ok()) << run.status();
    const Tensor x = *run->trace.Find("x")->value;
    EXPECT_TRUE(x(0, 0) >= -5 && x(0, 0) <= -4) << x(0, 0);
    EXPECT_TRUE(x(0, 1) >= 0 && x(0, 1) <= 0.1) << x(0, 1);
    EXPECT_TRUE(x(0, 2) >= 10 && x(0, 2) <= 20) << x(0, 2);
  }
}

// Sets every unconstrained location to `loc` and scale to `scale` (the
// mean-field family), or the joint loc and the scale_tril's diagonal.
void SetParams(ParamStore& store, double loc, double scale) {
  for (const NamedParameter& p : store.parameters()) {
    const std::string& name = p.address.name();
    Matrix& value = p.parameter->value();
    if (name.find("/loc") != std::string::npos) {
      value.setConstant(static_cast<Real>(loc));
    } else if (name.find("/scale_tril") != std::string::npos) {
      // Packed lower triangle, log diagonal: (log s, 0, log s).
      value << static_cast<Real>(std::log(scale)), 0,
          static_cast<Real>(std::log(scale));
    } else if (name.find("/scale") != std::string::npos) {
      value.setConstant(static_cast<Real>(std::log(scale)));
    }
  }
}

// Every draw of beta lies in [0, 1 - alpha] of its own run; the guide's
// density is the change of variables with the run's bounds:
//   log q = log N(logit a) - log(a (1 - a))
//         + log N(logit z) - log((1 - a) z (1 - z)),   z = b / (1 - a).
template <typename Guide>
void ExpectDrawsAndDensity(Guide& guide, double loc, double scale) {
  ParamStore store;
  ParamStoreScope store_scope(store);
  SeedThreadRng(8);
  ASSERT_TRUE(handlers::Trace(guide)().ok());
  SetParams(store, loc, scale);
  for (int k = 0; k < 100; ++k) {
    auto run = handlers::Trace(guide)();
    ASSERT_TRUE(run.ok()) << run.status();
    const double a = run->trace.Find("alpha")->value->item();
    const double b = run->trace.Find("beta")->value->item();
    ASSERT_GE(b, 0);
    ASSERT_LE(b, 1 - a);
    // The model's sites are hidden: the trace has the guide's only.
    EXPECT_NE(run->trace.Find("beta")->distribution->name(), "Uniform");
    const double z = b / (1 - a);
    const double expected =
        NormalLogPdf(Logit(a), loc, scale) - std::log(a * (1 - a)) +
        NormalLogPdf(Logit(z), loc, scale) - std::log((1 - a) * z * (1 - z));
    EXPECT_NEAR(run->trace.LogProbSum().item(), expected,
                50 * kDensityTolerance * (1 + std::abs(expected)))
        << "a = " << a << ", b = " << b;
  }
}

TEST(AutoGuideSupportsTest, DynamicDrawsStayInsideTheirRunsBounds) {
  AutoNormal mean_field(TriangleModel);
  ExpectDrawsAndDensity(mean_field, 0.3, 0.8);
  AutoMultivariateNormal full_rank(FlatTriangleModel);
  ExpectDrawsAndDensity(full_rank, -0.4, 1.1);
}

// KL(N(0, s²) ‖ Logistic(0, 1)) by quadrature in double: the exact prior of
// logit(alpha) and of logit(beta / (1 - alpha)) is the standard logistic,
// independently, so a guide with loc 0 and scale s in both has ELBO
// -2 KL(s) (log Z = 0).
double GaussianLogisticKl(double s) {
  double kl = 0;
  const int n = 200000;
  const double lo = -12 * s, hi = 12 * s, h = (hi - lo) / n;
  for (int i = 0; i <= n; ++i) {
    const double u = lo + h * i;
    const double log_q = NormalLogPdf(u, 0, s);
    const double log_p = -u - 2 * std::log1p(std::exp(-u));
    const double w = (i == 0 || i == n) ? 0.5 : 1.0;
    kl += w * std::exp(log_q) * (log_q - log_p) * h;
  }
  return kl;
}

template <typename Guide, typename Model>
void ExpectElboIsMinusTheKl(Model model, Guide& guide, uint64_t seed) {
  ParamStore store;
  ParamStoreScope store_scope(store);
  ASSERT_TRUE(handlers::Trace(guide)().ok());
  const double s = 1.3;
  SetParams(store, 0.0, s);
  auto elbo = Expectation(Elbo(model, guide));
  elbo.Seed(seed);
  MeanAccumulator acc;
  for (int k = 0; k < 4000; ++k) {
    absl::StatusOr<Tensor> value = elbo.Estimate();
    ASSERT_TRUE(value.ok()) << value.status();
    acc.Add(value->item());
  }
  EXPECT_MEAN_NEAR(acc, -2 * GaussianLogisticKl(s));
}

TEST(AutoGuideSupportsTest, DynamicElboIsMinusTheKlDivergence) {
  AutoNormal mean_field(TriangleModel);
  ExpectElboIsMinusTheKl(TriangleModel, mean_field, 9);
  AutoMultivariateNormal full_rank(TriangleModel);
  ExpectElboIsMinusTheKl(TriangleModel, full_rank, 10);
}

// beta = (1 - alpha) σ(u_beta) depends on alpha's draw: the pathwise ELBO
// gradient in alpha's location goes through the bounds. With the noise
// fixed by a seed the estimate is a smooth function of the parameters;
// its gradient matches central differences.
void DataTriangleModel() {
  const Tensor alpha = sample("alpha", Beta(2.0, 2.0));
  const Tensor beta = sample("beta", Uniform(0.0, 1 - alpha));
  observe("y", Normal(beta * 3 + alpha, 0.5), Tensor(1.2));
}

template <typename Guide>
void ExpectGradientMatchesDifferences(Guide& guide) {
  ParamStore store;
  ParamStoreScope store_scope(store);
  ASSERT_TRUE(handlers::Trace(guide)().ok());
  SetParams(store, 0.2, 0.7);
  auto elbo = Expectation(Elbo(DataTriangleModel, guide));
  const auto value_at_seed = [&] {
    elbo.Seed(11);
    absl::StatusOr<GradientEstimate> g = elbo.GradEstimate();
    EXPECT_TRUE(g.ok()) << g.status();
    return g.ok() ? static_cast<double>(g->value.sum()) : 0.0;
  };
  store.ZeroGrad();
  value_at_seed();
  std::vector<Matrix> grads;
  for (const NamedParameter& p : store.parameters()) {
    grads.push_back(p.parameter->grad());
  }
  const double h = kRealIsDouble ? 1e-6 : 1e-2;
  const double tolerance = kRealIsDouble ? 1e-5 : 3e-2;
  for (size_t i = 0; i < grads.size(); ++i) {
    const NamedParameter& p = store.parameters()[i];
    const Matrix& grad = grads[i];
    for (Index k = 0; k < grad.size(); ++k) {
      Real& x = p.parameter->value()(k);
      const Real x0 = x;
      x = static_cast<Real>(x0 + h);
      const double up = value_at_seed();
      x = static_cast<Real>(x0 - h);
      const double down = value_at_seed();
      x = x0;
      const double expected = (up - down) / (2 * h);
      EXPECT_NEAR(grad(k), expected, tolerance * (1 + std::abs(expected)))
          << p.address.name() << " element " << k;
    }
  }
}

TEST(AutoGuideSupportsTest, GradientsFlowThroughDynamicBounds) {
  AutoNormal mean_field(DataTriangleModel);
  ExpectGradientMatchesDifferences(mean_field);
  AutoMultivariateNormal full_rank(DataTriangleModel);
  ExpectGradientMatchesDifferences(full_rank);
}

TEST(AutoGuideSupportsTest, AutoDeltaOnDynamicAndPerElementBounds) {
  AutoDelta guide(DataTriangleModel);
  ParamStore store;
  ParamStoreScope store_scope(store);
  auto run = handlers::Trace(guide)();
  ASSERT_TRUE(run.ok()) << run.status();
  // beta's point is stored unconstrained (a real parameter) and mapped
  // through each run's bounds.
  EXPECT_EQ(*store.Constraint("auto/value/beta"), Support::Real());
  EXPECT_EQ(*store.Constraint("auto/value/alpha"), Support::UnitInterval());
  const double a = run->trace.Find("alpha")->value->item();
  const double u = store.Get("auto/value/beta")->item();
  EXPECT_NEAR(run->trace.Find("beta")->value->item(),
              (1 - a) / (1 + std::exp(-u)), 1e-6);
  AutoDelta per_element(PerElementBoundsModel);
  ASSERT_TRUE(handlers::Trace(per_element)().ok());
  EXPECT_EQ(*store.Constraint("auto/value/x"), Support::Real());
}

TEST(AutoGuideSupportsTest, AccessorsNeedingOneTransformSayWhy) {
  AutoNormal guide(TriangleModel);
  ParamStore store;
  {
    ParamStoreScope scope(store);
    ASSERT_TRUE(handlers::Trace(guide)().ok());
  }
  absl::StatusOr<AutoSitePosterior> beta = guide.Posterior(store, "beta");
  ASSERT_TRUE(beta.ok()) << beta.status();
  EXPECT_EQ(beta->loc.size(), 1);
  EXPECT_EQ(beta->median.size(), 0);
  ExpectError(guide.Quantile(store, "beta", 0.5),
              absl::StatusCode::kFailedPrecondition,
              "sample site 'beta': autoguide: the site has a support that "
              "depends on other latents");
  ExpectError(guide.ConstrainedMoments(store, "alpha", 10, 1),
              absl::StatusCode::kFailedPrecondition, "Predictive");
  // A fixed-support site of the same guide still has its quantiles.
  EXPECT_TRUE(guide.Quantile(store, "alpha", 0.5).ok());
}

TEST(AutoGuideSupportsTest, FixedTransformUsesOfDynamicGuidesAreStatuses) {
  // The Laplace approximation, deterministic VI and unconstrained log
  // densities run the guide at a point without the model.
  AutoMultivariateNormal guide(TriangleModel);
  ASSERT_TRUE(guide.SetUp().ok());
  ExpectError(CatchStatus([&] {
                guide.RunAtUnconstrained(Tensor(Matrix(Matrix::Zero(1, 2))));
              }),
              absl::StatusCode::kFailedPrecondition,
              "sample site 'beta': autoguide: the site has a support that "
              "depends on other latents, so the guide runs only along with "
              "the model");
  ParamStore store;
  ExpectError(
      guide.SetJointNormal(store, Matrix::Zero(1, 2), Matrix::Identity(2, 2)),
      absl::StatusCode::kFailedPrecondition, "RunAtUnconstrained");
}

TEST(AutoGuideSupportsTest, DynamicSitesInSubsampledModelsAreUnimplemented) {
  auto model = [] {
    const Tensor alpha = sample("alpha", Uniform(0.0, 1.0));
    Plate data("data", 10, 4);
    sample("beta", Uniform(0.0, 1 - alpha).Expand(4, 1));
  };
  AutoNormal guide(model);
  ExpectError(guide.SetUp(), absl::StatusCode::kUnimplemented,
              "sample site 'beta': autoguide: the site is inside plate 'data', "
              "which draws 4 of 10 lanes, and the model has supports that "
              "depend on other latents");
}

TEST(AutoGuideSupportsTest, ChangingLatentSitesAreNamed) {
  int runs = 0;
  auto model = [&runs] {
    const Tensor alpha = sample("alpha", Uniform(0.0, 1.0));
    sample(runs++ == 0 ? "beta" : "gamma", Uniform(0.0, 1 - alpha));
  };
  AutoNormal guide(model);
  ParamStore store;
  ParamStoreScope scope(store);
  ASSERT_TRUE(guide.SetUp().ok());
  ExpectError(handlers::Trace(guide)().status(),
              absl::StatusCode::kFailedPrecondition,
              "sample site 'gamma': autoguide: the model's latent site was not "
              "in the run that set the guide up");
}

}  // namespace
}  // namespace provi
