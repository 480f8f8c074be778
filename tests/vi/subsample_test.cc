// Copyright 2026 The provi Authors.
//
// Subsampled plates in objectives: a model replayed against its guide sees
// the guide's subsample in every objective of vi/objectives.h (and in
// Marginal and Normalize); the gradient with respect to a guide's per-point
// parameters, averaged over many subsampled estimates, is the full-data
// gradient; a seeded estimation is reproducible bit for bit; autoguides fit
// local latents through subsampled plates.
//
// The model of the gradient tests has N = 12 local latents z_i ~ N(0, 1),
// x_i | z_i ~ N(z_i, 1), drawn B = 3 at a time; the guide is N(m_i, 0.5²)
// per point. The full-data ELBO's gradient is ∂/∂m_i = x_i - 2 m_i. With
// the model on other points than the guide (what replay without subsamples
// did) the expected gradient is x̄ - 2 m_i instead.
//
// Flake budget (tests/testing/statistical_testing.h): every
// statistical check is a z-test with |z| < 5 (5.7e-7 each under the null);
// this binary makes 12 + 12 + 20 + 10 + 10 = 64 of them, so it fails by
// chance with probability below 1e-4. The autoguide fits use the averaged
// iterates of tests/testing/polyak_averaging.h; rerun with 20 other seeds, the
// AutoNormal fit's z had mean within ±0.56 and standard deviation within
// 0.67–1.18 for every coordinate (max |z| 2.9 of 400).

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "Eigen/Dense"
#include "ad/ops.h"
#include "distributions/normal.h"
#include "estimators/expectation.h"
#include "gtest/gtest.h"
#include "handlers/value_map.h"
#include "runtime/primitives.h"
#include "tests/testing/polyak_averaging.h"
#include "tests/testing/statistical_testing.h"
#include "vi/autoguide.h"
#include "vi/generative.h"
#include "vi/marginal.h"
#include "vi/normalize.h"
#include "vi/objectives.h"
#include "vi/param_store.h"

namespace provi {
namespace {

using ::provi::testing::MeanAccumulator;

constexpr Index kPoints = 12;
constexpr Index kBatch = 3;

// x_i spread over [-2, 2].
Matrix Data() {
  Matrix x(kPoints, 1);
  for (Index i = 0; i < kPoints; ++i) {
    x(i, 0) = static_cast<Real>(-2.0 + 4.0 * static_cast<double>(i) /
                                           static_cast<double>(kPoints - 1));
  }
  return x;
}

// -----------------------------------------------------------------------------
// Every objective gives the model its guide's subsample
// -----------------------------------------------------------------------------

// The indices every plate "data" saw during one estimate.
struct SeenSubsamples {
  std::vector<std::vector<Index>> seen;

  // Whether at least two plates ran and all saw the same indices.
  ::testing::AssertionResult AllEqual() const {
    if (seen.size() < 2) {
      return ::testing::AssertionFailure()
             << seen.size() << " plate(s) ran; expected guide and model";
    }
    for (const std::vector<Index>& s : seen) {
      if (s != seen[0]) {
        return ::testing::AssertionFailure()
               << "a plate saw " << ::testing::PrintToString(s)
               << " where the first saw " << ::testing::PrintToString(seen[0]);
      }
    }
    return ::testing::AssertionSuccess();
  }
};

// A global latent (with an auxiliary variable for the hierarchical
// families: '_u', whose leading '_' lets it through Elbo's check that every
// latent guide site is in the model, vi/objectives.h) and the data plate, whose
// observation is the subsample's mean: one row, so the programs run unchanged
// under Particles.
struct GlobalProgram {
  SeenSubsamples* log;
  Matrix x = Data();

  auto Guide() const {
    return [log = log] {
      const Tensor u = sample("_u", Normal(0.0, 1.0));
      const Tensor loc = param("loc", Tensor(0.2));
      sample("mu", Normal(loc + u * Real(0.1), Tensor(0.5)));
      Plate data("data", kPoints, kBatch);
      log->seen.push_back(data.indices());
    };
  }
  auto Model() const {
    return [log = log, x = x] {
      const Tensor mu = sample("mu", Normal(0.0, 1.0));
      Plate data("data", kPoints, kBatch);
      log->seen.push_back(data.indices());
      double mean = 0;
      for (Index i : data.indices()) mean += x(i, 0);
      mean /= static_cast<double>(kBatch);
      observe("xbar", Normal(mu, Tensor(1 / std::sqrt(Real(kBatch)))),
              Tensor(mean));
    };
  }
};

template <typename Program>
void ExpectPairedSubsamples(const char* name, Program program,
                            SeenSubsamples& log) {
  auto objective = Expectation(std::move(program));
  objective.Seed(11);
  for (int k = 0; k < 3; ++k) {
    log.seen.clear();
    const absl::StatusOr<GradientEstimate> g = objective.GradEstimate();
    ASSERT_TRUE(g.ok()) << name << ": " << g.status();
    EXPECT_TRUE(log.AllEqual()) << name;
  }
}

TEST(SubsampleTest, EveryObjectiveGivesTheModelTheGuidesSubsample) {
  SeenSubsamples log;
  const GlobalProgram p{&log};
  const auto model = p.Model();
  const auto guide = p.Guide();
  ExpectPairedSubsamples("Elbo", Elbo(model, guide), log);
  ExpectPairedSubsamples("ElboAnalyticKl", ElboAnalyticKl(model, guide), log);
  ExpectPairedSubsamples("Iwelbo", Iwelbo(model, guide, 3), log);
  ExpectPairedSubsamples("Hvi", Hvi(model, guide, {"mu"}), log);
  ExpectPairedSubsamples("Iwhvi", Iwhvi(model, guide, {"mu"}, 3), log);
  ExpectPairedSubsamples("Diwhvi", Diwhvi(model, guide, {"mu"}, 2, 3), log);
  ExpectPairedSubsamples("WakeSleepModel", WakeSleepModel(model, guide, 3),
                         log);
  ExpectPairedSubsamples("WakeSleepGuide", WakeSleepGuide(model, guide, 3),
                         log);
  ExpectPairedSubsamples("Vimco", Vimco(model, guide, 3), log);
  ExpectPairedSubsamples("Renyi", Renyi(model, guide, Real(0.5), 3), log);
  ExpectPairedSubsamples("ElboStl", ElboStl(model, guide), log);
  ExpectPairedSubsamples("IwelboDreg", IwelboDreg(model, guide, 3), log);
  // Marginal's density at given choices: its inner particles run on the
  // choices' subsample.
  const auto marginal = Marginal(guide, {"_u", "mu"}, SIR{3});
  ExpectPairedSubsamples(
      "Marginal density",
      [&] {
        const Simulation q = Simulate(guide);
        return Density(marginal, q.choices);
      },
      log);
  // SIR: the particles share the first one's subsample, and the target is
  // scored on it.
  const auto posterior = Normalize(Target(model, ValueMap()), guide, 4);
  ExpectPairedSubsamples(
      "Normalize", [&] { return Simulate(posterior).log_density; }, log);
  ExpectPairedSubsamples(
      "Normalize density",
      [&] {
        const Simulation q = Simulate(guide);
        return Density(posterior, q.choices);
      },
      log);
}

// -----------------------------------------------------------------------------
// Local latents: the subsampled gradient is the full-data gradient
// -----------------------------------------------------------------------------

// Guide N(m_i, 0.5²) per point and the model above, over `lanes` of the
// `kPoints` points (all of them: no subsampling), laid out as `particles`
// particle-major copies (1 outside Particles).
struct LocalProgram {
  Parameter* m;
  Index lanes = kBatch;
  Index particles = 1;
  Matrix x = Data();

  auto Guide() const {
    return [*this] {
      Plate data("data", kPoints, lanes);
      const Tensor loc = GatherRows(m->tensor(), data.indices());
      sample("z", Normal(Tile(loc, particles, 1),
                         Tensor(Matrix::Constant(lanes * particles, 1, 0.5))));
    };
  }
  auto Model() const {
    return [*this] {
      Plate data("data", kPoints, lanes);
      const Tensor z =
          sample("z", Normal(0.0, 1.0).Expand(lanes * particles, 1));
      const Tensor rows = GatherRows(Tensor(x), data.indices());
      observe("x", Normal(z, 1.0), Tile(rows, particles, 1));
    };
  }
};

template <typename Objective>
std::vector<MeanAccumulator> AccumulateGradients(Objective objective,
                                                 Parameter& m, int estimates,
                                                 uint64_t seed) {
  auto e = Expectation(std::move(objective));
  e.Seed(seed);
  std::vector<MeanAccumulator> g(kPoints);
  for (int k = 0; k < estimates; ++k) {
    m.ZeroGrad();
    const absl::StatusOr<GradientEstimate> estimate = e.GradEstimate();
    EXPECT_TRUE(estimate.ok()) << estimate.status();
    if (!estimate.ok()) break;
    for (Index i = 0; i < kPoints; ++i) g[i].Add(m.grad()(i, 0));
  }
  return g;
}

Matrix StartingMeans() {
  Matrix m(kPoints, 1);
  for (Index i = 0; i < kPoints; ++i) {
    m(i, 0) = static_cast<Real>(0.1 * static_cast<double>(i) - 0.5);
  }
  return m;
}

TEST(SubsampleTest, ElboGradientOfPerPointParametersIsTheFullDataGradient) {
  Parameter m(StartingMeans());
  const LocalProgram p{&m};
  std::vector<MeanAccumulator> g =
      AccumulateGradients(Elbo(p.Model(), p.Guide()), m, 20000, 3);
  const Matrix x = Data();
  for (Index i = 0; i < kPoints; ++i) {
    const double expected =
        static_cast<double>(x(i, 0)) - 2 * static_cast<double>(m.value()(i, 0));
    EXPECT_TRUE(::provi::testing::MeanNear(g[i], expected)) << "point " << i;
  }
}

// IWELBO's K particles share the subsample: against the same objective on
// all points (no subsampling), per point, by a two-sample z-test.
TEST(SubsampleTest, IwelboGradientOfPerPointParametersIsTheFullDataGradient) {
  constexpr int kParticles = 3;
  Parameter m(StartingMeans());
  const LocalProgram sub{&m, kBatch, kParticles};
  const LocalProgram full{&m, kPoints, kParticles};
  std::vector<MeanAccumulator> g_sub = AccumulateGradients(
      Iwelbo(sub.Model(), sub.Guide(), kParticles), m, 20000, 5);
  std::vector<MeanAccumulator> g_full = AccumulateGradients(
      Iwelbo(full.Model(), full.Guide(), kParticles), m, 4000, 6);
  for (Index i = 0; i < kPoints; ++i) {
    const double se =
        std::hypot(g_sub[i].standard_error(), g_full[i].standard_error());
    EXPECT_LT(std::abs(g_sub[i].mean() - g_full[i].mean()),
              ::provi::testing::kZThreshold * se)
        << "point " << i << ": subsampled " << g_sub[i].mean() << ", full "
        << g_full[i].mean();
  }
}

// -----------------------------------------------------------------------------
// Reproducibility
// -----------------------------------------------------------------------------

// Gradients and values of `estimates` seeded estimates, concatenated.
template <typename Objective>
std::vector<Real> SeededRun(Objective objective, Parameter& m, uint64_t seed) {
  auto e = Expectation(std::move(objective));
  e.Seed(seed);
  std::vector<Real> out;
  for (int k = 0; k < 50; ++k) {
    m.ZeroGrad();
    const absl::StatusOr<GradientEstimate> g = e.GradEstimate();
    EXPECT_TRUE(g.ok()) << g.status();
    if (!g.ok()) break;
    out.insert(out.end(), m.grad().data(), m.grad().data() + m.grad().size());
    out.insert(out.end(), g->value.data(), g->value.data() + g->value.size());
  }
  return out;
}

TEST(SubsampleTest, OneSeedGivesTheSameSubsamplesAndGradientsBitForBit) {
  Parameter m(StartingMeans());
  const LocalProgram p{&m};
  const LocalProgram particles{&m, kBatch, 3};
  // The thread's generator moves between the runs: only the seed may fix
  // the subsamples.
  const std::vector<Real> a = SeededRun(Elbo(p.Model(), p.Guide()), m, 9);
  SeedThreadRng(1);
  const std::vector<Real> b = SeededRun(Elbo(p.Model(), p.Guide()), m, 9);
  SeedThreadRng(2);
  const std::vector<Real> c = SeededRun(Elbo(p.Model(), p.Guide()), m, 10);
  ASSERT_EQ(a.size(), b.size());
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(Real)), 0);
  EXPECT_NE(a, c);
  const std::vector<Real> d =
      SeededRun(Iwelbo(particles.Model(), particles.Guide(), 3), m, 4);
  SeedThreadRng(3);
  const std::vector<Real> e =
      SeededRun(Iwelbo(particles.Model(), particles.Guide(), 3), m, 4);
  ASSERT_EQ(d.size(), e.size());
  EXPECT_EQ(std::memcmp(d.data(), e.data(), d.size() * sizeof(Real)), 0);
}

// -----------------------------------------------------------------------------
// Autoguides with per-point parameters
// -----------------------------------------------------------------------------

// Hierarchical normal with local means and known hyperparameters:
// θ_g ~ N(kPriorMean, kTau²) for G = 10 groups, y_gj ~ N(θ_g, kSigma²) for
// J = 4 observations each, the groups drawn 2 at a time. The posterior of
// each θ_g is normal and independent of the others, so the mean-field
// optimum is exact: precision 1/τ² + J/σ², mean (μ0/τ² + Σ_j y_gj/σ²) /
// precision.
constexpr Index kGroups = 10;
constexpr Index kGroupBatch = 2;
constexpr Index kPerGroup = 4;
constexpr double kPriorMean = 0.5;
constexpr double kTau = 1.5;
constexpr double kSigma = 1.0;

Matrix GroupData() {
  Matrix y(kGroups, kPerGroup);
  for (Index g = 0; g < kGroups; ++g) {
    for (Index j = 0; j < kPerGroup; ++j) {
      y(g, j) = static_cast<Real>(0.4 * static_cast<double>(g) - 1.5 +
                                  0.3 * static_cast<double>(j % 2));
    }
  }
  return y;
}

void HierarchicalModel(const Tensor& y) {
  Plate groups("groups", kGroups, kGroupBatch);
  const Tensor theta = sample(
      "theta", Normal(Real(kPriorMean), Real(kTau)).Expand(kGroupBatch, 1));
  observe("y",
          Normal(Tile(theta, 1, kPerGroup),
                 Tensor(Matrix::Constant(kGroupBatch, kPerGroup,
                                         static_cast<Real>(kSigma)))),
          GatherRows(y, groups.indices()));
}

struct GroupPosterior {
  Eigen::VectorXd mean;
  double precision = 0;
};

GroupPosterior ExactPosterior() {
  const Matrix y = GroupData();
  GroupPosterior posterior;
  posterior.precision =
      1 / (kTau * kTau) + static_cast<double>(kPerGroup) / (kSigma * kSigma);
  posterior.mean.resize(kGroups);
  for (Index g = 0; g < kGroups; ++g) {
    const double sum = y.row(g).cast<double>().sum();
    posterior.mean(g) = (kPriorMean / (kTau * kTau) + sum / (kSigma * kSigma)) /
                        posterior.precision;
  }
  return posterior;
}

TEST(SubsampleTest, AutoNormalFitsLocalLatentsThroughASubsampledPlate) {
  auto model = [](const Tensor& y) { HierarchicalModel(y); };
  AutoNormal guide(model);
  const Tensor y(GroupData());
  ASSERT_TRUE(guide.SetUp(y).ok());
  ASSERT_EQ(guide.sites().size(), 1u);
  EXPECT_EQ(guide.sites()[0].rows, kGroups);
  EXPECT_EQ(guide.sites()[0].subsampled_plate, 0);
  const GroupPosterior exact = ExactPosterior();
  // θ = (loc_1..G, log scale_1..G); -KL(q ‖ posterior) per group.
  Eigen::VectorXd optimum(2 * kGroups);
  optimum << exact.mean,
      Eigen::VectorXd::Constant(kGroups, -0.5 * std::log(exact.precision));
  auto minus_kl = [&](const Eigen::VectorXd& theta) {
    double total = 0;
    for (Index g = 0; g < kGroups; ++g) {
      const double loc = theta(g);
      const double variance = std::exp(2 * theta(kGroups + g));
      const double d = loc - exact.mean(g);
      total -= 0.5 * (variance * exact.precision + d * d * exact.precision - 1 -
                      std::log(variance * exact.precision));
    }
    return total;
  };
  ParamStore store;
  ParamStoreScope scope(store);
  const ::provi::testing::PolyakResult fit =
      ::provi::testing::ExpectElboReachesOptimum(
          model, guide, store, {"auto/loc/theta", "auto/scale/theta"}, optimum,
          minus_kl, 17, y);
  ASSERT_TRUE(fit.status.ok());
  // Monte Carlo moments cover every group: each mean within 5 standard
  // errors of the fitted loc.
  const absl::StatusOr<AutoMoments> moments =
      guide.ConstrainedMoments(store, "theta", 4000, 3);
  ASSERT_TRUE(moments.ok()) << moments.status();
  const absl::StatusOr<AutoSitePosterior> fitted =
      guide.Posterior(store, "theta");
  ASSERT_TRUE(fitted.ok()) << fitted.status();
  ASSERT_EQ(moments->mean.rows(), kGroups);
  for (Index g = 0; g < kGroups; ++g) {
    const double se = fitted->scale(g, 0) / std::sqrt(4000.0);
    EXPECT_NEAR(moments->mean(g, 0), fitted->loc(g, 0),
                ::provi::testing::kZThreshold * se)
        << "group " << g;
  }
}

TEST(SubsampleTest, AutoDeltaFindsTheLocalPosteriorModes) {
  auto model = [](const Tensor& y) { HierarchicalModel(y); };
  AutoDelta guide(model);
  const Tensor y(GroupData());
  const GroupPosterior exact = ExactPosterior();
  // The objective is log p(y, θ) = -Σ_g precision (θ_g - mean_g)² / 2 + c.
  auto log_joint = [&](const Eigen::VectorXd& theta) {
    return -0.5 * exact.precision * (theta - exact.mean).squaredNorm();
  };
  ParamStore store;
  ParamStoreScope scope(store);
  ::provi::testing::ExpectElboReachesOptimum(
      model, guide, store, {"auto/value/theta"}, exact.mean, log_joint, 19, y);
}

TEST(SubsampleTest, JointAutoguidesInASubsampledPlateAreUnimplemented) {
  auto model = [](const Tensor& y) { HierarchicalModel(y); };
  AutoMultivariateNormal guide(model);
  const absl::Status status = guide.SetUp(Tensor(GroupData()));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(status.message().find("'theta'"), std::string::npos) << status;
  EXPECT_NE(status.message().find("'groups'"), std::string::npos) << status;
}

}  // namespace
}  // namespace provi
