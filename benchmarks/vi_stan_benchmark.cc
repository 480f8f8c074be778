// Copyright 2026 The provi Authors.
//
// provi against Stan Math on small models, in one binary: the gradient of
// a log joint density with respect to the latent values (one evaluation per
// iteration), for the models of benchmarks/small_models.h, and the whole SVI
// step of the non-centred eight schools against Stan's gradient of its log
// density.
//
//   BM_LogJoint_Provi/<model>    provi: `Density` of the model program at
//                                choices whose values are variables, summed,
//                                `Backward` (LogJointGradient)
//   BM_LogJoint_Stan/<model>     Stan Math: `stan::math::gradient` of the same
//                                density (stan_models.h)
//   BM_LogJoint_StanGlm/2        the regression through Stan's fused
//                                `bernoulli_logit_glm_lpmf`
//   BM_Svi_AutoNormal            one SVI step on eight schools (AutoNormal
//                                guide draw, model density, guide density,
//                                backward, Adam), as in vi_benchmark
//
// Models by argument: 0 eight schools non-centred, 1 centred, 2 logistic
// regression (1,000 x 100), 3 mixture (3 components, 500 points).
// tests/benchmarks/stan_models_test.cc checks that both sides compute the
// same log density and gradient.
//
// Manual target (needs Stan Math, which ./bazelw installs):
//
//   ./bazelw run //benchmarks:vi_stan_benchmark --
//       --benchmark_repetitions=10 --benchmark_report_aggregates_only=true

#include <string>

#include "absl/status/statusor.h"
#include "benchmark/benchmark.h"
#include "benchmarks/small_models.h"
#include "benchmarks/stan_models.h"
#include "vi/autoguide.h"
#include "vi/param_store.h"

namespace provi {
namespace {

using small_models::ModelKind;

ModelKind Kind(const benchmark::State& state) {
  return static_cast<ModelKind>(state.range(0));
}

void BM_LogJoint_Provi(benchmark::State& state) {
  const small_models::SmallModel model = small_models::MakeModel(Kind(state));
  state.SetLabel(model.name);
  small_models::LogJointGradient log_joint(model);
  Eigen::VectorXd gradient;
  for (auto _ : state) {
    absl::StatusOr<double> value = log_joint.Evaluate(model.point, &gradient);
    if (!value.ok()) {
      state.SkipWithError(std::string(value.status().message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(*value);
    benchmark::DoNotOptimize(gradient.data());
  }
}
BENCHMARK(BM_LogJoint_Provi)->DenseRange(0, 3);

void RunStan(benchmark::State& state, stan_models::StanForm form) {
  const small_models::SmallModel model = small_models::MakeModel(Kind(state));
  state.SetLabel(model.name);
  Eigen::VectorXd gradient;
  for (auto _ : state) {
    const double value =
        stan_models::LogJointGradient(form, model.kind, model.point, &gradient);
    benchmark::DoNotOptimize(value);
    benchmark::DoNotOptimize(gradient.data());
  }
}

void BM_LogJoint_Stan(benchmark::State& state) {
  RunStan(state, stan_models::StanForm::kDefault);
}
BENCHMARK(BM_LogJoint_Stan)->DenseRange(0, 3);

void BM_LogJoint_StanGlm(benchmark::State& state) {
  RunStan(state, stan_models::StanForm::kGlm);
}
BENCHMARK(BM_LogJoint_StanGlm)
    ->Arg(static_cast<int>(ModelKind::kLogisticRegression));

void BM_Svi_AutoNormal(benchmark::State& state) {
  ParamStore store;
  small_models::RunEightSchoolsSvi(
      state, AutoNormal(small_models::EightSchoolsNoncentred), store);
}
BENCHMARK(BM_Svi_AutoNormal);

}  // namespace
}  // namespace provi
