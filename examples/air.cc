// Copyright 2026 The provi Authors.
//
// File: examples/air.cc
// -----------------------------------------------------------------------------
//
// Trains Attend-Infer-Repeat on canvases of 0 to 2 Fashion-MNIST objects
// with one of the gradient estimators of examples/air_training.h and reports
// count accuracy:
//
//   ./bazelw run //examples:air
//   ./bazelw run //examples:air -- --estimator=reinforce --steps=3000
//   ./bazelw run //examples:air -- --variant=pyro
//   ./bazelw run //examples:air -- --help
//
// The model and guide are in examples/air_model.h, the training loop in
// examples/air_training.h. A missing data set, an invalid flag or a
// failing step prints the error and exits with status 1.

#include <cmath>
#include <cstdint>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "data/fashion_mnist.h"
#include "examples/air_model.h"
#include "examples/air_training.h"

namespace {
const provi::examples::AirTrainingOptions kDefaults;
}  // namespace

ABSL_FLAG(provi::examples::AirEstimator, estimator, kDefaults.estimator,
          "The objective and the z_pres strategies: reinforce (ELBO, score "
          "function, no baseline), reinforce-baseline (with --baseline), enum "
          "(exact enumeration), mvd (measure-valued derivatives), hybrid (MVD "
          "at steps 0-1, enumeration at step 2), iwae2-reinforce, iwae2-mvd, "
          "hybrid-iwae2 (the importance-weighted bound with 2 particles) or "
          "rws10 (reweighted wake-sleep, 10 particles, one resampled), "
          "advised (every site's strategy chosen by the estimator advisor).");
ABSL_FLAG(provi::examples::AirVariant, variant, kDefaults.variant,
          "Whose AIR: genjax (genjax.vi's Figure 7 model and guide) or pyro "
          "(Pyro's: masking by z_pres, prior offset for z_where, decoder "
          "bias -2, learned initial state).");
ABSL_FLAG(bool, robust_where, kDefaults.robust_where,
          "Offset the guide's z_where by the prior (Pyro's parameterisation: "
          "Normal(loc + [3,0,0], scale * [0.2,1,1])); always on for "
          "--variant=pyro.");
ABSL_FLAG(double, decoder_bias, kDefaults.decoder_bias,
          "Added to the decoder's output before its sigmoid; nan: the "
          "variant's (genjax 0, pyro -2).");
ABSL_FLAG(provi::examples::AirBaseline, baseline, kDefaults.baseline,
          "Control variate of --estimator=reinforce-baseline: none, "
          "moving_average, learned (a network on the guide's detached LSTM "
          "state), control_variates (one fitted coefficient per value of "
          "z_pres, with its exact expectation added back) or "
          "learned_control_variates (a coefficient per value of z_pres and "
          "per image, from the baseline network).");
ABSL_FLAG(double, baseline_decay, kDefaults.baseline_decay,
          "Decay of --baseline=moving_average and control_variates.");
ABSL_FLAG(int, advisor_estimates, kDefaults.advisor_estimates,
          "--estimator=advised: gradient estimates per strategy and site in "
          "the advisor's pilot.");
ABSL_FLAG(int64_t, readvise_every, kDefaults.readvise_every,
          "--estimator=advised: advise again every this many steps (0: only "
          "before the first).");
ABSL_FLAG(bool, advise_all_sites, kDefaults.advise_all_sites,
          "--estimator=advised: advise z_where and z_what too (strategies "
          "over 50 program runs per estimate are skipped).");
ABSL_FLAG(bool, advise_presence_jointly, kDefaults.advise_presence_jointly,
          "--estimator=advised: advise the three z_pres sites as one group "
          "(each strategy at all three at once).");
ABSL_FLAG(bool, analytic_kl, kDefaults.analytic_kl,
          "The configurations built on the ELBO take its latent sites' "
          "terms as -KL(q || p) in closed form (ElboAnalyticKl).");
ABSL_FLAG(double, learning_rate, kDefaults.learning_rate,
          "Adam's learning rate for the model and the guide.");
ABSL_FLAG(double, baseline_learning_rate, kDefaults.baseline_learning_rate,
          "Adam's learning rate for the learned baseline network.");
ABSL_FLAG(int64_t, batch, kDefaults.batch, "Canvases per minibatch.");
ABSL_FLAG(int64_t, steps, kDefaults.steps, "Training steps.");
ABSL_FLAG(int64_t, train_images, kDefaults.train_images,
          "Training canvases, made from Fashion-MNIST's training images.");
ABSL_FLAG(int64_t, heldout_images, kDefaults.heldout_images,
          "Held-out canvases, made from Fashion-MNIST's test images (0: "
          "none).");
ABSL_FLAG(int64_t, eval_images, kDefaults.eval_images,
          "The fixed subset of training canvases whose count accuracy is "
          "evaluated during training.");
ABSL_FLAG(int64_t, eval_every, kDefaults.eval_every,
          "Steps between count-accuracy evaluations.");
ABSL_FLAG(int64_t, log_every, kDefaults.log_every,
          "Steps between progress lines.");
ABSL_FLAG(uint64_t, seed, kDefaults.seed,
          "Seeds the initial weights, the shuffling and the estimator.");
ABSL_FLAG(uint64_t, data_seed, kDefaults.data_seed,
          "Seeds the canvases (the cache file is named by it).");
ABSL_FLAG(std::string, data_dir, kDefaults.data_dir,
          "Directory holding the Fashion-MNIST IDX files (Debian's "
          "dataset-fashion-mnist).");
ABSL_FLAG(std::string, cache_dir, kDefaults.cache_dir,
          "Where generated canvases are cached (created if missing; a cache "
          "file is made once per data option set and reused).");
ABSL_FLAG(std::string, output_dir, kDefaults.output_dir,
          "Where air.params (checkpoint), air_training.csv and air_boxes.png "
          "go; created if missing.");
ABSL_FLAG(int64_t, png_images, kDefaults.png_images,
          "Held-out canvases drawn in air_boxes.png with their inferred "
          "objects' windows.");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Trains Attend-Infer-Repeat on multi-object Fashion-MNIST canvases with "
      "a choice of gradient estimators and reports count accuracy.\n"
      "Usage: air [--estimator=mvd] [--steps=3000] [--variant=genjax] ...\n"
      "Estimators: reinforce, reinforce-baseline, enum, mvd, hybrid, "
      "iwae2-reinforce, iwae2-mvd, hybrid-iwae2, rws10, advised.");
  absl::ParseCommandLine(argc, argv);

  provi::examples::AirTrainingOptions options;
  options.estimator = absl::GetFlag(FLAGS_estimator);
  options.variant = absl::GetFlag(FLAGS_variant);
  options.robust_where = absl::GetFlag(FLAGS_robust_where);
  options.decoder_bias = absl::GetFlag(FLAGS_decoder_bias);
  options.baseline = absl::GetFlag(FLAGS_baseline);
  options.baseline_decay = absl::GetFlag(FLAGS_baseline_decay);
  options.learning_rate = absl::GetFlag(FLAGS_learning_rate);
  options.baseline_learning_rate = absl::GetFlag(FLAGS_baseline_learning_rate);
  options.batch = absl::GetFlag(FLAGS_batch);
  options.steps = absl::GetFlag(FLAGS_steps);
  options.train_images = absl::GetFlag(FLAGS_train_images);
  options.heldout_images = absl::GetFlag(FLAGS_heldout_images);
  options.eval_images = absl::GetFlag(FLAGS_eval_images);
  options.eval_every = absl::GetFlag(FLAGS_eval_every);
  options.log_every = absl::GetFlag(FLAGS_log_every);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.advisor_estimates = absl::GetFlag(FLAGS_advisor_estimates);
  options.readvise_every = absl::GetFlag(FLAGS_readvise_every);
  options.analytic_kl = absl::GetFlag(FLAGS_analytic_kl);
  options.advise_all_sites = absl::GetFlag(FLAGS_advise_all_sites);
  options.advise_presence_jointly =
      absl::GetFlag(FLAGS_advise_presence_jointly);
  options.data_seed = absl::GetFlag(FLAGS_data_seed);
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.cache_dir = absl::GetFlag(FLAGS_cache_dir);
  options.output_dir = absl::GetFlag(FLAGS_output_dir);
  options.png_images = absl::GetFlag(FLAGS_png_images);

  const absl::StatusOr<provi::examples::AirTrainingResult> result =
      provi::examples::TrainAir(options, std::cout);
  if (!result.ok()) {
    std::cout.flush();
    std::cerr << "air: " << result.status() << "\n";
    if (absl::IsNotFound(result.status())) {
      std::cerr << "air: is Fashion-MNIST installed? ./bazelw installs "
                   "Debian's dataset-fashion-mnist; or point --data_dir at "
                   "the directory holding its IDX files.\n";
    }
    return 1;
  }
  return 0;
}
