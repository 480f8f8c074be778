// Copyright 2026 The provi Authors.
//
// File: examples/air_training.h
// -----------------------------------------------------------------------------
//
// Training and evaluating AIR (examples/air_model.h) on multi-object
// Fashion-MNIST canvases (data/multi_object.h) with the ELBO and REINFORCE
// at the z_pres sites: the whole of examples/air.cc but the flags.
//
// `AirTrainer` owns the networks, the parameter store and the optimisers;
// `Step(images)` takes one gradient step:
//
//   1. the LSTM's image projection is computed once for the minibatch
//      (AirBatch::projection), on the tape, and every step of the guide
//      reuses it;
//   2. `Expectation(Elbo(model, guide'))` estimates the gradient, guide'
//      being the guide wrapped by `ScoreFunction` at each z_pres site with
//      the chosen baseline: none (genjax.vi's REINFORCE), a moving average
//      of the site's cost, or a learned data-dependent baseline (a network
//      on the guide's detached LSTM state, trained by its own squared error
//      to predict the ELBO, as Pyro's "REINFORCE + baselines");
//   3. Adam ascends the mean ELBO per image, the baseline network with its
//      own learning rate.
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
// (a checkpoint of the ParamStore), `air_training.csv` (step, seconds,
// objective, accuracy) and `air_boxes.png` (held-out canvases with the
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
//   options.baseline = provi::examples::AirBaseline::kLearned;
//   absl::StatusOr<provi::examples::AirTrainingResult> result =
//       provi::examples::TrainAir(options, std::cout);

#ifndef PROVI_EXAMPLES_AIR_TRAINING_H_
#define PROVI_EXAMPLES_AIR_TRAINING_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ad/tensor.h"
#include "data/fashion_mnist.h"
#include "estimators/baselines.h"
#include "examples/air_model.h"
#include "vi/optimizers.h"
#include "vi/param_store.h"

namespace provi {
namespace examples {

// AirBaseline
//
// The control variate of the score function at the z_pres sites.
enum class AirBaseline { kNone, kMovingAverage, kLearned };

// AirBaselineName(), AbslParseFlag(), AbslUnparseFlag()
//
// "none", "moving_average", "learned".
std::string AirBaselineName(AirBaseline baseline);
bool AbslParseFlag(absl::string_view text, AirBaseline* baseline,
                   std::string* error);
std::string AbslUnparseFlag(AirBaseline baseline);

// AirTrainerOptions
//
// How `AirTrainer` estimates and steps.
struct AirTrainerOptions {
  AirConfig config = GenjaxConfig();
  AirBaseline baseline = AirBaseline::kLearned;
  // The moving average's decay (kMovingAverage).
  double baseline_decay = 0.9;
  // Adam's learning rates: everything but the baseline network, and it.
  double learning_rate = 1e-3;
  double baseline_learning_rate = 1e-1;
  // Seeds the initial weights and the estimator's draws.
  uint64_t seed = 1;
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
  // estimate of the mean ELBO per image. On error nothing is updated.
  absl::StatusOr<double> Step(const Tensor& images);

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

 private:
  AirTrainerOptions options_;
  AirNetworks networks_;
  std::shared_ptr<AirStepBaselines> step_baselines_;
  std::array<std::shared_ptr<const Baseline>, kAirSteps> baselines_;
  ParamStore store_;
  Adam adam_;
  Adam baseline_adam_;
  int64_t steps_ = 0;
  std::function<absl::StatusOr<double>(const AirBatch&)> estimate_;
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
};

// AirTrainingResult
//
// What `TrainAir` measured and wrote.
struct AirTrainingResult {
  int64_t steps = 0;
  double train_seconds = 0;
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
