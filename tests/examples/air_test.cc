// Copyright 2026 The provi Authors.
//
// AIR's model and guide at small scale (Tier 0 of the reproduction): the
// sites and their shapes, finite objectives for both variants and with
// particles, gradients reaching every network, the per-lane "alive" masks
// (an absent object stops the later ones and adds nothing to the canvas;
// Pyro's masking removes the absent objects' densities), the image
// projection computed outside the guide (same values and gradients), the
// window geometry, count accuracy, the trainer, TrainAir end to end on
// cached synthetic canvases, and the //examples:air binary.

#include <sys/stat.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/random.h"
#include "data/multi_object.h"
#include "distributions/bernoulli.h"
#include "estimators/expectation.h"
#include "estimators/strategies.h"
#include "examples/air_model.h"
#include "examples/air_training.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "handlers/seed.h"
#include "handlers/substitute.h"
#include "handlers/trace.h"
#include "handlers/value_map.h"
#include "tests/testing/run_binary.h"
#include "vi/generative.h"
#include "vi/objectives.h"
#include "vi/param_store.h"

namespace provi {
namespace examples {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A small AIR: 12 x 12 canvases, 4 x 4 windows, 3-D z_what, 8 LSTM units.
AirConfig Small(AirConfig config) {
  config.canvas = 12;
  config.window = 4;
  config.what = 3;
  config.hidden = 8;
  config.mlp_hidden = 6;
  if (!config.predict_hidden.empty()) config.predict_hidden = {5};
  return config;
}

// Images with a bright square or two, pixels in [0, 1].
Tensor Images(Index n, Index side, uint64_t seed) {
  Rng rng = MakeRng(seed);
  Matrix m = Matrix::Zero(n, side * side);
  for (Index i = 0; i < n; ++i) {
    const Index top = absl::Uniform<Index>(rng, 0, side - 4);
    const Index left = absl::Uniform<Index>(rng, 0, side - 4);
    for (Index r = 0; r < 4; ++r) {
      for (Index c = 0; c < 4; ++c) m(i, (top + r) * side + left + c) = 0.8;
    }
  }
  return Tensor(m);
}

const Site& Find(const Trace& trace, const std::string& name) {
  const Site* site = trace.Find(name);
  EXPECT_NE(site, nullptr) << name;
  return *site;
}

TEST(AirModelTest, SitesAndShapes) {
  for (const AirConfig& config : {Small(GenjaxConfig()), Small(PyroConfig())}) {
    const AirNetworks networks(config, 1);
    const AirBatch batch{Images(4, 12, 2), Tensor()};
    auto q =
        handlers::Trace(handlers::Seed(AirGuide(networks), 3))(batch, Index{2});
    ASSERT_TRUE(q.ok()) << q.status();
    for (int t = 0; t < kAirSteps; ++t) {
      const Site& z_pres = Find(q->trace, ZPresSite(t));
      EXPECT_EQ(z_pres.value->ShapeString(), "8x1");
      for (Index i = 0; i < 8; ++i) {
        const Real v = (*z_pres.value)(i, 0);
        EXPECT_TRUE(v == 0 || v == 1);
      }
      EXPECT_EQ(Find(q->trace, ZWhereSite(t)).value->ShapeString(), "8x3");
      EXPECT_EQ(Find(q->trace, ZWhatSite(t)).value->ShapeString(), "8x3");
    }
    auto p = handlers::Trace(
        handlers::Substitute(AirModel(networks), [&](const Message& msg) {
          const Site* site = q->trace.Find(msg.address);
          return site == nullptr || msg.kind != SiteKind::kSample ? std::nullopt
                                                                  : site->value;
        }))(batch, Index{2});
    ASSERT_TRUE(p.ok()) << p.status();
    const Site& x = Find(p->trace, kObservationSite);
    EXPECT_TRUE(x.is_observed);
    EXPECT_EQ(x.value->ShapeString(), "8x144");
    EXPECT_EQ(InferredCounts(q->trace).size(), 8u);
  }
}

TEST(AirModelTest, TheElboIsFiniteForBothVariantsAndWithParticles) {
  for (const AirConfig& config : {Small(GenjaxConfig()), Small(PyroConfig())}) {
    const AirNetworks networks(config, 4);
    auto elbo =
        Expectation(Elbo(AirModel(networks), AirGuide(networks))).Seed(5);
    const AirBatch batch{Images(3, 12, 6), Tensor()};
    for (const Index particles : {1, 2}) {
      absl::StatusOr<Tensor> value = elbo.Estimate(batch, particles);
      ASSERT_TRUE(value.ok()) << value.status();
      EXPECT_EQ(value->rows(), 3 * particles);
      for (Index i = 0; i < value->rows(); ++i) {
        EXPECT_TRUE(std::isfinite((*value)(i, 0)));
      }
    }
  }
}

// REINFORCE with a learned baseline at every z_pres site: every network of
// both programs, and the baseline network, gets a gradient.
TEST(AirModelTest, GradientsReachEveryNetwork) {
  for (const AirConfig& config : {Small(GenjaxConfig()), Small(PyroConfig())}) {
    const AirNetworks networks(config, 7);
    auto slots = std::make_shared<AirStepBaselines>();
    const AirGuide guide(networks, slots);
    auto b = [&](int t) {
      return LearnedBaseline([slots, t] { return slots->values[t]; });
    };
    auto reinforce =
        ScoreFunction(ScoreFunction(ScoreFunction(guide, {"z_pres_0"}, b(0)),
                                    {"z_pres_1"}, b(1)),
                      {"z_pres_2"}, b(2));
    auto elbo = Expectation(Elbo(AirModel(networks), reinforce)).Seed(8);
    ParamStore store;
    {
      ParamStoreScope scope(store);
      absl::StatusOr<GradientEstimate> g =
          elbo.GradEstimate(AirBatch{Images(5, 12, 9), Tensor()}, Index{1});
      ASSERT_TRUE(g.ok()) << g.status();
    }
    std::vector<std::string> names;
    for (const NamedParameter& p : store.parameters()) {
      names.push_back(p.address.name());
      EXPECT_TRUE(p.parameter->grad().allFinite()) << p.address.name();
      EXPECT_GT(p.parameter->grad().norm(), 0) << p.address.name();
    }
    EXPECT_THAT(
        names, ::testing::IsSupersetOf(
                   {"guide/lstm/shared/w", "guide/lstm/step/w",
                    "guide/lstm/hidden/w", "guide/predict/0/w",
                    "guide/encoder/1/w", "model/decoder/0/w", "baseline/1/b"}));
    if (config.learned_initial_state) {
      EXPECT_THAT(names, ::testing::Contains("guide/initial/h"));
    }
  }
}

// Once z_pres_t = 0 the guide's later presence probability is the floor
// (genjax) or 0 (Pyro), and the model's canvas keeps nothing of the absent
// objects: with every object absent, log p(x | z) is the empty canvas's.
TEST(AirModelTest, AnAbsentObjectStopsTheLaterOnes) {
  const Tensor absent(Matrix::Zero(4, 1));
  const Tensor mixed(Matrix((Matrix(4, 1) << 1, 0, 1, 0).finished()));
  for (const AirConfig& config : {Small(GenjaxConfig()), Small(PyroConfig())}) {
    const AirNetworks networks(config, 10);
    const AirBatch batch{Images(4, 12, 11), Tensor()};
    auto q = handlers::Trace(handlers::Substitute(
        handlers::Seed(AirGuide(networks), 12), Values({{"z_pres_0", mixed}})))(
        batch, Index{1});
    ASSERT_TRUE(q.ok()) << q.status();
    const Site& next = Find(q->trace, ZPresSite(1));
    const auto* bernoulli =
        dynamic_cast<const Bernoulli*>(next.distribution.get());
    ASSERT_NE(bernoulli, nullptr);
    const Real floor = static_cast<Real>(config.z_pres_floor);
    const Real expected = floor / (1 + Real(1.01) * floor);
    for (const Index lane : {1, 3}) {
      EXPECT_NEAR(bernoulli->probs()(lane, 0), expected, 1e-9) << lane;
      EXPECT_EQ((*next.value)(lane, 0), 0) << "a stopped lane restarted";
    }

    // Every object absent: the canvas is empty.
    auto all_absent = [&](const Message& msg) -> std::optional<Tensor> {
      if (absl::StartsWith(msg.address.name(), "z_pres_")) return absent;
      return std::nullopt;
    };
    auto p = handlers::Trace(handlers::Substitute(
        handlers::Seed(AirModel(networks), 13), all_absent))(batch, Index{1});
    ASSERT_TRUE(p.ok()) << p.status();
    const Tensor log_lik =
        Find(p->trace, kObservationSite).distribution->LogProb(batch.images);
    const double sd = config.likelihood_sd;
    for (Index i = 0; i < 4; ++i) {
      const double empty =
          -0.5 * batch.images.value().row(i).cast<double>().squaredNorm() /
              (sd * sd) -
          144 * 0.5 * std::log(2 * M_PI * sd * sd);
      EXPECT_NEAR(log_lik(i, 0), empty, 1e-3 * std::abs(empty));
    }
  }
}

// Pyro's masking: with every object absent, the guide's density is that of
// z_pres_0 = 0 alone (the later z_pres have probability 0 of being 1, and
// the absent objects' z_where and z_what are masked out); genjax scores
// them.
TEST(AirModelTest, PyroMasksTheDensitiesOfAbsentObjects) {
  const Tensor absent(Matrix::Zero(3, 1));
  for (const AirConfig& config : {Small(GenjaxConfig()), Small(PyroConfig())}) {
    const AirNetworks networks(config, 14);
    auto q = handlers::Trace(handlers::Substitute(
        handlers::Seed(AirGuide(networks), 15),
        [&](const Message& msg) -> std::optional<Tensor> {
          if (absl::StartsWith(msg.address.name(), "z_pres_")) return absent;
          return std::nullopt;
        }))(AirBatch{Images(3, 12, 16), Tensor()}, Index{1});
    ASSERT_TRUE(q.ok()) << q.status();
    const Tensor lanes = q->trace.LaneLogProb();
    const Tensor first =
        Find(q->trace, ZPresSite(0)).distribution->LogProb(absent);
    for (Index i = 0; i < 3; ++i) {
      if (config.mask_absent) {
        EXPECT_NEAR(lanes(i, 0), first(i, 0), 1e-5);
      } else {
        EXPECT_GT(std::abs(lanes(i, 0) - first(i, 0)), 1e-2);
      }
    }
  }
}

// The projection passed in AirBatch gives the guide exactly the values and
// gradients of the projection it computes itself.
TEST(AirModelTest, AProjectionComputedOnceIsExact) {
  const AirConfig config = Small(GenjaxConfig());
  const AirNetworks networks(config, 17);
  const Tensor images = Images(4, 12, 18);
  auto run = [&](bool outside, Matrix* lanes, Matrix* grad) {
    ParamStore store;
    ParamStoreScope store_scope(store);
    TapeScope tape;
    const AirBatch batch{images,
                         outside ? networks.ProjectImages(images) : Tensor()};
    auto elbo = Expectation(Elbo(AirModel(networks), AirGuide(networks)));
    elbo.Seed(19);
    absl::StatusOr<GradientEstimate> g = elbo.GradEstimate(batch, Index{2});
    ASSERT_TRUE(g.ok()) << g.status();
    *lanes = g->value;
    *grad = (*store.Unconstrained("guide/lstm/shared/w"))->grad();
  };
  Matrix lanes_outside, grad_outside, lanes_inside, grad_inside;
  run(true, &lanes_outside, &grad_outside);
  run(false, &lanes_inside, &grad_inside);
  EXPECT_TRUE(lanes_outside.isApprox(lanes_inside, 1e-5));
  EXPECT_GT(grad_inside.norm(), 0);
  EXPECT_TRUE(grad_outside.isApprox(grad_inside, 1e-4));
}

// Each z_pres site takes its strategy from the wrapper the caller puts
// around the guide: the score function runs the program once, enumerating a
// site twice (one run per value), measure-valued derivatives once plus one
// value run for the side of the Bernoulli's coupling each lane did not
// draw. Value runs only sample their new sites, so under both, the two
// enumeration runs share the MVD draws and each MVD site adds its value run
// once.
TEST(AirModelTest, TheCallerChoosesEachZPresStrategy) {
  const AirConfig config = Small(GenjaxConfig());
  const AirNetworks networks(config, 21);
  const AirModel model(networks);
  const AirGuide guide(networks);
  const AirBatch batch{Images(3, 12, 22), Tensor()};
  auto runs = [&](auto wrapped) {
    ParamStore store;
    ParamStoreScope scope(store);
    auto elbo = Expectation(Elbo(model, wrapped)).Seed(23);
    absl::StatusOr<GradientEstimate> g = elbo.GradEstimate(batch, Index{1});
    EXPECT_TRUE(g.ok()) << g.status();
    if (!g.ok()) return -1;
    EXPECT_TRUE(g->value.allFinite());
    const Parameter* predict = *store.Unconstrained("guide/predict/0/b");
    EXPECT_GT(predict->grad().norm(), 0);
    return g->runs;
  };
  EXPECT_EQ(runs(ScoreFunction(guide, {"z_pres_0", "z_pres_1", "z_pres_2"})),
            1);
  EXPECT_EQ(runs(Enumerate(guide, {"z_pres_2"})), 2);
  EXPECT_EQ(runs(Enumerate(guide, {"z_pres_1", "z_pres_2"})), 4);
  EXPECT_EQ(runs(Mvd(guide, {"z_pres_0"})), 2);
  EXPECT_EQ(runs(Mvd(Enumerate(guide, {"z_pres_2"}), {"z_pres_0", "z_pres_1"})),
            2 + 2);
}

TEST(AirModelTest, WindowsLandInTheirBoxes) {
  AirBox box = WindowBox(1, 0, 0, 50);
  EXPECT_DOUBLE_EQ(box.top, 0);
  EXPECT_DOUBLE_EQ(box.left, 0);
  EXPECT_DOUBLE_EQ(box.side, 50);
  box = WindowBox(2, 0.5, -1, 50);
  EXPECT_DOUBLE_EQ(box.side, 25);
  EXPECT_DOUBLE_EQ(box.left, 6.25);  // centre -0.25: (-0.25 - 0.5 + 1) 25
  EXPECT_DOUBLE_EQ(box.top, 25);     // centre 0.5: (0.5 - 0.5 + 1) 25
  // A window of ones placed at z_where lights pixels inside its box only.
  const double s = 2.7, x = 0.4, y = -0.9;
  const Tensor canvas =
      WindowToImage(Tensor(Matrix((Matrix(1, 3) << s, x, y).finished())),
                    Tensor(Matrix::Ones(1, 20 * 20)), 20, 50);
  box = WindowBox(s, x, y, 50);
  int lit = 0;
  for (Index r = 0; r < 50; ++r) {
    for (Index c = 0; c < 50; ++c) {
      if (canvas(0, r * 50 + c) == 0) continue;
      ++lit;
      EXPECT_GE(r + 1, box.top);
      EXPECT_LE(r, box.top + box.side);
      EXPECT_GE(c + 1, box.left);
      EXPECT_LE(c, box.left + box.side);
    }
  }
  EXPECT_NEAR(lit, box.side * box.side, 4 * box.side + 4);
}

TEST(AirTrainingTest, AccuracyAndTheEmptyCanvas) {
  Eigen::MatrixXi confusion(3, 4);
  confusion << 5, 1, 0, 0, 2, 6, 1, 0, 0, 3, 4, 1;
  EXPECT_DOUBLE_EQ(CountAccuracy(confusion), 15.0 / 23.0);
  const Matrix images = (Matrix(2, 2) << 0, 1, 0.5, 0).finished();
  const double per_pixel = -0.5 * std::log(2 * M_PI * 0.09);
  EXPECT_NEAR(EmptyCanvasElbo(images, 0.3), (4 * per_pixel - 1.25 / 0.18) / 2,
              1e-9);
}

// A few steps of the trainer on the full-size genjax AIR: finite objectives,
// parameters that move, a confusion matrix over every image.
TEST(AirTrainingTest, TheTrainerStepsAndCounts) {
  AirTrainerOptions options;
  options.estimator = AirEstimator::kReinforceBaseline;
  options.baseline = AirBaseline::kLearned;
  AirTrainer trainer(options);
  const Tensor images = Images(8, 50, 20);
  absl::StatusOr<double> first = trainer.Step(images);
  ASSERT_TRUE(first.ok()) << first.status();
  const Matrix w =
      (*trainer.store().Unconstrained("model/decoder/1/w"))->value();
  for (int k = 0; k < 2; ++k) {
    absl::StatusOr<double> value = trainer.Step(images);
    ASSERT_TRUE(value.ok()) << value.status();
    EXPECT_TRUE(std::isfinite(*value));
  }
  EXPECT_EQ(trainer.steps(), 3);
  EXPECT_FALSE(w.isApprox(
      (*trainer.store().Unconstrained("model/decoder/1/w"))->value()));
  EXPECT_TRUE(trainer.store().Contains("baseline/0/w"));
  absl::StatusOr<Eigen::MatrixXi> confusion = trainer.CountConfusion(
      images.value(), {0, 1, 2, 0, 1, 2, 0, 1}, /*chunk=*/3, /*seed=*/4);
  ASSERT_TRUE(confusion.ok()) << confusion.status();
  EXPECT_EQ(confusion->rows(), 3);
  EXPECT_EQ(confusion->cols(), 4);
  EXPECT_EQ(confusion->sum(), 8);
  EXPECT_EQ(confusion->row(0).sum(), 3);
  EXPECT_EQ(
      trainer.CountConfusion(images.value(), {0, 1}, 3, 4).status().code(),
      absl::StatusCode::kInvalidArgument);
}

// Every configuration of --estimator takes finite steps that move the
// guide's parameters and (but for wake-sleep, see below) the model's.
TEST(AirTrainingTest, EveryEstimatorSteps) {
  const Tensor images = Images(4, 12, 24);
  std::vector<std::string> names;
  for (const AirEstimator estimator : AllAirEstimators()) {
    names.push_back(AirEstimatorName(estimator));
    AirTrainerOptions options;
    options.config = Small(GenjaxConfig());
    options.estimator = estimator;
    AirTrainer trainer(options);
    ASSERT_TRUE(trainer.Step(images).ok()) << names.back();
    const Matrix decoder =
        (*trainer.store().Unconstrained("model/decoder/1/w"))->value();
    const Matrix predict =
        (*trainer.store().Unconstrained("guide/predict/0/b"))->value();
    absl::StatusOr<double> value = trainer.Step(images);
    ASSERT_TRUE(value.ok()) << names.back() << ": " << value.status();
    EXPECT_TRUE(std::isfinite(*value)) << names.back();
    // Wake-sleep's model gradient is that of the resampled particles, which
    // on these few canvases may all be empty (no decoder in the canvas).
    if (estimator != AirEstimator::kRws10) {
      EXPECT_FALSE(decoder.isApprox(
          (*trainer.store().Unconstrained("model/decoder/1/w"))->value()))
          << names.back();
    }
    EXPECT_FALSE(predict.isApprox(
        (*trainer.store().Unconstrained("guide/predict/0/b"))->value()))
        << names.back();
    AirEstimator parsed;
    std::string error;
    EXPECT_TRUE(AbslParseFlag(names.back(), &parsed, &error));
    EXPECT_EQ(parsed, estimator);
  }
  EXPECT_EQ(names.size(), 10u);
  AirEstimator parsed;
  std::string error;
  EXPECT_FALSE(AbslParseFlag("vimco", &parsed, &error));
  EXPECT_THAT(error, HasSubstr("unknown estimator 'vimco'"));
}

TEST(AirTrainingTest, EveryScoreFunctionControlVariateSteps) {
  // Each baseline of reinforce-baseline takes two steps that move the
  // presence logit, and its name parses back.
  const Tensor images = Images(4, 12, 25);
  for (const AirBaseline baseline :
       {AirBaseline::kNone, AirBaseline::kMovingAverage, AirBaseline::kLearned,
        AirBaseline::kControlVariates, AirBaseline::kLearnedControlVariates}) {
    const std::string name = AirBaselineName(baseline);
    AirTrainerOptions options;
    options.config = Small(GenjaxConfig());
    options.estimator = AirEstimator::kReinforceBaseline;
    options.baseline = baseline;
    AirTrainer trainer(options);
    ASSERT_TRUE(trainer.Step(images).ok()) << name;
    const Matrix predict =
        (*trainer.store().Unconstrained("guide/predict/0/b"))->value();
    const absl::StatusOr<double> value = trainer.Step(images);
    ASSERT_TRUE(value.ok()) << name << ": " << value.status();
    EXPECT_TRUE(std::isfinite(*value)) << name;
    EXPECT_FALSE(predict.isApprox(
        (*trainer.store().Unconstrained("guide/predict/0/b"))->value()))
        << name;
    AirBaseline parsed;
    std::string error;
    EXPECT_TRUE(AbslParseFlag(name, &parsed, &error)) << error;
    EXPECT_EQ(parsed, baseline);
  }
}

TEST(AirTrainingTest, TheAdvisedEstimatorAdvisesBeforeItsFirstStepAndAgain) {
  const Tensor images = Images(4, 12, 26);
  AirTrainerOptions options;
  options.config = Small(GenjaxConfig());
  options.estimator = AirEstimator::kAdvised;
  options.advisor_estimates = 3;
  options.readvise_every = 2;
  AirTrainer trainer(options);
  EXPECT_EQ(trainer.advice_step(), -1);
  EXPECT_TRUE(trainer.advice_report().empty());
  ASSERT_TRUE(trainer.Step(images).ok());
  EXPECT_EQ(trainer.advice_step(), 0);
  for (const char* site : {"z_pres_0", "z_pres_1", "z_pres_2"}) {
    EXPECT_THAT(trainer.advice_report(), HasSubstr(site));
  }
  EXPECT_THAT(trainer.advice_report(), HasSubstr("<- chosen"));
  // Only the discrete sites are advised.
  EXPECT_THAT(trainer.advice_report(), Not(HasSubstr("z_what")));
  ASSERT_TRUE(trainer.Step(images).ok());
  EXPECT_EQ(trainer.advice_step(), 0);
  ASSERT_TRUE(trainer.Step(images).ok());
  EXPECT_EQ(trainer.advice_step(), 2);
}

TEST(AirTrainingTest, TheAdvisedEstimatorCanAdviseEverySite) {
  const Tensor images = Images(4, 12, 27);
  AirTrainerOptions options;
  options.config = Small(GenjaxConfig());
  options.estimator = AirEstimator::kAdvised;
  options.advisor_estimates = 2;
  options.advise_all_sites = true;
  options.analytic_kl = true;
  AirTrainer trainer(options);
  ASSERT_TRUE(trainer.Step(images).ok());
  for (const char* site : {"z_pres_0", "z_where_0", "z_what_0", "z_what_2"}) {
    EXPECT_THAT(trainer.advice_report(), HasSubstr(site));
  }
  ASSERT_TRUE(trainer.Step(images).ok());
}

// Each particle of AirIwelbo has its own z_pres sites: enumerating z_pres_2
// runs 2 branches per particle, 4 in all; with one particle the bound is the
// ELBO's value.
TEST(AirTrainingTest, IwelboParticlesHaveTheirOwnSites) {
  const AirNetworks networks(Small(GenjaxConfig()), 25);
  const AirModel model(networks);
  const AirGuide guide(networks);
  const AirBatch batch{Images(3, 12, 26), Tensor()};
  ParamStore store;
  ParamStoreScope scope(store);
  auto iwae =
      Expectation(AirIwelbo(model, Enumerate(guide, ZPresSites({2})), 2));
  iwae.Seed(27);
  absl::StatusOr<GradientEstimate> g = iwae.GradEstimate(batch, Index{1});
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->runs, 4);
  EXPECT_EQ(g->value.rows(), 3);
  auto one = Expectation(AirIwelbo(model, guide, 1)).Seed(28);
  auto elbo = Expectation(Elbo(model, guide)).Seed(28);
  absl::StatusOr<Tensor> a = one.Estimate(batch, Index{1});
  absl::StatusOr<Tensor> b = elbo.Estimate(batch, Index{1});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(a->value().isApprox(b->value(), 1e-4));
}

// Canvases written straight into the cache TrainAir reads, so no
// Fashion-MNIST files are needed.
std::string CachedCanvases(const std::string& name, Index train,
                           Index heldout) {
  const std::string cache = ::testing::TempDir() + name;
  mkdir(cache.c_str(), 0755);
  ObjectImages source;
  source.count = 3;
  source.height = source.width = 28;
  source.pixels.assign(3 * 28 * 28, 100);
  for (const auto& [count, split] : {std::make_pair(train, Split::kTrain),
                                     std::make_pair(heldout, Split::kTest)}) {
    MultiObjectOptions options;
    options.count = count;
    absl::StatusOr<MultiObjectDataset> data =
        GenerateMultiObject(source, options);
    EXPECT_TRUE(data.ok());
    EXPECT_TRUE(
        SaveMultiObject(*data, split,
                        cache + "/" + MultiObjectCacheName(options, split))
            .ok());
  }
  return cache;
}

AirTrainingOptions SmallRun(const std::string& name) {
  AirTrainingOptions options;
  options.train_images = 32;
  options.heldout_images = 16;
  options.eval_images = 16;
  options.batch = 8;
  options.steps = 6;
  options.eval_every = 3;
  options.log_every = 2;
  options.png_images = 4;
  options.cache_dir = CachedCanvases(name + "_cache", 32, 16);
  options.data_dir = ::testing::TempDir() + "no_fashion_mnist_needed";
  options.output_dir = ::testing::TempDir() + name + "_out";
  return options;
}

TEST(TrainAirTest, RunsAndWritesItsFiles) {
  const AirTrainingOptions options = SmallRun("train_air");
  std::ostringstream out;
  absl::StatusOr<AirTrainingResult> result = TrainAir(options, out);
  ASSERT_TRUE(result.ok()) << result.status() << "\n" << out.str();
  EXPECT_EQ(result->steps, 6);
  EXPECT_TRUE(std::isfinite(result->final_objective));
  EXPECT_EQ(result->train_confusion.sum(), 16);
  EXPECT_EQ(result->heldout_confusion.sum(), 16);
  EXPECT_THAT(out.str(), HasSubstr("count accuracy on 16 held-out canvases"));
  EXPECT_THAT(out.str(), HasSubstr("step     6  objective"));
  struct stat info;
  for (const std::string& path :
       {result->checkpoint_path, result->csv_path, result->png_path}) {
    EXPECT_EQ(stat(path.c_str(), &info), 0) << path;
  }
  ParamStore loaded;
  EXPECT_TRUE(loaded.Load(result->checkpoint_path, {.strict = false}).ok());
  EXPECT_TRUE(loaded.Contains("guide/lstm/shared/w"));
}

TEST(TrainAirTest, BadOptionsAndMissingDataAreErrors) {
  AirTrainingOptions options = SmallRun("bad_options");
  options.batch = 0;
  std::ostringstream out;
  EXPECT_EQ(TrainAir(options, out).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = SmallRun("missing_data");
  options.train_images = 40;  // not in the cache: generating needs the data
  EXPECT_EQ(TrainAir(options, out).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(AirBinaryTest, SmokeRunAndHelp) {
  const AirTrainingOptions options = SmallRun("binary");
  std::string output;
  EXPECT_EQ(::provi::testing::RunExample(
                "air",
                "--train_images=32 --heldout_images=16 --eval_images=16 "
                "--batch=8 --steps=2 --eval_every=2 --log_every=1 "
                "--png_images=2 --cache_dir=" +
                    options.cache_dir + " --data_dir=" + options.data_dir +
                    " --output_dir=" + options.output_dir,
                &output),
            0)
      << output;
  EXPECT_THAT(output, ::testing::ContainsRegex(
                          "step +2  objective +-?[0-9]+\\.[0-9]+ per image"));
  output.clear();
  EXPECT_EQ(::provi::testing::RunExample("air", "--helpfull", &output), 1);
  for (const char* flag : {"--estimator",     "--variant",
                           "--robust_where",  "--decoder_bias",
                           "--baseline",      "--baseline_decay",
                           "--learning_rate", "--baseline_learning_rate",
                           "--batch",         "--steps",
                           "--train_images",  "--heldout_images",
                           "--eval_images",   "--eval_every",
                           "--log_every",     "--seed",
                           "--data_seed",     "--data_dir",
                           "--cache_dir",     "--output_dir",
                           "--png_images"}) {
    EXPECT_THAT(output, HasSubstr(flag));
  }
  output.clear();
  EXPECT_NE(::provi::testing::RunExample("air", "--baseline=vimco", &output),
            0);
  EXPECT_THAT(output, HasSubstr("unknown baseline 'vimco'"));
}

}  // namespace
}  // namespace examples
}  // namespace provi
