// Copyright 2026 The provi Authors.

#include "examples/vae_training.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <filesystem>
#include <limits>
#include <optional>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/random.h"
#include "base/status_error.h"
#include "base/status_macros.h"
#include "data/minibatches.h"
#include "data/png.h"
#include "distributed/data_parallel.h"
#include "distributions/normal.h"
#include "estimators/expectation.h"
#include "vi/optimizers.h"
#include "vi/param_store.h"
#include "vi/svi.h"

namespace provi {
namespace examples {
namespace {

using Clock = std::chrono::steady_clock;

// Rows of the test set per evaluation call, and the most lanes (particles
// times images) one IWELBO evaluation call may hold.
constexpr Index kEvalBatch = 500;
constexpr Index kMaxEvalLanes = 8192;

// The images shown in each PNG grid.
constexpr Index kReconstructions = 32;
constexpr Index kSamples = 64;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

absl::Status Validate(const VaeTrainingOptions& options) {
  auto invalid = [](auto&&... parts) {
    return absl::InvalidArgumentError(absl::StrCat(parts...));
  };
  if (options.particles < 0) {
    return invalid(
        "--particles must be >= 0 (0: the objective's default), "
        "got ",
        options.particles);
  }
  if (options.batch < 1)
    return invalid("--batch must be >= 1, got ", options.batch);
  if (options.epochs < 1) {
    return invalid("--epochs must be >= 1, got ", options.epochs);
  }
  if (options.hidden < 1 || options.latent < 1) {
    return invalid("--hidden and --latent must be >= 1, got ", options.hidden,
                   " and ", options.latent);
  }
  if (!(options.learning_rate > 0) || !std::isfinite(options.learning_rate)) {
    return invalid("--learning_rate must be positive and finite, got ",
                   options.learning_rate);
  }
  if (options.objective == VaeObjective::kRenyi &&
      (!std::isfinite(options.renyi_alpha) || options.renyi_alpha == 1)) {
    return invalid("--renyi_alpha must be finite and not 1, got ",
                   options.renyi_alpha);
  }
  if (options.iwelbo_eval < 0) {
    return invalid("--iwelbo_eval must be >= 0, got ", options.iwelbo_eval);
  }
  if (options.eval_images < 1) {
    return invalid("--eval_images must be >= 1, got ", options.eval_images);
  }
  if (options.max_steps < 0) {
    return invalid("--max_steps must be >= 0 (0: no limit), got ",
                   options.max_steps);
  }
  if (options.log_every < 1) {
    return invalid("--log_every must be >= 1, got ", options.log_every);
  }
  if (options.output_dir.empty()) return invalid("--output_dir is empty");
  if (options.checkpoint_every < 0) {
    return invalid(
        "--checkpoint_every must be >= 0 (0: after each epoch), "
        "got ",
        options.checkpoint_every);
  }
  if (options.communicator == nullptr &&
      (options.resume || options.checkpoint_every > 0)) {
    return invalid(
        "--resume and --checkpoint_every need data-parallel "
        "training (--threads or --distributed)");
  }
  if (options.communicator != nullptr &&
      options.batch < options.communicator->size()) {
    return invalid("--batch = ", options.batch, " gives no image to some of ",
                   "the ", options.communicator->size(), " replicas");
  }
  return absl::OkStatus();
}

// The sum over rows [begin, end) of `images` of `program`'s per-image
// value, estimated without gradients in calls of `chunk` images.
absl::StatusOr<double> SumOverImages(VaeObjectiveProgram program,
                                     ParamStore& store, const Matrix& images,
                                     Index begin, Index end, Index particles,
                                     Index chunk, uint64_t seed) {
  Expectation<VaeObjectiveProgram> objective(std::move(program));
  objective.Seed(seed);
  ParamStoreScope scope(store);
  double total = 0;
  for (Index start = begin; start < end; start += chunk) {
    const Tensor x(images.middleRows(start, std::min(chunk, end - start)));
    PROVI_ASSIGN_OR_RETURN(const Tensor values,
                           objective.Estimate(x, particles));
    total += values.value().cast<double>().sum();
  }
  return total;
}

// The mean over the first `count` rows of `images` of `program`'s
// per-image value: each member of `comm` (if any) sums its share of the
// rows, and the sums are reduced.
absl::StatusOr<double> MeanPerImage(VaeObjectiveProgram program,
                                    ParamStore& store, const Matrix& images,
                                    Index count, Index particles, Index chunk,
                                    uint64_t seed, DataParallel* parallel) {
  Communicator* comm =
      parallel == nullptr ? nullptr : &parallel->communicator();
  const Shard mine = comm == nullptr
                         ? Shard{0, count}
                         : ShardOf(count, comm->rank(), comm->size());
  const uint64_t member_seed =
      comm == nullptr ? seed : StepSeed(seed, comm->rank(), 0);
  absl::StatusOr<double> sum =
      SumOverImages(std::move(program), store, images, mine.begin, mine.end,
                    particles, chunk, member_seed);
  if (comm == nullptr) {
    if (!sum.ok()) return sum.status();
    return *sum / static_cast<double>(count);
  }
  // Every member learns whether every member succeeded before reducing.
  PROVI_RETURN_IF_ERROR(parallel->Shared(AgreeOnStatus(*comm, sum.status())));
  double total = *sum;
  PROVI_RETURN_IF_ERROR(
      parallel->Shared(comm->AllreduceSum(absl::MakeSpan(&total, 1))));
  return total / static_cast<double>(count);
}

// Test images interleaved with their reconstructions' pixel probabilities,
// and the pixel probabilities of images decoded from prior draws.
struct Pictures {
  Matrix reconstructions;
  Matrix samples;
};

absl::StatusOr<Pictures> Draw(const VaeNetworks& networks, ParamStore& store,
                              const Matrix& test_images, uint64_t seed) {
  return CatchStatusOr([&] {
    ParamStoreScope scope(store);
    TapeScope tape;
    NoRecordScope no_record;
    const Index shown = std::min(kReconstructions, test_images.rows());
    const Tensor x(test_images.topRows(shown));
    const Tensor reconstructed =
        Sigmoid(networks.DecodeLogits(networks.Encode(x).loc));
    Pictures pictures;
    pictures.reconstructions.resize(2 * shown, test_images.cols());
    for (Index i = 0; i < shown; ++i) {
      pictures.reconstructions.row(2 * i) = test_images.row(i);
      pictures.reconstructions.row(2 * i + 1) = reconstructed.value().row(i);
    }
    Rng rng = MakeRng(seed);
    const Tensor z = Normal(0.0, 1.0)
                         .Expand(kSamples, networks.architecture().latent)
                         .Sample(rng);
    pictures.samples = Sigmoid(networks.DecodeLogits(z)).value();
    return pictures;
  });
}

std::string Join(const std::string& directory, const std::string& file) {
  return (std::filesystem::path(directory) / file).string();
}

}  // namespace

absl::StatusOr<VaeTrainingResult> TrainVae(const VaeTrainingOptions& options,
                                           std::ostream& out) {
  PROVI_RETURN_IF_ERROR(Validate(options));
  const Index particles = options.particles > 0
                              ? options.particles
                              : DefaultParticles(options.objective);

  PROVI_ASSIGN_OR_RETURN(const Dataset train,
                         LoadFashionMnist(options.data_dir, Split::kTrain));
  PROVI_ASSIGN_OR_RETURN(const Dataset test,
                         LoadFashionMnist(options.data_dir, Split::kTest));
  if (train.images.rows() == 0 || test.images.rows() == 0 ||
      train.images.cols() != test.images.cols()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the data set in ", options.data_dir, " has ", train.images.rows(),
        " training images of ", train.images.cols(), " pixels and ",
        test.images.rows(), " test images of ", test.images.cols(),
        " pixels; both splits need images of the same size"));
  }
  std::error_code error;
  std::filesystem::create_directories(options.output_dir, error);
  if (error) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create the output directory ", options.output_dir,
                     ": ", error.message()));
  }

  Communicator* const comm = options.communicator;
  // Rank 0 reports; the other members' lines go nowhere.
  std::ostream null_stream(nullptr);
  std::ostream& report =
      comm == nullptr || comm->rank() == 0 ? out : null_stream;
  const bool writer = comm == nullptr || comm->rank() == 0;

  const VaeArchitecture architecture{train.images.cols(), options.hidden,
                                     options.latent};
  const VaeNetworks networks(architecture, options.seed);
  ParamStore store;
  AdamOptions adam_options;
  adam_options.learning_rate = options.learning_rate;
  Adam adam(adam_options);
  Expectation<VaeObjectiveProgram> objective(MakeVaeObjective(
      options.objective, networks, static_cast<Real>(options.renyi_alpha)));
  objective.Seed(options.seed);
  SviOptions svi_options;
  svi_options.progress = false;  // the loop below reports
  Svi svi(objective, adam, store, svi_options);
  std::optional<DataParallelSvi<VaeObjectiveProgram>> parallel;
  DataParallel* data_parallel = nullptr;
  if (comm != nullptr) {
    DataParallelOptions parallel_options;
    parallel_options.combine = Combine::kSum;
    parallel_options.seed = options.seed;
    parallel.emplace(*comm, objective, adam, store, parallel_options,
                     svi_options);
    data_parallel = &parallel->parallel();
  }
  struct ReportShared {
    const DataParallel* parallel;
    bool* out;
    ~ReportShared() {
      if (out != nullptr && parallel != nullptr) {
        *out = parallel->failed_everywhere();
      }
    }
  } report_shared{data_parallel, options.failed_everywhere};
  const std::string checkpoints = Join(options.output_dir, "checkpoints");
  int64_t first_step = 0;  // of this run, counted over resumed runs
  if (parallel.has_value() && options.resume) {
    PROVI_RETURN_IF_ERROR(parallel->Restore(checkpoints));
    first_step = parallel->step();
  }
  Rng shuffle = MakeRng(options.seed + 1);
  Minibatches batches(train.images, options.batch, shuffle);

  report << absl::StrFormat(
      "VAE %d-%d-%d on %s: %d training and %d test images (binarised)\n"
      "objective %s, K = %d particle%s, batch %d (%d steps per epoch), "
      "Adam lr %g, %d epoch%s, seed %d\n",
      architecture.pixels, architecture.hidden, architecture.latent,
      options.data_dir, train.images.rows(), test.images.rows(),
      VaeObjectiveName(options.objective), particles, particles == 1 ? "" : "s",
      options.batch, batches.num_batches(), options.learning_rate,
      options.epochs, options.epochs == 1 ? "" : "s", options.seed);
  if (comm != nullptr) {
    report << absl::StrFormat(
        "data-parallel over %d replicas: %d images per replica and step%s\n",
        comm->size(), options.batch / comm->size(),
        first_step > 0 ? absl::StrCat(", resumed at step ", first_step) : "");
  }
  report.flush();

  VaeTrainingResult result;
  result.test_iwelbo = std::numeric_limits<double>::quiet_NaN();
  result.checkpoint_path = Join(options.output_dir, "vae.params");
  result.reconstructions_path = Join(options.output_dir, "reconstructions.png");
  result.samples_path = Join(options.output_dir, "samples.png");
  const int64_t per_epoch = batches.num_batches();
  const int first_epoch = static_cast<int>(first_step / per_epoch) + 1;
  // The shuffles of the epochs a resumed run skips.
  for (int epoch = 1; epoch < first_epoch; ++epoch) batches.begin();
  bool stop = false;
  for (int epoch = first_epoch; epoch <= options.epochs && !stop; ++epoch) {
    const Clock::time_point epoch_start = Clock::now();
    Clock::time_point window_start = epoch_start;
    std::deque<double> window;  // per-image objectives of the latest steps
    double window_sum = 0;
    int64_t step = 0;
    int64_t steps_this_epoch = 0;
    auto it = batches.begin();
    if (epoch == first_epoch) {
      for (; step < first_step % per_epoch; ++step) ++it;
    }
    for (; it != batches.end(); ++it) {
      const Tensor& x = *it;
      absl::StatusOr<Real> value;
      if (parallel.has_value()) {
        const Shard mine = ShardOf(x.rows(), comm->rank(), comm->size());
        const Tensor slice(
            Matrix(x.value().middleRows(mine.begin, mine.size())));
        value = parallel->Step(slice, particles);
      } else {
        value = svi.Step(x, particles);
      }
      if (!value.ok()) {
        return absl::Status(value.status().code(),
                            absl::StrCat("epoch ", epoch, ", step ", step + 1,
                                         ": ", value.status().message()));
      }
      const double per_image =
          static_cast<double>(*value) / static_cast<double>(x.rows());
      window.push_back(per_image);
      window_sum += per_image;
      if (static_cast<int64_t>(window.size()) > options.log_every) {
        window_sum -= window.front();
        window.pop_front();
      }
      ++step;
      ++steps_this_epoch;
      ++result.steps;
      const int64_t global_step = first_step + result.steps;
      stop = options.max_steps > 0 && global_step >= options.max_steps;
      if (step % options.log_every == 0 || step == per_epoch || stop) {
        const int64_t steps_in_window = (step - 1) % options.log_every + 1;
        report << absl::StrFormat(
            "epoch %d/%d  step %4d/%d  %s %8.2f nats/image (last %d steps)  "
            "%.1f steps/s\n",
            epoch, options.epochs, step, per_epoch,
            VaeObjectiveName(options.objective),
            window_sum / static_cast<double>(window.size()), window.size(),
            static_cast<double>(steps_in_window) / SecondsSince(window_start));
        report.flush();
        window_start = Clock::now();
      }
      if (parallel.has_value() && options.checkpoint_every > 0 &&
          global_step % options.checkpoint_every == 0) {
        PROVI_RETURN_IF_ERROR(parallel->Save(checkpoints));
      }
      if (stop) break;
    }
    const double train_seconds = SecondsSince(epoch_start);
    result.train_seconds += train_seconds;

    const Clock::time_point eval_start = Clock::now();
    PROVI_ASSIGN_OR_RETURN(
        const double test_elbo,
        MeanPerImage(MakeVaeObjective(VaeObjective::kElbo, networks), store,
                     test.images, test.images.rows(), /*particles=*/1,
                     kEvalBatch, options.seed + 1000 + epoch, data_parallel));
    result.test_elbo.push_back(test_elbo);
    if (parallel.has_value())
      PROVI_RETURN_IF_ERROR(parallel->Save(checkpoints));
    if (writer) PROVI_RETURN_IF_ERROR(store.Save(result.checkpoint_path));
    report << absl::StrFormat(
        "epoch %d: test ELBO %.2f nats/image over %d images (training %.1f s, "
        "%.1f steps/s; evaluation %.1f s); checkpoint %s\n",
        epoch, test_elbo, test.images.rows(), train_seconds,
        static_cast<double>(steps_this_epoch) / train_seconds,
        SecondsSince(eval_start), result.checkpoint_path);
    report.flush();
  }
  result.steps_per_second =
      static_cast<double>(result.steps) / result.train_seconds;

  if (options.iwelbo_eval > 0) {
    const Clock::time_point eval_start = Clock::now();
    const Index images = std::min(options.eval_images, test.images.rows());
    const Index chunk = std::max<Index>(1, kMaxEvalLanes / options.iwelbo_eval);
    PROVI_ASSIGN_OR_RETURN(
        result.test_iwelbo,
        MeanPerImage(MakeVaeObjective(VaeObjective::kIwelbo, networks), store,
                     test.images, images, options.iwelbo_eval, chunk,
                     options.seed + 2000, data_parallel));
    report << absl::StrFormat(
        "test IWELBO (K = %d) %.2f nats/image over the first %d test images "
        "(%.1f s)\n",
        options.iwelbo_eval, result.test_iwelbo, images,
        SecondsSince(eval_start));
  }

  if (!writer) return result;
  PROVI_ASSIGN_OR_RETURN(const Pictures pictures,
                         Draw(networks, store, test.images, options.seed + 3));
  PROVI_RETURN_IF_ERROR(
      WritePngGrid(result.reconstructions_path, pictures.reconstructions,
                   static_cast<int>(test.height), static_cast<int>(test.width),
                   /*columns=*/16, /*padding=*/2));
  PROVI_RETURN_IF_ERROR(WritePngGrid(result.samples_path, pictures.samples,
                                     static_cast<int>(test.height),
                                     static_cast<int>(test.width),
                                     /*columns=*/8, /*padding=*/2));
  out << "wrote " << result.reconstructions_path
      << " (test images, each followed by its reconstruction) and "
      << result.samples_path << " (images decoded from prior draws)\n";
  return result;
}

}  // namespace examples
}  // namespace provi
