// Copyright 2026 The provi Authors.
//
// The objectives of vi/objectives.h on a conjugate model with known answers:
//
//   z ~ N(θ, 1), x | z ~ N(z, 1), x = 0.5 observed;
//   p(z | x) = N((θ + x) / 2, 1/2), log p(x) = log N(x; θ, 2).
//
// At the exact posterior every bound equals log p(x) with no variance;
// IWELBO(K) climbs to log p(x) with K; the ELBO's expected gradient matches
// its closed form under every strategy; STL and DReG vanish at the optimum;
// Marginal's density estimate is unbiased. Statistical checks follow the
// flake budget of tests/testing/statistical_testing.h.

#include "vi/objectives.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "ad/ops.h"
#include "distributions/bernoulli.h"
#include "distributions/mv_normal.h"
#include "distributions/normal.h"
#include "estimators/expectation.h"
#include "estimators/strategies.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/handler.h"
#include "runtime/plate.h"
#include "runtime/primitives.h"
#include "tests/testing/statistical_testing.h"
#include "vi/generative.h"
#include "vi/marginal.h"

namespace provi {
namespace {

using ::provi::testing::MeanAccumulator;

constexpr double kX = 0.5;
constexpr double kLog2Pi = 1.8378770664093453;

double LogEvidence(double theta) {
  return -0.5 * (kX - theta) * (kX - theta) / 2 - 0.5 * std::log(2.0) -
         0.5 * kLog2Pi;
}

struct Conjugate {
  Parameter theta{Matrix::Constant(1, 1, 0.0)};
  // The guide N(m, exp(s)); starts at the exact posterior.
  Parameter m{Matrix::Constant(1, 1, static_cast<Real>(kX / 2))};
  Parameter s{Matrix::Constant(1, 1, static_cast<Real>(0.5 * std::log(0.5)))};
  std::shared_ptr<const SiteStrategy> z_strategy = Pathwise();

  auto Model() {
    return [this] {
      const Tensor z = sample("z", Normal(theta.tensor(), 1.0));
      observe("x", Normal(z, 1.0), Tensor(kX));
    };
  }
  auto Guide() {
    return [this] {
      sample("z", Normal(m.tensor(), Exp(s.tensor())), z_strategy);
    };
  }
  // An auxiliary variable the guide ignores: q(z | u) = q(z).
  auto AuxiliaryGuide() {
    return [this] {
      sample("u", Normal(0.0, 1.0));
      sample("z", Normal(m.tensor(), Exp(s.tensor())));
    };
  }
  void ZeroGrad() {
    for (Parameter* p : {&theta, &m, &s}) p->ZeroGrad();
  }
};

template <typename Program>
double Value(Program program, uint64_t seed) {
  auto e = Expectation(std::move(program));
  e.Seed(seed);
  const absl::StatusOr<Tensor> v = e.Estimate();
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? v->item() : std::nan("");
}

TEST(ObjectivesTest, EveryBoundEqualsTheEvidenceAtTheExactPosterior) {
  Conjugate c;
  const double log_px = LogEvidence(0.0);
  const double tol = kRealIsDouble ? 1e-9 : 2e-5;
  for (uint64_t seed : {1, 2, 3}) {
    EXPECT_NEAR(Value(Elbo(c.Model(), c.Guide()), seed), log_px, tol);
    EXPECT_NEAR(Value(Iwelbo(c.Model(), c.Guide(), 5), seed), log_px, tol);
    EXPECT_NEAR(Value(Renyi(c.Model(), c.Guide(), 0.5, 5), seed), log_px, tol);
    EXPECT_NEAR(Value(Vimco(c.Model(), c.Guide(), 5), seed), log_px, tol);
    EXPECT_NEAR(Value(ElboStl(c.Model(), c.Guide()), seed), log_px, tol);
    EXPECT_NEAR(Value(IwelboDreg(c.Model(), c.Guide(), 5), seed), log_px, tol);
    EXPECT_NEAR(Value(WakeSleepModel(c.Model(), c.Guide(), 5), seed), log_px,
                tol);
    // HVI with an auxiliary the guide ignores (the exact auxiliary
    // posterior) is the ELBO.
    EXPECT_NEAR(Value(Hvi(c.Model(), c.AuxiliaryGuide(), {"z"}), seed), log_px,
                tol);
    EXPECT_NEAR(Value(Iwhvi(c.Model(), c.AuxiliaryGuide(), {"z"}, 5), seed),
                log_px, tol);
    EXPECT_NEAR(Value(Diwhvi(c.Model(), c.AuxiliaryGuide(), {"z"}, 5, 5), seed),
                log_px, tol);
  }
}

// E_q[(p(z | x) / q(z))²] - 1 for the guide N(mean, 1): the relative
// variance of one importance weight, by the trapezoid rule on [-20, 20].
double RelativeWeightVariance(double mean) {
  const double step = 1e-3;
  double sum = 0;
  for (double z = -20; z <= 20; z += step) {
    const double log_post =
        -(z - kX / 2) * (z - kX / 2) - 0.5 * (kLog2Pi - std::log(2.0));
    const double log_q = -0.5 * (z - mean) * (z - mean) - 0.5 * kLog2Pi;
    sum += std::exp(2 * log_post - log_q) * step;
  }
  return sum - 1;
}

TEST(ObjectivesTest, IwelboClimbsToTheEvidenceAsKGrows) {
  Conjugate c;
  // A poor guide: N(-1, 1).
  c.m.value()(0, 0) = -1;
  c.s.value()(0, 0) = 0;
  const double log_px = LogEvidence(0.0);
  // E[IWELBO(K)] = log p(x) - V / (2K) + O(1/K²) with V the relative
  // variance of a weight (2.27 here). Replications per K are chosen so that
  // each expected step 1 -> 10 -> 100 is over 5 standard errors.
  const int ks[] = {1, 10, 100, 1000};
  const int replications[] = {300, 2000, 300, 300};
  std::vector<MeanAccumulator> means(4);
  for (int i = 0; i < 4; ++i) {
    auto e = Expectation(Iwelbo(c.Model(), c.Guide(), ks[i]));
    e.Seed(10 + i);
    for (int n = 0; n < replications[i]; ++n) {
      means[i].Add(e.Estimate()->item());
    }
  }
  for (int i = 0; i + 2 < 4; ++i) {
    const double gap = means[i + 1].mean() - means[i].mean();
    const double se =
        std::hypot(means[i].standard_error(), means[i + 1].standard_error());
    EXPECT_GT(gap, 0) << "K = " << ks[i] << " to " << ks[i + 1] << ", se "
                      << se;
  }
  // Beyond K = 100 the steps are below the Monte Carlo error; check the
  // first-order gap instead (the O(1/K²) term is under 1e-3 at K = 100).
  const double v = RelativeWeightVariance(-1.0);
  ASSERT_NEAR(v, 2.2723, 1e-3);
  for (int i = 2; i < 4; ++i) {
    EXPECT_NEAR(means[i].mean(), log_px - v / (2 * ks[i]),
                5 * means[i].standard_error() + 1e-3)
        << "K = " << ks[i];
  }
  EXPECT_LT(means[3].mean(), log_px + 5 * means[3].standard_error());
}

// The ELBO of N(m, σ = e^s) against the conjugate model (θ = 0):
// ELBO = -½(m² + σ²) - ½((x - m)² + σ²) - log 2π + ½ log(2π e σ²), so
// dELBO/dm = x - 2m and dELBO/ds = 1 - 2σ².
TEST(ObjectivesTest, ElboGradientMatchesItsClosedFormUnderEveryStrategy) {
  const double m0 = 0.9, s0 = 0.2, sigma = std::exp(s0);
  const std::vector<std::shared_ptr<const SiteStrategy>> strategies = {
      Pathwise(), ScoreFunction(), ScoreFunction(MovingAverageBaseline(0.9)),
      Mvd()};
  uint64_t seed = 40;
  for (const std::shared_ptr<const SiteStrategy>& strategy : strategies) {
    SCOPED_TRACE(strategy->name());
    Conjugate c;
    c.m.value()(0, 0) = static_cast<Real>(m0);
    c.s.value()(0, 0) = static_cast<Real>(s0);
    c.z_strategy = strategy;
    auto elbo = Expectation(Elbo(c.Model(), c.Guide()));
    elbo.Seed(++seed);
    MeanAccumulator dm, ds;
    for (int n = 0; n < 6000; ++n) {
      c.ZeroGrad();
      ASSERT_TRUE(elbo.GradEstimate().ok());
      dm.Add(c.m.grad()(0, 0));
      ds.Add(c.s.grad()(0, 0));
    }
    EXPECT_MEAN_NEAR(dm, kX - 2 * m0);
    EXPECT_MEAN_NEAR(ds, 1 - 2 * sigma * sigma);
  }
}

TEST(ObjectivesTest, StlAndDregGuideGradientsVanishAtTheOptimum) {
  Conjugate c;
  // The parameters go through `param`, which STL and DReG detach.
  auto guide = [&c] {
    const Tensor m = param("m", [&c] { return c.m.tensor(); });
    const Tensor s = param("s", [&c] { return c.s.tensor(); });
    sample("z", Normal(m, Exp(s)));
  };
  for (int variant = 0; variant < 2; ++variant) {
    auto stl = Expectation(ElboStl(c.Model(), guide));
    auto dreg = Expectation(IwelboDreg(c.Model(), guide, 5));
    stl.Seed(5);
    dreg.Seed(5);
    for (int n = 0; n < 20; ++n) {
      c.ZeroGrad();
      ASSERT_TRUE(variant == 0 ? stl.GradEstimate().ok()
                               : dreg.GradEstimate().ok());
      EXPECT_NEAR(c.m.grad()(0, 0), 0, 1e-4) << "variant " << variant;
      EXPECT_NEAR(c.s.grad()(0, 0), 0, 1e-4) << "variant " << variant;
    }
  }
  // The plain ELBO's pathwise gradient is zero only on average there.
  auto elbo = Expectation(Elbo(c.Model(), guide));
  elbo.Seed(6);
  double largest = 0;
  for (int n = 0; n < 20; ++n) {
    c.ZeroGrad();
    ASSERT_TRUE(elbo.GradEstimate().ok());
    largest = std::max(largest, std::abs(double{c.s.grad()(0, 0)}));
  }
  EXPECT_GT(largest, 0.1);
}

TEST(ObjectivesTest, WakeSleepGradientsAtTheExactPosterior) {
  // p-wake: Σ w̃ ∇θ log p(x, z_k) averages (x - θ) / 2; q-wake averages 0.
  Conjugate c;
  c.theta.value()(0, 0) = -0.3;
  c.m.value()(0, 0) = static_cast<Real>((-0.3 + kX) / 2);
  auto p_wake = Expectation(WakeSleepModel(c.Model(), c.Guide(), 8));
  auto q_wake = Expectation(WakeSleepGuide(c.Model(), c.Guide(), 8));
  p_wake.Seed(7);
  q_wake.Seed(8);
  MeanAccumulator d_theta, d_m;
  for (int n = 0; n < 3000; ++n) {
    c.ZeroGrad();
    ASSERT_TRUE(p_wake.GradEstimate().ok());
    d_theta.Add(c.theta.grad()(0, 0));
    EXPECT_EQ(c.m.grad()(0, 0), 0);  // p-wake leaves the guide alone
    c.ZeroGrad();
    ASSERT_TRUE(q_wake.GradEstimate().ok());
    d_m.Add(c.m.grad()(0, 0));
    EXPECT_EQ(c.theta.grad()(0, 0), 0);
  }
  EXPECT_MEAN_NEAR(d_theta, (kX + 0.3) / 2);
  EXPECT_MEAN_NEAR(d_m, 0.0);
}

TEST(MarginalTest, DensityEstimateIsUnbiased) {
  // u ~ N(0, 1), z ~ N(u, 1): the marginal of z is N(0, 2).
  auto guide = [] {
    const Tensor u = sample("u", Normal(0.0, 1.0));
    sample("z", Normal(u, 1.0));
  };
  const double z = 0.8;
  const double q = std::exp(-z * z / 4 - 0.5 * std::log(2.0) - 0.5 * kLog2Pi);
  for (int k : {1, 3}) {
    const auto marginal = Marginal(guide, {"z"}, SIR{k});
    Trace choices;
    Site site;
    site.address = Address::Intern("z");
    site.value = Tensor(z);
    ASSERT_TRUE(choices.Add(site).ok());
    auto density = Expectation([&] { return Exp(Density(marginal, choices)); });
    density.Seed(20 + k);
    MeanAccumulator estimate;
    for (int n = 0; n < 4000; ++n) estimate.Add(density.Estimate()->item());
    EXPECT_MEAN_NEAR(estimate, q) << "K = " << k;
  }
}

// One IWELBO(2) estimate for a latent with `lanes` lanes of its own.
absl::StatusOr<Tensor> IwelboWithLatentLanes(Index lanes) {
  const Tensor loc = Tensor(Matrix::Zero(lanes, 1));
  auto model = [&] {
    const Tensor z = sample("z", Normal(loc, 1.0));
    observe("x", Normal(z, 1.0), Tensor(kX));
  };
  auto guide = [&] { sample("z", Normal(loc, 1.0)); };
  auto e = Expectation(Iwelbo(model, guide, 2));
  return e.Estimate();
}

TEST(ObjectivesTest, IwelboLanesNotFromTheParticlesAreAStatus) {
  // 3 lanes do not broadcast over K = 2 particles: the bound cannot be
  // split per particle.
  const absl::StatusOr<Tensor> v = IwelboWithLatentLanes(3);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(v.status().message().find("Iwelbo: the log weights have 3 lanes"),
            absl::string_view::npos)
      << v.status();
  // 4 = 2 x 2 lanes: one value per data lane.
  const absl::StatusOr<Tensor> v4 = IwelboWithLatentLanes(4);
  ASSERT_TRUE(v4.ok()) << v4.status();
  EXPECT_EQ(v4->rows(), 2);
}

// One estimate of `objective(model, guide, 2)` for a latent with `lanes`
// lanes of its own, at a fixed seed.
template <typename MakeObjective>
absl::StatusOr<Tensor> TwoParticlesWithLatentLanes(Index lanes,
                                                   MakeObjective objective) {
  const Tensor loc = Tensor(Matrix::Zero(lanes, 1));
  auto model = [&] {
    const Tensor z = sample("z", Normal(loc, 1.0));
    observe("x", Normal(z, 1.0), Tensor(kX));
  };
  auto guide = [&] { sample("z", Normal(loc, 1.0)); };
  auto e = Expectation(objective(model, guide, 2));
  e.Seed(7);
  return e.Estimate();
}

TEST(ObjectivesTest, VimcoAndDregBoundsArePerDataLane) {
  auto iwelbo = [](auto m, auto g, int k) { return Iwelbo(m, g, k); };
  auto vimco = [](auto m, auto g, int k) { return Vimco(m, g, k); };
  auto dreg = [](auto m, auto g, int k) { return IwelboDreg(m, g, k); };
  // 6 = 2 particles x 3 data lanes: one bound per data lane, the IWELBO's
  // (the three draw the same particles at one seed).
  const absl::StatusOr<Tensor> expected =
      TwoParticlesWithLatentLanes(6, iwelbo);
  ASSERT_TRUE(expected.ok()) << expected.status();
  ASSERT_EQ(expected->rows(), 3);
  for (const absl::StatusOr<Tensor>& v :
       {TwoParticlesWithLatentLanes(6, vimco),
        TwoParticlesWithLatentLanes(6, dreg)}) {
    ASSERT_TRUE(v.ok()) << v.status();
    ASSERT_EQ(v->rows(), 3);
    ASSERT_EQ(v->cols(), 1);
    for (Index b = 0; b < 3; ++b) {
      EXPECT_NEAR(v->value()(b, 0), expected->value()(b, 0),
                  kRealIsDouble ? 1e-12 : 1e-5);
    }
  }
  // The lanes of the three data lanes are not all alike.
  EXPECT_NE(expected->value()(0, 0), expected->value()(1, 0));
  // 3 lanes are not 2 particles of anything.
  const absl::StatusOr<Tensor> bad_vimco =
      TwoParticlesWithLatentLanes(3, vimco);
  ASSERT_FALSE(bad_vimco.ok());
  EXPECT_EQ(bad_vimco.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad_vimco.status().message().find("Vimco: 2 particles"),
            absl::string_view::npos)
      << bad_vimco.status();
  const absl::StatusOr<Tensor> bad_dreg = TwoParticlesWithLatentLanes(3, dreg);
  ASSERT_FALSE(bad_dreg.ok());
  EXPECT_NE(
      bad_dreg.status().message().find("IwelboDreg: the log weights have 3"),
      absl::string_view::npos)
      << bad_dreg.status();
}

// IwelboDreg's gradients for a model z ~ N(θ, 1), x | z ~ N(z, 1) per lane
// and an amortised guide q(z | x) = N(h w_loc, exp(h w_scale + s)), h =
// tanh(x w_in + b), at a fixed seed: its parameters in `grads`, and how
// often the guide ran. With `pad`, the guide ends with a zero factor, which
// changes neither the bound nor its gradient but makes IwelboDreg re-run the
// guide for its density at fixed parameters.
struct AmortisedDreg {
  Parameter theta{Matrix::Constant(1, 1, Real(0.3))};
  Parameter w_in{(Matrix(1, 2) << Real(0.8), Real(-0.5)).finished()};
  Parameter b{(Matrix(1, 2) << Real(0.1), Real(0.2)).finished()};
  Parameter w_loc{(Matrix(2, 1) << Real(0.7), Real(-0.4)).finished()};
  Parameter w_scale{(Matrix(2, 1) << Real(-0.3), Real(0.6)).finished()};
  Parameter s{Matrix::Constant(1, 1, Real(-0.2))};
  int guide_runs = 0;

  void Run(Index lanes, bool pad, std::vector<double>& grads) {
    Matrix data(lanes, 1);
    for (Index i = 0; i < lanes; ++i) data(i, 0) = Real(0.5) * Real(i) - 1;
    const Tensor x(data);
    auto model = [&] {
      const Tensor z =
          sample("z", Normal(theta.tensor(), 1.0).Expand(lanes, 1));
      observe("x", Normal(z, 1.0), x);
    };
    auto guide = [&, pad] {
      ++guide_runs;
      auto p = [](const char* name, Parameter& q) {
        return param(name, [&q] { return q.tensor(); });
      };
      const Tensor h = Tanh(MatMul(x, p("w_in", w_in)) + p("b", b));
      sample("z", Normal(MatMul(h, p("w_loc", w_loc)),
                         Exp(MatMul(h, p("w_scale", w_scale)) + p("s", s))));
      if (pad) factor("pad", Tensor(0.0));
    };
    auto dreg =
        Expectation([&] { return SumAll(IwelboDreg(model, guide, 2)()); });
    dreg.Seed(11);
    guide_runs = 0;
    grads.clear();
    for (Parameter* q : {&theta, &w_in, &b, &w_loc, &w_scale, &s}) {
      q->ZeroGrad();
    }
    const auto status = dreg.GradEstimate();
    ASSERT_TRUE(status.ok()) << status.status();
    for (Parameter* q : {&theta, &w_in, &b, &w_loc, &w_scale, &s}) {
      for (Index i = 0; i < q->grad().size(); ++i) {
        grads.push_back(q->grad()(i));
      }
    }
  }
};

TEST(ObjectivesTest, DregGuideDensityFromTheTraceMatchesTheRerunGuide) {
  // 2 lanes: the particles of one bound; 6: 2 particles of 3 data lanes.
  for (const Index lanes : {2, 6}) {
    AmortisedDreg c;
    std::vector<double> from_trace, rerun;
    c.Run(lanes, /*pad=*/false, from_trace);
    EXPECT_EQ(c.guide_runs, 1) << "the guide's density came from its trace";
    c.Run(lanes, /*pad=*/true, rerun);
    EXPECT_EQ(c.guide_runs, 2) << "a site after z makes the guide re-run";
    ASSERT_EQ(from_trace.size(), rerun.size());
    // A gradient leaking to the guide's parameters through the fixed density
    // (-w̃² ∇_φ log q) would change each of the last 5 parameters' entries.
    double largest = 0;
    for (size_t i = 0; i < rerun.size(); ++i) {
      largest = std::max(largest, std::abs(rerun[i]));
      EXPECT_NEAR(from_trace[i], rerun[i],
                  (kRealIsDouble ? 1e-12 : 1e-5) * (1 + std::abs(rerun[i])))
          << "lanes " << lanes << ", gradient entry " << i;
    }
    EXPECT_GT(largest, 0.01);
  }
}

// IwelboDreg(model, guide, 3) on the conjugate model with the guide
// q(z) = N(m, exp(s)) written each way its header lists as re-running the
// guide for log q at fixed parameters, and a parameter c that the guide may
// read without changing q(z). The reference is the DReG estimate computed by
// hand, in double, at the particles the guide drew: with σ = exp(s), log w =
// log p(x, z) - log q(z), w̃ its normalised weights and d = ∂_z log w,
//
//   ∇_θ = Σ w̃ (z - θ),  ∇_m = Σ w̃² d,  ∇_s = Σ w̃² d (z - m),  ∇_c = 0.
//
// Each guide runs twice (draw, then the re-run); taking log q from the trace
// instead would run it once, and in the cases where the trace's copy differs
// it would also move the gradient (named per test).
struct DregFallback {
  static constexpr int kParticles = 3;
  Parameter theta{Matrix::Constant(1, 1, Real(0.3))};
  Parameter m{Matrix::Constant(1, 1, Real(0.1))};
  Parameter s{Matrix::Constant(1, 1, Real(-0.2))};
  Parameter c{Matrix::Constant(1, 1, Real(0.4))};
  int guide_runs = 0;
  Matrix z;  // the particles, K x 1, as the guide last saw them

  static Tensor P(const char* name, Parameter& q) {
    return param(name, [&q] { return q.tensor(); });
  }
  // Samples z ~ N(loc, exp(s)) and records it.
  void SampleZ(const Tensor& loc) {
    ++guide_runs;
    z = sample("z", Normal(loc, Exp(P("s", s)))).value();
  }
  auto Model() {
    return [this](const auto&...) {
      const Tensor latent = sample("z", Normal(theta.tensor(), 1.0));
      observe("x", Normal(latent, 1.0), Tensor(kX));
    };
  }
  // (∇_θ, ∇_m, ∇_s, ∇_c) of one estimate of `objective` at a fixed seed.
  template <typename Objective>
  std::array<double, 4> Gradient(Objective objective) {
    auto e = Expectation([&] { return SumAll(objective()); });
    e.Seed(5);
    guide_runs = 0;
    for (Parameter* q : {&theta, &m, &s, &c}) q->ZeroGrad();
    const auto status = e.GradEstimate();
    EXPECT_TRUE(status.ok()) << status.status();
    return {theta.grad()(0), m.grad()(0), s.grad()(0), c.grad()(0)};
  }
  // The reference above at the particles `z`; with `m_score` log q's score
  // in m, -Σ w̃² (z - m) / σ², is added to ∇_m (m reached the guide as an
  // argument on the tape, which the re-run does not hold fixed).
  std::array<double, 4> ByHand(bool m_score = false) const {
    const double th = theta.value()(0), mu = m.value()(0);
    const double sigma = std::exp(double{s.value()(0)});
    EXPECT_EQ(z.rows(), kParticles);
    std::vector<double> log_w(z.rows());
    for (Index k = 0; k < z.rows(); ++k) {
      const double zk = z(k, 0);
      log_w[k] = -0.5 * (zk - th) * (zk - th) - 0.5 * (kX - zk) * (kX - zk) +
                 0.5 * (zk - mu) * (zk - mu) / (sigma * sigma);
    }
    const double top = *std::max_element(log_w.begin(), log_w.end());
    double total = 0;
    for (double lw : log_w) total += std::exp(lw - top);
    std::array<double, 4> g{0, 0, 0, 0};
    for (Index k = 0; k < z.rows(); ++k) {
      const double zk = z(k, 0);
      const double w = std::exp(log_w[k] - top) / total;
      const double d = -(zk - th) + (kX - zk) + (zk - mu) / (sigma * sigma);
      g[0] += w * (zk - th);
      g[1] += w * w * d - (m_score ? w * w * (zk - mu) / (sigma * sigma) : 0);
      g[2] += w * w * d * (zk - mu);
    }
    return g;
  }
};

void ExpectGradient(const std::array<double, 4>& got,
                    const std::array<double, 4>& want) {
  const char* names[] = {"theta", "m", "s", "c"};
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(got[i], want[i],
                (kRealIsDouble ? 1e-10 : 1e-4) * (1 + std::abs(want[i])))
        << names[i];
  }
  // Non-trivial: a dropped term would show.
  EXPECT_GT(std::abs(want[1]) + std::abs(want[2]), 0.01);
}

TEST(ObjectivesTest, DregRerunsAGuideWhoseFamilyCannotDetachItsParameters) {
  // MvNormal has no WithDetachedParameters; keeping its parameters on the
  // tape would add -Σ w̃² ∇ log q to the guide's gradient.
  DregFallback c;
  auto guide = [&] {
    ++c.guide_runs;
    c.z = sample("z", MvNormal(DregFallback::P("m", c.m),
                               Exp(DregFallback::P("s", c.s))))
              .value();
  };
  const auto g = c.Gradient(
      [&] { return IwelboDreg(c.Model(), guide, DregFallback::kParticles)(); });
  EXPECT_EQ(c.guide_runs, 2);
  ExpectGradient(g, c.ByHand());
}

TEST(ObjectivesTest, DregRerunsAGuideWithAFactorOnTheTape) {
  // A zero log weight whose derivative in c is 1: kept on the tape it would
  // give c the gradient -Σ w̃² = -Σ w̃²·1.
  DregFallback c;
  auto guide = [&] {
    const Tensor cc = DregFallback::P("c", c.c);
    factor("f", cc - Detach(cc));
    c.SampleZ(DregFallback::P("m", c.m));
  };
  const auto g = c.Gradient(
      [&] { return IwelboDreg(c.Model(), guide, DregFallback::kParticles)(); });
  EXPECT_EQ(c.guide_runs, 2);
  ExpectGradient(g, c.ByHand());
}

// Sets every site's mask to `mask` (which MaskHandler would detach).
class TapeMask : public Handler {
 public:
  explicit TapeMask(Tensor mask) : mask_(std::move(mask)) {}
  void Process(Message& msg) override { msg.mask = mask_; }

 private:
  Tensor mask_;
};

TEST(ObjectivesTest, DregRerunsAGuideWithAMaskOnTheTape) {
  // A mask of 1 whose derivative in c is 1: kept on the tape it would give c
  // the gradient -Σ w̃² log q(z).
  DregFallback c;
  auto guide = [&] {
    const Tensor cc = DregFallback::P("c", c.c);
    const Tensor m = DregFallback::P("m", c.m);
    TapeMask mask(cc - Detach(cc) + 1);
    HandlerScope scope(mask);
    c.SampleZ(m);
  };
  const auto g = c.Gradient(
      [&] { return IwelboDreg(c.Model(), guide, DregFallback::kParticles)(); });
  EXPECT_EQ(c.guide_runs, 2);
  ExpectGradient(g, c.ByHand());
}

TEST(ObjectivesTest, DregRerunsAGuideWithATensorArgumentOnTheTape) {
  // m reaches the guide as an argument, outside `param`: the re-run keeps it
  // on the tape, so log q's score in m stays; the trace's copy would drop it.
  DregFallback c;
  auto guide = [&](const Tensor& loc) { c.SampleZ(loc); };
  const auto g = c.Gradient([&] {
    return IwelboDreg(c.Model(), guide, DregFallback::kParticles)(c.m.tensor());
  });
  EXPECT_EQ(c.guide_runs, 2);
  ExpectGradient(g, c.ByHand(/*m_score=*/true));
}

TEST(ObjectivesTest, DregRerunsAGenerativeWrapperGuide) {
  // Marginal over an auxiliary u the guide ignores: with one inner particle
  // its density is exactly q(z), from a run of its own (Density) after the
  // draw (Simulate).
  DregFallback c;
  auto program = [&] {
    sample("u", Normal(0.0, 1.0));
    c.SampleZ(DregFallback::P("m", c.m));
  };
  auto guide = Marginal(program, {"z"}, SIR{1});
  const auto g = c.Gradient(
      [&] { return IwelboDreg(c.Model(), guide, DregFallback::kParticles)(); });
  EXPECT_EQ(c.guide_runs, 2);
  ExpectGradient(g, c.ByHand());
}

TEST(MarginalTest, MissingKeptChoiceIsAStatus) {
  auto guide = [] { sample("u", Normal(0.0, 1.0)); };
  const auto marginal = Marginal(guide, {"z"}, SIR{2});
  auto e = Expectation([&] { return Simulate(marginal).log_density; });
  EXPECT_EQ(e.Estimate().status().code(), absl::StatusCode::kNotFound);
}

// -----------------------------------------------------------------------------
// SequentialIwelbo
// -----------------------------------------------------------------------------

TEST(SequentialIwelboTest, EqualsTheEvidenceAtTheExactPosterior) {
  Conjugate c;
  const double tol = kRealIsDouble ? 1e-9 : 2e-5;
  for (uint64_t seed : {1, 2}) {
    EXPECT_NEAR(Value(SequentialIwelbo(c.Model(), c.Guide(), 3), seed),
                LogEvidence(0.0), tol);
  }
}

// The same bound and gradient as Iwelbo's vectorised particles, with a
// poor guide: two-sample z-tests of the value and of d/dm, d/ds.
TEST(SequentialIwelboTest, HasIwelbosMeanValueAndGradient) {
  constexpr int kParticles = 4;
  struct Means {
    MeanAccumulator value, m, s;
  };
  auto run = [](auto objective, Conjugate& c, uint64_t seed) {
    auto e = Expectation(std::move(objective));
    e.Seed(seed);
    Means means;
    for (int n = 0; n < 4000; ++n) {
      c.ZeroGrad();
      const absl::StatusOr<GradientEstimate> g = e.GradEstimate();
      EXPECT_TRUE(g.ok()) << g.status();
      if (!g.ok()) break;
      means.value.Add(g->value(0, 0));
      means.m.Add(c.m.grad()(0, 0));
      means.s.Add(c.s.grad()(0, 0));
    }
    return means;
  };
  Conjugate c;
  c.m.value()(0, 0) = -1;
  c.s.value()(0, 0) = 0;
  const Means sequential =
      run(SequentialIwelbo(c.Model(), c.Guide(), kParticles), c, 41);
  const Means vectorised = run(Iwelbo(c.Model(), c.Guide(), kParticles), c, 42);
  const std::pair<const MeanAccumulator*, const MeanAccumulator*> pairs[] = {
      {&sequential.value, &vectorised.value},
      {&sequential.m, &vectorised.m},
      {&sequential.s, &vectorised.s}};
  for (const auto& [a, b] : pairs) {
    const double se = std::hypot(a->standard_error(), b->standard_error());
    EXPECT_LT(std::abs(a->mean() - b->mean()),
              ::provi::testing::kZThreshold * se)
        << a->mean() << " against " << b->mean();
  }
}

// A discrete latent per particle: b ~ Bernoulli(0.3), x | b ~ N(2 b, 1),
// x = 1.2, guide Bernoulli(σ(φ)). Under MVD each particle's site takes one
// counterfactual, which re-runs that particle alone (K + 1 runs); its mean
// gradient is the exact one, from enumerating all K sites (2^K runs).
TEST(SequentialIwelboTest, MeasureValuedDerivativesRerunOneParticle) {
  constexpr int kParticles = 3;
  Parameter phi(Matrix::Constant(1, 1, Real(0.4)));
  int guide_runs = 0;
  auto model = [] {
    const Tensor b = sample("b", Bernoulli::FromProbs(Tensor(0.3)));
    observe("x", Normal(b * Real(2), 1.0), Tensor(1.2));
  };
  auto guide_with = [&](std::shared_ptr<const SiteStrategy> strategy) {
    return [&, strategy] {
      ++guide_runs;
      sample("b", Bernoulli::FromLogits(phi.tensor()), strategy);
    };
  };
  auto exact =
      Expectation(SequentialIwelbo(model, guide_with(Enumerate()), kParticles));
  phi.ZeroGrad();
  const absl::StatusOr<GradientEstimate> e = exact.GradEstimate();
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(e->runs, 1 << kParticles);
  const double expected = phi.grad()(0, 0);

  auto mvd =
      Expectation(SequentialIwelbo(model, guide_with(Mvd()), kParticles));
  mvd.Seed(5);
  MeanAccumulator grad;
  for (int n = 0; n < 4000; ++n) {
    phi.ZeroGrad();
    guide_runs = 0;
    const absl::StatusOr<GradientEstimate> g = mvd.GradEstimate();
    ASSERT_TRUE(g.ok()) << g.status();
    ASSERT_EQ(g->runs, kParticles + 1);
    // The first run's K particles and one particle per counterfactual.
    ASSERT_EQ(guide_runs, 2 * kParticles);
    grad.Add(phi.grad()(0, 0));
  }
  EXPECT_MEAN_NEAR(grad, expected);
}

TEST(SequentialIwelboTest, BadInputIsAStatus) {
  Conjugate c;
  auto none = Expectation(SequentialIwelbo(c.Model(), c.Guide(), 0));
  EXPECT_EQ(none.Estimate().status().code(),
            absl::StatusCode::kInvalidArgument);

  // A plate subsampled inside the particles.
  auto model = [] {
    Plate data("data", 10, 2);
    observe("x", Normal(Tensor(Matrix::Zero(2, 1)), 1.0),
            Tensor(Matrix::Zero(2, 1)));
  };
  auto guide = [] { Plate data("data", 10, 2); };
  auto subsampled = Expectation(SequentialIwelbo(model, guide, 2));
  const absl::Status status = subsampled.Estimate().status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), ::testing::HasSubstr("particle_0/data"));
}

}  // namespace
}  // namespace provi
