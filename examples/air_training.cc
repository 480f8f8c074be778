// Copyright 2026 The provi Authors.

#include "examples/air_training.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <deque>
#include <filesystem>
#include <limits>
#include <system_error>
#include <utility>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/random.h"
#include "base/status_error.h"
#include "base/status_macros.h"
#include "data/files.h"
#include "data/minibatches.h"
#include "data/multi_object.h"
#include "data/png.h"
#include "estimators/expectation.h"
#include "estimators/site_strategy.h"
#include "estimators/strategies.h"
#include "handlers/seed.h"
#include "handlers/trace.h"
#include "nn/mlp.h"
#include "runtime/primitives.h"
#include "vi/objectives.h"

namespace provi {
namespace examples {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

constexpr char kBaselinePrefix[] = "baseline/";
constexpr Index kEvalChunk = 512;

bool IsBaselineParameter(const Address& address) {
  return absl::StartsWith(address.name(), kBaselinePrefix);
}

// The networks' configuration: the baseline network has a coefficient per
// value of z_pres for learned control variates.
AirConfig NetworksConfig(const AirTrainerOptions& options) {
  AirConfig config = options.config;
  if (options.estimator == AirEstimator::kReinforceBaseline &&
      options.baseline == AirBaseline::kLearnedControlVariates) {
    config.baseline_outputs = 2;
  }
  return config;
}

}  // namespace

std::string AirBaselineName(AirBaseline baseline) {
  switch (baseline) {
    case AirBaseline::kNone:
      return "none";
    case AirBaseline::kMovingAverage:
      return "moving_average";
    case AirBaseline::kLearned:
      return "learned";
    case AirBaseline::kControlVariates:
      return "control_variates";
    case AirBaseline::kLearnedControlVariates:
      return "learned_control_variates";
  }
  return "unknown";
}

bool AbslParseFlag(absl::string_view text, AirBaseline* baseline,
                   std::string* error) {
  for (const AirBaseline candidate :
       {AirBaseline::kNone, AirBaseline::kMovingAverage, AirBaseline::kLearned,
        AirBaseline::kControlVariates, AirBaseline::kLearnedControlVariates}) {
    if (text == AirBaselineName(candidate)) {
      *baseline = candidate;
      return true;
    }
  }
  *error = absl::StrCat("unknown baseline '", text,
                        "'; expected none, moving_average, learned, "
                        "control_variates or learned_control_variates");
  return false;
}

std::string AbslUnparseFlag(AirBaseline baseline) {
  return AirBaselineName(baseline);
}

const std::vector<AirEstimator>& AllAirEstimators() {
  static const std::vector<AirEstimator>* const all =
      new std::vector<AirEstimator>{
          AirEstimator::kReinforce, AirEstimator::kReinforceBaseline,
          AirEstimator::kEnum,      AirEstimator::kMvd,
          AirEstimator::kHybrid,    AirEstimator::kIwae2Reinforce,
          AirEstimator::kIwae2Mvd,  AirEstimator::kHybridIwae2,
          AirEstimator::kRws10,     AirEstimator::kAdvised};
  return *all;
}

std::string AirEstimatorName(AirEstimator estimator) {
  switch (estimator) {
    case AirEstimator::kReinforce:
      return "reinforce";
    case AirEstimator::kReinforceBaseline:
      return "reinforce-baseline";
    case AirEstimator::kEnum:
      return "enum";
    case AirEstimator::kMvd:
      return "mvd";
    case AirEstimator::kHybrid:
      return "hybrid";
    case AirEstimator::kIwae2Reinforce:
      return "iwae2-reinforce";
    case AirEstimator::kIwae2Mvd:
      return "iwae2-mvd";
    case AirEstimator::kHybridIwae2:
      return "hybrid-iwae2";
    case AirEstimator::kRws10:
      return "rws10";
    case AirEstimator::kAdvised:
      return "advised";
  }
  return "unknown";
}

bool AbslParseFlag(absl::string_view text, AirEstimator* estimator,
                   std::string* error) {
  std::vector<std::string> names;
  for (const AirEstimator candidate : AllAirEstimators()) {
    if (text == AirEstimatorName(candidate)) {
      *estimator = candidate;
      return true;
    }
    names.push_back(AirEstimatorName(candidate));
  }
  *error = absl::StrCat("unknown estimator '", text, "'; expected one of ",
                        absl::StrJoin(names, ", "));
  return false;
}

std::string AbslUnparseFlag(AirEstimator estimator) {
  return AirEstimatorName(estimator);
}

SitePredicate ZPresSites(std::initializer_list<int> steps) {
  std::vector<std::string> names;
  for (const int t : steps) names.push_back(ZPresSite(t));
  return [names](const Message& msg) {
    const absl::string_view address = msg.address.name();
    for (const std::string& name : names) {
      if (address == name ||
          (absl::EndsWith(address, name) &&
           address[address.size() - name.size() - 1] == '/')) {
        return true;
      }
    }
    return false;
  };
}

namespace {

// Draws the site's value without gradient and adds nothing to the
// surrogate: for proposals whose densities the objective evaluates itself.
class DrawDetached final : public SiteStrategy {
 public:
  absl::string_view name() const override { return "detached draw"; }
  Tensor Draw(SiteRun& run) const override {
    return Detach(run.distribution().Sample(run.gen()));
  }
};

}  // namespace

std::function<Tensor(const AirBatch&, Index)> AirWakeSleep(
    std::function<void(const AirBatch&, Index)> model,
    std::function<void(const AirBatch&, Index)> guide, int particles) {
  auto proposal = WithStrategy(
      guide, [](const Message&) { return true; },
      std::make_shared<DrawDetached>());
  return [model, guide, proposal, particles](const AirBatch& batch,
                                             Index) -> Tensor {
    const Index images = batch.images.rows();
    const Index k = particles;
    Trace chosen;
    Matrix bound(images, 1);
    {
      NoRecordScope no_record;
      const Simulation q = Simulate(proposal, batch, k);
      const Matrix log_w =
          (Density(model, q.choices, batch, k) - q.log_density).value();
      // Lane j B + b is particle j of image b.
      std::vector<Index> rows(static_cast<size_t>(images));
      absl::BitGenRef gen = EstimationRng();
      for (Index b = 0; b < images; ++b) {
        double max = -std::numeric_limits<double>::infinity();
        for (Index j = 0; j < k; ++j) {
          max = std::max(max, static_cast<double>(log_w(j * images + b, 0)));
        }
        std::vector<double> weights(static_cast<size_t>(k));
        double total = 0;
        for (Index j = 0; j < k; ++j) {
          weights[static_cast<size_t>(j)] =
              std::exp(static_cast<double>(log_w(j * images + b, 0)) - max);
          total += weights[static_cast<size_t>(j)];
        }
        bound(b, 0) = static_cast<Real>(max + std::log(total / k));
        double u = absl::Uniform<double>(gen, 0.0, total);
        Index pick = k - 1;
        for (Index j = 0; j < k; ++j) {
          u -= weights[static_cast<size_t>(j)];
          if (u < 0) {
            pick = j;
            break;
          }
        }
        rows[static_cast<size_t>(b)] = pick * images + b;
      }
      for (const Site& site : q.choices.sites()) {
        if (site.kind != SiteKind::kSample || site.is_observed ||
            !site.value.has_value()) {
          continue;
        }
        Site copy;
        copy.kind = site.kind;
        copy.address = site.address;
        copy.value = GatherRows(*site.value, rows);
        ThrowIfError(chosen.Add(std::move(copy)));
      }
    }
    const Tensor log_joint = Density(model, chosen, batch, Index{1}) +
                             Density(guide, chosen, batch, Index{1});
    return Tensor(bound) + (log_joint - Detach(log_joint));
  };
}

AirTrainer::AirTrainer(const AirTrainerOptions& options)
    : options_(options),
      networks_(NetworksConfig(options), options.seed),
      adam_(AdamOptions{options.learning_rate}),
      baseline_adam_(AdamOptions{options.baseline_learning_rate}) {
  const bool learned =
      options_.baseline == AirBaseline::kLearned ||
      options_.baseline == AirBaseline::kLearnedControlVariates;
  if (options_.estimator == AirEstimator::kReinforceBaseline && learned) {
    step_baselines_ = std::make_shared<AirStepBaselines>();
  }
  for (int t = 0; t < kAirSteps; ++t) {
    switch (options_.baseline) {
      case AirBaseline::kNone:
        baselines_[t] = NoBaseline();
        break;
      case AirBaseline::kMovingAverage:
        baselines_[t] =
            MovingAverageBaseline(static_cast<Real>(options_.baseline_decay));
        break;
      case AirBaseline::kLearned:
      case AirBaseline::kLearnedControlVariates: {
        std::shared_ptr<AirStepBaselines> slots = step_baselines_;
        baselines_[t] =
            LearnedBaseline([slots, t] { return slots->values[t]; });
        break;
      }
      case AirBaseline::kControlVariates:
        // Not a baseline: a strategy of its own (below).
        baselines_[t] = NoBaseline();
        break;
    }
  }
  const AirModel model(networks_);
  const AirGuide guide(networks_, step_baselines_);
  const uint64_t seed = options_.seed + 2;
  auto estimate = [seed](auto program) {
    auto objective =
        std::make_shared<Expectation<decltype(program)>>(std::move(program));
    objective->Seed(seed);
    return [objective](const AirBatch& batch) -> absl::StatusOr<double> {
      PROVI_ASSIGN_OR_RETURN(const GradientEstimate g,
                             objective->GradEstimate(batch, Index{1}));
      return g.value.cast<double>().mean();
    };
  };
  // The ELBO of the guide `g`, with closed-form KL terms if asked.
  const bool analytic_kl = options_.analytic_kl;
  auto elbo =
      [&estimate, &model, analytic_kl](
          auto g) -> std::function<absl::StatusOr<double>(const AirBatch&)> {
    if (analytic_kl) return estimate(ElboAnalyticKl(model, std::move(g)));
    return estimate(Elbo(model, std::move(g)));
  };
  auto reinforce = ScoreFunction(guide, ZPresSites({0, 1, 2}));
  auto mvd = Mvd(guide, ZPresSites({0, 1, 2}));
  auto hybrid = Mvd(Enumerate(guide, ZPresSites({2})), ZPresSites({0, 1}));
  switch (options_.estimator) {
    case AirEstimator::kReinforce:
      estimate_ = elbo(reinforce);
      break;
    case AirEstimator::kReinforceBaseline:
      if (options_.baseline == AirBaseline::kControlVariates) {
        estimate_ = elbo(ScoreFunctionWithControlVariates(
            guide, ZPresSites({0, 1, 2}),
            static_cast<Real>(options_.baseline_decay)));
        break;
      }
      if (options_.baseline == AirBaseline::kLearnedControlVariates) {
        // Each site with the coefficients the network gave at its step.
        std::shared_ptr<AirStepBaselines> slots = step_baselines_;
        auto at = [slots](int t) {
          return [slots, t] { return slots->values[t]; };
        };
        estimate_ = elbo(ScoreFunctionWithLearnedControlVariates(
            ScoreFunctionWithLearnedControlVariates(
                ScoreFunctionWithLearnedControlVariates(guide, {"z_pres_0"},
                                                        at(0)),
                {"z_pres_1"}, at(1)),
            {"z_pres_2"}, at(2)));
        break;
      }
      // Each site with its own baseline.
      estimate_ = elbo(ScoreFunction(
          ScoreFunction(ScoreFunction(guide, {"z_pres_0"}, baselines_[0]),
                        {"z_pres_1"}, baselines_[1]),
          {"z_pres_2"}, baselines_[2]));
      break;
    case AirEstimator::kEnum:
      estimate_ = elbo(Enumerate(guide, ZPresSites({0, 1, 2})));
      break;
    case AirEstimator::kMvd:
      estimate_ = elbo(mvd);
      break;
    case AirEstimator::kHybrid:
      estimate_ = elbo(hybrid);
      break;
    case AirEstimator::kIwae2Reinforce:
      estimate_ = estimate(AirIwelbo(model, reinforce, 2));
      break;
    case AirEstimator::kIwae2Mvd:
      estimate_ = estimate(AirIwelbo(model, mvd, 2));
      break;
    case AirEstimator::kHybridIwae2:
      estimate_ = estimate(AirIwelbo(model, hybrid, 2));
      break;
    case AirEstimator::kRws10:
      estimate_ = estimate(AirWakeSleep(model, guide, 10));
      break;
    case AirEstimator::kAdvised: {
      // The guide as a user writes it, every site's strategy left to Auto.
      auto_ = Auto();
      auto guided = WithStrategy(
          guide, [](const Message&) { return true; }, auto_);
      estimate_ = elbo(guided);
      if (analytic_kl) {
        pilot_ = [objective =
                      ElboAnalyticKl(model, guided)](const AirBatch& batch) {
          return objective(batch, Index{1});
        };
      } else {
        pilot_ = [objective = Elbo(model, guided)](const AirBatch& batch) {
          return objective(batch, Index{1});
        };
      }
      break;
    }
  }
}

absl::StatusOr<double> AirTrainer::EstimateGradient(const Tensor& images) {
  store_.ZeroGrad();
  ParamStoreScope store_scope(store_);
  TapeScope tape;
  absl::StatusOr<Tensor> projection =
      CatchStatusOr([&] { return networks_.ProjectImages(images); });
  if (!projection.ok()) return projection.status();
  // The estimator's reverse sweep runs over the whole tape, the
  // projection's node included: its adjoint gathers every step's.
  return estimate_(AirBatch{images, *projection});
}

absl::Status AirTrainer::Readvise(const Tensor& images) {
  // The parameters exist once the program has run.
  if (store_.parameters().empty()) {
    PROVI_RETURN_IF_ERROR(EstimateGradient(images).status());
    store_.ZeroGrad();
  }
  std::vector<ReportedParameter> params;
  for (const NamedParameter& p : store_.parameters()) {
    params.push_back({p.address.name(), p.parameter});
  }
  ParamStoreScope store_scope(store_);
  const auto program = [&]() -> Tensor {
    const Tensor projection = networks_.ProjectImages(images);
    return pilot_(AirBatch{images, projection});
  };
  AdvisorOptions options;
  options.estimates = options_.advisor_estimates;
  // MVD at z_what (64 x 50, location and scale) takes 200 program runs per
  // estimate: skipped. At z_where (64 x 3) it takes 12.
  options.max_runs_per_estimate = 50;
  // By default the discrete sites only; the continuous ones then keep their
  // default, pathwise.
  if (!options_.advise_all_sites) {
    for (int t = 0; t < kAirSteps; ++t) options.sites.push_back(ZPresSite(t));
  }
  if (options_.advise_presence_jointly) {
    options.groups.emplace_back();
    for (int t = 0; t < kAirSteps; ++t) {
      options.groups.back().push_back(ZPresSite(t));
    }
  }
  options.seed = options_.seed + 5 + static_cast<uint64_t>(steps_);
  PROVI_ASSIGN_OR_RETURN(const Advice advice, Advise(program, params, options));
  auto_->Adopt(advice);
  advice_report_ = advice.ToString();
  advice_step_ = steps_;
  return absl::OkStatus();
}

absl::StatusOr<double> AirTrainer::Step(const Tensor& images) {
  if (auto_ != nullptr && (advice_step_ < 0 || (options_.readvise_every > 0 &&
                                                steps_ - advice_step_ >=
                                                    options_.readvise_every))) {
    PROVI_RETURN_IF_ERROR(Readvise(images));
  }
  const absl::StatusOr<double> value = EstimateGradient(images);
  if (!value.ok()) return value.status();
  if (!std::isfinite(*value)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the objective estimate is ", *value, "; nothing was updated"));
  }
  std::vector<Parameter*> main, baseline;
  for (const NamedParameter& p : store_.parameters()) {
    // The estimate is maximised; the optimisers minimise.
    p.parameter->grad() = -p.parameter->grad();
    (IsBaselineParameter(p.address) ? baseline : main).push_back(p.parameter);
  }
  PROVI_RETURN_IF_ERROR(adam_.Step(main));
  if (!baseline.empty()) PROVI_RETURN_IF_ERROR(baseline_adam_.Step(baseline));
  ++steps_;
  return value;
}

absl::StatusOr<Eigen::MatrixXi> AirTrainer::CountConfusion(
    const Matrix& images, const std::vector<int>& counts, Index chunk,
    uint64_t seed) {
  if (static_cast<Index>(counts.size()) != images.rows() || chunk < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("CountConfusion: ", images.rows(), " images, ",
                     counts.size(), " counts and chunks of ", chunk));
  }
  Eigen::MatrixXi confusion = Eigen::MatrixXi::Zero(3, kAirSteps + 1);
  const AirGuide guide(networks_);
  ParamStoreScope store_scope(store_);
  NoRecordScope no_record;
  for (Index start = 0; start < images.rows(); start += chunk) {
    const Index n = std::min(chunk, images.rows() - start);
    const AirBatch batch{Tensor(images.middleRows(start, n)), Tensor()};
    PROVI_ASSIGN_OR_RETURN(
        const TracedRun<void> run,
        handlers::Trace(handlers::Seed(guide, seed + start))(batch, Index{1}));
    const std::vector<int> inferred = InferredCounts(run.trace);
    for (Index i = 0; i < n; ++i) {
      const int truth = counts[static_cast<size_t>(start + i)];
      if (truth < 0 || truth > 2) {
        return absl::InvalidArgumentError(
            absl::StrCat("CountConfusion: image ", start + i, " has count ",
                         truth, "; counts are 0, 1 or 2"));
      }
      ++confusion(truth, inferred[static_cast<size_t>(i)]);
    }
  }
  return confusion;
}

absl::StatusOr<Matrix> AirTrainer::Pictures(const Matrix& images,
                                            uint64_t seed) {
  const AirConfig& config = networks_.config();
  const AirGuide guide(networks_);
  ParamStoreScope store_scope(store_);
  NoRecordScope no_record;
  const AirBatch batch{Tensor(images), Tensor()};
  PROVI_ASSIGN_OR_RETURN(
      const TracedRun<void> run,
      handlers::Trace(handlers::Seed(guide, seed))(batch, Index{1}));
  return CatchStatusOr([&] {
    const Index n = images.rows();
    const Index side = config.canvas;
    Matrix pictures(2 * n, side * side);
    const nn::Mlp::Bound decoder = networks_.decoder().Bind();
    Tensor reconstruction(Matrix::Zero(n, side * side));
    for (int t = 0; t < kAirSteps; ++t) {
      const Tensor z_pres = *run.trace.Find(ZPresSite(t))->value;
      const Tensor z_where = *run.trace.Find(ZWhereSite(t))->value;
      const Tensor z_what = *run.trace.Find(ZWhatSite(t))->value;
      reconstruction =
          reconstruction +
          z_pres * WindowToImage(z_where, networks_.Decode(decoder, z_what),
                                 config.window, side);
    }
    for (Index i = 0; i < n; ++i) {
      pictures.row(2 * i) = images.row(i);
      pictures.row(2 * i + 1) = reconstruction.value().row(i);
    }
    // Outlines of the present objects' windows, brightest for the first.
    for (int t = 0; t < kAirSteps; ++t) {
      const Tensor z_pres = *run.trace.Find(ZPresSite(t))->value;
      const Tensor z_where = *run.trace.Find(ZWhereSite(t))->value;
      const Real shade = Real(1) - Real(0.25) * static_cast<Real>(t);
      for (Index i = 0; i < n; ++i) {
        if (z_pres(i, 0) < Real(0.5)) continue;
        const AirBox box =
            WindowBox(z_where(i, 0), z_where(i, 1), z_where(i, 2), side);
        const long top = std::lround(box.top);
        const long left = std::lround(box.left);
        const long bottom = std::lround(box.top + box.side) - 1;
        const long right = std::lround(box.left + box.side) - 1;
        auto plot = [&](long r, long c) {
          if (r < 0 || c < 0 || r >= side || c >= side) return;
          pictures(2 * i, r * side + c) = shade;
          pictures(2 * i + 1, r * side + c) = shade;
        };
        for (long c = left; c <= right; ++c) {
          plot(top, c);
          plot(bottom, c);
        }
        for (long r = top; r <= bottom; ++r) {
          plot(r, left);
          plot(r, right);
        }
      }
    }
    return pictures;
  });
}

double CountAccuracy(const Eigen::MatrixXi& confusion) {
  long correct = 0;
  for (Index k = 0; k < std::min(confusion.rows(), confusion.cols()); ++k) {
    correct += confusion(k, k);
  }
  const long total = confusion.sum();
  return total == 0 ? 0.0
                    : static_cast<double>(correct) / static_cast<double>(total);
}

double EmptyCanvasElbo(const Matrix& images, double sd) {
  const double per_pixel = -0.5 * std::log(2 * M_PI * sd * sd);
  const double squares = images.cast<double>().squaredNorm();
  return (images.size() * per_pixel - squares / (2 * sd * sd)) /
         static_cast<double>(images.rows());
}

namespace {

absl::Status Validate(const AirTrainingOptions& options) {
  auto invalid = [](auto&&... parts) {
    return absl::InvalidArgumentError(absl::StrCat(parts...));
  };
  if (options.batch < 1)
    return invalid("--batch must be >= 1, got ", options.batch);
  if (options.steps < 0)
    return invalid("--steps must be >= 0, got ", options.steps);
  if (options.train_images < options.batch) {
    return invalid("--train_images (", options.train_images,
                   ") must be at least --batch (", options.batch, ")");
  }
  if (options.heldout_images < 0 || options.heldout_images > 100000) {
    return invalid("--heldout_images must be in [0, 100000], got ",
                   options.heldout_images);
  }
  if (options.eval_images < 1 || options.eval_images > options.train_images) {
    return invalid("--eval_images must be in [1, --train_images], got ",
                   options.eval_images);
  }
  if (options.eval_every < 1 || options.log_every < 1) {
    return invalid("--eval_every and --log_every must be >= 1");
  }
  if (options.advisor_estimates < 2 || options.readvise_every < 0) {
    return invalid(
        "--advisor_estimates must be >= 2 and --readvise_every "
        ">= 0, got ",
        options.advisor_estimates, " and ", options.readvise_every);
  }
  for (const double lr :
       {options.learning_rate, options.baseline_learning_rate}) {
    if (!(lr > 0) || !std::isfinite(lr)) {
      return invalid("learning rates must be positive and finite, got ", lr);
    }
  }
  if (!(options.baseline_decay >= 0 && options.baseline_decay < 1)) {
    return invalid("--baseline_decay must be in [0, 1), got ",
                   options.baseline_decay);
  }
  if (options.png_images < 0) {
    return invalid("--png_images must be >= 0, got ", options.png_images);
  }
  if (options.output_dir.empty()) return invalid("--output_dir is empty");
  return absl::OkStatus();
}

std::string Join(const std::string& directory, const std::string& file) {
  return (std::filesystem::path(directory) / file).string();
}

std::string ConfusionString(const Eigen::MatrixXi& confusion) {
  std::string text = "  true \\ inferred      0      1      2      3\n";
  for (Index r = 0; r < confusion.rows(); ++r) {
    absl::StrAppend(&text, absl::StrFormat("  %-16d", r));
    for (Index c = 0; c < confusion.cols(); ++c) {
      absl::StrAppend(&text, absl::StrFormat(" %6d", confusion(r, c)));
    }
    absl::StrAppend(&text, "\n");
  }
  return text;
}

}  // namespace

absl::StatusOr<AirTrainingResult> TrainAir(const AirTrainingOptions& options,
                                           std::ostream& out) {
  PROVI_RETURN_IF_ERROR(Validate(options));
  AirTrainerOptions trainer_options;
  trainer_options.config =
      options.variant == AirVariant::kPyro ? PyroConfig() : GenjaxConfig();
  trainer_options.config.robust_where =
      trainer_options.config.robust_where || options.robust_where;
  if (!std::isnan(options.decoder_bias)) {
    trainer_options.config.decoder_bias = options.decoder_bias;
  }
  trainer_options.estimator = options.estimator;
  trainer_options.baseline = options.baseline;
  trainer_options.baseline_decay = options.baseline_decay;
  trainer_options.learning_rate = options.learning_rate;
  trainer_options.baseline_learning_rate = options.baseline_learning_rate;
  trainer_options.seed = options.seed;
  trainer_options.advisor_estimates = options.advisor_estimates;
  trainer_options.readvise_every = options.readvise_every;
  trainer_options.analytic_kl = options.analytic_kl;
  trainer_options.advise_all_sites = options.advise_all_sites;
  trainer_options.advise_presence_jointly = options.advise_presence_jointly;
  const AirConfig& config = trainer_options.config;

  const Clock::time_point data_start = Clock::now();
  MultiObjectOptions train_options;
  train_options.count = options.train_images;
  train_options.canvas = static_cast<int>(config.canvas);
  train_options.seed = options.data_seed;
  PROVI_ASSIGN_OR_RETURN(const MultiObjectDataset train,
                         LoadMultiObject(train_options, Split::kTrain,
                                         options.data_dir, options.cache_dir));
  MultiObjectOptions heldout_options = train_options;
  heldout_options.count = options.heldout_images;
  PROVI_ASSIGN_OR_RETURN(const MultiObjectDataset heldout,
                         LoadMultiObject(heldout_options, Split::kTest,
                                         options.data_dir, options.cache_dir));
  const Matrix train_images = train.Images(0, train.size());
  const Matrix eval_images = train_images.topRows(options.eval_images);
  const std::vector<int> eval_counts = train.Counts(0, options.eval_images);
  const Matrix heldout_images = heldout.Images(0, heldout.size());
  const std::vector<int> heldout_counts = heldout.Counts(0, heldout.size());
  const double data_seconds = SecondsSince(data_start);

  std::error_code error;
  std::filesystem::create_directories(options.output_dir, error);
  if (error) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create the output directory ", options.output_dir,
                     ": ", error.message()));
  }
  AirTrainingResult result;
  result.checkpoint_path = Join(options.output_dir, "air.params");
  result.csv_path = Join(options.output_dir, "air_training.csv");
  result.png_path = Join(options.output_dir, "air_boxes.png");
  result.empty_canvas_elbo =
      EmptyCanvasElbo(train_images, config.likelihood_sd);

  PROVI_ASSIGN_OR_RETURN(std::unique_ptr<AirTrainer> trainer,
                         CatchStatusOr([&] {
                           return std::make_unique<AirTrainer>(trainer_options);
                         }));
  Rng shuffle = MakeRng(options.seed + 3);
  Minibatches batches(train_images, options.batch, shuffle, /*drop_last=*/true);

  out << absl::StrFormat(
      "AIR (%s variant%s, decoder bias %g) on %d training and %d held-out "
      "%dx%d canvases of 0-2 Fashion-MNIST objects (%s, %.1f s)\n"
      "estimator %s%s%s, batch %d, Adam lr %g (baseline %g), %d steps, "
      "seed %d\n"
      "ELBO of explaining nothing (empty canvas): %.1f per image\n",
      AirVariantName(config.variant),
      config.robust_where && config.variant == AirVariant::kGenjax
          ? ", robust z_where"
          : "",
      config.decoder_bias, train.size(), heldout.size(), config.canvas,
      config.canvas, options.cache_dir, data_seconds,
      AirEstimatorName(options.estimator),
      options.estimator == AirEstimator::kReinforceBaseline
          ? absl::StrCat(" (", AirBaselineName(options.baseline), ")")
          : "",
      options.analytic_kl ? ", closed-form KL terms" : "", options.batch,
      options.learning_rate, options.baseline_learning_rate, options.steps,
      options.seed, result.empty_canvas_elbo);
  out.flush();

  std::string csv =
      "estimator,seed,step,seconds,objective,objective_ema,accuracy,c00,c01,"
      "c02,c03,c10,c11,c12,c13,c20,c21,c22,c23,cpu_seconds\n";
  const std::string row_prefix =
      absl::StrCat(AirEstimatorName(options.estimator), ",", options.seed, ",");
  // The objective's exponential moving average (about the last 100 steps).
  constexpr double kEmaDecay = 0.99;
  double ema = 0;
  std::deque<double> window;
  double window_sum = 0;
  double last_accuracy = std::nan("");
  // Training time and steps since the last progress line.
  double window_seconds = 0;
  int64_t window_steps = 0;
  auto evaluate = [&](int64_t step) -> absl::Status {
    PROVI_ASSIGN_OR_RETURN(
        result.train_confusion,
        trainer->CountConfusion(eval_images, eval_counts, kEvalChunk,
                                options.seed + 1000 + step));
    last_accuracy = CountAccuracy(result.train_confusion);
    const double thresholds[3] = {0.5, 0.8, 0.9};
    for (int k = 0; k < 3; ++k) {
      if (result.steps_to_accuracy[k] < 0 && last_accuracy >= thresholds[k]) {
        result.steps_to_accuracy[k] = step;
      }
    }
    return absl::OkStatus();
  };
  PROVI_RETURN_IF_ERROR(evaluate(0));
  absl::StrAppend(&csv, row_prefix, "0,0,,,",
                  absl::StrFormat("%.4f", last_accuracy));
  for (Index r = 0; r < 3; ++r) {
    for (Index c = 0; c < kAirSteps + 1; ++c) {
      absl::StrAppend(&csv, ",", result.train_confusion(r, c));
    }
  }
  absl::StrAppend(&csv, ",0\n");
  out << absl::StrFormat(
      "step %5d  count accuracy %.3f (%d training canvases)\n", 0,
      last_accuracy, options.eval_images);
  while (result.steps < options.steps) {
    for (const Tensor& x : batches) {
      const Clock::time_point step_start = Clock::now();
      const std::clock_t step_cpu_start = std::clock();
      absl::StatusOr<double> value = trainer->Step(x);
      const double step_seconds = SecondsSince(step_start);
      result.train_seconds += step_seconds;
      result.train_cpu_seconds +=
          static_cast<double>(std::clock() - step_cpu_start) / CLOCKS_PER_SEC;
      window_seconds += step_seconds;
      if (!value.ok()) {
        return absl::Status(value.status().code(),
                            absl::StrCat("step ", result.steps + 1, ": ",
                                         value.status().message()));
      }
      if (trainer->advice_step() == result.steps) {
        out << absl::StrFormat(
                   "advice before step %d (counted in the "
                   "training time):\n",
                   result.steps + 1)
            << trainer->advice_report();
        out.flush();
      }
      ++result.steps;
      ++window_steps;
      window.push_back(*value);
      window_sum += *value;
      if (static_cast<int64_t>(window.size()) > options.log_every) {
        window_sum -= window.front();
        window.pop_front();
      }
      const bool eval = result.steps % options.eval_every == 0 ||
                        result.steps == options.steps;
      if (eval) PROVI_RETURN_IF_ERROR(evaluate(result.steps));
      ema = result.steps == 1 ? *value
                              : kEmaDecay * ema + (1 - kEmaDecay) * *value;
      absl::StrAppend(&csv, row_prefix, result.steps, ",",
                      absl::StrFormat("%.3f,%.4f,%.4f,", result.train_seconds,
                                      *value, ema));
      if (eval) {
        absl::StrAppend(&csv, absl::StrFormat("%.4f", last_accuracy));
        for (Index r = 0; r < 3; ++r) {
          for (Index c = 0; c < kAirSteps + 1; ++c) {
            absl::StrAppend(&csv, ",", result.train_confusion(r, c));
          }
        }
        absl::StrAppend(&csv,
                        absl::StrFormat(",%.3f\n", result.train_cpu_seconds));
        // Written at every evaluation, so that a run stopped early leaves
        // its curve so far.
        PROVI_RETURN_IF_ERROR(WriteFileAtomically(result.csv_path, csv));
      } else {
        absl::StrAppend(&csv, absl::StrFormat(",,,,,,,,,,,,,%.3f\n",
                                              result.train_cpu_seconds));
      }
      if (result.steps % options.log_every == 0 ||
          result.steps == options.steps) {
        out << absl::StrFormat(
            "step %5d  objective %8.2f per image (last %d steps)  count "
            "accuracy %.3f  %.1f steps/s\n",
            result.steps, window_sum / static_cast<double>(window.size()),
            window.size(), last_accuracy,
            static_cast<double>(window_steps) / window_seconds);
        out.flush();
        window_seconds = 0;
        window_steps = 0;
      }
      if (result.steps >= options.steps) break;
    }
  }
  result.final_objective =
      window.empty() ? std::nan("")
                     : window_sum / static_cast<double>(window.size());
  result.steps_per_second =
      result.train_seconds > 0
          ? static_cast<double>(result.steps) / result.train_seconds
          : 0;
  result.train_accuracy = last_accuracy;

  const Clock::time_point heldout_start = Clock::now();
  if (heldout.size() > 0) {
    PROVI_ASSIGN_OR_RETURN(
        result.heldout_confusion,
        trainer->CountConfusion(heldout_images, heldout_counts, kEvalChunk,
                                options.seed + 5000));
    result.heldout_accuracy = CountAccuracy(result.heldout_confusion);
  }
  out << absl::StrFormat(
      "trained %d steps in %.1f s (%.1f steps/s, %.1f ms/step; %.1f s of "
      "CPU)\n"
      "steps to count accuracy 0.5 / 0.8 / 0.9 (-1: not reached): %d / %d "
      "/ %d\n"
      "count accuracy on %d training canvases: %.3f\n%s",
      result.steps, result.train_seconds, result.steps_per_second,
      1000 / std::max(result.steps_per_second, 1e-9), result.train_cpu_seconds,
      result.steps_to_accuracy[0], result.steps_to_accuracy[1],
      result.steps_to_accuracy[2], options.eval_images, result.train_accuracy,
      ConfusionString(result.train_confusion));
  if (heldout.size() > 0) {
    out << absl::StrFormat(
        "count accuracy on %d held-out canvases: %.3f (%.1f s)\n%s",
        heldout.size(), result.heldout_accuracy, SecondsSince(heldout_start),
        ConfusionString(result.heldout_confusion));
  }

  PROVI_RETURN_IF_ERROR(trainer->store().Save(result.checkpoint_path));
  PROVI_RETURN_IF_ERROR(WriteFileAtomically(result.csv_path, csv));
  const Index shown = std::min(
      options.png_images, heldout.size() > 0 ? heldout.size() : train.size());
  if (shown > 0) {
    const Matrix& source = heldout.size() > 0 ? heldout_images : train_images;
    PROVI_ASSIGN_OR_RETURN(
        const Matrix pictures,
        trainer->Pictures(source.topRows(shown), options.seed + 7));
    PROVI_RETURN_IF_ERROR(WritePngGrid(result.png_path, pictures,
                                       static_cast<int>(config.canvas),
                                       static_cast<int>(config.canvas),
                                       /*columns=*/8, /*padding=*/2));
  }
  out << "wrote " << result.checkpoint_path << ", " << result.csv_path;
  if (shown > 0) out << " and " << result.png_path;
  out << "\n";
  return result;
}

}  // namespace examples
}  // namespace provi
