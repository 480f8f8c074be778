// Copyright 2026 The provi Authors.
//
// Each handler against the trace it should produce: sites, values and log
// densities; composition; and the round trips between condition,
// uncondition, lift and do.

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "ad/ops.h"
#include "ad/tape.h"
#include "base/status_error.h"
#include "distributions/normal.h"
#include "estimators/strategies.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "handlers/block.h"
#include "handlers/condition.h"
#include "handlers/density.h"
#include "handlers/do.h"
#include "handlers/infer_config.h"
#include "handlers/lift.h"
#include "handlers/mask.h"
#include "handlers/replay.h"
#include "handlers/scale.h"
#include "handlers/scope.h"
#include "handlers/seed.h"
#include "handlers/substitute.h"
#include "handlers/trace.h"
#include "handlers/uncondition.h"
#include "runtime/primitives.h"
#include "runtime/site_error.h"

namespace provi {
namespace {

using ::testing::HasSubstr;

constexpr double kHalfLog2Pi = 0.91893853320467274178;

double NormalLogPdf(double x, double mu, double sigma) {
  const double z = (x - mu) / sigma;
  return -0.5 * z * z - std::log(sigma) - kHalfLog2Pi;
}

double Tol() { return kRealIsDouble ? 1e-10 : 1e-4; }

Tensor Column(std::vector<double> values) {
  Matrix m(static_cast<Index>(values.size()), 1);
  for (size_t i = 0; i < values.size(); ++i) {
    m(static_cast<Index>(i), 0) = static_cast<Real>(values[i]);
  }
  return Tensor(m);
}

// mu ~ N(0, 10); sigma = param (positive); x_i ~ N(mu, sigma) for each row.
struct Model {
  Tensor operator()(const Tensor& x) const {
    const Tensor mu = sample("mu", Normal(0.0, 10.0));
    const Tensor sigma = param("sigma", Tensor(1.5), Support::Positive());
    Plate data("data", x.rows());
    observe("x", Normal(mu, sigma).Expand(x.rows(), 1), x);
    return mu;
  }
};

const Tensor kData = Column({0.5, -1.0, 2.0});

// Σ_i log N(x_i; mu, sigma) + log N(mu; 0, 10).
double LogJoint(double mu, double sigma) {
  double total = NormalLogPdf(mu, 0, 10);
  for (double x : {0.5, -1.0, 2.0}) total += NormalLogPdf(x, mu, sigma);
  return total;
}

TEST(TraceTest, RecordsEverySiteInOrder) {
  const auto run = handlers::Trace(handlers::Seed(Model(), 1))(kData);
  ASSERT_TRUE(run.ok()) << run.status();
  const auto& sites = run->trace.sites();
  ASSERT_EQ(sites.size(), 4u);
  EXPECT_EQ(sites[0].address.name(), "mu");
  EXPECT_EQ(sites[0].kind, SiteKind::kSample);
  EXPECT_FALSE(sites[0].is_observed);
  EXPECT_EQ(sites[1].address.name(), "sigma");
  EXPECT_EQ(sites[1].kind, SiteKind::kParam);
  EXPECT_EQ(sites[1].constraint, Support::Positive());
  EXPECT_EQ(sites[2].kind, SiteKind::kPlate);
  EXPECT_EQ(sites[3].address.name(), "x");
  EXPECT_TRUE(sites[3].is_observed);
  EXPECT_EQ(sites[3].value->value_data(), kData.value_data());
  ASSERT_EQ(sites[3].plates.size(), 1u);
  EXPECT_EQ(sites[3].plates[0].name.name(), "data");
  // The return value is the latent draw.
  EXPECT_EQ(run->value.item(), sites[0].value->item());
  // Log densities recomputed from the trace.
  const double mu = run->value.item();
  EXPECT_NEAR(sites[0].LogProb().item(), NormalLogPdf(mu, 0, 10), Tol());
  EXPECT_NEAR(run->trace.LogProbSum().item(), LogJoint(mu, 1.5), Tol() * 10);
  const Tensor lanes = run->trace.LaneLogProb();
  ASSERT_EQ(lanes.rows(), 3);
  // Lane 1: its own observation and a third of the one-lane prior on mu.
  EXPECT_NEAR(lanes(1, 0),
              NormalLogPdf(-1.0, mu, 1.5) + NormalLogPdf(mu, 0, 10) / 3,
              Tol() * 10);
  EXPECT_NEAR(SumAll(lanes).item(), run->trace.LogProbSum().item(), Tol() * 10);
}

TEST(SeedTest, SameSeedSameDrawsDifferentSeedDifferentDraws) {
  auto draw = [](uint64_t seed) {
    return handlers::Trace(handlers::Seed(Model(), seed))(kData)->value.item();
  };
  EXPECT_EQ(draw(7), draw(7));
  EXPECT_NE(draw(7), draw(8));
}

TEST(ReplayTest, LatentSitesTakeTheTracesValues) {
  auto guide = [](const Tensor&) { sample("mu", Normal(3.0, 0.1)); };
  const auto guide_run = handlers::Trace(handlers::Seed(guide, 2))(kData);
  ASSERT_TRUE(guide_run.ok());
  const auto model_run =
      handlers::Trace(handlers::Replay(Model(), guide_run->trace))(kData);
  ASSERT_TRUE(model_run.ok()) << model_run.status();
  const Real mu = guide_run->trace.Find("mu")->value->item();
  EXPECT_EQ(model_run->trace.Find("mu")->value->item(), mu);
  // The observed site keeps its data.
  EXPECT_EQ(model_run->trace.Find("x")->value->value_data(),
            kData.value_data());
  EXPECT_NEAR(model_run->trace.LogProbSum().item(), LogJoint(mu, 1.5),
              Tol() * 10);
}

TEST(ReplayTest, MissingSiteIsAStatusNamingIt) {
  const auto empty = handlers::Trace([] {})();
  const auto run =
      handlers::Trace(handlers::Replay(Model(), empty->trace))(kData);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(run.status().message(), HasSubstr("'mu'"));
}

// A program over a plate of 1000 points drawn 100 at a time, recording the
// indices it saw in `seen`.
auto SubsampledProgram(std::vector<std::vector<Index>>* seen,
                       Index lanes = 100) {
  return [seen, lanes] {
    Plate data("data", 1000, lanes);
    seen->push_back(data.indices());
    sample("z", Normal(0.0, 1.0).Expand(lanes, 1));
  };
}

TEST(ReplayTest, PlatesTakeTheTracesSubsample) {
  std::vector<std::vector<Index>> seen;
  const auto guide_run =
      handlers::Trace(handlers::Seed(SubsampledProgram(&seen), 4))();
  ASSERT_TRUE(guide_run.ok()) << guide_run.status();
  const Site* plate = guide_run->trace.FindPlate("data");
  ASSERT_NE(plate, nullptr);
  ASSERT_TRUE(plate->value.has_value());
  EXPECT_EQ(plate->value->rows(), 100);
  const auto model_run = handlers::Trace(
      handlers::Replay(SubsampledProgram(&seen), guide_run->trace))();
  ASSERT_TRUE(model_run.ok()) << model_run.status();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1], seen[0]);
  // Plates alone: the latent site draws anew.
  const auto fresh = handlers::Trace(
      handlers::ReplaySubsamples(SubsampledProgram(&seen), guide_run->trace))();
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_EQ(seen[2], seen[0]);
  EXPECT_NE((*fresh->trace.Find("z")->value)(0, 0),
            (*guide_run->trace.Find("z")->value)(0, 0));
}

TEST(ReplayTest, PlateTheTraceDoesNotHaveDrawsItsOwnSubsample) {
  std::vector<std::vector<Index>> seen;
  const auto guide_run =
      handlers::Trace([] { sample("z", Normal(0.0, 1.0).Expand(100, 1)); })();
  ASSERT_TRUE(guide_run.ok());
  const auto model_run = handlers::Trace(
      handlers::Replay(SubsampledProgram(&seen), guide_run->trace))();
  ASSERT_TRUE(model_run.ok()) << model_run.status();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].size(), 100u);
}

TEST(ReplayTest, PlateOfAnotherSubsampleSizeIsAStatusNamingIt) {
  std::vector<std::vector<Index>> seen;
  const auto guide_run = handlers::Trace(SubsampledProgram(&seen, 100))();
  ASSERT_TRUE(guide_run.ok());
  const auto model_run = handlers::Trace(
      handlers::Replay(SubsampledProgram(&seen, 50), guide_run->trace))();
  ASSERT_FALSE(model_run.ok());
  EXPECT_EQ(model_run.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AnnotatedSite(model_run.status()), "data");
  EXPECT_THAT(model_run.status().message(), HasSubstr("plate site 'data'"));
  EXPECT_THAT(model_run.status().message(), HasSubstr("50 of 1000"));
}

TEST(TraceTest, PlateEnteredAgainKeepsItsSubsample) {
  std::vector<Index> first;
  std::vector<Index> second;
  auto program = [&] {
    {
      Plate data("data", 1000, 100);
      first = data.indices();
    }
    Plate data("data", 1000, 100);
    second = data.indices();
  };
  const auto run = handlers::Trace(program)();
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(second, first);
  EXPECT_EQ(run->trace.FindPlate("data"), &run->trace.sites()[0]);
}

TEST(ConditionTest, ConditionedSitesAreObservedAtTheData) {
  const auto run = handlers::Trace(
      handlers::Condition(Model(), Values({{"mu", Tensor(0.25)}})))(kData);
  ASSERT_TRUE(run.ok()) << run.status();
  const Site* mu = run->trace.Find("mu");
  EXPECT_TRUE(mu->is_observed);
  EXPECT_EQ(mu->value->item(), Real(0.25));
  EXPECT_NEAR(run->trace.LogProbSum().item(), LogJoint(0.25, 1.5), Tol() * 10);
}

TEST(ConditionTest, WrongShapeIsAStatusNamingTheSite) {
  auto model = [] { sample("x", Normal(0.0, 1.0).Expand(3, 1)); };
  const auto run = handlers::Trace(handlers::Condition(
      model, Values({{"x", Tensor(Matrix::Zero(2, 2))}})))();
  ASSERT_FALSE(run.ok());
  EXPECT_THAT(run.status().message(), HasSubstr("'x'"));
  EXPECT_THAT(run.status().message(), HasSubstr("2x2"));
}

TEST(SubstituteTest, LatentValueMustHaveTheSitesExactShape) {
  // Broadcasting is for observed data; a substituted draw must be a draw.
  const auto run = handlers::Trace(handlers::Substitute(
      Model(), Values({{"mu", Tensor(Matrix::Zero(3, 1))}})))(kData);
  ASSERT_FALSE(run.ok());
  EXPECT_THAT(run.status().message(), HasSubstr("'mu'"));
}

TEST(SubstituteTest, ParamsAndLatentsTakeValuesWithoutBecomingObserved) {
  const auto run = handlers::Trace(handlers::Substitute(
      Model(), Values({{"sigma", Tensor(0.5)}, {"mu", Tensor(1.0)}})))(kData);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->trace.Find("sigma")->value->item(), Real(0.5));
  EXPECT_EQ(run->trace.Find("mu")->value->item(), Real(1.0));
  EXPECT_FALSE(run->trace.Find("mu")->is_observed);
  EXPECT_NEAR(run->trace.LogProbSum().item(), LogJoint(1.0, 0.5), Tol() * 10);
}

TEST(BlockTest, HiddenSitesDoNotReachOuterHandlers) {
  const auto hide_mu = handlers::Trace(
      handlers::Block(Model(), BlockHandler::Hide({"mu"})))(kData);
  ASSERT_TRUE(hide_mu.ok());
  EXPECT_EQ(hide_mu->trace.Find("mu"), nullptr);
  EXPECT_NE(hide_mu->trace.Find("x"), nullptr);
  const auto expose_x = handlers::Trace(
      handlers::Block(Model(), BlockHandler::Expose({"x"})))(kData);
  ASSERT_TRUE(expose_x.ok());
  EXPECT_EQ(expose_x->trace.size(), 1u);
  EXPECT_EQ(expose_x->trace.sites()[0].address.name(), "x");
  const auto all = handlers::Trace(handlers::Block(Model()))(kData);
  EXPECT_TRUE(all->trace.empty());
}

TEST(ScaleTest, ScalesEveryLogDensity) {
  auto scaled = handlers::Condition(handlers::Scale(Model(), 0.5),
                                    Values({{"mu", Tensor(0.25)}}));
  const auto run = handlers::Trace(scaled)(kData);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->trace.Find("x")->scale, Real(0.5));
  EXPECT_NEAR(run->trace.LogProbSum().item(), 0.5 * LogJoint(0.25, 1.5),
              Tol() * 10);
  EXPECT_FALSE(CatchStatus([] { ScaleHandler bad(-1.0); }).ok());
}

TEST(MaskTest, MaskedLanesContributeNothing) {
  const Tensor mask = Column({1, 0, 1});
  auto masked = [&](const Tensor& x) {
    const Tensor mu = sample("mu", Normal(0.0, 10.0));
    handlers::Mask(
        [&] {
          Plate data("data", x.rows());
          observe("x", Normal(mu, 1.5).Expand(x.rows(), 1), x);
        },
        mask)();
  };
  const auto run = handlers::Trace(
      handlers::Condition(masked, Values({{"mu", Tensor(0.25)}})))(kData);
  ASSERT_TRUE(run.ok()) << run.status();
  const double expected = NormalLogPdf(0.25, 0, 10) +
                          NormalLogPdf(0.5, 0.25, 1.5) +
                          NormalLogPdf(2.0, 0.25, 1.5);
  EXPECT_NEAR(run->trace.LogProbSum().item(), expected, Tol() * 10);
  EXPECT_FALSE(CatchStatus([] { MaskHandler bad(Column({0.5})); }).ok());
}

TEST(DensityTest, SubsampledPlateMatchesTheHandComputedLogJoint) {
  // N = 6 data points, a subsample of B = 3 in each run; the likelihood is
  // scaled by N / B = 2.
  const Matrix all =
      (Matrix(6, 1) << 0.5, -1.0, 2.0, 0.3, 1.1, -0.2).finished();
  auto model = [&] {
    const Tensor mu = sample("mu", Normal(0.0, 10.0));
    Plate data("data", 6, 3);
    Matrix batch(3, 1);
    for (size_t i = 0; i < data.indices().size(); ++i) {
      batch(static_cast<Index>(i), 0) = all(data.indices()[i], 0);
    }
    observe("x", Normal(mu, 1.0).Expand(3, 1), Tensor(batch));
    // Remember which points ran, for the check below.
    deterministic("batch", Tensor(batch));
  };
  auto conditioned = handlers::Seed(
      handlers::Condition(model, Values({{"mu", Tensor(0.4)}})), 3);
  const auto density = handlers::LogDensity(conditioned)();
  ASSERT_TRUE(density.ok()) << density.status();
  const auto run = handlers::Trace(conditioned)();
  ASSERT_TRUE(run.ok());
  const Tensor batch = *run->trace.Find("batch")->value;
  double expected_lanes[3];
  double expected = NormalLogPdf(0.4, 0, 10);
  for (int i = 0; i < 3; ++i) {
    expected_lanes[i] = 2.0 * NormalLogPdf(batch(i, 0), 0.4, 1.0);
    expected += expected_lanes[i];
  }
  EXPECT_NEAR(density->total.item(), expected, Tol() * 10);
  EXPECT_NEAR(density->global.item(), NormalLogPdf(0.4, 0, 10), Tol());
  ASSERT_TRUE(density->lanes.has_value());
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR((*density->lanes)(i, 0), expected_lanes[i], Tol() * 10);
  }
}

TEST(DensityTest, IsDifferentiable) {
  Parameter sigma(Matrix::Constant(1, 1, 1.5));
  auto model = [&](const Tensor& x) {
    const Tensor mu = sample("mu", Normal(0.0, 10.0));
    Plate data("data", x.rows());
    observe("x", Normal(mu, sigma.tensor()).Expand(x.rows(), 1), x);
  };
  TapeScope scope;
  const auto density = handlers::LogDensity(
      handlers::Condition(model, Values({{"mu", Tensor(0.0)}})))(kData);
  ASSERT_TRUE(density.ok());
  Backward(density->total);
  // d/dσ Σ log N(x_i; 0, σ) = Σ (x_i² / σ³ - 1 / σ).
  double expected = 0;
  for (double x : {0.5, -1.0, 2.0})
    expected += x * x / (1.5 * 1.5 * 1.5) - 1 / 1.5;
  EXPECT_NEAR(sigma.grad()(0, 0), expected, Tol() * 10);
}

TEST(DensityTest, DuplicateAddressIsAStatus) {
  auto model = [] {
    sample("z", Normal(0.0, 1.0));
    sample("z", Normal(0.0, 1.0));
  };
  const auto density = handlers::LogDensity(model)();
  ASSERT_FALSE(density.ok());
  EXPECT_THAT(density.status().message(), HasSubstr("'z'"));
}

TEST(ScopeHandlerTest, PrefixesEveryAddress) {
  const auto run = handlers::Trace(handlers::Scoped(Model(), "left"))(kData);
  ASSERT_TRUE(run.ok());
  EXPECT_NE(run->trace.Find("left/mu"), nullptr);
  EXPECT_NE(run->trace.Find("left/x"), nullptr);
  EXPECT_EQ(run->trace.Find("left/x")->plates[0].name.name(), "left/data");
  // Two scoped copies of one program do not clash.
  auto twice = [](const Tensor& x) {
    handlers::Scoped(Model(), "a")(x);
    handlers::Scoped(Model(), "b")(x);
  };
  EXPECT_TRUE(handlers::Trace(twice)(kData).ok());
}

TEST(LiftTest, ParamsBecomeSamplesFromThePrior) {
  const Normal prior(2.0, 0.5);
  const auto run = handlers::Trace(handlers::Seed(
      handlers::Lift(Model(), Priors({{"sigma", prior}})), 4))(kData);
  ASSERT_TRUE(run.ok()) << run.status();
  const Site* sigma = run->trace.Find("sigma");
  EXPECT_EQ(sigma->kind, SiteKind::kSample);
  EXPECT_NE(sigma->value->item(), Real(1.5));
  EXPECT_NEAR(sigma->LogProb().item(),
              NormalLogPdf(sigma->value->item(), 2.0, 0.5), Tol());
  // One prior for all params.
  const auto all = handlers::Trace(handlers::Lift(Model(), prior))(kData);
  EXPECT_EQ(all->trace.Find("sigma")->kind, SiteKind::kSample);
}

TEST(DoTest, InterventionsFixValuesWithoutDensity) {
  const auto run = handlers::Trace(
      handlers::Do(Model(), Values({{"mu", Tensor(0.25)}})))(kData);
  ASSERT_TRUE(run.ok());
  const Site* mu = run->trace.Find("mu");
  EXPECT_TRUE(mu->is_intervened);
  EXPECT_FALSE(mu->is_observed);
  EXPECT_EQ(run->value.item(), Real(0.25));
  // Only the likelihood remains: log N(mu; 0, 10) is gone.
  EXPECT_NEAR(run->trace.LogProbSum().item(),
              LogJoint(0.25, 1.5) - NormalLogPdf(0.25, 0, 10), Tol() * 10);
}

TEST(UnconditionTest, ObservedSitesAreDrawnAgain) {
  const auto run =
      handlers::Trace(handlers::Seed(handlers::Uncondition(Model()), 5))(kData);
  ASSERT_TRUE(run.ok());
  const Site* x = run->trace.Find("x");
  EXPECT_FALSE(x->is_observed);
  EXPECT_NE(x->value->value_data(), kData.value_data());
  EXPECT_EQ(x->value->rows(), 3);
}

TEST(RoundTripTest, UnconditionThenConditionOnTheDataIsTheOriginal) {
  auto original = handlers::Seed(Model(), 9);
  auto round_trip =
      handlers::Seed(handlers::Condition(handlers::Uncondition(Model()),
                                         Values({{"x", kData}})),
                     9);
  const auto a = handlers::Trace(original)(kData);
  const auto b = handlers::Trace(round_trip)(kData);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->trace.size(), b->trace.size());
  for (size_t i = 0; i < a->trace.size(); ++i) {
    const Site& sa = a->trace.sites()[i];
    const Site& sb = b->trace.sites()[i];
    EXPECT_EQ(sa.address, sb.address);
    EXPECT_EQ(sa.is_observed, sb.is_observed);
    if (sa.value.has_value()) {
      EXPECT_TRUE(sa.value->value().isApprox(sb.value->value()));
    }
  }
}

TEST(RoundTripTest, DoThenConditionDifferOnlyInTheDensityOfTheSite) {
  const auto intervened = handlers::Trace(
      handlers::Do(Model(), Values({{"mu", Tensor(0.25)}})))(kData);
  const auto conditioned = handlers::Trace(
      handlers::Condition(Model(), Values({{"mu", Tensor(0.25)}})))(kData);
  EXPECT_NEAR(conditioned->trace.LogProbSum().item() -
                  intervened->trace.LogProbSum().item(),
              NormalLogPdf(0.25, 0, 10), Tol() * 10);
}

TEST(RoundTripTest, LiftedParamConditionedAtItsValueAddsThePriorDensity) {
  const Normal prior(2.0, 0.5);
  auto lifted = handlers::Condition(
      handlers::Lift(Model(), Priors({{"sigma", prior}})),
      Values({{"sigma", Tensor(1.5)}, {"mu", Tensor(0.25)}}));
  const auto run = handlers::Trace(lifted)(kData);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_NEAR(run->trace.LogProbSum().item(),
              LogJoint(0.25, 1.5) + NormalLogPdf(1.5, 2.0, 0.5), Tol() * 10);
}

// The runtime carries a strategy without looking inside; the estimators
// layer defines them.
TEST(InferConfigTest, SetsTheStrategyOfSelectedSites) {
  const std::shared_ptr<const SiteStrategy> score = ScoreFunction();
  const auto run = handlers::Trace(handlers::InferConfig(
      Model(), InferConfigHandler::ForAddresses({"mu"}, score)))(kData);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->trace.Find("mu")->strategy, score);
  // Observed sites are not configured, even when the predicate holds.
  const auto all = handlers::Trace(handlers::InferConfig(
      Model(), InferConfigHandler::Where([](const Message&) { return true; },
                                         score)))(kData);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->trace.Find("mu")->strategy, score);
  EXPECT_EQ(all->trace.Find("x")->strategy, nullptr);
  // At the site itself.
  const std::shared_ptr<const SiteStrategy> mvd = Mvd();
  auto at_site = [&] { sample("c", Normal(0.0, 1.0), mvd); };
  EXPECT_EQ(handlers::Trace(at_site)()->trace.Find("c")->strategy, mvd);
}

TEST(CompositionTest, TraceOfReplayOfConditionComposes) {
  auto guide = [](const Tensor&) { sample("mu", Normal(0.7, 0.1)); };
  const auto guide_run = handlers::Trace(handlers::Seed(guide, 6))(kData);
  const Real mu = guide_run->trace.Find("mu")->value->item();
  // The model's data comes from condition this time.
  auto model = [](const Tensor& x) {
    const Tensor m = sample("mu", Normal(0.0, 10.0));
    Plate data("data", x.rows());
    sample("x", Normal(m, 1.5).Expand(x.rows(), 1));
  };
  const auto run = handlers::Trace(handlers::Replay(
      handlers::Condition(model, Values({{"x", kData}})), guide_run->trace))(
      kData);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->trace.Find("mu")->value->item(), mu);
  EXPECT_TRUE(run->trace.Find("x")->is_observed);
  EXPECT_NEAR(run->trace.LogProbSum().item(), LogJoint(mu, 1.5), Tol() * 10);
}

}  // namespace
}  // namespace provi
