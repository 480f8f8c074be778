// Copyright 2026 The provi Authors.
//
// File: examples/air_variance.cc
// -----------------------------------------------------------------------------
//
// How noisy is each AIR estimator's gradient at the presence sites, and
// what does that noise cost? At fixed parameters (the initial weights, or a
// checkpoint written by examples/air.cc) and on one fixed minibatch of
// training canvases, draws `--estimates` gradient estimates under each
// configuration and reports, for the guide's presence logit (the z_pres
// column of the last layer of guide/predict: its bias and weights):
//
//   * the mean and standard error of the bias's gradient (every
//     configuration is unbiased, so the means agree within their errors);
//   * the variance of the bias's gradient and the total variance of the
//     column (the sum over its entries);
//   * the CPU time per estimate (the process's: one thread, and robust to
//     other processes' load on a shared machine), and the work-normalised
//     variance (variance × time: the variance at equal cost);
//   * each configuration's ratio to the score function's, without and with
//     a moving-average baseline.
//
// Configurations: the score function with no baseline, with a moving
// average, with fitted control variates (estimators/control_variates.h),
// with the learned baseline network, and with learned control variates (a
// coefficient per value of z_pres and per image, from the baseline network
// with two outputs); measure-valued derivatives; exact enumeration.
// Before measuring, each runs `--warmup` steps on other minibatches of the
// training canvases with a learning rate of 0 for the model and guide, so
// the moving average and the control variates' coefficients are fitted and
// the baseline network is trained (at its own learning rate) at these
// parameters, on data other than the measured minibatch. With
// `--warmup_on_measured` the warm-up steps use the measured minibatch
// itself: the baseline network then fits these very canvases, which shows
// how far a per-canvas, per-value control variate could go (a bound, not a
// fair measurement). `--only` restricts the configurations. It writes the
// table to stdout and one CSV row per configuration to `--csv` (if set).
//
//   ./bazelw run -c opt //examples:air_variance
//   ./bazelw run -c opt //examples:air -- --estimator=mvd --steps=1000
//       --output_dir=/tmp/air_mvd   (one command)
//   ./bazelw run -c opt //examples:air_variance --
//   --checkpoint=/tmp/air_mvd/air.params

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/marshalling.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "data/fashion_mnist.h"
#include "data/multi_object.h"
#include "examples/air_model.h"
#include "examples/air_training.h"
#include "vi/param_store.h"

ABSL_FLAG(std::string, checkpoint, "",
          "Parameters to measure at (a file written by examples/air.cc); "
          "empty: the initial weights of --seed.");
ABSL_FLAG(int, estimates, 400, "Gradient estimates per configuration.");
ABSL_FLAG(int, warmup, 100,
          "Steps at learning rate 0 before measuring, fitting the baselines "
          "and control variates.");
ABSL_FLAG(int64_t, batch, 64, "Canvases in the fixed minibatch.");
ABSL_FLAG(double, baseline_decay, 0.9,
          "Decay of the moving average and of the control variates.");
ABSL_FLAG(uint64_t, seed, 1, "Seeds the initial weights and the estimators.");
ABSL_FLAG(uint64_t, data_seed, 1, "Seeds the canvases (as examples/air.cc).");
ABSL_FLAG(int64_t, train_images, 10240,
          "Training canvases generated (as examples/air.cc; the minibatch is "
          "the first --batch of them).");
ABSL_FLAG(std::string, data_dir, provi::kDefaultFashionMnistDirectory,
          "Directory holding the Fashion-MNIST IDX files.");
ABSL_FLAG(std::string, cache_dir, "/tmp/provi_air_data",
          "Where generated canvases are cached.");
ABSL_FLAG(std::string, csv, "", "Also write the table here as CSV.");
ABSL_FLAG(bool, analytic_kl, false,
          "Every configuration takes the latent sites' KL terms in closed "
          "form (AirTrainerOptions::analytic_kl).");
ABSL_FLAG(bool, warmup_on_measured, false,
          "Warm up on the measured minibatch itself (see the file comment).");
ABSL_FLAG(std::vector<std::string>, only, {},
          "Configurations to measure, by label (comma-separated; empty: "
          "all). The first measured is the reference of the ratios.");

namespace provi {
namespace examples {
namespace {

struct Configuration {
  std::string label;
  AirEstimator estimator;
  AirBaseline baseline;
};

struct Measured {
  std::string label;
  double bias_mean = 0;
  double bias_se = 0;
  double bias_variance = 0;
  double column_variance = 0;
  double seconds = 0;
};

// The last layer of guide/predict (its z_pres column is column 0).
absl::StatusOr<std::string> LastPredictLayer(ParamStore& store) {
  std::string last;
  for (int i = 0;; ++i) {
    const std::string name = absl::StrCat("guide/predict/", i);
    if (!store.Unconstrained(name + "/b").ok()) break;
    last = name;
  }
  if (last.empty()) {
    return absl::NotFoundError("no guide/predict layer in the store");
  }
  return last;
}

absl::StatusOr<Measured> Measure(const Configuration& c, const AirConfig& air,
                                 const Matrix& train, Index batch) {
  const Tensor images(Matrix(train.topRows(batch)));
  AirTrainerOptions options;
  options.config = air;
  options.estimator = c.estimator;
  options.baseline = c.baseline;
  options.baseline_decay = absl::GetFlag(FLAGS_baseline_decay);
  options.analytic_kl = absl::GetFlag(FLAGS_analytic_kl);
  options.learning_rate = 0;
  options.seed = absl::GetFlag(FLAGS_seed);
  PROVI_ASSIGN_OR_RETURN(
      std::unique_ptr<AirTrainer> trainer,
      CatchStatusOr([&] { return std::make_unique<AirTrainer>(options); }));
  // One estimate creates the parameters; the checkpoint then replaces them.
  PROVI_RETURN_IF_ERROR(trainer->EstimateGradient(images).status());
  const std::string checkpoint = absl::GetFlag(FLAGS_checkpoint);
  if (!checkpoint.empty()) {
    PROVI_RETURN_IF_ERROR(
        trainer->store().Load(checkpoint, LoadOptions{/*strict=*/false}));
  }
  // Warm-up on the other canvases, so a learned baseline learns the data,
  // not the measured minibatch.
  const Index others = absl::GetFlag(FLAGS_warmup_on_measured)
                           ? 0
                           : (train.rows() - batch) / batch;
  for (int n = 0; n < absl::GetFlag(FLAGS_warmup); ++n) {
    const Index start = others > 0 ? batch * (1 + n % others) : 0;
    const Tensor warm(Matrix(train.middleRows(start, batch)));
    PROVI_RETURN_IF_ERROR(trainer->Step(warm).status());
  }
  PROVI_ASSIGN_OR_RETURN(const std::string layer,
                         LastPredictLayer(trainer->store()));
  PROVI_ASSIGN_OR_RETURN(Parameter * bias,
                         trainer->store().Unconstrained(layer + "/b"));
  PROVI_ASSIGN_OR_RETURN(Parameter * weight,
                         trainer->store().Unconstrained(layer + "/w"));
  const int n = absl::GetFlag(FLAGS_estimates);
  const Index entries = 1 + weight->value().rows();
  Eigen::MatrixXd draws(n, entries);
  double seconds = 0;
  for (int k = 0; k < n; ++k) {
    const std::clock_t start = std::clock();
    PROVI_RETURN_IF_ERROR(trainer->EstimateGradient(images).status());
    seconds += static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
    draws(k, 0) = static_cast<double>(bias->grad()(0, 0));
    draws.row(k).tail(entries - 1) =
        weight->grad().col(0).cast<double>().transpose();
  }
  const Eigen::RowVectorXd mean = draws.colwise().mean();
  const Eigen::RowVectorXd variance =
      (draws.rowwise() - mean).array().square().colwise().sum() / (n - 1);
  Measured m;
  m.label = c.label;
  m.bias_mean = mean(0);
  m.bias_variance = variance(0);
  m.bias_se = std::sqrt(variance(0) / n);
  m.column_variance = variance.sum();
  m.seconds = seconds / n;
  return m;
}

absl::Status Run() {
  const int n = absl::GetFlag(FLAGS_estimates);
  if (n < 2 || absl::GetFlag(FLAGS_warmup) < 0 ||
      absl::GetFlag(FLAGS_batch) < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--estimates (", n, ") must be at least 2, --warmup (",
                     absl::GetFlag(FLAGS_warmup), ") non-negative, --batch (",
                     absl::GetFlag(FLAGS_batch), ") positive"));
  }
  const AirConfig air = GenjaxConfig();
  MultiObjectOptions data;
  data.count = absl::GetFlag(FLAGS_train_images);
  data.canvas = static_cast<int>(air.canvas);
  data.seed = absl::GetFlag(FLAGS_data_seed);
  PROVI_ASSIGN_OR_RETURN(
      const MultiObjectDataset train,
      LoadMultiObject(data, Split::kTrain, absl::GetFlag(FLAGS_data_dir),
                      absl::GetFlag(FLAGS_cache_dir)));
  const Index batch = std::min<Index>(absl::GetFlag(FLAGS_batch), train.size());
  const Matrix images = train.Images(0, train.size());
  const std::string checkpoint = absl::GetFlag(FLAGS_checkpoint);
  std::cout << absl::StrFormat(
      "AIR gradient variance at the presence logit: %d estimates per "
      "configuration after %d warm-up steps, one minibatch of %d canvases, "
      "parameters %s\n",
      n, absl::GetFlag(FLAGS_warmup), batch,
      checkpoint.empty() ? absl::StrCat("at their initial values (seed ",
                                        absl::GetFlag(FLAGS_seed), ")")
                         : checkpoint);

  const std::vector<Configuration> configurations = {
      {"score function", AirEstimator::kReinforceBaseline, AirBaseline::kNone},
      {"+ moving average", AirEstimator::kReinforceBaseline,
       AirBaseline::kMovingAverage},
      {"+ control variates", AirEstimator::kReinforceBaseline,
       AirBaseline::kControlVariates},
      {"+ learned baseline", AirEstimator::kReinforceBaseline,
       AirBaseline::kLearned},
      {"+ learned c.v.", AirEstimator::kReinforceBaseline,
       AirBaseline::kLearnedControlVariates},
      {"mvd", AirEstimator::kMvd, AirBaseline::kNone},
      {"enum", AirEstimator::kEnum, AirBaseline::kNone},
  };
  const std::vector<std::string> only = absl::GetFlag(FLAGS_only);
  for (const std::string& label : only) {
    bool known = false;
    for (const Configuration& c : configurations) known |= c.label == label;
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat("--only: no configuration '", label, "'"));
    }
  }
  std::vector<Measured> rows;
  for (const Configuration& c : configurations) {
    if (!only.empty() &&
        std::find(only.begin(), only.end(), c.label) == only.end()) {
      continue;
    }
    PROVI_ASSIGN_OR_RETURN(Measured m, Measure(c, air, images, batch));
    rows.push_back(m);
  }
  const Measured& plain = rows[0];
  const Measured& moving = rows.size() > 1 ? rows[1] : rows[0];
  std::cout << absl::StrFormat("%-20s %22s %11s %11s %9s %11s %9s %9s\n",
                               "configuration", "d/d bias: mean (se)",
                               "var(bias)", "var(column)", "ms/est",
                               "var x time", "vs plain", "vs m.avg");
  std::string csv =
      "configuration,bias_mean,bias_se,bias_variance,column_variance,"
      "seconds_per_estimate,work_variance,ratio_to_plain,"
      "ratio_to_moving_average\n";
  for (const Measured& m : rows) {
    const double work = m.column_variance * m.seconds;
    const double vs_plain = plain.column_variance * plain.seconds / work;
    const double vs_moving = moving.column_variance * moving.seconds / work;
    std::cout << absl::StrFormat(
        "%-20s %+11.4f (%8.4f) %11.4g %11.4g %9.2f %11.4g %8.2fx %8.2fx\n",
        m.label, m.bias_mean, m.bias_se, m.bias_variance, m.column_variance,
        1e3 * m.seconds, work, vs_plain, vs_moving);
    absl::StrAppend(&csv, m.label, ",", m.bias_mean, ",", m.bias_se, ",",
                    m.bias_variance, ",", m.column_variance, ",", m.seconds,
                    ",", work, ",", vs_plain, ",", vs_moving, "\n");
  }
  std::cout << absl::StrFormat(
      "vs plain, vs m.avg: how many times lower the work-normalised variance "
      "of the column is than that of '%s' and of '%s' (higher is better)\n",
      plain.label, moving.label);
  const std::string csv_path = absl::GetFlag(FLAGS_csv);
  if (!csv_path.empty()) {
    std::ofstream file(csv_path);
    file << csv;
    if (!file) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot write ", csv_path));
    }
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace examples
}  // namespace provi

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Measures the variance and cost of AIR's gradient estimators at the "
      "presence logit.\nUsage: air_variance [--checkpoint=air.params] "
      "[--estimates=400] [--warmup=100]");
  absl::ParseCommandLine(argc, argv);
  const absl::Status status = provi::examples::Run();
  if (!status.ok()) {
    std::cerr << "air_variance: " << status << "\n";
    return 1;
  }
  return 0;
}
