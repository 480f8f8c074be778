// Copyright 2026 The provi Authors.

#include "examples/posteriordb_models.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "Eigen/Core"
#include "absl/random/bit_gen_ref.h"
#include "absl/random/distributions.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "ad/tensor.h"
#include "base/real.h"
#include "base/status_error.h"
#include "data/json.h"
#include "distributions/dirichlet.h"
#include "distributions/distribution.h"
#include "distributions/gamma.h"
#include "distributions/half_cauchy.h"
#include "distributions/half_normal.h"
#include "distributions/half_student_t.h"
#include "distributions/improper_uniform.h"
#include "distributions/normal.h"
#include "distributions/student_t.h"
#include "distributions/support.h"
#include "estimators/expectation.h"
#include "handlers/seed.h"
#include "handlers/substitute.h"
#include "handlers/trace.h"
#include "runtime/address.h"
#include "runtime/handler.h"
#include "runtime/primitives.h"
#include "runtime/site_error.h"
#include "runtime/trace.h"
#include "vi/autoguide.h"
#include "vi/deterministic_vi.h"
#include "vi/fit_diagnostics.h"
#include "vi/laplace.h"
#include "vi/objectives.h"
#include "vi/optimizers.h"
#include "vi/param_store.h"
#include "vi/predictive.h"
#include "vi/psis.h"
#include "vi/svi.h"
#include "vi/svi_options.h"

namespace provi {
namespace examples {
namespace {

constexpr double kPi = 3.14159265358979323846;

// -----------------------------------------------------------------------------
// Reading data
// -----------------------------------------------------------------------------

// `status` with "<path>: " in front of its message.
absl::Status InFile(absl::string_view path, const absl::Status& status) {
  return absl::Status(status.code(),
                      absl::StrCat(path, ": ", status.message()));
}

Tensor Column(const std::vector<double>& values) {
  Eigen::MatrixXd m(static_cast<Index>(values.size()), 1);
  for (size_t i = 0; i < values.size(); ++i) {
    m(static_cast<Index>(i), 0) = values[i];
  }
  return Tensor(m);
}

// Reads the members of one data.json, each error naming the file.
class DataReader {
 public:
  static absl::StatusOr<DataReader> Open(absl::string_view path) {
    absl::StatusOr<JsonValue> root = ReadJsonFile(path);
    if (!root.ok()) return root.status();
    if (!root->is_object()) {
      return InFile(path, absl::InvalidArgumentError(absl::StrCat(
                              "expected an object of named data (Stan's JSON "
                              "data format), got ",
                              JsonValue::TypeName(root->type()))));
    }
    return DataReader(std::string(path), *std::move(root));
  }

  const std::string& path() const { return path_; }

  // An integer >= `minimum`.
  absl::StatusOr<int64_t> Integer(absl::string_view key,
                                  int64_t minimum) const {
    absl::StatusOr<int64_t> value = root_.GetInteger(key);
    if (!value.ok()) return InFile(path_, value.status());
    if (*value < minimum) {
      return Error(key, absl::StrCat("must be >= ", minimum, ", got ", *value));
    }
    return value;
  }

  // An array of `size` numbers (any size when `size` < 0), each > 0 when
  // `positive`.
  absl::StatusOr<std::vector<double>> Numbers(absl::string_view key,
                                              int64_t size,
                                              bool positive = false) const {
    absl::StatusOr<std::vector<double>> values = root_.GetNumberArray(key);
    if (!values.ok()) return InFile(path_, values.status());
    if (size >= 0 && static_cast<int64_t>(values->size()) != size) {
      return Error(key, absl::StrCat("has ", values->size(),
                                     " elements, expected ", size));
    }
    for (size_t i = 0; i < values->size(); ++i) {
      if (!std::isfinite((*values)[i]) || (positive && !((*values)[i] > 0))) {
        return Error(
            absl::StrCat(key, "[", i, "]"),
            absl::StrCat("= ", (*values)[i], " must be ",
                         positive ? "positive (the model takes its log, or "
                                    "it is a scale)"
                                  : "finite"));
      }
    }
    return values;
  }

  // A rows x cols matrix.
  absl::StatusOr<Eigen::MatrixXd> MatrixOf(absl::string_view key, int64_t rows,
                                           int64_t cols) const {
    absl::StatusOr<Eigen::MatrixXd> m = root_.GetMatrix(key);
    if (!m.ok()) return InFile(path_, m.status());
    if (m->rows() != rows || m->cols() != cols) {
      return Error(key, absl::StrCat("is ", m->rows(), " x ", m->cols(),
                                     ", expected ", rows, " x ", cols));
    }
    if (!m->allFinite()) return Error(key, "has a non-finite element");
    return m;
  }

  absl::Status Error(absl::string_view key, absl::string_view problem) const {
    return absl::InvalidArgumentError(
        absl::StrCat(path_, ": $.", key, " ", problem));
  }

 private:
  DataReader(std::string path, JsonValue root)
      : path_(std::move(path)), root_(std::move(root)) {}

  std::string path_;
  JsonValue root_;
};

// -----------------------------------------------------------------------------
// Quantities
// -----------------------------------------------------------------------------

// "<base>[1]", ..., "<base>[n]".
std::vector<std::string> Indexed(absl::string_view base, Index n) {
  std::vector<std::string> names;
  for (Index i = 1; i <= n; ++i)
    names.push_back(absl::StrCat(base, "[", i, "]"));
  return names;
}

std::vector<std::string> Concat(std::vector<std::vector<std::string>> parts) {
  std::vector<std::string> all;
  for (std::vector<std::string>& part : parts) {
    for (std::string& name : part) all.push_back(std::move(name));
  }
  return all;
}

// A quantity in Stan's naming as a site of the model and an element of its
// value: "theta[3]" is element 2 of site "theta" (the models' vectors are
// one row or one column, so the flattened index is the position), "mu" is
// element 0 of "mu".
struct Quantity {
  std::string site;
  Index index = 0;
};

Quantity ParseQuantity(absl::string_view name) {
  const size_t open = name.find('[');
  if (open == absl::string_view::npos) return {std::string(name), 0};
  Index position = 0;
  for (size_t i = open + 1; i < name.size() && name[i] != ']'; ++i) {
    position = 10 * position + (name[i] - '0');
  }
  return {std::string(name.substr(0, open)), position - 1};
}

// -----------------------------------------------------------------------------
// The generic posterior
// -----------------------------------------------------------------------------

absl::Status ValidateOptions(const FitOptions& options) {
  std::vector<std::string> problems;
  if (options.steps < 1) {
    problems.push_back(absl::StrCat("steps = ", options.steps, " < 1"));
  }
  if (!(options.learning_rate > 0) || !std::isfinite(options.learning_rate)) {
    problems.push_back(absl::StrCat("learning_rate = ", options.learning_rate,
                                    " must be positive and finite"));
  }
  if (!(options.final_rate_ratio > 0 && options.final_rate_ratio <= 1)) {
    problems.push_back(absl::StrCat(
        "final_rate_ratio = ", options.final_rate_ratio, " must be in (0, 1]"));
  }
  if (!(options.averaged_fraction >= 0 && options.averaged_fraction < 1)) {
    problems.push_back(
        absl::StrCat("averaged_fraction = ", options.averaged_fraction,
                     " must be in [0, 1)"));
  }
  if (!(options.init_scale > 0) || !std::isfinite(options.init_scale)) {
    problems.push_back(absl::StrCat("init_scale = ", options.init_scale,
                                    " must be positive and finite"));
  }
  if (!(options.adam_beta2 >= 0 && options.adam_beta2 < 1)) {
    problems.push_back(absl::StrCat("adam_beta2 = ", options.adam_beta2,
                                    " must be in [0, 1)"));
  }
  if (!(options.max_gradient > 0)) {
    problems.push_back(
        absl::StrCat("max_gradient = ", options.max_gradient, " must be > 0"));
  }
  if (options.draws < 25) {
    problems.push_back(absl::StrCat("draws = ", options.draws, " < 25"));
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("invalid fit options: ", absl::StrJoin(problems, "; ")));
}

// The tuning of one posterior (see default_options()).
struct Tuning {
  int steps = 20000;
  double learning_rate = 0.05;
};

template <typename Model>
class ModelPosterior final : public Posterior {
 public:
  ModelPosterior(std::string name, Model model,
                 std::vector<std::string> quantity_names, Tuning tuning,
                 std::string note)
      : name_(std::move(name)),
        model_(std::move(model)),
        quantity_names_(std::move(quantity_names)),
        tuning_(tuning),
        note_(std::move(note)) {}

  const std::string& name() const override { return name_; }
  const std::vector<std::string>& quantity_names() const override {
    return quantity_names_;
  }
  const std::string& note() const override { return note_; }

  FitOptions default_options(GuideFamily family) const override {
    FitOptions options;
    options.family = family;
    options.steps = tuning_.steps;
    options.learning_rate = tuning_.learning_rate;
    return options;
  }

  absl::StatusOr<FitResult> Fit(const std::vector<std::string>& names,
                                const FitOptions& options) const override {
    if (absl::Status status = ValidateOptions(options); !status.ok()) {
      return status;
    }
    std::vector<Quantity> quantities;
    for (const std::string& name : names) {
      if (std::find(quantity_names_.begin(), quantity_names_.end(), name) ==
          quantity_names_.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            name_, ": no quantity named '", name, "'; the model has ",
            absl::StrJoin(quantity_names_, ", ")));
      }
      quantities.push_back(ParseQuantity(name));
    }
    AutoGuideOptions guide_options;
    guide_options.init_scale = options.init_scale;
    guide_options.seed = options.seed;
    absl::StatusOr<FitResult> result;
    switch (options.family) {
      case GuideFamily::kMeanField:
        result = FitGuide(AutoNormal<Model>(model_, guide_options), quantities,
                          options);
        break;
      case GuideFamily::kFullRank:
        result = FitGuide(AutoMultivariateNormal<Model>(model_, guide_options),
                          quantities, options);
        break;
      case GuideFamily::kLaplace:
      case GuideFamily::kDeterministic:
        result =
            FitByLbfgs(AutoLaplaceApproximation<Model>(model_, guide_options),
                       quantities, options);
        break;
    }
    if (!result.ok()) {
      return absl::Status(
          result.status().code(),
          absl::StrCat(name_, ", ", GuideFamilyName(options.family), ": ",
                       result.status().message()));
    }
    for (size_t i = 0; i < names.size(); ++i) {
      result->moments[i].name = names[i];
      result->psis_moments[i].name = names[i];
    }
    return result;
  }

  absl::StatusOr<double> LogJoint(const ValueMap& latents) const override {
    absl::StatusOr<TracedRun<void>> run =
        handlers::Trace(handlers::Substitute(model_, latents))();
    if (!run.ok()) return run.status();
    for (const Site& site : run->trace.sites()) {
      if (site.kind == SiteKind::kSample && !site.is_observed &&
          !latents.contains(site.address)) {
        return AnnotateSite(absl::InvalidArgumentError(absl::StrCat(
                                name_, ": no value for this latent site")),
                            site.kind, site.address);
      }
    }
    return CatchStatusOr(
        [&] { return static_cast<double>(run->trace.LogProbSum().item()); });
  }

 private:
  template <typename Guide>
  absl::StatusOr<FitResult> FitGuide(Guide guide,
                                     const std::vector<Quantity>& quantities,
                                     const FitOptions& options) const {
    const auto start = std::chrono::steady_clock::now();
    ParamStore store;
    auto elbo = Expectation(Elbo(model_, guide));
    elbo.Seed(options.seed);
    AdamOptions adam_options;
    adam_options.learning_rate = ExponentialDecay(
        options.learning_rate, options.final_rate_ratio, options.steps);
    adam_options.beta2 = options.adam_beta2;
    adam_options.clipping.max_value = options.max_gradient;
    Adam adam(adam_options);

    // Average the unconstrained parameters over the last steps.
    const int64_t averaged = static_cast<int64_t>(
        std::floor(options.averaged_fraction * options.steps));
    const int64_t first_averaged = options.steps - averaged;
    std::vector<Eigen::MatrixXd> sums;
    double elbo_sum = 0;
    double last_elbo = 0;
    SviOptions svi_options;
    svi_options.progress = false;
    // The learning rate decays over the whole budget and the last steps
    // are averaged: take them all, and report whether the rule was met.
    svi_options.stop_when_converged = false;
    svi_options.callbacks.push_back([&](int64_t step, double value) {
      last_elbo = value;
      if (step < first_averaged) return true;
      const std::vector<NamedParameter>& parameters = store.parameters();
      if (sums.empty()) {
        for (const NamedParameter& p : parameters) {
          sums.push_back(
              Eigen::MatrixXd::Zero(p.parameter->rows(), p.parameter->cols()));
        }
      }
      for (size_t i = 0; i < parameters.size(); ++i) {
        sums[i] += parameters[i].parameter->value().template cast<double>();
      }
      elbo_sum += value;
      return true;
    });
    Svi svi(elbo, adam, store, svi_options);
    absl::StatusOr<SviSummary> summary = svi.Run(options.steps);
    if (!summary.ok()) return summary.status();
    FitResult result;
    result.elbo = last_elbo;
    result.converged = summary->converged;
    if (averaged > 0) {
      const std::vector<NamedParameter>& parameters = store.parameters();
      for (size_t i = 0; i < parameters.size(); ++i) {
        parameters[i].parameter->value() =
            (sums[i] / static_cast<double>(averaged)).template cast<Real>();
      }
      result.elbo = elbo_sum / static_cast<double>(averaged);
    }
    return Summarise(guide, store, quantities, options, start,
                     std::move(result));
  }

  // The Laplace approximation, and deterministic full-rank VI from it.
  template <typename Guide>
  absl::StatusOr<FitResult> FitByLbfgs(Guide guide,
                                       const std::vector<Quantity>& quantities,
                                       const FitOptions& options) const {
    const auto start = std::chrono::steady_clock::now();
    ParamStore store;
    FitResult result;
    absl::StatusOr<LaplaceSummary> laplace = guide.Fit(store, {});
    // Deterministic VI starts from the Laplace fit, or from the guide's
    // initial point when there is none (a mode with an indefinite
    // Hessian, as in hierarchical models).
    if (!laplace.ok() &&
        (options.family == GuideFamily::kLaplace ||
         laplace.status().code() != absl::StatusCode::kFailedPrecondition)) {
      return laplace.status();
    }
    if (laplace.ok()) {
      result.converged = laplace->converged;
      result.elbo = laplace->log_density;
    }
    if (options.family == GuideFamily::kDeterministic) {
      DeterministicViOptions dadvi;
      dadvi.seed = options.seed;
      dadvi.draws = options.dadvi_draws;
      absl::StatusOr<DeterministicViSummary> fit =
          FitDeterministicFullRank(guide, store, dadvi);
      if (!fit.ok()) return fit.status();
      result.converged = fit->converged;
      result.elbo = fit->objective;
    }
    return Summarise(guide, store, quantities, options, start,
                     std::move(result));
  }

  // Draws from the fitted guide replayed through the model (Predictive, so
  // deterministic sites come out): the summary of the quantities' sites,
  // the moments of the quantities, plain and PSIS-weighted, k-hat, and the
  // seconds since `start`.
  template <typename Guide>
  absl::StatusOr<FitResult> Summarise(
      const Guide& guide, ParamStore& store,
      const std::vector<Quantity>& quantities, const FitOptions& options,
      std::chrono::steady_clock::time_point start, FitResult result) const {
    PredictiveOptions predictive;
    predictive.num_samples = options.draws;
    predictive.seed = options.seed ^ 0x9E3779B97F4A7C15ULL;
    predictive.log_weights = true;
    for (const Quantity& quantity : quantities) {
      if (std::find(predictive.return_sites.begin(),
                    predictive.return_sites.end(),
                    quantity.site) == predictive.return_sites.end()) {
        predictive.return_sites.push_back(quantity.site);
      }
    }
    absl::StatusOr<PredictiveSamples> samples =
        Predictive(model_, guide, store, predictive);
    if (!samples.ok()) return samples.status();
    absl::StatusOr<FitDiagnostics> check =
        DiagnosticsFromLogRatios(samples->log_weights);
    if (!check.ok()) return check.status();
    // A borderline k-hat is re-estimated from four times the draws, as
    // Diagnose does (vi/fit_diagnostics.h); the same seed repeats the first
    // draws.
    if (check->psis.pareto_k > DiagnoseOptions().extend_above) {
      predictive.num_samples = 4 * options.draws;
      samples = Predictive(model_, guide, store, predictive);
      if (!samples.ok()) return samples.status();
      check = DiagnosticsFromLogRatios(samples->log_weights);
      if (!check.ok()) return check.status();
    }
    result.pareto_k = check->psis.pareto_k;
    result.draws = samples->num_samples;
    const Index draws = static_cast<Index>(samples->num_samples);
    result.summary = Summarize(*samples);
    Eigen::MatrixXd values(draws, static_cast<Index>(quantities.size()));
    for (size_t i = 0; i < quantities.size(); ++i) {
      const PredictiveSite* site = samples->Find(quantities[i].site);
      if (site == nullptr || quantities[i].index >= site->draws.cols()) {
        return absl::InternalError(
            absl::StrCat("the draws of '", quantities[i].site,
                         "' have no element ", quantities[i].index));
      }
      values.col(static_cast<Index>(i)) = site->draws.col(quantities[i].index);
    }
    const WeightedMoments plain = ComputeWeightedMoments(
        values, Eigen::VectorXd::Constant(
                    draws, -std::log(static_cast<double>(draws))));
    const WeightedMoments weighted =
        ComputeWeightedMoments(values, check->psis.log_weights);
    for (size_t i = 0; i < quantities.size(); ++i) {
      const Index j = static_cast<Index>(i);
      result.moments.push_back(Moments{"", plain.mean(j), plain.sd(j)});
      result.psis_moments.push_back(
          Moments{"", weighted.mean(j), weighted.sd(j)});
    }
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    return result;
  }

  std::string name_;
  Model model_;
  std::vector<std::string> quantity_names_;
  Tuning tuning_;
  std::string note_;
};

template <typename Model>
std::unique_ptr<Posterior> MakePosterior(std::string name, Model model,
                                         std::vector<std::string> names,
                                         Tuning tuning, std::string note = "") {
  return std::make_unique<ModelPosterior<Model>>(
      std::move(name), std::move(model), std::move(names), tuning,
      std::move(note));
}

// -----------------------------------------------------------------------------
// The five posteriors
// -----------------------------------------------------------------------------

constexpr char kNoncentered[] = "eight_schools-eight_schools_noncentered";
constexpr char kCentered[] = "eight_schools-eight_schools_centered";
constexpr char kBlr[] = "sblrc-blr";
constexpr char kMesquite[] = "mesquite-logmesquite";
constexpr char kArK[] = "arK-arK";
constexpr char kArma[] = "arma-arma11";
constexpr char kEarnHeight[] = "earnings-earn_height";
constexpr char kLogEarnZ[] = "earnings-logearn_interaction_z";
constexpr char kGpRegr[] = "gp_pois_regr-gp_regr";
constexpr char kKidMomHs[] = "kidiq-kidscore_momhs";
constexpr char kKidInteraction[] = "kidiq_with_mom_work-kidscore_interaction_c";
constexpr char kKidMomWork[] = "kidiq_with_mom_work-kidscore_mom_work";
constexpr char kMesquiteRaw[] = "mesquite-mesquite";
constexpr char kNes[] = "nes2000-nes";
constexpr char kBlri[] = "sblri-blr";
constexpr char kHmm[] = "hmm_example-hmm_example";
constexpr char kAccelGp[] = "mcycle_gp-accel_gp";

// Eight schools (Rubin 1981): J, y, sigma.
absl::StatusOr<std::unique_ptr<Posterior>> EightSchools(const DataReader& data,
                                                        bool centered) {
  absl::StatusOr<int64_t> j = data.Integer("J", 1);
  if (!j.ok()) return j.status();
  absl::StatusOr<std::vector<double>> y = data.Numbers("y", *j);
  if (!y.ok()) return y.status();
  absl::StatusOr<std::vector<double>> sigma =
      data.Numbers("sigma", *j, /*positive=*/true);
  if (!sigma.ok()) return sigma.status();
  const Index schools = static_cast<Index>(*j);
  const Tensor y_t = Column(*y);
  const Tensor sigma_t = Column(*sigma);
  std::vector<std::string> names =
      Concat({Indexed("theta", schools), {"mu", "tau"}});
  if (!centered) {
    auto model = [schools, y_t, sigma_t] {
      const Tensor mu = sample("mu", Normal(0.0, 5.0));
      const Tensor tau = sample("tau", HalfCauchy(5.0));
      Plate plate("schools", schools);
      const Tensor theta_trans =
          sample("theta_trans", Normal(0.0, 1.0).Expand(schools, 1));
      // Stan's transformed parameter, reported with the draws.
      const Tensor theta = deterministic("theta", mu + tau * theta_trans);
      observe("y", Normal(theta, sigma_t), y_t);
    };
    return MakePosterior(kNoncentered, std::move(model), std::move(names),
                         Tuning{});
  }
  auto model = [schools, y_t, sigma_t] {
    const Tensor mu = sample("mu", Normal(0.0, 5.0));
    const Tensor tau = sample("tau", HalfCauchy(5.0));
    Plate plate("schools", schools);
    const Tensor theta = sample("theta", Normal(mu, tau).Expand(schools, 1));
    observe("y", Normal(theta, sigma_t), y_t);
  };
  return MakePosterior(
      kCentered, std::move(model), std::move(names), Tuning{},
      "known hard: the centred parameterisation is a funnel in (theta, log "
      "tau) that no Gaussian follows; expect tau's mean to be biased by a "
      "sizeable part of its sd and its sd to be far too small "
      "(posteriordb's reference is the non-centred model's draws: the same "
      "posterior)");
}

// Bayesian linear regression: N, D, X (N x D), y (sblrc-blr and
// sblri-blr: the same model on two simulated designs).
absl::StatusOr<std::unique_ptr<Posterior>> LinearRegression(
    const DataReader& data, const char* name) {
  absl::StatusOr<int64_t> n = data.Integer("N", 1);
  if (!n.ok()) return n.status();
  absl::StatusOr<int64_t> d = data.Integer("D", 1);
  if (!d.ok()) return d.status();
  absl::StatusOr<Eigen::MatrixXd> x = data.MatrixOf("X", *n, *d);
  if (!x.ok()) return x.status();
  absl::StatusOr<std::vector<double>> y = data.Numbers("y", *n);
  if (!y.ok()) return y.status();
  const Index rows = static_cast<Index>(*n);
  const Index dims = static_cast<Index>(*d);
  const Tensor x_t(*x);
  const Tensor y_t = Column(*y);
  auto model = [rows, dims, x_t, y_t] {
    const Tensor beta = sample("beta", Normal(0.0, 10.0).Expand(1, dims));
    const Tensor sigma = sample("sigma", HalfNormal(10.0));
    Plate plate("data", rows);
    observe("y", Normal(MatMul(x_t, Transpose(beta)), sigma), y_t);
  };
  return MakePosterior(
      name, std::move(model), Concat({Indexed("beta", dims), {"sigma"}}),
      Tuning{100000, 0.01},
      name == std::string(kBlr)
          ? "beta's posterior sds are ~1e-3 and its elements correlated "
            "~0.8: mean-field VI gets the means and about half the sds"
          : "");
}

// Log mesquite weight on log sizes and a group indicator.
absl::StatusOr<std::unique_ptr<Posterior>> Mesquite(const DataReader& data) {
  absl::StatusOr<int64_t> n = data.Integer("N", 1);
  if (!n.ok()) return n.status();
  const char* const kLogged[] = {"diam1", "diam2", "canopy_height",
                                 "total_height", "density"};
  const Index rows = static_cast<Index>(*n);
  Eigen::MatrixXd x(rows, 7);
  x.col(0).setOnes();
  for (int k = 0; k < 5; ++k) {
    absl::StatusOr<std::vector<double>> column =
        data.Numbers(kLogged[k], *n, /*positive=*/true);
    if (!column.ok()) return column.status();
    for (Index i = 0; i < rows; ++i) {
      x(i, k + 1) = std::log((*column)[static_cast<size_t>(i)]);
    }
  }
  absl::StatusOr<std::vector<double>> group = data.Numbers("group", *n);
  if (!group.ok()) return group.status();
  absl::StatusOr<std::vector<double>> weight =
      data.Numbers("weight", *n, /*positive=*/true);
  if (!weight.ok()) return weight.status();
  std::vector<double> log_weight;
  for (size_t i = 0; i < weight->size(); ++i) {
    x(static_cast<Index>(i), 6) = (*group)[i];
    log_weight.push_back(std::log((*weight)[i]));
  }
  const Tensor x_t(x);
  const Tensor y_t = Column(log_weight);
  auto model = [rows, x_t, y_t] {
    // No prior statement in the Stan program: flat on beta and on sigma > 0.
    const Tensor beta =
        sample("beta", ImproperUniform(Support::Real(), 1, x_t.cols()));
    const Tensor sigma =
        sample("sigma", ImproperUniform(Support::Positive(), 1, 1));
    Plate plate("data", rows);
    observe("log_weight", Normal(MatMul(x_t, Transpose(beta)), sigma), y_t);
  };
  return MakePosterior(kMesquite, std::move(model),
                       Concat({Indexed("beta", 7), {"sigma"}}), Tuning{});
}

// AR(K): K, T, y.
absl::StatusOr<std::unique_ptr<Posterior>> Autoregression(
    const DataReader& data) {
  absl::StatusOr<int64_t> k = data.Integer("K", 1);
  if (!k.ok()) return k.status();
  absl::StatusOr<int64_t> t = data.Integer("T", *k + 1);
  if (!t.ok()) return t.status();
  absl::StatusOr<std::vector<double>> y = data.Numbers("y", *t);
  if (!y.ok()) return y.status();
  const Index lags = static_cast<Index>(*k);
  const Index rows = static_cast<Index>(*t - *k);
  // Row i is time s = K + i (0-based): the lags y_{s-1}, ..., y_{s-K}.
  Eigen::MatrixXd lagged(rows, lags);
  std::vector<double> target;
  for (Index i = 0; i < rows; ++i) {
    const Index s = lags + i;
    for (Index l = 0; l < lags; ++l) {
      lagged(i, l) = (*y)[static_cast<size_t>(s - l - 1)];
    }
    target.push_back((*y)[static_cast<size_t>(s)]);
  }
  const Tensor x_t(lagged);
  const Tensor y_t = Column(target);
  auto model = [rows, lags, x_t, y_t] {
    const Tensor alpha = sample("alpha", Normal(0.0, 10.0));
    const Tensor beta = sample("beta", Normal(0.0, 10.0).Expand(1, lags));
    const Tensor sigma = sample("sigma", HalfCauchy(2.5));
    Plate plate("time", rows);
    observe("y", Normal(alpha + MatMul(x_t, Transpose(beta)), sigma), y_t);
  };
  return MakePosterior(kArK, std::move(model),
                       Concat({{"alpha"}, Indexed("beta", lags), {"sigma"}}),
                       Tuning{});
}

// The prior of a regression's sigma.
enum class SigmaPrior { kFlat, kHalfCauchy };

// y ~ N(x beta, sigma) with flat beta (the Stan programs without a prior
// statement on beta) and sigma flat on (0, ∞) or half-Cauchy(0, 2.5).
std::unique_ptr<Posterior> FlatRegression(const char* name,
                                          const Eigen::MatrixXd& x,
                                          const std::vector<double>& y,
                                          SigmaPrior sigma_prior) {
  const Index rows = x.rows();
  const Tensor x_t(x);
  const Tensor y_t = Column(y);
  auto model = [rows, x_t, y_t, sigma_prior] {
    const Tensor beta =
        sample("beta", ImproperUniform(Support::Real(), 1, x_t.cols()));
    const Tensor sigma =
        sigma_prior == SigmaPrior::kFlat
            ? sample("sigma", ImproperUniform(Support::Positive(), 1, 1))
            : sample("sigma", HalfCauchy(2.5));
    Plate plate("data", rows);
    observe("y", Normal(MatMul(x_t, Transpose(beta)), sigma), y_t);
  };
  return MakePosterior(name, std::move(model),
                       Concat({Indexed("beta", x.cols()), {"sigma"}}),
                       Tuning{});
}

// A design matrix: a column of ones, then the data arrays `keys`.
absl::StatusOr<Eigen::MatrixXd> Design(const DataReader& data, int64_t n,
                                       const std::vector<std::string>& keys) {
  Eigen::MatrixXd x(n, static_cast<Index>(keys.size()) + 1);
  x.col(0).setOnes();
  for (size_t k = 0; k < keys.size(); ++k) {
    absl::StatusOr<std::vector<double>> column = data.Numbers(keys[k], n);
    if (!column.ok()) return column.status();
    for (Index i = 0; i < n; ++i) {
      x(i, static_cast<Index>(k) + 1) = (*column)[static_cast<size_t>(i)];
    }
  }
  return x;
}

// Indicator columns [v == level] for each level, as Stan's transformed data
// builds contrasts.
Eigen::MatrixXd Indicators(const std::vector<double>& values,
                           const std::vector<int>& levels) {
  Eigen::MatrixXd x(static_cast<Index>(values.size()),
                    static_cast<Index>(levels.size()));
  for (size_t i = 0; i < values.size(); ++i) {
    for (size_t l = 0; l < levels.size(); ++l) {
      x(static_cast<Index>(i), static_cast<Index>(l)) =
          values[i] == levels[l] ? 1.0 : 0.0;
    }
  }
  return x;
}

double Mean(const Eigen::VectorXd& v) { return v.mean(); }
double SampleSd(const Eigen::VectorXd& v) {
  return std::sqrt((v.array() - v.mean()).square().sum() /
                   static_cast<double>(v.size() - 1));
}

// The ARM book's regressions (Gelman and Hill, chapters 3 and 4).
absl::StatusOr<std::unique_ptr<Posterior>> ArmRegression(
    const DataReader& data, absl::string_view name) {
  absl::StatusOr<int64_t> n = data.Integer("N", 2);
  if (!n.ok()) return n.status();
  if (name == kEarnHeight || name == kLogEarnZ) {
    absl::StatusOr<std::vector<double>> earn =
        data.Numbers("earn", *n, /*positive=*/name == kLogEarnZ);
    if (!earn.ok()) return earn.status();
    if (name == kEarnHeight) {
      absl::StatusOr<Eigen::MatrixXd> x = Design(data, *n, {"height"});
      if (!x.ok()) return x.status();
      return FlatRegression(kEarnHeight, *x, *earn, SigmaPrior::kFlat);
    }
    absl::StatusOr<Eigen::MatrixXd> raw = Design(data, *n, {"height", "male"});
    if (!raw.ok()) return raw.status();
    const Eigen::VectorXd height = raw->col(1);
    const Eigen::VectorXd z =
        (height.array() - Mean(height)) / SampleSd(height);
    Eigen::MatrixXd x(*n, 4);
    x << raw->col(0), z, raw->col(2), z.cwiseProduct(raw->col(2));
    std::vector<double> log_earn;
    for (double e : *earn) log_earn.push_back(std::log(e));
    return FlatRegression(kLogEarnZ, x, log_earn, SigmaPrior::kFlat);
  }
  absl::StatusOr<std::vector<double>> score = data.Numbers("kid_score", *n);
  if (!score.ok()) return score.status();
  if (name == kKidMomHs) {
    absl::StatusOr<Eigen::MatrixXd> x = Design(data, *n, {"mom_hs"});
    if (!x.ok()) return x.status();
    return FlatRegression(kKidMomHs, *x, *score, SigmaPrior::kHalfCauchy);
  }
  if (name == kKidInteraction) {
    absl::StatusOr<Eigen::MatrixXd> raw =
        Design(data, *n, {"mom_hs", "mom_iq"});
    if (!raw.ok()) return raw.status();
    const Eigen::VectorXd hs = raw->col(1).array() - Mean(raw->col(1));
    const Eigen::VectorXd iq = raw->col(2).array() - Mean(raw->col(2));
    Eigen::MatrixXd x(*n, 4);
    x << raw->col(0), hs, iq, hs.cwiseProduct(iq);
    return FlatRegression(kKidInteraction, x, *score, SigmaPrior::kFlat);
  }
  absl::StatusOr<std::vector<double>> work = data.Numbers("mom_work", *n);
  if (!work.ok()) return work.status();
  Eigen::MatrixXd x(*n, 4);
  x << Eigen::VectorXd::Ones(*n), Indicators(*work, {2, 3, 4});
  return FlatRegression(kKidMomWork, x, *score, SigmaPrior::kFlat);
}

// Mesquite weight on raw sizes and a group indicator, flat priors.
absl::StatusOr<std::unique_ptr<Posterior>> MesquiteRaw(const DataReader& data) {
  absl::StatusOr<int64_t> n = data.Integer("N", 2);
  if (!n.ok()) return n.status();
  absl::StatusOr<Eigen::MatrixXd> x = Design(
      data, *n,
      {"diam1", "diam2", "canopy_height", "total_height", "density", "group"});
  if (!x.ok()) return x.status();
  absl::StatusOr<std::vector<double>> weight = data.Numbers("weight", *n);
  if (!weight.ok()) return weight.status();
  return FlatRegression(kMesquiteRaw, *x, *weight, SigmaPrior::kFlat);
}

// Party identification on ideology, race, age group, education, gender and
// income (2000 National Election Study), flat priors.
absl::StatusOr<std::unique_ptr<Posterior>> Nes(const DataReader& data) {
  absl::StatusOr<int64_t> n = data.Integer("N", 2);
  if (!n.ok()) return n.status();
  absl::StatusOr<Eigen::MatrixXd> base =
      Design(data, *n, {"real_ideo", "race_adj"});
  if (!base.ok()) return base.status();
  absl::StatusOr<std::vector<double>> age = data.Numbers("age_discrete", *n);
  if (!age.ok()) return age.status();
  absl::StatusOr<Eigen::MatrixXd> rest =
      Design(data, *n, {"educ1", "gender", "income"});
  if (!rest.ok()) return rest.status();
  absl::StatusOr<std::vector<double>> party = data.Numbers("partyid7", *n);
  if (!party.ok()) return party.status();
  Eigen::MatrixXd x(*n, 9);
  x << *base, Indicators(*age, {2, 3, 4}), rest->rightCols(3);
  return FlatRegression(kNes, x, *party, SigmaPrior::kFlat);
}

// ARMA(1, 1): err_1 = y_1 - (mu + phi mu), err_t = y_t - (mu + phi y_{t-1}
// + theta err_{t-1}), err ~ N(0, sigma).
absl::StatusOr<std::unique_ptr<Posterior>> Arma(const DataReader& data) {
  absl::StatusOr<int64_t> t = data.Integer("T", 2);
  if (!t.ok()) return t.status();
  absl::StatusOr<std::vector<double>> y = data.Numbers("y", *t);
  if (!y.ok()) return y.status();
  std::vector<Tensor> y_t;
  for (double value : *y) y_t.push_back(Tensor(value));
  auto model = [y_t] {
    const Tensor mu = sample("mu", Normal(0.0, 10.0));
    const Tensor phi = sample("phi", Normal(0.0, 2.0));
    const Tensor theta = sample("theta", Normal(0.0, 2.0));
    const Tensor sigma = sample("sigma", HalfCauchy(2.5));
    std::vector<Tensor> err;
    err.reserve(y_t.size());
    err.push_back(y_t[0] - (mu + phi * mu));
    for (size_t i = 1; i < y_t.size(); ++i) {
      err.push_back(y_t[i] - (mu + phi * y_t[i - 1] + theta * err.back()));
    }
    const Tensor errors = ConcatRows(err);
    factor("err", SumAll(Normal(Tensor(0.0), sigma).LogProb(errors)));
  };
  return MakePosterior(kArma, std::move(model), {"mu", "phi", "theta", "sigma"},
                       Tuning{});
}

// -0.5 |L⁻¹ y|² - Σ log L_ii - n/2 log 2π: log N(y; 0, L Lᵀ).
Tensor MultiNormalCholeskyLogDensity(const Tensor& y, const Tensor& l) {
  std::vector<Index> diagonal(static_cast<size_t>(l.rows()));
  for (Index i = 0; i < l.rows(); ++i) diagonal[static_cast<size_t>(i)] = i;
  const Tensor z = TriangularSolve(l, y);
  return SumAll(Square(z)) * Real(-0.5) -
         SumAll(Log(GatherCols<Real>(l, diagonal))) -
         Real(0.5 * static_cast<double>(l.rows()) * std::log(2 * kPi));
}

// Gaussian-process regression of y on x: y ~ N(0, K), K_ij = alpha²
// exp(-(x_i - x_j)² / (2 rho²)) + sigma δ_ij (sigma, not sigma², as the
// Stan program writes it); rho ~ Gamma(25, 4), alpha ~ half-N(2), sigma ~
// half-N(1).
absl::StatusOr<std::unique_ptr<Posterior>> GpRegression(
    const DataReader& data) {
  absl::StatusOr<int64_t> n = data.Integer("N", 1);
  if (!n.ok()) return n.status();
  absl::StatusOr<std::vector<double>> x = data.Numbers("x", *n);
  if (!x.ok()) return x.status();
  absl::StatusOr<std::vector<double>> y = data.Numbers("y", *n);
  if (!y.ok()) return y.status();
  Eigen::MatrixXd squared_distances(*n, *n);
  for (Index i = 0; i < *n; ++i) {
    for (Index j = 0; j < *n; ++j) {
      const double d =
          (*x)[static_cast<size_t>(i)] - (*x)[static_cast<size_t>(j)];
      squared_distances(i, j) = -0.5 * d * d;
    }
  }
  const Tensor half_d2(squared_distances);
  const Tensor identity(Eigen::MatrixXd(Eigen::MatrixXd::Identity(*n, *n)));
  const Tensor y_t = Column(*y);
  auto model = [half_d2, identity, y_t] {
    const Tensor rho = sample("rho", Gamma(Tensor(25.0), Tensor(4.0)));
    const Tensor alpha = sample("alpha", HalfNormal(2.0));
    const Tensor sigma = sample("sigma", HalfNormal(1.0));
    const Tensor k =
        Square(alpha) * Exp(half_d2 / Square(rho)) + sigma * identity;
    factor("y", MultiNormalCholeskyLogDensity(y_t, Cholesky(k)));
  };
  return MakePosterior(kGpRegr, std::move(model), {"rho", "alpha", "sigma"},
                       Tuning{});
}

// A two-state hidden Markov model with unit-variance normal emissions,
// marginalised by the forward algorithm. theta1 and theta2 (the rows of
// the transition matrix) are flat 2-simplexes (Dirichlet(1, 1) has density
// 1); mu is positive_ordered, written through Stan's own unconstrained
// coordinates: mu1 = exp(a), mu2 = mu1 + exp(b), flat in (a, b), with the
// log Jacobian a + b as a factor.
absl::StatusOr<std::unique_ptr<Posterior>> Hmm(const DataReader& data) {
  absl::StatusOr<int64_t> n = data.Integer("N", 1);
  if (!n.ok()) return n.status();
  absl::StatusOr<int64_t> k = data.Integer("K", 2);
  if (!k.ok()) return k.status();
  if (*k != 2) {
    return data.Error("K", absl::StrCat("= ", *k, "; the model has 2 states"));
  }
  absl::StatusOr<std::vector<double>> y = data.Numbers("y", *n);
  if (!y.ok()) return y.status();
  const Tensor y_t = Column(*y);
  const Index steps = static_cast<Index>(*n);
  auto model = [y_t, steps] {
    const Tensor ones(Eigen::MatrixXd(Eigen::MatrixXd::Ones(1, 2)));
    const Tensor theta1 = sample("theta1", Dirichlet(ones));
    const Tensor theta2 = sample("theta2", Dirichlet(ones));
    const Tensor a = sample("log_mu1", ImproperUniform(Support::Real(), 1, 1));
    const Tensor b =
        sample("log_mu_increment", ImproperUniform(Support::Real(), 1, 1));
    const Tensor mu1 = Exp(a);
    const Tensor mu = deterministic("mu", ConcatCols({mu1, mu1 + Exp(b)}));
    factor("mu_jacobian", a + b);
    factor("mu_prior",
           Normal(Tensor(3.0), Tensor(1.0)).LogProb(mu1) +
               Normal(Tensor(10.0), Tensor(1.0)).LogProb(SliceCols(mu, 1, 1)));
    // emission(t, k) = log N(y_t; mu_k, 1); log_theta(j, k) = log theta[j][k].
    const Tensor emission =
        Square(Tile(y_t, 1, 2) - Tile(mu, steps, 1)) * Real(-0.5) -
        Real(0.5 * std::log(2 * kPi));
    const Tensor log_theta = Log(ConcatRows({theta1, theta2}));
    Tensor gamma = SliceRows(emission, 0, 1);
    for (Index t = 1; t < steps; ++t) {
      gamma = ColLogSumExp(Transpose(gamma) + log_theta) +
              SliceRows(emission, t, 1);
    }
    factor("y", LogSumExpAll(gamma));
  };
  return MakePosterior(
      kHmm, std::move(model),
      Concat({Indexed("theta1", 2), Indexed("theta2", 2), Indexed("mu", 2)}),
      Tuning{});
}

// log InvGamma(x; shape, scale) = shape log scale - lgamma(shape) - (shape
// + 1) log x - scale / x.
Tensor InverseGammaLogDensity(const Tensor& x, double shape, double scale) {
  return Log(x) * Real(-(shape + 1)) - Real(scale) / x +
         Real(shape * std::log(scale) - std::lgamma(shape));
}

// The approximate GP's spectral weights √S(√λ_m): sdgp √(√(2π) lscale)
// exp(-lscale² λ_m / 4), for a column of √λ_m.
Tensor SpectralWeights(const Tensor& sdgp, const Tensor& lscale,
                       const Tensor& slambda) {
  return sdgp * Sqrt(lscale * Real(std::sqrt(2 * kPi))) *
         Exp(Square(lscale) * Square(slambda) * Real(-0.25));
}

// brms's heteroscedastic Hilbert-space GP of acceleration on time: mean and
// log sd each an approximate GP (40 and 20 basis functions) plus an
// intercept.
absl::StatusOr<std::unique_ptr<Posterior>> AccelGp(const DataReader& data) {
  absl::StatusOr<int64_t> n = data.Integer("N", 1);
  if (!n.ok()) return n.status();
  absl::StatusOr<std::vector<double>> y = data.Numbers("Y", *n);
  if (!y.ok()) return y.status();
  absl::StatusOr<int64_t> nb = data.Integer("NBgp_1", 1);
  if (!nb.ok()) return nb.status();
  absl::StatusOr<int64_t> nb_sigma = data.Integer("NBgp_sigma_1", 1);
  if (!nb_sigma.ok()) return nb_sigma.status();
  absl::StatusOr<Eigen::MatrixXd> x = data.MatrixOf("Xgp_1", *n, *nb);
  if (!x.ok()) return x.status();
  absl::StatusOr<Eigen::MatrixXd> x_sigma =
      data.MatrixOf("Xgp_sigma_1", *n, *nb_sigma);
  if (!x_sigma.ok()) return x_sigma.status();
  absl::StatusOr<Eigen::MatrixXd> slambda = data.MatrixOf("slambda_1", *nb, 1);
  if (!slambda.ok()) return slambda.status();
  absl::StatusOr<Eigen::MatrixXd> slambda_sigma =
      data.MatrixOf("slambda_sigma_1", *nb_sigma, 1);
  if (!slambda_sigma.ok()) return slambda_sigma.status();
  const Tensor y_t = Column(*y);
  const Tensor x_t(*x);
  const Tensor x_sigma_t(*x_sigma);
  const Tensor slambda_t(*slambda);
  const Tensor slambda_sigma_t(*slambda_sigma);
  const Index basis = static_cast<Index>(*nb);
  const Index basis_sigma = static_cast<Index>(*nb_sigma);
  const Index rows = static_cast<Index>(*n);
  auto model = [=] {
    const Tensor intercept =
        sample("Intercept", StudentT(Tensor(3.0), Tensor(-13.0), Tensor(36.0)));
    const Tensor sdgp = sample("sdgp_1", HalfStudentT(3.0, 36.0));
    const Tensor lscale =
        sample("lscale_1", ImproperUniform(Support::Positive(), 1, 1));
    factor("lscale_1_prior", InverseGammaLogDensity(lscale, 1.124909, 0.0177));
    const Tensor zgp = sample("zgp_1", Normal(0.0, 1.0).Expand(1, basis));
    const Tensor intercept_sigma = sample(
        "Intercept_sigma", StudentT(Tensor(3.0), Tensor(0.0), Tensor(10.0)));
    const Tensor sdgp_sigma = sample("sdgp_sigma_1", HalfStudentT(3.0, 36.0));
    const Tensor lscale_sigma =
        sample("lscale_sigma_1", ImproperUniform(Support::Positive(), 1, 1));
    factor("lscale_sigma_1_prior",
           InverseGammaLogDensity(lscale_sigma, 1.124909, 0.0177));
    const Tensor zgp_sigma =
        sample("zgp_sigma_1", Normal(0.0, 1.0).Expand(1, basis_sigma));
    const Tensor mu =
        intercept +
        MatMul(x_t, SpectralWeights(sdgp, lscale, slambda_t) * Transpose(zgp));
    const Tensor log_sigma =
        intercept_sigma +
        MatMul(x_sigma_t,
               SpectralWeights(sdgp_sigma, lscale_sigma, slambda_sigma_t) *
                   Transpose(zgp_sigma));
    Plate plate("data", rows);
    observe("Y", Normal(mu, Exp(log_sigma)), y_t);
  };
  return MakePosterior(
      kAccelGp, std::move(model),
      Concat({{"Intercept", "sdgp_1", "lscale_1"},
              Indexed("zgp_1", basis),
              {"Intercept_sigma", "sdgp_sigma_1", "lscale_sigma_1"},
              Indexed("zgp_sigma_1", basis_sigma)}),
      Tuning{}, "no reference draws in the snapshot: means and sds only");
}

}  // namespace

absl::string_view GuideFamilyName(GuideFamily family) {
  switch (family) {
    case GuideFamily::kMeanField:
      return "mean_field";
    case GuideFamily::kFullRank:
      return "full_rank";
    case GuideFamily::kLaplace:
      return "laplace";
    case GuideFamily::kDeterministic:
      return "dadvi";
  }
  return "unknown";
}

absl::StatusOr<GuideFamily> ParseGuideFamily(absl::string_view name) {
  for (GuideFamily family :
       {GuideFamily::kMeanField, GuideFamily::kFullRank, GuideFamily::kLaplace,
        GuideFamily::kDeterministic}) {
    if (name == GuideFamilyName(family)) return family;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown guide family '", name,
                   "'; expected mean_field, full_rank, laplace or dadvi"));
}

const std::vector<std::string>& PosteriorNames() {
  static const std::vector<std::string>* const kNames =
      new std::vector<std::string>{kNoncentered,
                                   kCentered,
                                   kBlr,
                                   kMesquite,
                                   kArK,
                                   kArma,
                                   kEarnHeight,
                                   kLogEarnZ,
                                   kGpRegr,
                                   kKidMomHs,
                                   kKidInteraction,
                                   kKidMomWork,
                                   kMesquiteRaw,
                                   kNes,
                                   kBlri,
                                   kHmm,
                                   kAccelGp};
  return *kNames;
}

absl::StatusOr<std::vector<Moments>> ReadReferenceSummary(
    absl::string_view path) {
  absl::StatusOr<JsonValue> root = ReadJsonFile(path);
  if (!root.ok()) return root.status();
  absl::StatusOr<const JsonValue*> parameters = root->Get("parameters");
  if (!parameters.ok()) return InFile(path, parameters.status());
  if (!(*parameters)->is_object()) {
    return InFile(path, absl::InvalidArgumentError(absl::StrCat(
                            (*parameters)->path(), ": expected an object, got ",
                            JsonValue::TypeName((*parameters)->type()))));
  }
  std::vector<Moments> moments;
  for (size_t i = 0; i < (*parameters)->size(); ++i) {
    const JsonValue& entry = (*parameters)->elements()[i];
    absl::StatusOr<double> mean = entry.GetNumber("mean");
    if (!mean.ok()) return InFile(path, mean.status());
    absl::StatusOr<double> sd = entry.GetNumber("sd");
    if (!sd.ok()) return InFile(path, sd.status());
    if (!(*sd > 0) || !std::isfinite(*sd) || !std::isfinite(*mean)) {
      return InFile(path, absl::InvalidArgumentError(
                              absl::StrCat(entry.path(),
                                           ": expected a finite mean and a "
                                           "positive finite sd, got ",
                                           *mean, " and ", *sd)));
    }
    moments.push_back(Moments{(*parameters)->keys()[i], *mean, *sd});
  }
  if (moments.empty()) {
    return InFile(path, absl::InvalidArgumentError(
                            "$.parameters: expected at least one parameter"));
  }
  return moments;
}

absl::StatusOr<std::unique_ptr<Posterior>> LoadPosterior(
    absl::string_view name, absl::string_view data_path) {
  const std::vector<std::string>& known = PosteriorNames();
  if (std::find(known.begin(), known.end(), name) == known.end()) {
    return absl::NotFoundError(absl::StrCat(
        "unknown posterior '", name, "'; known: ", absl::StrJoin(known, ", ")));
  }
  absl::StatusOr<DataReader> data = DataReader::Open(data_path);
  if (!data.ok()) return data.status();
  if (name == kNoncentered) return EightSchools(*data, /*centered=*/false);
  if (name == kCentered) return EightSchools(*data, /*centered=*/true);
  if (name == kBlr) return LinearRegression(*data, kBlr);
  if (name == kBlri) return LinearRegression(*data, kBlri);
  if (name == kMesquite) return Mesquite(*data);
  if (name == kArK) return Autoregression(*data);
  if (name == kArma) return Arma(*data);
  if (name == kGpRegr) return GpRegression(*data);
  if (name == kMesquiteRaw) return MesquiteRaw(*data);
  if (name == kNes) return Nes(*data);
  if (name == kHmm) return Hmm(*data);
  if (name == kAccelGp) return AccelGp(*data);
  return ArmRegression(*data, name);
}

std::string FormatComparison(const std::vector<Moments>& reference,
                             const FitResult& fit) {
  std::string out = absl::StrFormat("  %-10s %12s %10s %12s %10s %9s %9s\n",
                                    "parameter", "ref mean", "ref sd",
                                    "VI mean", "VI sd", "z", "sd ratio");
  for (const Moments& ref : reference) {
    const auto found =
        std::find_if(fit.moments.begin(), fit.moments.end(),
                     [&](const Moments& m) { return m.name == ref.name; });
    if (found == fit.moments.end()) {
      absl::StrAppendFormat(&out, "  %-10s %12.6g %10.4g %12s %10s %9s %9s\n",
                            ref.name, ref.mean, ref.sd, "-", "-", "-", "-");
      continue;
    }
    absl::StrAppendFormat(
        &out, "  %-10s %12.6g %10.4g %12.6g %10.4g %9.3f %9.3f\n", ref.name,
        ref.mean, ref.sd, found->mean, found->sd,
        (found->mean - ref.mean) / ref.sd, found->sd / ref.sd);
  }
  return out;
}

}  // namespace examples
}  // namespace provi
