// Copyright 2026 The provi Authors.
//
// Autoguides: the layout recorded from the model; the guide's sites, values
// and parameters; densities of constrained values against the change of
// variables computed independently (mean-field, cached and fresh; joint);
// unbiased ELBO
// gradients through the transforms, pathwise and by the score function;
// convergence to the exact posterior of the Normal–Normal model (AutoNormal
// to the mean-field optimum, AutoMultivariateNormal to the full posterior
// and its correlation, AutoDelta to the MAP); errors and accessors.
//
// Statistical checks use |z| < 5 (tests/testing/statistical_testing.h,
// 5.7e-7 per comparison; this binary makes fewer than 60, a flake rate
// below 1e-4 even if the fixed seeds were redrawn).

#include "vi/autoguide.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "Eigen/Dense"
#include "absl/random/distributions.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/random.h"
#include "base/status_error.h"
#include "distributions/bernoulli.h"
#include "distributions/beta.h"
#include "distributions/dirichlet.h"
#include "distributions/gamma.h"
#include "distributions/normal.h"
#include "distributions/poisson.h"
#include "estimators/baselines.h"
#include "estimators/expectation.h"
#include "estimators/strategies.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "handlers/replay.h"
#include "handlers/seed.h"
#include "handlers/trace.h"
#include "runtime/primitives.h"
#include "tests/testing/linear_gaussian.h"
#include "tests/testing/polyak_averaging.h"
#include "tests/testing/statistical_testing.h"
#include "vi/generative.h"
#include "vi/objectives.h"
#include "vi/optimizers.h"
#include "vi/param_store.h"
#include "vi/svi.h"

namespace provi {
namespace {

using ::provi::testing::Column;
using ::provi::testing::LinearGaussian;
using ::provi::testing::MeanAccumulator;
using ::testing::HasSubstr;

constexpr double kZ = ::provi::testing::kZThreshold;
// Float densities carry relative rounding of a few ulps per operation.
const double kDensityTolerance = kRealIsDouble ? 1e-9 : 2e-4;

double NormalLogPdf(double x, double mu, double sigma) {
  const double z = (x - mu) / sigma;
  return -0.5 * z * z - std::log(sigma) - 0.91893853320467274178;
}

// -----------------------------------------------------------------------------
// A model with one latent of each kind of support
// -----------------------------------------------------------------------------

// loc: reals (1x2); rate: positive; p: [0, 1]; w: the 3-simplex; local: one
// real per data point, in the plate "data".
void MixedModel(const Tensor& y) {
  const Tensor loc = sample("loc", Normal(0.0, 1.0).Expand(1, 2));
  const Tensor rate = sample("rate", Gamma(2.0, 1.0));
  const Tensor p = sample("p", Beta(2.0, 2.0));
  sample("w", Dirichlet(Tensor(Matrix(Matrix::Ones(1, 3)))));
  Plate data("data", y.rows());
  const Tensor local = sample("local", Normal(0.0, 1.0).Expand(y.rows(), 1));
  observe("y", Normal(local * rate + SliceCols(loc, 0, 1), p + 0.5), y);
}

Tensor MixedData() {
  Matrix y(4, 1);
  y << 0.3, -1.2, 0.8, 2.0;
  return Tensor(y);
}

TEST(AutoGuideTest, RecordsTheLatentSitesOfTheModel) {
  AutoNormal guide(MixedModel);
  EXPECT_FALSE(guide.is_set_up());
  ASSERT_TRUE(guide.SetUp(MixedData()).ok());
  ASSERT_TRUE(guide.is_set_up());
  const std::vector<AutoLatentSite>& sites = guide.sites();
  ASSERT_EQ(sites.size(), 5u);  // the observed "y" is not a latent
  struct Expected {
    const char* name;
    Index rows, cols, u_rows, u_cols, offset;
    Support::Kind support;
  };
  const Expected expected[] = {
      {"loc", 1, 2, 1, 2, 0, Support::Kind::kReal},
      {"rate", 1, 1, 1, 1, 2, Support::Kind::kPositive},
      {"p", 1, 1, 1, 1, 3, Support::Kind::kInterval},
      {"w", 1, 3, 1, 2, 4, Support::Kind::kSimplex},
      {"local", 4, 1, 4, 1, 6, Support::Kind::kReal},
  };
  for (size_t i = 0; i < sites.size(); ++i) {
    SCOPED_TRACE(expected[i].name);
    EXPECT_EQ(sites[i].name, expected[i].name);
    EXPECT_EQ(sites[i].address.name(), expected[i].name);
    EXPECT_EQ(sites[i].rows, expected[i].rows);
    EXPECT_EQ(sites[i].cols, expected[i].cols);
    EXPECT_EQ(sites[i].unconstrained_rows, expected[i].u_rows);
    EXPECT_EQ(sites[i].unconstrained_cols, expected[i].u_cols);
    EXPECT_EQ(sites[i].offset, expected[i].offset);
    EXPECT_EQ(sites[i].support.kind(), expected[i].support);
  }
  ASSERT_EQ(sites[4].plates.size(), 1u);
  EXPECT_EQ(sites[4].plates[0].name, "data");
  EXPECT_EQ(sites[4].plates[0].size, 4);
  EXPECT_TRUE(sites[0].plates.empty());
  EXPECT_EQ(guide.dimension(), 10);
}

// The set-up run is invisible: an outer trace sees only the guide's sites.
TEST(AutoGuideTest, SetUpRunIsHiddenFromOuterHandlers) {
  AutoNormal guide(MixedModel);
  ParamStore store;
  ParamStoreScope scope(store);
  auto run = handlers::Trace(guide)(MixedData());
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->trace.Find("y"), nullptr);
  for (const Site& site : run->trace.sites()) {
    if (site.kind == SiteKind::kSample) {
      EXPECT_FALSE(site.is_observed);
    }
  }
}

TEST(AutoNormalTest, DrawsEachSiteInItsSupportWithItsParameters) {
  AutoNormal guide(MixedModel);
  ParamStore store;
  ParamStoreScope scope(store);
  SeedThreadRng(11);
  auto run = handlers::Trace(guide)(MixedData());
  ASSERT_TRUE(run.ok()) << run.status();
  const Trace& trace = run->trace;
  for (const char* name : {"loc", "rate", "p", "w", "local"}) {
    const Site* site = trace.Find(name);
    ASSERT_NE(site, nullptr) << name;
    EXPECT_EQ(site->kind, SiteKind::kSample);
    const AutoLatentSite& layout =
        *std::find_if(guide.sites().begin(), guide.sites().end(),
                      [&](const AutoLatentSite& s) { return s.name == name; });
    EXPECT_EQ(site->value->rows(), layout.rows) << name;
    EXPECT_EQ(site->value->cols(), layout.cols) << name;
    EXPECT_TRUE(layout.support.Check(*site->value, name).ok()) << name;
    // Parameters of the unconstrained shape; scales start at init_scale.
    absl::StatusOr<Tensor> loc = store.Get(std::string("auto/loc/") + name);
    absl::StatusOr<Tensor> scale = store.Get(std::string("auto/scale/") + name);
    ASSERT_TRUE(loc.ok()) << loc.status();
    ASSERT_TRUE(scale.ok()) << scale.status();
    EXPECT_EQ(loc->rows(), layout.unconstrained_rows) << name;
    EXPECT_EQ(loc->cols(), layout.unconstrained_cols) << name;
    EXPECT_NEAR(scale->value()(0, 0), 0.1, 1e-6) << name;
    // Uniform initialisation on [-2, 2].
    EXPECT_LE(loc->value().cwiseAbs().maxCoeff(), Real(2)) << name;
  }
  EXPECT_EQ(store.size(), 10u);
  // The plated site is drawn inside a plate of the model's name and size.
  const Site* local = trace.Find("local");
  ASSERT_EQ(local->plates.size(), 1u);
  EXPECT_EQ(local->plates[0].name.name(), "data");
  EXPECT_EQ(local->plates[0].size, 4);
}

// log q(p) for p = σ(u), u ~ N(loc, scale): log N(logit p) - log(p (1 - p));
// log q(r) for r = e^u: log N(log r) - log r. Checked on the guide's own
// draw (the inverse is cached) and on values it did not draw (replayed from
// the model's prior trace: the inverse is computed).
TEST(AutoNormalTest, SiteDensityIsTheChangeOfVariables) {
  AutoNormal guide(MixedModel);
  ParamStore store;
  ParamStoreScope scope(store);
  SeedThreadRng(12);
  auto own = handlers::Trace(guide)(MixedData());
  ASSERT_TRUE(own.ok()) << own.status();
  auto prior = handlers::Trace(handlers::Seed(MixedModel, 5))(MixedData());
  ASSERT_TRUE(prior.ok()) << prior.status();
  auto replayed =
      handlers::Trace(handlers::Replay(guide, prior->trace))(MixedData());
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  const double p_loc = store.Get("auto/loc/p")->item();
  const double p_scale = store.Get("auto/scale/p")->item();
  const double r_loc = store.Get("auto/loc/rate")->item();
  const double r_scale = store.Get("auto/scale/rate")->item();
  for (const Trace* trace : {&own->trace, &replayed->trace}) {
    const double p = trace->Find("p")->value->item();
    const double expected_p =
        NormalLogPdf(std::log(p / (1 - p)), p_loc, p_scale) -
        std::log(p * (1 - p));
    EXPECT_NEAR(trace->Find("p")->LogProb().item(), expected_p,
                kDensityTolerance * (1 + std::abs(expected_p)));
    const double r = trace->Find("rate")->value->item();
    const double expected_r =
        NormalLogPdf(std::log(r), r_loc, r_scale) - std::log(r);
    EXPECT_NEAR(trace->Find("rate")->LogProb().item(), expected_r,
                kDensityTolerance * (1 + std::abs(expected_r)));
  }
  // The replayed run scored the prior's values.
  EXPECT_EQ(replayed->trace.Find("p")->value->item(),
            prior->trace.Find("p")->value->item());
}

// The joint guide's log density, summed over its sites (the auxiliary
// draw and the Deltas), is log N(u; loc, L Lᵀ) - Σ log |det J|, computed
// here in double from the values and the parameters.
void RealPositiveIntervalModel(const Tensor&) {
  sample("a", Normal(0.0, 1.0));
  sample("r", Gamma(2.0, 1.0));
  sample("p", Beta(2.0, 3.0));
}

TEST(AutoMultivariateNormalTest, JointDensityIsTheChangeOfVariables) {
  AutoMultivariateNormal guide(RealPositiveIntervalModel);
  ParamStore store;
  ParamStoreScope scope(store);
  SeedThreadRng(13);
  // Spread the scale_tril away from its diagonal start first.
  {
    auto run = handlers::Trace(guide)(Tensor(0.0));
    ASSERT_TRUE(run.ok()) << run.status();
  }
  Parameter* tril = *store.Unconstrained("auto/scale_tril");
  ASSERT_EQ(tril->cols(), 6);
  tril->value() << 0.1, 0.5, -0.3, -0.2, 0.4, 0.2;
  auto run = handlers::Trace(guide)(Tensor(0.0));
  ASSERT_TRUE(run.ok()) << run.status();
  const Trace& trace = run->trace;
  ASSERT_NE(trace.Find("_auto_latent"), nullptr);
  const double a = trace.Find("a")->value->item();
  const double r = trace.Find("r")->value->item();
  const double p = trace.Find("p")->value->item();
  Eigen::Vector3d u(a, std::log(r), std::log(p / (1 - p)));
  const Eigen::MatrixXd l =
      store.Get("auto/scale_tril")->value().cast<double>();
  const Eigen::VectorXd loc =
      store.Get("auto/loc")->value().cast<double>().transpose();
  const Eigen::Vector3d white = l.triangularView<Eigen::Lower>().solve(u - loc);
  const double log_normal = -0.5 * white.squaredNorm() -
                            l.diagonal().array().log().sum() -
                            3 * 0.91893853320467274178;
  const double expected = log_normal - std::log(r) - std::log(p * (1 - p));
  EXPECT_NEAR(trace.LogProbSum().item(), expected,
              kDensityTolerance * (1 + std::abs(expected)));
  // The unconstrained draw is what the sites' values come from.
  const Tensor latent = *trace.Find("_auto_latent")->value;
  EXPECT_NEAR(latent(0, 0), a, 1e-6);
  EXPECT_NEAR(latent(0, 1), std::log(r), 1e-5);
}

// -----------------------------------------------------------------------------
// Unbiased ELBO gradients through the transform
// -----------------------------------------------------------------------------
//
// λ ~ Gamma(a0, b0), x_i ~ Poisson(λ); a guide with u ~ N(m, s²), λ = e^u.
// With E[u] = m, E[e^u] = e^{m + s²/2} and the Jacobian term E[u] = m,
//
//   ELBO(m, s) = (Σx + a0) m - (n + b0) e^{m + s²/2} + log s + const,
//   ∂/∂m = Σx + a0 - (n + b0) e^{m + s²/2},
//   ∂/∂log s = 1 - (n + b0) s² e^{m + s²/2}.
//
// AutoNormal stores (m, log s) as "auto/loc/lambda" and the unconstrained
// "auto/scale/lambda"; AutoMultivariateNormal over this one latent stores
// (m, log L00), the same coordinates. Without the log-Jacobian in the
// guide's density ∂/∂m would be off by 1, far outside the tolerance.

constexpr double kGammaA0 = 2;
constexpr double kGammaB0 = 1;
const std::vector<double> kCounts = {3, 1, 4, 2, 2};

void PoissonModel(const Tensor& x) {
  const Tensor lambda = sample("lambda", Gamma(kGammaA0, kGammaB0));
  Plate data("data", x.rows());
  observe("x", Poisson(lambda).Expand(x.rows(), 1), x);
}

Tensor Counts() { return Column(kCounts); }

template <typename Guide>
void ExpectUnbiasedGradient(Guide guide, const char* loc_name,
                            const char* scale_name, uint64_t seed) {
  const double m = 0.4;
  const double log_s = std::log(0.3);
  const double s = std::exp(log_s);
  double sum = 0;
  for (double c : kCounts) sum += c;
  const double n = static_cast<double>(kCounts.size());
  const double e = std::exp(m + s * s / 2);
  const double d_m = sum + kGammaA0 - (n + kGammaB0) * e;
  const double d_log_s = 1 - (n + kGammaB0) * s * s * e;

  ParamStore store;
  auto elbo = Expectation(Elbo(PoissonModel, guide));
  elbo.Seed(seed);
  {
    ParamStoreScope scope(store);
    ASSERT_TRUE(elbo.GradEstimate(Counts()).ok());
  }
  Parameter* loc = *store.Unconstrained(loc_name);
  Parameter* scale = *store.Unconstrained(scale_name);
  loc->value().setConstant(static_cast<Real>(m));
  scale->value().setConstant(static_cast<Real>(log_s));
  MeanAccumulator grad_m, grad_log_s;
  for (int k = 0; k < 20000; ++k) {
    store.ZeroGrad();
    ParamStoreScope scope(store);
    absl::StatusOr<GradientEstimate> estimate = elbo.GradEstimate(Counts());
    ASSERT_TRUE(estimate.ok()) << estimate.status();
    grad_m.Add(loc->grad()(0, 0));
    grad_log_s.Add(scale->grad()(0, 0));
  }
  EXPECT_MEAN_NEAR(grad_m, d_m);
  EXPECT_MEAN_NEAR(grad_log_s, d_log_s);
  // The Jacobian term is resolved: a bias of 1 would be many errors off.
  EXPECT_LT(grad_m.standard_error(), 0.1);
}

TEST(AutoNormalTest, ElboGradientIsUnbiasedPathwise) {
  ExpectUnbiasedGradient(AutoNormal(PoissonModel), "auto/loc/lambda",
                         "auto/scale/lambda", 21);
}

TEST(AutoNormalTest, ElboGradientIsUnbiasedByScoreFunction) {
  ExpectUnbiasedGradient(ScoreFunction(AutoNormal(PoissonModel), {"lambda"},
                                       MovingAverageBaseline(0.9)),
                         "auto/loc/lambda", "auto/scale/lambda", 22);
}

TEST(AutoMultivariateNormalTest, ElboGradientIsUnbiasedPathwise) {
  ExpectUnbiasedGradient(AutoMultivariateNormal(PoissonModel), "auto/loc",
                         "auto/scale_tril", 23);
}

TEST(AutoMultivariateNormalTest, ElboGradientIsUnbiasedByScoreFunction) {
  ExpectUnbiasedGradient(
      ScoreFunction(AutoMultivariateNormal(PoissonModel), {"_auto_latent"},
                    MovingAverageBaseline(0.9)),
      "auto/loc", "auto/scale_tril", 24);
}

// AutoLowRankMultivariateNormal over the one latent: u ~ N(m, v) with
// v = w² + s², so with the ELBO above written in v,
//   ∂/∂w = 2w ∂/∂v, ∂/∂log s = 2s² ∂/∂v,
//   ∂/∂v = 1 / (2v) - (n + b0) e^{m + v/2} / 2.
TEST(AutoLowRankMultivariateNormalTest, ElboGradientIsUnbiasedPathwise) {
  const double m = 0.4;
  const double w = 0.2;
  const double s = 0.25;
  const double v = w * w + s * s;
  double sum = 0;
  for (double c : kCounts) sum += c;
  const double n = static_cast<double>(kCounts.size());
  const double e = std::exp(m + v / 2);
  const double d_v = 1 / (2 * v) - (n + kGammaB0) * e / 2;
  const double d_m = sum + kGammaA0 - (n + kGammaB0) * e;

  ParamStore store;
  auto elbo = Expectation(
      Elbo(PoissonModel, AutoLowRankMultivariateNormal(PoissonModel)));
  elbo.Seed(25);
  {
    ParamStoreScope scope(store);
    ASSERT_TRUE(elbo.GradEstimate(Counts()).ok());
  }
  Parameter* loc = *store.Unconstrained("auto/loc");
  Parameter* factor = *store.Unconstrained("auto/cov_factor");
  Parameter* scale = *store.Unconstrained("auto/scale");
  ASSERT_EQ(factor->rows(), 1);
  ASSERT_EQ(factor->cols(), 1);  // rank round(√1) = 1
  loc->value().setConstant(static_cast<Real>(m));
  factor->value().setConstant(static_cast<Real>(w));
  scale->value().setConstant(static_cast<Real>(std::log(s)));
  MeanAccumulator grad_m, grad_w, grad_log_s;
  for (int k = 0; k < 20000; ++k) {
    store.ZeroGrad();
    ParamStoreScope scope(store);
    ASSERT_TRUE(elbo.GradEstimate(Counts()).ok());
    grad_m.Add(loc->grad()(0, 0));
    grad_w.Add(factor->grad()(0, 0));
    grad_log_s.Add(scale->grad()(0, 0));
  }
  EXPECT_MEAN_NEAR(grad_m, d_m);
  EXPECT_MEAN_NEAR(grad_w, 2 * w * d_v);
  EXPECT_MEAN_NEAR(grad_log_s, 2 * s * s * d_v);
}

// -----------------------------------------------------------------------------
// Convergence to the exact posterior of the Normal–Normal model
// -----------------------------------------------------------------------------
//
// Tolerances as in tests/vi/conjugate_test.cc
// (tests/testing/polyak_averaging.h): the parameters averaged over the last N
// steps of a constant-rate Adam run have covariance H⁻¹ S H⁻¹ / N, H the ELBO's
// Hessian at its optimum (that of -KL(q_θ || posterior), by central differences
// of the closed form) and S the gradient noise measured along the run. Rerun
// with 30 other seeds, z had mean within ±0.65 and standard deviation within
// 0.8–1.13 for every coordinate (and for the correlation below).

using ::provi::testing::CholeskyFromUnconstrained;
using ::provi::testing::ExpectElboReachesOptimum;
using ::provi::testing::GaussianKl;
using ::provi::testing::PolyakResult;
using ::provi::testing::UnconstrainedCholesky;

// The mean-field family's optimum for a Gaussian posterior N(m, Λ⁻¹) is
// N(m, diag(1 / Λ_ii)): the right means, and the conditional (not the
// marginal) variances.
TEST(AutoNormalTest, ReachesTheMeanFieldOptimumOfTheNormalNormalModel) {
  const Eigen::Vector2d m = LinearGaussian::PosteriorMean();
  const Eigen::Matrix2d precision = LinearGaussian::PosteriorPrecision();
  const Eigen::Matrix2d covariance = LinearGaussian::PosteriorCovariance();
  Eigen::VectorXd optimum(4);
  optimum << m, -0.5 * std::log(precision(0, 0)),
      -0.5 * std::log(precision(1, 1));
  AutoNormal guide(LinearGaussian::Model);
  ParamStore store;
  const PolyakResult fit = ExpectElboReachesOptimum(
      LinearGaussian::Model, guide, store, {"auto/loc/z", "auto/scale/z"},
      optimum,
      [&](const Eigen::VectorXd& theta) {
        const Eigen::Vector2d variance(std::exp(2 * theta(2)),
                                       std::exp(2 * theta(3)));
        return -GaussianKl(theta.head<2>(),
                           variance.asDiagonal().toDenseMatrix(), m,
                           covariance);
      },
      31, LinearGaussian::Data());
  ASSERT_TRUE(fit.status.ok()) << fit.status;
  // The accessors read the store: the mean-field covariance is diagonal.
  absl::StatusOr<Matrix> fitted = guide.Covariance(store);
  ASSERT_TRUE(fitted.ok()) << fitted.status();
  EXPECT_EQ((*fitted)(0, 1), 0);
  absl::StatusOr<AutoSitePosterior> z = guide.Posterior(store, "z");
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_EQ(z->loc, store.Get("auto/loc/z")->value());
  EXPECT_NEAR((*fitted)(1, 1), z->scale(0, 1) * z->scale(0, 1), 1e-6);
}

// The full-rank family contains the posterior: loc → m, L → chol(Σ), and
// the correlation of the fitted covariance → the posterior's (ρ ≈ -0.53),
// whose standard error follows from Cov(θ̄) by the delta method.
TEST(AutoMultivariateNormalTest, ReachesTheNormalNormalPosterior) {
  const Eigen::Vector2d m = LinearGaussian::PosteriorMean();
  const Eigen::Matrix2d covariance = LinearGaussian::PosteriorCovariance();
  const Eigen::Matrix2d l = covariance.llt().matrixL();
  Eigen::VectorXd optimum(5);
  optimum << m, UnconstrainedCholesky(l);
  auto covariance_of = [](const Eigen::VectorXd& theta) {
    const Eigen::Matrix2d lq =
        CholeskyFromUnconstrained(theta(2), theta(3), theta(4));
    return Eigen::Matrix2d(lq * lq.transpose());
  };
  AutoMultivariateNormal guide(LinearGaussian::Model);
  ParamStore store;
  const PolyakResult fit = ExpectElboReachesOptimum(
      LinearGaussian::Model, guide, store, {"auto/loc", "auto/scale_tril"},
      optimum,
      [&](const Eigen::VectorXd& theta) {
        return -GaussianKl(theta.head<2>(), covariance_of(theta), m,
                           covariance);
      },
      32, LinearGaussian::Data());
  ASSERT_TRUE(fit.status.ok()) << fit.status;

  auto correlation = [&](const Eigen::VectorXd& theta) {
    const Eigen::Matrix2d c = covariance_of(theta);
    return c(0, 1) / std::sqrt(c(0, 0) * c(1, 1));
  };
  Eigen::VectorXd gradient(5);
  for (Index i = 0; i < 5; ++i) {
    Eigen::VectorXd up = fit.mean;
    Eigen::VectorXd down = fit.mean;
    up(i) += 1e-6;
    down(i) -= 1e-6;
    gradient(i) = (correlation(up) - correlation(down)) / 2e-6;
  }
  const double sd_correlation =
      std::sqrt(gradient.dot(fit.covariance * gradient));
  // Read the correlation through the guide's accessor at θ̄.
  Parameter* loc = *store.Unconstrained("auto/loc");
  Parameter* tril = *store.Unconstrained("auto/scale_tril");
  for (Index i = 0; i < 2; ++i)
    loc->value()(i) = static_cast<Real>(fit.mean(i));
  for (Index i = 0; i < 3; ++i) {
    tril->value()(i) = static_cast<Real>(fit.mean(2 + i));
  }
  absl::StatusOr<Matrix> fitted = guide.Covariance(store);
  ASSERT_TRUE(fitted.ok()) << fitted.status();
  const double rho_fitted =
      (*fitted)(0, 1) / std::sqrt((*fitted)(0, 0) * (*fitted)(1, 1));
  const double rho =
      covariance(0, 1) / std::sqrt(covariance(0, 0) * covariance(1, 1));
  EXPECT_LT(rho, -0.5);
  EXPECT_NEAR(rho_fitted, rho, kZ * sd_correlation + 1e-5);
  EXPECT_LT(sd_correlation, 0.02);  // the check resolves the correlation
  // Marginal sds: the square roots of the diagonal.
  absl::StatusOr<AutoSitePosterior> z = guide.Posterior(store, "z");
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_NEAR(z->scale(0, 1), std::sqrt((*fitted)(1, 1)), 1e-6);
  EXPECT_NEAR(z->loc(0, 0), fit.mean(0), 1e-6);
}

// AutoDelta maximises log p(x, z) itself (a deterministic objective): on the
// Normal–Normal model the MAP is the posterior mean; for a positive latent
// it is the mode of the posterior density of the constrained value (no
// Jacobian): Gamma(a, b) has mode (a - 1) / b. A decaying rate lets Adam
// settle to rounding.
template <typename Model>
void FitDelta(Model model, const Tensor& data, ParamStore& store,
              AutoDelta<Model>& guide) {
  Adam adam({.learning_rate = CosineDecay(0.05, 4000, 1e-5)});
  auto objective = Expectation(Elbo(model, guide));
  SviOptions options;
  options.stop_when_converged = false;  // to the end of the decay
  Svi svi(objective, adam, store, options);
  ASSERT_TRUE(svi.Run(5000, data).ok());
}

TEST(AutoDeltaTest, FindsTheMap) {
  {
    ParamStore store;
    AutoDelta guide(LinearGaussian::Model);
    FitDelta(LinearGaussian::Model, LinearGaussian::Data(), store, guide);
    const Eigen::Vector2d m = LinearGaussian::PosteriorMean();
    absl::StatusOr<AutoSitePosterior> z = guide.Posterior(store, "z");
    ASSERT_TRUE(z.ok()) << z.status();
    EXPECT_NEAR(z->median(0, 0), m(0), 1e-3);
    EXPECT_NEAR(z->median(0, 1), m(1), 1e-3);
    EXPECT_EQ(z->scale.norm(), 0);
    EXPECT_EQ(z->median, store.Get("auto/value/z")->value());
  }
  {
    ParamStore store;
    AutoDelta guide(PoissonModel);
    FitDelta(PoissonModel, Counts(), store, guide);
    double sum = 0;
    for (double c : kCounts) sum += c;
    const double a = kGammaA0 + sum;
    const double b = kGammaB0 + static_cast<double>(kCounts.size());
    absl::StatusOr<AutoSitePosterior> lambda = guide.Posterior(store, "lambda");
    ASSERT_TRUE(lambda.ok()) << lambda.status();
    EXPECT_NEAR(lambda->median(0, 0), (a - 1) / b, 1e-3);
    EXPECT_NEAR(lambda->loc(0, 0), std::log((a - 1) / b), 1e-3);
  }
}

// -----------------------------------------------------------------------------
// Accessors
// -----------------------------------------------------------------------------

// For λ = e^u, u ~ N(m, s²): median e^m, quantiles e^{m + s Φ⁻¹(p)}, mean
// e^{m + s²/2}, sd mean · √(e^{s²} - 1).
TEST(AutoNormalTest, AccessorsOfATransformedSite) {
  AutoNormal guide(PoissonModel);
  ParamStore store;
  {
    ParamStoreScope scope(store);
    auto run = handlers::Trace(guide)(Counts());
    ASSERT_TRUE(run.ok()) << run.status();
  }
  const double m = 1.1;
  const double s = 0.4;
  (*store.Unconstrained("auto/loc/lambda"))
      ->value()
      .setConstant(static_cast<Real>(m));
  (*store.Unconstrained("auto/scale/lambda"))
      ->value()
      .setConstant(static_cast<Real>(std::log(s)));
  const double tol = kRealIsDouble ? 1e-9 : 1e-5;
  absl::StatusOr<AutoSitePosterior> post = guide.Posterior(store, "lambda");
  ASSERT_TRUE(post.ok()) << post.status();
  EXPECT_NEAR(post->loc(0, 0), m, tol);
  EXPECT_NEAR(post->scale(0, 0), s, tol);
  EXPECT_NEAR(post->median(0, 0), std::exp(m), tol * std::exp(m));
  absl::StatusOr<Matrix> q975 = guide.Quantile(store, "lambda", 0.975);
  ASSERT_TRUE(q975.ok()) << q975.status();
  const double expected_q = std::exp(m + s * 1.959963984540054);
  EXPECT_NEAR((*q975)(0, 0), expected_q, tol * expected_q);
  absl::StatusOr<Matrix> q_low = guide.Quantile(store, "lambda", 1e-10);
  ASSERT_TRUE(q_low.ok());
  EXPECT_NEAR((*q_low)(0, 0), std::exp(m - s * 6.361340902404056), 10 * tol);
  absl::StatusOr<Matrix> covariance = guide.Covariance(store);
  ASSERT_TRUE(covariance.ok());
  EXPECT_NEAR((*covariance)(0, 0), s * s, tol);

  absl::StatusOr<AutoMoments> moments =
      guide.ConstrainedMoments(store, "lambda", 20000, 7);
  ASSERT_TRUE(moments.ok()) << moments.status();
  const double mean = std::exp(m + s * s / 2);
  const double sd = mean * std::sqrt(std::exp(s * s) - 1);
  EXPECT_NEAR(moments->mean(0, 0), mean, kZ * sd / std::sqrt(20000.0));
  // The sample sd of a lognormal: its standard error is below 5% of sd here
  // (kurtosis of 5.2 at s = 0.4: se ≈ sd √((κ - 1) / 4n) = 0.007 sd).
  EXPECT_NEAR(moments->sd(0, 0), sd, 0.05 * sd);
}

TEST(AutoMultivariateNormalTest, CovarianceIsScaleTrilTimesItsTranspose) {
  AutoMultivariateNormal guide(MixedModel);
  ParamStore store;
  {
    ParamStoreScope scope(store);
    ASSERT_TRUE(handlers::Trace(guide)(MixedData()).ok());
  }
  Parameter* tril = *store.Unconstrained("auto/scale_tril");
  ASSERT_EQ(tril->cols(), 55);  // D = 10: D (D + 1) / 2 entries
  Rng rng = MakeRng(15);
  for (Index k = 0; k < tril->cols(); ++k) {
    tril->value()(0, k) = static_cast<Real>(absl::Gaussian<double>(rng) * 0.3);
  }
  const Matrix l = store.Get("auto/scale_tril")->value();
  absl::StatusOr<Matrix> covariance = guide.Covariance(store);
  ASSERT_TRUE(covariance.ok()) << covariance.status();
  EXPECT_TRUE(covariance->isApprox(l * l.transpose(), 1e-5));
  // The plated site occupies elements 6..9 of the flattened vector.
  absl::StatusOr<AutoSitePosterior> local = guide.Posterior(store, "local");
  ASSERT_TRUE(local.ok()) << local.status();
  ASSERT_EQ(local->loc.rows(), 4);
  const Matrix loc = store.Get("auto/loc")->value();
  for (Index i = 0; i < 4; ++i) {
    EXPECT_EQ(local->loc(i, 0), loc(0, 6 + i));
    EXPECT_NEAR(local->scale(i, 0), std::sqrt((*covariance)(6 + i, 6 + i)),
                1e-5);
  }
  // The simplex site's median is the stick-breaking image of its mean.
  absl::StatusOr<AutoSitePosterior> w = guide.Posterior(store, "w");
  ASSERT_TRUE(w.ok());
  EXPECT_NEAR(w->median.sum(), 1, 1e-5);
  EXPECT_EQ(guide.Quantile(store, "w", 0.5).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// -----------------------------------------------------------------------------
// Particles: set up outside, the guide broadcasts its one-row sites
// -----------------------------------------------------------------------------

void ScalarModel(const Tensor& x) {
  const Tensor z = sample("z", Normal(0.0, 1.0));
  const Tensor r = sample("r", Gamma(2.0, 2.0));
  observe("x", Normal(z, r), x);
}

template <typename Guide>
void ExpectIwelboRuns(Guide guide) {
  auto iwelbo = Expectation(Iwelbo(ScalarModel, guide, 6));
  iwelbo.Seed(41);
  ParamStore store;
  ParamStoreScope scope(store);
  // Setting up inside the particles would record 6-lane sites.
  EXPECT_EQ(iwelbo.GradEstimate(Tensor(0.5)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(guide.SetUp(Tensor(0.5)).ok());
  absl::StatusOr<GradientEstimate> estimate = iwelbo.GradEstimate(Tensor(0.5));
  ASSERT_TRUE(estimate.ok()) << estimate.status();
  EXPECT_TRUE(std::isfinite(estimate->value.sum()));
  // Inside particles the guide's sites have the particles' lanes.
  auto run =
      handlers::Trace([&] { Particles(6, [&] { guide(Tensor(0.5)); }); })();
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->trace.Find("z")->value->rows(), 6);
  EXPECT_EQ(run->trace.Find("r")->value->rows(), 6);
}

TEST(AutoGuideTest, RunsInsideParticlesOnceSetUp) {
  ExpectIwelboRuns(AutoNormal(ScalarModel));
  ExpectIwelboRuns(AutoMultivariateNormal(ScalarModel));
  ExpectIwelboRuns(AutoLowRankMultivariateNormal(ScalarModel));
  ExpectIwelboRuns(AutoDelta(ScalarModel));
}

// -----------------------------------------------------------------------------
// Errors
// -----------------------------------------------------------------------------

TEST(AutoGuideTest, DiscreteLatentIsAnErrorNamingTheSite) {
  auto model = [](const Tensor&) {
    sample("mu", Normal(0.0, 1.0));
    sample("coin", Bernoulli::FromProbs(Tensor(0.3)));
  };
  AutoNormal guide(model);
  const absl::Status status = guide.SetUp(Tensor(0.0));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("'coin'"));
  EXPECT_THAT(status.message(), HasSubstr("discrete"));
  EXPECT_FALSE(guide.is_set_up());
  // Through an objective: the same status, not a crash.
  auto elbo = Expectation(Elbo(model, guide));
  ParamStore store;
  ParamStoreScope scope(store);
  const absl::Status from_elbo = elbo.GradEstimate(Tensor(0.0)).status();
  EXPECT_EQ(from_elbo.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(from_elbo.message(), HasSubstr("'coin'"));
}

TEST(AutoGuideTest, ModelThatFailsToRunIsAnErrorNamingTheSite) {
  auto model = [](const Tensor&) { sample("bad", Normal(0.0, -1.0)); };
  AutoMultivariateNormal guide(model);
  const absl::Status status = guide.SetUp(Tensor(0.0));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("'bad'"));
  EXPECT_THAT(status.message(), HasSubstr("set up"));
}

// Per-point parameters follow one subsample (tests/vi/subsample_test.cc
// fits them); a site whose rows are not one per lane of it is an error.
TEST(AutoGuideTest, LatentWithoutOneRowPerSubsampleLaneIsUnimplemented) {
  auto model = [](const Tensor&) {
    Plate data("data", 10, 4);
    Plate pairs("pairs", 6, 2);
    sample("local", Normal(0.0, 1.0).Expand(8, 1));
  };
  AutoNormal guide(model);
  const absl::Status status = guide.SetUp(Tensor(0.0));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(status.message(), HasSubstr("'local'"));
  EXPECT_THAT(status.message(), HasSubstr("'data'"));
}

TEST(AutoGuideTest, ModelWithoutLatentsAndBadOptionsAreErrors) {
  auto observed_only = [](const Tensor& x) {
    observe("x", Normal(0.0, 1.0), x);
  };
  EXPECT_EQ(AutoNormal(observed_only).SetUp(Tensor(0.0)).code(),
            absl::StatusCode::kInvalidArgument);
  AutoGuideOptions options;
  options.init_scale = 0;
  EXPECT_EQ(AutoNormal(ScalarModel, options).SetUp(Tensor(0.0)).code(),
            absl::StatusCode::kInvalidArgument);
  options = AutoGuideOptions();
  options.rank = -2;
  EXPECT_EQ(AutoLowRankMultivariateNormal(ScalarModel, options)
                .SetUp(Tensor(0.0))
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(AutoGuideTest, AccessorErrors) {
  AutoNormal guide(ScalarModel);
  ParamStore store;
  EXPECT_EQ(guide.Posterior(store, "z").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(guide.Covariance(store).status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(guide.SetUp(Tensor(0.0)).ok());
  // Set up, but the guide never ran with this store.
  EXPECT_EQ(guide.Posterior(store, "z").status().code(),
            absl::StatusCode::kNotFound);
  {
    ParamStoreScope scope(store);
    ASSERT_TRUE(handlers::Trace(guide)(Tensor(0.0)).ok());
  }
  EXPECT_TRUE(guide.Posterior(store, "z").ok());
  const absl::Status unknown = guide.Posterior(store, "nope").status();
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(unknown.message(), HasSubstr("'nope'"));
  EXPECT_EQ(guide.Quantile(store, "z", 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(guide.Quantile(store, "z", 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(guide.ConstrainedMoments(store, "z", 1, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Options: the prefix names the parameters and the auxiliary site; kZero
// starts every location at the bijector's centre.
TEST(AutoGuideTest, PrefixAndInitialisation) {
  AutoGuideOptions options;
  options.prefix = "q";
  options.init = AutoGuideInit::kZero;
  AutoMultivariateNormal guide(MixedModel, options);
  ParamStore store;
  ParamStoreScope scope(store);
  auto run = handlers::Trace(guide)(MixedData());
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_NE(run->trace.Find("_q_latent"), nullptr);
  ASSERT_TRUE(store.Contains("q/loc"));
  ASSERT_TRUE(store.Contains("q/scale_tril"));
  EXPECT_EQ(store.Get("q/loc")->value().norm(), 0);
  // kPrior starts at the set-up draw.
  AutoGuideOptions prior;
  prior.init = AutoGuideInit::kPrior;
  prior.seed = 9;
  AutoDelta delta(MixedModel, prior);
  ASSERT_TRUE(handlers::Trace(delta)(MixedData()).ok());
  auto draw = handlers::Trace(handlers::Seed(MixedModel, 9))(MixedData());
  ASSERT_TRUE(draw.ok());
  EXPECT_NEAR(store.Get("auto/value/rate")->item(),
              draw->trace.Find("rate")->value->item(), 1e-5);
}

}  // namespace
}  // namespace provi
