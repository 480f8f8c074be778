// Copyright 2026 The provi Authors.
//
// Attend-Infer-Repeat (examples/air_model.h) at batch 64, float by default,
// one thread:
//
//   BM_SpatialTransform_*   the spatial transformer forward and backward:
//                           WindowToImage (20 x 20 windows onto 50 x 50
//                           canvases, gradients to windows and transforms)
//                           and ImageToWindow (50 x 50 canvases read into
//                           20 x 20 windows, gradients to the transforms), as
//                           provi's `SpatialTransform` node and as the
//                           hand-written loops of benchmarks/air_models.h;
//   BM_AirTrainingStep      one REINFORCE training step of the genjax.vi AIR
//                           (AirTrainer::Step: estimate, sweep, Adam), no
//                           baseline;
//   BM_AirStep_*            one training step (image projection, gradient
//                           estimate, Adam) of each configuration of the
//                           paper's Table 2 and Figure 7 at the z_pres
//                           sites: REINFORCE (no baseline; learned
//                           baseline), ENUM (enumeration of the three
//                           sites), MVD, IWAE(K = 2) with REINFORCE and with
//                           MVD (`examples::AirIwelbo`, as the study trains
//                           them: sequential particles declared
//                           independent, so an MVD counterfactual re-runs
//                           its own particle only), and the hybrid (MVD at
//                           steps 0 and 1,
//                           enumeration at step 2). Timed in the thread's
//                           CPU time (manual time); counters: `ratio` to
//                           REINFORCE's median step in the same binary run,
//                           `runs` (program executions per step) and
//                           `epoch_s` (60,000 canvases at 64 per step);
//   BM_AirGradientStep_*    the gradient step alone, through provi's programs
//                           and estimator (Provi) and written directly with
//                           ad/ operations (Direct): their difference is the
//                           cost of the programs, handlers, traces and
//                           estimator;
//   BM_AirPart_*            the step's parts, forward and backward, at the
//                           shapes of the step: the LSTM's image projection,
//                           its three steps, the six spatial transformers,
//                           the decoder (three times), the encoder and
//                           predict networks (three times), the likelihood.
//
// Windows sit where a trained guide puts them (the robust z_where, scale
// about 3), so the transformers do their usual work. Canvases are
// synthetic (air_models.h's Canvases); no data set is needed.
//
//   ./bazelw run --config=native //benchmarks:air_benchmark --
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

#include <time.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "ad/ops.h"
#include "ad/tape.h"
#include "base/check.h"
#include "base/random.h"
#include "benchmark/benchmark.h"
#include "benchmarks/air_models.h"
#include "distributions/normal.h"
#include "estimators/strategies.h"
#include "examples/air_model.h"
#include "examples/air_training.h"
#include "vi/generative.h"
#include "vi/objectives.h"
#include "vi/optimizers.h"
#include "vi/param_store.h"

namespace provi {
namespace air_benchmark {
namespace {

using examples::AirConfig;
using examples::kAirSteps;

constexpr Index kBatch = 64;
constexpr Index kCanvas = 50;
constexpr Index kWindow = 20;

AirConfig BenchmarkConfig() {
  AirConfig config = examples::GenjaxConfig();
  config.robust_where = true;
  return config;
}

Matrix Gaussian(Index rows, Index cols, double sd, uint64_t seed) {
  Rng rng = MakeRng(seed);
  Matrix m(rows, cols);
  for (Index k = 0; k < m.size(); ++k) {
    m(k) = static_cast<Real>(absl::Gaussian<double>(rng, 0, sd));
  }
  return m;
}

// Transforms near the prior N([3, 0, 0], [0.2, 1, 1]).
Matrix Wheres(uint64_t seed) {
  Matrix where = Gaussian(kBatch, 3, 1, seed);
  for (Index n = 0; n < kBatch; ++n) {
    where(n, 0) = 3 + Real(0.2) * where(n, 0);
  }
  return where;
}

// --- Spatial transformer ----------------------------------------------------

void BM_SpatialTransform_WindowToImage_Provi(benchmark::State& state) {
  const Matrix windows = Gaussian(kBatch, kWindow * kWindow, 1, 1);
  const Matrix where = Wheres(2);
  const Matrix grad = Gaussian(kBatch, kCanvas * kCanvas, 1, 3);
  for (auto _ : state) {
    TapeScope scope;
    const Tensor w = Variable(windows);
    const Tensor z = Variable(where);
    const Tensor out =
        SpatialTransform(w, z, kWindow, kWindow, kCanvas, kCanvas);
    out.adjoint() = grad;
    Tape::Current().Sweep();
    benchmark::DoNotOptimize(z.adjoint_data()[0]);
  }
}

void BM_SpatialTransform_WindowToImage_HandWritten(benchmark::State& state) {
  const Matrix windows = Gaussian(kBatch, kWindow * kWindow, 1, 1);
  const Matrix where = Wheres(2);
  const Matrix grad = Gaussian(kBatch, kCanvas * kCanvas, 1, 3);
  const HandWrittenSpatialTransform stn{kWindow, kCanvas};
  Matrix out, windows_grad, where_grad;
  for (auto _ : state) {
    stn.Forward(windows, where, &out);
    windows_grad.setZero(kBatch, kWindow * kWindow);
    where_grad.setZero(kBatch, 3);
    stn.Backward(windows, where, grad, &windows_grad, &where_grad);
    benchmark::DoNotOptimize(where_grad.data()[0]);
  }
}

// The inverse transform is part of both: image_to_window reads with
// (1/s, -x/s, -y/s).
Matrix Inverse(const Matrix& where) {
  Matrix inverse(where.rows(), 3);
  for (Index n = 0; n < where.rows(); ++n) {
    inverse(n, 0) = 1 / where(n, 0);
    inverse(n, 1) = -where(n, 1) / where(n, 0);
    inverse(n, 2) = -where(n, 2) / where(n, 0);
  }
  return inverse;
}

void BM_SpatialTransform_ImageToWindow_Provi(benchmark::State& state) {
  const Matrix images = Canvases(kBatch, 4);
  const Matrix inverse = Inverse(Wheres(5));
  const Matrix grad = Gaussian(kBatch, kWindow * kWindow, 1, 6);
  const Tensor image_tensor(images);
  for (auto _ : state) {
    TapeScope scope;
    const Tensor z = Variable(inverse);
    const Tensor out =
        SpatialTransform(image_tensor, z, kCanvas, kCanvas, kWindow, kWindow);
    out.adjoint() = grad;
    Tape::Current().Sweep();
    benchmark::DoNotOptimize(z.adjoint_data()[0]);
  }
}

void BM_SpatialTransform_ImageToWindow_HandWritten(benchmark::State& state) {
  const Matrix images = Canvases(kBatch, 4);
  const Matrix inverse = Inverse(Wheres(5));
  const Matrix grad = Gaussian(kBatch, kWindow * kWindow, 1, 6);
  const HandWrittenSpatialTransform stn{kCanvas, kWindow};
  Matrix out, where_grad;
  for (auto _ : state) {
    stn.Forward(images, inverse, &out);
    where_grad.setZero(kBatch, 3);
    stn.Backward(images, inverse, grad, nullptr, &where_grad);
    benchmark::DoNotOptimize(where_grad.data()[0]);
  }
}

// --- The whole step ---------------------------------------------------------

void BM_AirTrainingStep(benchmark::State& state) {
  examples::AirTrainerOptions options;
  options.config = BenchmarkConfig();
  options.baseline = examples::AirBaseline::kNone;
  examples::AirTrainer trainer(options);
  const Tensor images(Canvases(kBatch, 7));
  benchmark::DoNotOptimize(trainer.Step(images));  // creates the parameters
  for (auto _ : state) {
    benchmark::DoNotOptimize(trainer.Step(images));
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

template <typename Step>
void RunGradientSteps(benchmark::State& state) {
  Step step(BenchmarkConfig(), Canvases(kBatch, 7), /*seed=*/8);
  benchmark::DoNotOptimize(step.Step());
  for (auto _ : state) {
    benchmark::DoNotOptimize(step.Step());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void BM_AirGradientStep_Provi(benchmark::State& state) {
  RunGradientSteps<ProviAirStep>(state);
}
void BM_AirGradientStep_Direct(benchmark::State& state) {
  RunGradientSteps<DirectAirStep>(state);
}

// --- One training step per configuration ------------------------------------

// The configurations of the paper's Table 2 and Figure 7, as estimator
// wrappers around AIR's guide: the z_pres strategy per site, the objective
// and the particle count.
enum class Configuration {
  kReinforce,
  kReinforceLearnedBaseline,
  kEnum,
  kMvd,
  kIwaeReinforce,
  kIwaeMvd,
  kHybrid,
};

// A training step of one configuration: the image projection once, the
// objective's gradient estimate through provi's estimator, and Adam on
// every parameter (the baseline network included).
class ConfigurationStep {
 public:
  ConfigurationStep(Configuration configuration, uint64_t seed)
      : networks_(BenchmarkConfig(), seed),
        images_(Canvases(kBatch, 7)),
        slots_(std::make_shared<examples::AirStepBaselines>()),
        adam_(AdamOptions{1e-4}) {
    const examples::AirModel model(networks_);
    const examples::AirGuide guide(networks_);
    switch (configuration) {
      case Configuration::kReinforce:
        Make(Elbo(model,
                  ScoreFunction(guide, {"z_pres_0", "z_pres_1", "z_pres_2"})),
             1);
        break;
      case Configuration::kReinforceLearnedBaseline: {
        const examples::AirGuide with_baselines(networks_, slots_);
        std::shared_ptr<examples::AirStepBaselines> slots = slots_;
        auto baseline = [slots](int t) {
          return LearnedBaseline([slots, t] { return slots->values[t]; });
        };
        Make(Elbo(model,
                  ScoreFunction(
                      ScoreFunction(ScoreFunction(with_baselines, {"z_pres_0"},
                                                  baseline(0)),
                                    {"z_pres_1"}, baseline(1)),
                      {"z_pres_2"}, baseline(2))),
             1);
        break;
      }
      case Configuration::kEnum:
        Make(
            Elbo(model, Enumerate(guide, {"z_pres_0", "z_pres_1", "z_pres_2"})),
            1);
        break;
      case Configuration::kMvd:
        Make(Elbo(model, Mvd(guide, {"z_pres_0", "z_pres_1", "z_pres_2"})), 1);
        break;
      case Configuration::kIwaeReinforce:
        Make(examples::AirIwelbo(
                 model, ScoreFunction(guide, examples::ZPresSites({0, 1, 2})),
                 2),
             1);
        break;
      case Configuration::kIwaeMvd:
        Make(examples::AirIwelbo(
                 model, Mvd(guide, examples::ZPresSites({0, 1, 2})), 2),
             1);
        break;
      case Configuration::kHybrid:
        Make(Elbo(model, Mvd(Enumerate(guide, {"z_pres_2"}),
                             {"z_pres_0", "z_pres_1"})),
             1);
        break;
    }
  }

  // One step; returns the number of program executions.
  int Step() {
    store_.ZeroGrad();
    int runs = 0;
    {
      ParamStoreScope store_scope(store_);
      TapeScope tape;
      const examples::AirBatch batch{images_, networks_.ProjectImages(images_)};
      runs = estimate_(batch);
    }
    std::vector<Parameter*> parameters;
    for (const NamedParameter& p : store_.parameters()) {
      p.parameter->grad() = -p.parameter->grad();
      parameters.push_back(p.parameter);
    }
    const absl::Status status = adam_.Step(parameters);
    PROVI_CHECK(status.ok()) << status;
    return runs;
  }

 private:
  template <typename Objective>
  void Make(Objective objective, Index particles) {
    auto expectation =
        std::make_shared<Expectation<Objective>>(std::move(objective));
    expectation->Seed(11);
    estimate_ = [expectation, particles](const examples::AirBatch& batch) {
      const absl::StatusOr<GradientEstimate> g =
          expectation->GradEstimate(batch, particles);
      PROVI_CHECK(g.ok()) << g.status();
      return g->runs;
    };
  }

  examples::AirNetworks networks_;
  Tensor images_;
  std::shared_ptr<examples::AirStepBaselines> slots_;
  ParamStore store_;
  Adam adam_;
  std::function<int(const examples::AirBatch&)> estimate_;
};

// The CPU time of this thread: the steps run on one thread, and on a
// shared machine its CPU time varies less than the wall clock.
double ThreadSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// The step time of REINFORCE, measured once per binary run by the first
// configuration benchmark, for the ratio counters.
double& ReinforceSeconds() {
  static double seconds = 0;
  return seconds;
}

// Steps of one configuration; counters: the ratio of its step time to
// REINFORCE's (same binary), the program executions per step, and the time
// of one epoch of 60,000 canvases at 64 per step.
void RunConfiguration(benchmark::State& state, Configuration configuration) {
  ConfigurationStep step(configuration, /*seed=*/1);
  int runs = step.Step();  // creates the parameters
  const auto timed = [&] {
    const double start = ThreadSeconds();
    runs = step.Step();
    return ThreadSeconds() - start;
  };
  if (configuration != Configuration::kReinforce && ReinforceSeconds() == 0) {
    ConfigurationStep reinforce(Configuration::kReinforce, 1);
    reinforce.Step();
    std::vector<double> times;
    for (int n = 0; n < 5; ++n) {
      const double start = ThreadSeconds();
      reinforce.Step();
      times.push_back(ThreadSeconds() - start);
    }
    std::sort(times.begin(), times.end());
    ReinforceSeconds() = times[2];
  }
  std::vector<double> times;
  for (auto _ : state) {
    const double seconds = timed();
    state.SetIterationTime(seconds);
    times.push_back(seconds);
  }
  std::sort(times.begin(), times.end());
  const double median = times[times.size() / 2];
  if (configuration == Configuration::kReinforce) ReinforceSeconds() = median;
  state.counters["runs"] = runs;
  state.counters["ratio"] = median / ReinforceSeconds();
  state.counters["epoch_s"] = median * 60000.0 / kBatch;
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void BM_AirStep_Reinforce(benchmark::State& state) {
  RunConfiguration(state, Configuration::kReinforce);
}
void BM_AirStep_ReinforceLearnedBaseline(benchmark::State& state) {
  RunConfiguration(state, Configuration::kReinforceLearnedBaseline);
}
void BM_AirStep_Enum(benchmark::State& state) {
  RunConfiguration(state, Configuration::kEnum);
}
void BM_AirStep_Mvd(benchmark::State& state) {
  RunConfiguration(state, Configuration::kMvd);
}
void BM_AirStep_Iwae2Reinforce(benchmark::State& state) {
  RunConfiguration(state, Configuration::kIwaeReinforce);
}
void BM_AirStep_Iwae2Mvd(benchmark::State& state) {
  RunConfiguration(state, Configuration::kIwaeMvd);
}
void BM_AirStep_HybridMvdMvdEnum(benchmark::State& state) {
  RunConfiguration(state, Configuration::kHybrid);
}

// --- The parts --------------------------------------------------------------

// Runs `part()` (a forward pass returning a tensor) and a reverse sweep from
// the sum of its output, inside a store holding the networks' parameters.
template <typename F>
void RunPart(benchmark::State& state, F part) {
  ParamStore store;
  ParamStoreScope store_scope(store);
  {
    TapeScope scope;  // creates the parameters
    Backward(SumAll(part()));
  }
  for (auto _ : state) {
    TapeScope scope;
    const Tensor out = part();
    Backward(SumAll(out));
    benchmark::DoNotOptimize(out.value_data()[0]);
  }
}

void BM_AirPart_ImageProjection(benchmark::State& state) {
  const examples::AirNetworks networks(BenchmarkConfig(), 1);
  const Tensor images(Canvases(kBatch, 9));
  RunPart(state, [&] { return networks.ProjectImages(images); });
}

void BM_AirPart_LstmSteps(benchmark::State& state) {
  const AirConfig config = BenchmarkConfig();
  const examples::AirNetworks networks(config, 1);
  const Matrix projection = Gaussian(kBatch, 4 * config.hidden, 1, 10);
  const Matrix inputs = Gaussian(kBatch, 3 + config.what + 1, 1, 11);
  RunPart(state, [&] {
    const nn::LstmCell::Bound lstm = networks.lstm().Bind();
    const Tensor p = Variable(projection);
    const Tensor u = Variable(inputs);
    nn::LstmState s;
    for (int t = 0; t < kAirSteps; ++t) s = lstm.Step(p, u, s);
    return s.h;
  });
}

void BM_AirPart_SpatialTransforms(benchmark::State& state) {
  const Matrix windows = Gaussian(kBatch, kWindow * kWindow, 1, 12);
  const Matrix where = Wheres(13);
  const Tensor images(Canvases(kBatch, 14));
  RunPart(state, [&] {
    Tensor total;
    for (int t = 0; t < kAirSteps; ++t) {
      const Tensor z = Variable(where);
      const Tensor placed =
          examples::WindowToImage(z, Variable(windows), kWindow, kCanvas);
      const Tensor read = examples::ImageToWindow(z, images, kCanvas, kWindow);
      const Tensor sum = SumAll(placed) + SumAll(read);
      total = t == 0 ? sum : total + sum;
    }
    return total;
  });
}

void BM_AirPart_Decoder(benchmark::State& state) {
  const AirConfig config = BenchmarkConfig();
  const examples::AirNetworks networks(config, 1);
  const Matrix z_what = Gaussian(kBatch, config.what, 1, 15);
  RunPart(state, [&] {
    const nn::Mlp::Bound decoder = networks.decoder().Bind();
    Tensor total;
    for (int t = 0; t < kAirSteps; ++t) {
      const Tensor sum = SumAll(networks.Decode(decoder, Variable(z_what)));
      total = t == 0 ? sum : total + sum;
    }
    return total;
  });
}

void BM_AirPart_EncoderAndPredict(benchmark::State& state) {
  const AirConfig config = BenchmarkConfig();
  const examples::AirNetworks networks(config, 1);
  const Matrix windows = Gaussian(kBatch, kWindow * kWindow, 1, 16);
  const Matrix hidden = Gaussian(kBatch, config.hidden, 1, 17);
  RunPart(state, [&] {
    const nn::Mlp::Bound encoder = networks.encoder().Bind();
    const nn::Mlp::Bound predict = networks.predict().Bind();
    Tensor total;
    for (int t = 0; t < kAirSteps; ++t) {
      const Tensor sum = SumAll(encoder(Variable(windows))) +
                         SumAll(predict(Variable(hidden)));
      total = t == 0 ? sum : total + sum;
    }
    return total;
  });
}

void BM_AirPart_Likelihood(benchmark::State& state) {
  const Matrix canvas = Gaussian(kBatch, kCanvas * kCanvas, 0.3, 18);
  const Tensor images(Canvases(kBatch, 19));
  RunPart(state, [&] {
    return Normal(Variable(canvas), Tensor(Real(0.3))).LogProb(images);
  });
}

BENCHMARK(BM_SpatialTransform_WindowToImage_Provi)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SpatialTransform_WindowToImage_HandWritten)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SpatialTransform_ImageToWindow_Provi)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SpatialTransform_ImageToWindow_HandWritten)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AirTrainingStep)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AirGradientStep_Provi)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AirGradientStep_Direct)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AirStep_Reinforce)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AirStep_ReinforceLearnedBaseline)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AirStep_Enum)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AirStep_Mvd)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AirStep_Iwae2Reinforce)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AirStep_Iwae2Mvd)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AirStep_HybridMvdMvdEnum)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AirPart_ImageProjection)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AirPart_LstmSteps)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AirPart_SpatialTransforms)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AirPart_Decoder)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AirPart_EncoderAndPredict)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AirPart_Likelihood)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace air_benchmark
}  // namespace provi
