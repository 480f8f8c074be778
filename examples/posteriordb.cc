// Copyright 2026 The provi Authors.
//
// Gaussian approximations against posteriordb's reference posteriors: the
// seventeen posteriors of examples/posteriordb_data
// (examples/posteriordb_models.h), each fitted four ways,
//
//   mean_field  AutoNormal by Svi + Adam (decaying rate, averaged iterates)
//   full_rank   AutoMultivariateNormal by Svi + Adam
//   laplace     AutoLaplaceApproximation (L-BFGS mode + Hessian)
//   dadvi       deterministic full-rank VI from the Laplace fit
//
// then compared, quantity by quantity on the constrained scale, with the
// mean and sd of the NUTS reference draws:
//
//   z        = (fit mean - reference mean) / reference sd
//   sd ratio = fit sd / reference sd
//
// from --draws draws of the fitted guide (their error is about
// 1/sqrt(draws) in z). Every fit also reports its own diagnostics: the
// Pareto k-hat of its draws against the model (vi/fit_diagnostics.h) and
// whether its convergence rule was met; and the PSIS-weighted moments from
// the same draws, which are the ones to use when k-hat <= 0.7. The last
// table holds one row per posterior and method, with a verdict: a fit is
// "flagged" by k-hat > 0.7 or a run that did not converge, and otherwise
// on target when its PSIS-weighted moments have max |z| <= 0.3 and every
// sd ratio in [0.8, 1.25].
//
//   ./bazelw run //examples:posteriordb
//   ./bazelw run //examples:posteriordb -- --guides=dadvi
//   --posteriors=sblri-blr
//
// A fit that fails (a Laplace approximation at a point whose Hessian is
// not negative definite, a non-finite ELBO) is reported in its place; the
// others still run, and the program exits with status 1 naming the first
// failure.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "examples/posteriordb_models.h"
#include "vi/psis.h"

ABSL_FLAG(std::string, data_dir, "",
          "the directory with <posterior>/data.json and "
          "<posterior>/reference_summary.json for each posterior (under "
          "bazel run, examples/posteriordb_data by default)");
ABSL_FLAG(std::vector<std::string>, posteriors,
          provi::examples::PosteriorNames(),
          "posteriors to fit, comma-separated (all seventeen of "
          "examples/posteriordb_data by default)");
ABSL_FLAG(std::vector<std::string>, guides,
          std::vector<std::string>({"mean_field", "full_rank", "laplace",
                                    "dadvi"}),
          "methods, comma-separated: mean_field (AutoNormal by SVI), "
          "full_rank (AutoMultivariateNormal by SVI), laplace "
          "(AutoLaplaceApproximation), dadvi (deterministic full-rank VI "
          "from the Laplace fit)");
ABSL_FLAG(int, steps, 0,
          "SVI steps per fit; 0 takes each posterior's default (20000, or "
          "100000 for sblrc-blr)");
ABSL_FLAG(double, learning_rate, 0,
          "Adam's initial learning rate, decaying exponentially to 1/1000 of "
          "it at the last step; 0 takes each posterior's default (0.05, or "
          "0.01 for sblrc-blr)");
ABSL_FLAG(double, init_scale, 0,
          "the guides' initial sd of every unconstrained element; 0 takes "
          "each posterior's default (0.1)");
ABSL_FLAG(int, draws, 4000,
          "draws from each fitted guide for the VI means and sds, their "
          "PSIS-weighted versions and Pareto k-hat (four times as many "
          "when k-hat from these is above 0.5)");
ABSL_FLAG(int, dadvi_draws, 0,
          "deterministic VI's fixed draws (even, >= 2 D; 0: its default)");
ABSL_FLAG(uint64_t, seed, 1,
          "seed of the guides' initialisation, the ELBO's draws and the "
          "final draws");

namespace provi {
namespace examples {
namespace {

// max |z| and the range of sd ratios of `fit` against `reference`.
struct Agreement {
  double max_abs_z = 0;
  double min_sd_ratio = std::numeric_limits<double>::infinity();
  double max_sd_ratio = 0;
};

Agreement Compare(const std::vector<Moments>& reference,
                  const std::vector<Moments>& fit) {
  Agreement a;
  for (size_t i = 0; i < reference.size(); ++i) {
    const Moments& ref = reference[i];
    const Moments& vi = fit[i];
    a.max_abs_z = std::max(a.max_abs_z, std::abs(vi.mean - ref.mean) / ref.sd);
    a.min_sd_ratio = std::min(a.min_sd_ratio, vi.sd / ref.sd);
    a.max_sd_ratio = std::max(a.max_sd_ratio, vi.sd / ref.sd);
  }
  return a;
}

struct Summary {
  std::string posterior;
  std::string guide;
  bool failed = false;
  Agreement plain;
  Agreement psis;
  double pareto_k = 0;
  bool converged = false;
  double seconds = 0;
};

absl::Status Run() {
  std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  // Under `bazel run`, the repository's own posteriors by default.
  if (const char* workspace = std::getenv("BUILD_WORKSPACE_DIRECTORY");
      data_dir.empty() && workspace != nullptr) {
    data_dir = absl::StrCat(workspace, "/examples/posteriordb_data");
  }
  if (data_dir.empty()) {
    return absl::InvalidArgumentError(
        "--data_dir is required: the directory with "
        "<posterior>/data.json and <posterior>/reference_summary.json (e.g. "
        "--data_dir=/path/to/posteriordb)");
  }
  std::vector<GuideFamily> families;
  for (const std::string& name : absl::GetFlag(FLAGS_guides)) {
    absl::StatusOr<GuideFamily> family = ParseGuideFamily(name);
    if (!family.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--guides: ", family.status().message()));
    }
    families.push_back(*family);
  }
  const int steps = absl::GetFlag(FLAGS_steps);
  const double learning_rate = absl::GetFlag(FLAGS_learning_rate);
  const double init_scale = absl::GetFlag(FLAGS_init_scale);
  if (steps < 0 || !(learning_rate >= 0) || !std::isfinite(learning_rate) ||
      !(init_scale >= 0) || !std::isfinite(init_scale)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--steps, --learning_rate and --init_scale must be >= 0 (0: the "
        "posterior's default); got ",
        steps, ", ", learning_rate, " and ", init_scale));
  }

  const auto start = std::chrono::steady_clock::now();
  std::vector<Summary> summaries;
  absl::Status first_failure;
  for (const std::string& name : absl::GetFlag(FLAGS_posteriors)) {
    const std::vector<std::string>& known = PosteriorNames();
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--posteriors: unknown posterior '", name,
                       "'; expected one of ", absl::StrJoin(known, ", ")));
    }
    const std::string dir = absl::StrCat(data_dir, "/", name);
    absl::StatusOr<std::unique_ptr<Posterior>> posterior =
        LoadPosterior(name, absl::StrCat(dir, "/data.json"));
    if (!posterior.ok()) return posterior.status();
    absl::StatusOr<std::vector<Moments>> reference =
        ReadReferenceSummary(absl::StrCat(dir, "/reference_summary.json"));
    if (!reference.ok()) return reference.status();
    std::vector<std::string> names;
    for (const Moments& m : *reference) names.push_back(m.name);

    std::printf("=== %s\n", name.c_str());
    if (!(*posterior)->note().empty()) {
      std::printf("    note: %s\n", (*posterior)->note().c_str());
    }
    for (const GuideFamily family : families) {
      FitOptions options = (*posterior)->default_options(family);
      if (steps > 0) options.steps = steps;
      if (learning_rate > 0) options.learning_rate = learning_rate;
      if (init_scale > 0) options.init_scale = init_scale;
      options.draws = absl::GetFlag(FLAGS_draws);
      options.dadvi_draws = absl::GetFlag(FLAGS_dadvi_draws);
      options.seed = absl::GetFlag(FLAGS_seed);
      absl::StatusOr<FitResult> fit = (*posterior)->Fit(names, options);
      Summary summary;
      summary.posterior = name;
      summary.guide = std::string(GuideFamilyName(family));
      if (!fit.ok()) {
        std::printf("--- %s: FAILED: %s\n", GuideFamilyName(family).data(),
                    fit.status().ToString().c_str());
        if (first_failure.ok()) first_failure = fit.status();
        summary.failed = true;
        summaries.push_back(summary);
        continue;
      }
      if (family == GuideFamily::kMeanField ||
          family == GuideFamily::kFullRank) {
        std::printf(
            "--- %s (%s by SVI): up to %d steps, Adam %g -> %g, iterates "
            "averaged over the last %d%%, ELBO %.3f, %d draws, %.2f s\n",
            GuideFamilyName(family).data(),
            family == GuideFamily::kMeanField ? "AutoNormal"
                                              : "AutoMultivariateNormal",
            options.steps, options.learning_rate,
            options.learning_rate * options.final_rate_ratio,
            static_cast<int>(std::lround(100 * options.averaged_fraction)),
            fit->elbo, fit->draws, fit->seconds);
      } else {
        std::printf("--- %s (%s): %s %.3f, %d draws, %.2f s\n",
                    GuideFamilyName(family).data(),
                    family == GuideFamily::kLaplace
                        ? "AutoLaplaceApproximation"
                        : "deterministic full-rank VI from the Laplace fit",
                    family == GuideFamily::kLaplace ? "log density at the mode"
                                                    : "fixed-draw ELBO",
                    fit->elbo, fit->draws, fit->seconds);
      }
      std::printf("%s", FormatComparison(*reference, *fit).c_str());
      summary.plain = Compare(*reference, fit->moments);
      summary.psis = Compare(*reference, fit->psis_moments);
      summary.pareto_k = fit->pareto_k;
      summary.converged = fit->converged;
      std::printf("    Pareto k-hat %.2f (%s), %s\n", fit->pareto_k,
                  ParetoKLevelName(ClassifyParetoK(fit->pareto_k)).data(),
                  fit->converged ? "converged" : "NOT converged");
      summary.seconds = fit->seconds;
      summaries.push_back(summary);
      std::fflush(stdout);
    }
    std::printf("\n");
  }

  // The verdict reads each fit as its diagnostics tell a user to: flagged
  // when k-hat > 0.7 or the run did not converge; otherwise by its
  // PSIS-weighted moments (never worse than the guide's own when k-hat <=
  // 0.7). The target is max |z| <= 0.3 and sd ratios in [0.8, 1.25].
  std::printf(
      "| posterior | method | max \\|z\\| | sd ratios | k-hat | converged | "
      "max \\|z\\| PSIS | sd ratios PSIS | s | verdict |\n"
      "|---|---|---|---|---|---|---|---|---|---|\n");
  for (const Summary& s : summaries) {
    if (s.failed) {
      std::printf("| %s | %s | failed | | | | | | | flagged (status) |\n",
                  s.posterior.c_str(), s.guide.c_str());
      continue;
    }
    const bool flagged = !(s.pareto_k <= kParetoKUsable) || !s.converged;
    const bool on_target = s.psis.max_abs_z <= 0.3 &&
                           s.psis.min_sd_ratio >= 0.8 &&
                           s.psis.max_sd_ratio <= 1.25;
    const char* verdict = flagged     ? "flagged"
                          : on_target ? "on target"
                                      : "MISSED, not flagged";
    std::printf(
        "| %s | %s | %.2f | %.2f - %.2f | %.2f | %s | %.2f | %.2f - %.2f | "
        "%.2f | %s |\n",
        s.posterior.c_str(), s.guide.c_str(), s.plain.max_abs_z,
        s.plain.min_sd_ratio, s.plain.max_sd_ratio, s.pareto_k,
        s.converged ? "yes" : "no", s.psis.max_abs_z, s.psis.min_sd_ratio,
        s.psis.max_sd_ratio, s.seconds, verdict);
  }
  std::printf("total %.1f s\n", std::chrono::duration<double>(
                                    std::chrono::steady_clock::now() - start)
                                    .count());
  return first_failure;
}

}  // namespace
}  // namespace examples
}  // namespace provi

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Fits mean-field and full-rank Gaussian VI to posteriordb posteriors "
      "and compares them with the reference posteriors.\n"
      "  bazel run //examples:posteriordb -- --data_dir=DIR "
      "[--posteriors=sblrc-blr,...] [--guides=mean_field,full_rank] "
      "[--steps=N] [--learning_rate=R] [--seed=S]");
  absl::ParseCommandLine(argc, argv);
  const absl::Status status = provi::examples::Run();
  if (!status.ok()) {
    std::fprintf(stderr, "posteriordb: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
