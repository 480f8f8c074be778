// Copyright 2026 The provi Authors.
//
// File: benchmarks/small_models.h
// -----------------------------------------------------------------------------
//
// Small statistical models as provi programs, with their data, for the
// benchmarks that time the gradient of a log joint density
// (benchmarks/vi_stan_benchmark.cc, against Stan Math's gradient of the same
// densities in benchmarks/stan_models.h) and the SVI step
// (benchmarks/vi_benchmark.cc):
//
//   kEightSchoolsNoncentred  mu ~ N(0, 5), tau ~ HalfCauchy(5),
//                            theta_trans_j ~ N(0, 1),
//                            y_j ~ N(mu + tau theta_trans_j, sigma_j), j = 1..8
//   kEightSchoolsCentred     mu ~ N(0, 5), tau ~ HalfCauchy(5),
//                            theta_j ~ N(mu, tau), y_j ~ N(theta_j, sigma_j)
//   kLogisticRegression      beta ~ N(0, 1) (100 coefficients, one 1 x 100
//                            site), y_i ~ Bernoulli(logit = x_i . beta),
//                            1,000 rows of simulated data
//   kMixture                 mu_k ~ N(0, 10), k = 1..3,
//                            x_i ~ (1/3) Σ_k N(mu_k, 1), 500 simulated
//                            points (the assignments summed out: a factor
//                            of the per-point log-sum-exp)
//
// A model's latent values are one flat vector (`SmallModel::point`): its
// latent sites in program order, each in column-major order; Stan's versions
// take the same vector. The data are generated in double from fixed seeds,
// identically for both.
//
// `LogJointGradient` evaluates log p(latents, data) and its gradient with
// respect to the latents through provi's `Density` (the program replayed
// at choices whose values are variables, the per-lane density summed,
// `Backward`).
//
// Example:
//
//   const provi::small_models::SmallModel model =
//       provi::small_models::MakeModel(provi::small_models::kMixture);
//   provi::small_models::LogJointGradient log_joint(model);
//   Eigen::VectorXd gradient;
//   absl::StatusOr<double> lp = log_joint.Evaluate(model.point, &gradient);

#ifndef PROVI_BENCHMARKS_SMALL_MODELS_H_
#define PROVI_BENCHMARKS_SMALL_MODELS_H_

#include <functional>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "ad/tensor.h"
#include "benchmark/benchmark.h"
#include "estimators/expectation.h"
#include "vi/objectives.h"
#include "vi/optimizers.h"
#include "vi/param_store.h"
#include "vi/svi.h"

namespace provi {
namespace small_models {

// ModelKind
//
// The models of the file comment.
enum class ModelKind {
  kEightSchoolsNoncentred,
  kEightSchoolsCentred,
  kLogisticRegression,
  kMixture,
};
inline constexpr ModelKind kEightSchoolsNoncentred =
    ModelKind::kEightSchoolsNoncentred;
inline constexpr ModelKind kEightSchoolsCentred =
    ModelKind::kEightSchoolsCentred;
inline constexpr ModelKind kLogisticRegression = ModelKind::kLogisticRegression;
inline constexpr ModelKind kMixture = ModelKind::kMixture;

// Sizes of the simulated data sets.
inline constexpr Index kSchools = 8;
inline constexpr Index kRegressionRows = 1000;
inline constexpr Index kRegressionCoefficients = 100;
inline constexpr Index kMixturePoints = 500;
inline constexpr Index kMixtureComponents = 3;

// ModelData
//
// Every model's data, in double (Stan's side reads these; provi's programs
// hold Real copies).
struct ModelData {
  Eigen::VectorXd effects;          // eight schools: y
  Eigen::VectorXd standard_errors;  // eight schools: sigma
  Eigen::MatrixXd features;         // regression: 1,000 x 100
  std::vector<int> outcomes;        // regression: 0 or 1 per row
  Eigen::VectorXd points;           // mixture: 500 values
};

// The data of all models (simulated from fixed seeds; the same on every
// call).
const ModelData& Data();

// LatentSite
//
// A latent sample site: its address and the shape of its value.
struct LatentSite {
  std::string name;
  Index rows;
  Index cols;
};

// SmallModel
//
// A model as a provi program (data bound), its latent sites in program
// order, and a point in the support to evaluate at (flattened as in the file
// comment).
struct SmallModel {
  ModelKind kind;
  std::string name;
  std::function<void()> program;
  std::vector<LatentSite> latents;
  Eigen::VectorXd point;
};

// MakeModel()
//
// The model of `kind`.
SmallModel MakeModel(ModelKind kind);

// EightSchoolsNoncentred()
//
// The non-centred eight schools model as a program of (y, sigma), both
// 8 x 1 (the program `MakeModel(kEightSchoolsNoncentred)` binds to the
// data; vi_benchmark fits it with SVI).
void EightSchoolsNoncentred(const Tensor& y, const Tensor& sigma);

// EightSchoolsData()
//
// y and sigma of eight schools as 8 x 1 tensors (constants).
Tensor EightSchoolsEffects();
Tensor EightSchoolsStandardErrors();

// RunEightSchoolsSvi()
//
// The benchmark loop of one SVI step per iteration on the non-centred eight
// schools: `Svi` of `Expectation(Elbo(EightSchoolsNoncentred, guide))`
// (seeded) with Adam (learning rate 0.01) over `store`. Sets the counter
// `steps_per_s`; stops with an error if a step fails.
template <typename Guide>
void RunEightSchoolsSvi(benchmark::State& state, Guide guide,
                        ParamStore& store) {
  const Tensor y = EightSchoolsEffects();
  const Tensor sigma = EightSchoolsStandardErrors();
  Adam adam({.learning_rate = 0.01});
  auto elbo = Expectation(Elbo(EightSchoolsNoncentred, guide));
  elbo.Seed(2026);
  Svi svi(elbo, adam, store);
  for (auto _ : state) {
    absl::StatusOr<Real> value = svi.Step(y, sigma);
    if (!value.ok()) {
      state.SkipWithError(std::string(value.status().message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(*value);
  }
  state.counters["steps_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// LogJointGradient
//
// log p(latents, data) of a model and its gradient with respect to the
// latents, through provi's `Density`. The model must outlive this object.
class LogJointGradient {
 public:
  explicit LogJointGradient(const SmallModel& model);

  // Evaluate()
  //
  // The log joint at `point` (flattened as in the file comment; its size
  // must be the number of latent values), and its gradient in `*gradient`
  // (resized). An error (a value outside the support, say) comes back as a
  // Status naming the site.
  absl::StatusOr<double> Evaluate(const Eigen::VectorXd& point,
                                  Eigen::VectorXd* gradient);

 private:
  const SmallModel& model_;
  std::vector<Parameter> latents_;
};

}  // namespace small_models
}  // namespace provi

#endif  // PROVI_BENCHMARKS_SMALL_MODELS_H_
