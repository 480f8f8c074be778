// Copyright 2026 The provi Authors.
//
// File: examples/air_training.h
// -----------------------------------------------------------------------------
//
// Training and evaluating AIR (examples/air_model.h) on multi-object
// Fashion-MNIST canvases (data/multi_object.h) with any of the gradient
// estimators "Probabilistic Programming with Programmable Variational
// Inference" (Becker et al., PLDI 2024) compares on it: the whole of
// examples/air.cc but the flags.
//
// The estimators (`AirEstimator`) are an objective program and a strategy
// per z_pres site, chosen by wrapping the guide (estimators/strategies.h);
// z_where and z_what are reparameterised throughout:
//
//   reinforce           Elbo; ScoreFunction at every z_pres, no baseline
//                       (genjax.vi's REINFORCE)
//   reinforce-baseline  Elbo; ScoreFunction with the chosen baseline: a
//                       moving average of the site's cost, or a learned
//                       data-dependent baseline (a network on the guide's
//                       detached LSTM state, trained by its own squared
//                       error, as Pyro's "REINFORCE + baselines")
//   enum                Elbo; Enumerate at every z_pres (exact over the
//                       2³ presence patterns)
//   mvd                 Elbo; Mvd (measure-valued derivative) at every z_pres
//   hybrid              Elbo; Mvd at z_pres_0 and z_pres_1, Enumerate at
//                       z_pres_2
//   iwae2-reinforce,    the importance-weighted bound with K = 2 particles
//   iwae2-mvd,          (`AirIwelbo`) and the strategies of reinforce, mvd
//   hybrid-iwae2        and hybrid at each particle's z_pres sites
//   advised             Elbo; the guide written with no strategy, its
//                       z_pres sites left to the estimator advisor
//                       (estimators/advisor.h): `Advise` runs a pilot on
//                       the first minibatch (and every `readvise_every`
//                       steps) and each z_pres site adopts the strategy
//                       with the lowest variance × time; z_where and
//                       z_what keep their default (pathwise), or are
//                       advised too with `advise_all_sites`
//   rws10               reweighted wake-sleep (`AirWakeSleep`): K = 10 guide
//                       particles drawn without gradient, one resampled per
//                       image (SIR); the model ascends log p(x, z*) and the
//                       guide log q(z* | x), so z_pres needs no estimator
//
// `AirTrainer` owns the networks, the parameter store and the optimisers;
// `Step(images)` takes one gradient step:
//
//   1. the LSTM's image projection is computed once for the minibatch
//      (AirBatch::projection), on the tape, and every step of the guide,
//      every particle and every re-execution of it reuses it;
//   2. `Expectation(objective)` estimates the gradient;
//   3. Adam ascends the mean objective per image, the baseline network with
//      its own learning rate.
//
// `CountConfusion` evaluates count accuracy as the paper does: one guide
// sample per image, inferred count Σ_t z_pres_t, and the 3 x 4 confusion
// matrix C[true][inferred].
//
// `TrainAir` runs the whole experiment and reports on `out`: a header
// (data, variant, options, the "empty canvas" ELBO every model can reach by
// explaining nothing), a progress line every `log_every` steps (steps/s,
// the mean objective per image, count accuracy on a fixed subset of the
// training canvases, evaluated every `eval_every` steps), and at the end
// the confusion matrices on that subset and on held-out canvases made from
// Fashion-MNIST's test images. It writes, under `output_dir`: `air.params`
// (a checkpoint of the ParamStore), `air_training.csv` (one row per step:
// estimator, seed, step, cumulative training seconds, the step's objective
// estimate, its exponential moving average over about 100 steps (decay
// 0.99), and on evaluation steps the count accuracy and the confusion
// matrix c<true><inferred>, then the cumulative training CPU seconds) and
// `air_boxes.png` (held-out canvases with the
// inferred objects' windows drawn, each followed by the model's
// reconstruction from the guide's latents).
//
// Errors are returned, never thrown: InvalidArgument for bad options; the
// data set's status (naming the file); the status of a failing step (a
// non-finite objective, naming the step); I/O errors naming the file.
//
// Example:
//
//   provi::examples::AirTrainingOptions options;
//   options.estimator = provi::examples::AirEstimator::kHybrid;
//   absl::StatusOr<provi::examples::AirTrainingResult> result =
//       provi::examples::TrainAir(options, std::cout);

#ifndef PROVI_EXAMPLES_AIR_TRAINING_H_
#define PROVI_EXAMPLES_AIR_TRAINING_H_

#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ad/ops.h"
#include "ad/tensor.h"
#include "data/fashion_mnist.h"
#include "estimators/advisor.h"
#include "estimators/baselines.h"
#include "estimators/with_strategy.h"
#include "examples/air_model.h"
#include "handlers/scope.h"
#include "runtime/handler.h"
#include "vi/generative.h"
#include "vi/objectives.h"
#include "vi/optimizers.h"
#include "vi/param_store.h"

namespace provi {
namespace examples {

// AirBaseline
//
// The control variate of the score function at the z_pres sites: none, a
// moving average of the site's cost, a learned data-dependent baseline, or
// the fitted control variates of estimators/control_variates.h (one
// coefficient per value of the site, with its exact expectation added
// back), or learned control variates: a coefficient per value of z_pres
// and per image, from the baseline network with two outputs
// (ScoreFunctionWithLearnedControlVariates).
enum class AirBaseline {
  kNone,
  kMovingAverage,
  kLearned,
  kControlVariates,
  kLearnedControlVariates,
};

// AirBaselineName(), AbslParseFlag(), AbslUnparseFlag()
//
// "none", "moving_average", "learned", "control_variates",
// "learned_control_variates".
std::string AirBaselineName(AirBaseline baseline);
bool AbslParseFlag(absl::string_view text, AirBaseline* baseline,
                   std::string* error);
std::string AbslUnparseFlag(AirBaseline baseline);

// AirEstimator
//
// The configurations of the file comment.
enum class AirEstimator {
  kReinforce,
  kReinforceBaseline,
  kEnum,
  kMvd,
  kHybrid,
  kIwae2Reinforce,
  kIwae2Mvd,
  kHybridIwae2,
  kRws10,
  kAdvised,
};

// AllAirEstimators()
//
// Every configuration, in the order above.
const std::vector<AirEstimator>& AllAirEstimators();

// AirEstimatorName(), AbslParseFlag(), AbslUnparseFlag()
//
// "reinforce", "reinforce-baseline", "enum", "mvd", "hybrid",
// "iwae2-reinforce", "iwae2-mvd", "hybrid-iwae2", "rws10", "advised".
std::string AirEstimatorName(AirEstimator estimator);
bool AbslParseFlag(absl::string_view text, AirEstimator* estimator,
                   std::string* error);
std::string AbslUnparseFlag(AirEstimator estimator);

// ZPresSites()
//
// Selects the z_pres sites of the listed steps, also inside a particle of
// `AirIwelbo` (addresses "particle_k/z_pres_t").
SitePredicate ZPresSites(std::initializer_list<int> steps);

// AirIwelbo()
//
// The importance-weighted bound log (1/K) Σ_k p(x, z_k) / q(z_k | x) per
// image, a program of (batch, particles) whose `particles` is ignored:
// `SequentialIwelbo` (vi/objectives.h), the guide and the model run K
// times, particle k with its sites under "particle_k/", so a strategy at
// one of them (MVD's counterfactual, an enumerated branch) changes that
// particle alone, and a counterfactual at a site of particle k re-runs
// particle k alone.
template <typename M, typename G>
auto AirIwelbo(M model, G guide, int particles) {
  return [objective =
              SequentialIwelbo(std::move(model), std::move(guide), particles)](
             const AirBatch& batch, Index) -> Tensor {
    return objective(batch, Index{1});
  };
}

// AirWakeSleep()
//
// Reweighted wake-sleep with sampling-importance-resampling, as genjax.vi's
// AIR script: K guide particles per image drawn without gradient (and off
// the tape), normalised weights w̃ = softmax_k(log p(x, z_k) - log q(z_k)),
// one particle z* resampled per image; the program returns the importance
// weighted bound's estimate (the value) plus log p(x, z*) + log q(z* | x)
// minus its detached self, whose gradient is the model's wake-p (the model
// does not depend on the guide's parameters at fixed z*) and the guide's
// wake-q. One set of particles serves both phases.
std::function<Tensor(const AirBatch&, Index)> AirWakeSleep(
    std::function<void(const AirBatch&, Index)> model,
    std::function<void(const AirBatch&, Index)> guide, int particles);

// AirTrainerOptions
//
// How `AirTrainer` estimates and steps.
struct AirTrainerOptions {
  AirConfig config = GenjaxConfig();
  AirEstimator estimator = AirEstimator::kReinforce;
  // The control variate of kReinforceBaseline (the other score-function
  // configurations have none).
  AirBaseline baseline = AirBaseline::kLearned;
  // The moving average's decay (kMovingAverage), and that of the fitted
  // coefficients (kControlVariates).
  double baseline_decay = 0.9;
  // Adam's learning rates: everything but the baseline network, and it.
  double learning_rate = 1e-3;
  double baseline_learning_rate = 1e-1;
  // Seeds the initial weights and the estimator's draws.
  uint64_t seed = 1;
  // kAdvised: the pilot's gradient estimates per strategy and site, and
  // how often to advise again (0: only before the first step).
  int advisor_estimates = 10;
  int64_t readvise_every = 0;
  // kAdvised: advise every latent site (z_where and z_what too), not only
  // the z_pres sites. Strategies taking more than 50 program runs per
  // estimate are skipped (MVD at z_what).
  bool advise_all_sites = false;
  // kAdvised: the three z_pres sites are advised as one group
  // (AdvisorOptions::groups): each strategy at all three at once. They read
  // the same parameters, so a site's trial otherwise measures the later
  // ones' noise under their default strategy too.
  bool advise_presence_jointly = false;
  // The configurations built on Elbo use ElboAnalyticKl (vi/objectives.h)
  // instead: the latent sites' log p - log q terms are replaced by -KL(q ‖
  // p) in closed form wherever the two families have one (z_what, z_where,
  // z_pres), which removes their Monte Carlo noise from the cost every
  // score-function term multiplies. Unbiased here: each such site's prior
  // depends only on sites drawn before it in the guide.
  bool analytic_kl = false;
};

// AirTrainer
//
// See the file comment. Not copyable (the store holds the parameters).
class AirTrainer {
 public:
  explicit AirTrainer(const AirTrainerOptions& options);
  AirTrainer(const AirTrainer&) = delete;
  AirTrainer& operator=(const AirTrainer&) = delete;

  // Step()
  //
  // One gradient step on the minibatch `images` (B x canvas²); returns the
  // estimate of the mean objective per image. On error nothing is updated.
  absl::StatusOr<double> Step(const Tensor& images);

  // EstimateGradient()
  //
  // One gradient estimate on `images` without a step: the store's
  // gradients are zeroed, then hold the estimate of the gradient of the
  // objective summed over the images (the parameters are unchanged; the
  // estimator's own state, such as a moving average or fitted control
  // variates, learns as in a step). Returns the mean objective per image.
  absl::StatusOr<double> EstimateGradient(const Tensor& images);

  // CountConfusion()
  //
  // The 3 x 4 count confusion matrix (rows: true count 0..2, columns:
  // inferred 0..3) of one guide sample per image, in chunks of `chunk`
  // images, with draws seeded by `seed`.
  absl::StatusOr<Eigen::MatrixXi> CountConfusion(const Matrix& images,
                                                 const std::vector<int>& counts,
                                                 Index chunk, uint64_t seed);

  // Pictures()
  //
  // For each image: itself with the windows of the objects the guide infers
  // drawn as outlines, then the model's reconstruction from those latents
  // (2 N x canvas² rows).
  absl::StatusOr<Matrix> Pictures(const Matrix& images, uint64_t seed);

  const AirNetworks& networks() const { return networks_; }
  ParamStore& store() { return store_; }
  int64_t steps() const { return steps_; }

  // kAdvised: the report of the latest advice (estimators/advisor.h's
  // Advice::ToString), empty before the first step; and the step it was
  // made before.
  const std::string& advice_report() const { return advice_report_; }
  int64_t advice_step() const { return advice_step_; }

 private:
  absl::Status Readvise(const Tensor& images);

  AirTrainerOptions options_;
  AirNetworks networks_;
  std::shared_ptr<AirStepBaselines> step_baselines_;
  std::array<std::shared_ptr<const Baseline>, kAirSteps> baselines_;
  ParamStore store_;
  Adam adam_;
  Adam baseline_adam_;
  int64_t steps_ = 0;
  std::function<absl::StatusOr<double>(const AirBatch&)> estimate_;
  // kAdvised: the strategy every guide site uses, and the objective
  // program the advisor's pilot runs.
  std::shared_ptr<AutoStrategy> auto_;
  std::function<Tensor(const AirBatch&)> pilot_;
  std::string advice_report_;
  int64_t advice_step_ = -1;
};

// CountAccuracy()
//
// trace(C) / Σ C of a confusion matrix.
double CountAccuracy(const Eigen::MatrixXi& confusion);

// EmptyCanvasElbo()
//
// The mean over `images` of Σ_px log N(x_px; 0, sd): the ELBO of a model
// that explains nothing (every z_pres = 0, and q = p elsewhere), the
// plateau a failing estimator stays on.
double EmptyCanvasElbo(const Matrix& images, double sd);

// AirTrainingOptions
//
// Everything examples/air.cc has a flag for; the defaults are the flags'.
struct AirTrainingOptions {
  AirEstimator estimator = AirEstimator::kReinforceBaseline;
  AirVariant variant = AirVariant::kGenjax;
  // The guide's z_where offset by the prior (Pyro's parameterisation);
  // the Pyro variant always has it.
  bool robust_where = true;
  // The decoder's output bias; NaN: the variant's (0 genjax, -2 Pyro).
  double decoder_bias = -2;
  AirBaseline baseline = AirBaseline::kLearned;
  double baseline_decay = 0.9;
  double learning_rate = 1e-3;
  double baseline_learning_rate = 1e-1;
  Index batch = 64;
  int64_t steps = 3000;
  // Training canvases (from Fashion-MNIST's training images) and held-out
  // canvases (from its test images).
  Index train_images = 10240;
  Index heldout_images = 10000;
  // The fixed subset of training canvases evaluated during training.
  Index eval_images = 1024;
  int64_t eval_every = 200;
  int64_t log_every = 100;
  uint64_t seed = 1;
  uint64_t data_seed = 1;
  std::string data_dir = kDefaultFashionMnistDirectory;
  std::string cache_dir = "/tmp/provi_air_data";
  std::string output_dir = "/tmp/provi_air";
  // Held-out canvases in the PNG.
  Index png_images = 16;
  // The advised configuration's pilot, and the closed-form KL terms (see
  // AirTrainerOptions).
  int advisor_estimates = 10;
  int64_t readvise_every = 0;
  bool advise_all_sites = false;
  bool advise_presence_jointly = false;
  bool analytic_kl = false;
};

// AirTrainingResult
//
// What `TrainAir` measured and wrote.
struct AirTrainingResult {
  int64_t steps = 0;
  // Training time (the steps only, with any estimator advice): wall-clock,
  // and the process's CPU time (training runs on one thread, so this is
  // the wall-clock time on an otherwise idle core).
  double train_seconds = 0;
  double train_cpu_seconds = 0;
  double steps_per_second = 0;
  // The mean objective per image over the last `log_every` steps.
  double final_objective = 0;
  double empty_canvas_elbo = 0;
  Eigen::MatrixXi train_confusion;
  Eigen::MatrixXi heldout_confusion;
  double train_accuracy = 0;
  double heldout_accuracy = 0;
  // The first step after which the subset's accuracy reached 0.5, 0.8 and
  // 0.9 (-1: never).
  std::array<int64_t, 3> steps_to_accuracy = {-1, -1, -1};
  std::string checkpoint_path;
  std::string csv_path;
  std::string png_path;
};

// TrainAir()
//
// See the file comment.
absl::StatusOr<AirTrainingResult> TrainAir(const AirTrainingOptions& options,
                                           std::ostream& out);

}  // namespace examples
}  // namespace provi

#endif  // PROVI_EXAMPLES_AIR_TRAINING_H_
