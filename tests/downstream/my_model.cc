// Copyright 2026 The provi Authors.
//
// A user's program, built outside provi's workspace through `@provi//:provi`
// alone: tests/downstream/check.sh builds it with the WORKSPACE, BUILD,
// .bazelrc and command lines of README.md's "Depending on provi", in float
// and in double.
// It exits non-zero unless both fits below agree with the exact posterior.
//
// The model is conjugate, so the answer is known in closed form:
//
//   μ ~ N(m0, s0²),  x_i | μ ~ N(μ, σ²) with σ known, i = 1..n (a plate);
//   μ | x ~ N(m, s²),  P = 1/s² = 1/s0² + n/σ²,  m = (m0/s0² + Σx/σ²) / P.
//
// Two guides, N(loc, scale) written by hand and AutoNormal, are fitted with
// Elbo + Svi + Adam. Each then gets the Polyak averages of its iterates,
// goes through a ParamStore Save / Load round trip (which must be exact),
// and the loaded store's guide is compared with (m, s).
//
// Why the tolerances are what they are. The guide draws μ = loc + scale ε
// with ε ~ N(0, 1), and for this model the ELBO's reparameterised gradient
// is exactly (u = log scale, the stored unconstrained value)
//
//   ∂/∂loc = -P (loc - m) - P scale ε
//   ∂/∂u   = 1 - P scale² ε² - P scale ε (loc - m).
//
// Over the averaging window of T steps, Adam's steps (momentum and a slowly
// varying normalisation) add up to the parameter's net change, so the mean
// gradient over the window is O(1/T). Averaging the two lines over the
// window therefore gives
//
//   mean(loc) - m       = -mean(scale ε) + bias,          sd s / √T,
//   P mean(scale²) - 1  = -P mean(scale² (ε² - 1)) + bias, sd √(2 / T),
//
// so m̂ = mean(loc) and ŝ = √mean(scale²) have standard errors s / √T and
// s / √(2T): pure Monte Carlo error, whatever the learning rate. ("bias":
// the net change divided by the window's total step, O(1/(η T)), and Adam's
// normalisation correlating with the gradient it divides, O(1 - β2); both
// are below 0.2% of s here, and kBiasAllowance = 0.5% of s covers them.)
// Each check allows kZ = 4.5 standard errors: a correct library fails one
// of the four checks with probability below 3e-5.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "ad/tensor.h"
#include "base/real.h"
#include "distributions/normal.h"
#include "estimators/expectation.h"
#include "runtime/primitives.h"
#include "vi/autoguide.h"
#include "vi/objectives.h"
#include "vi/optimizers.h"
#include "vi/param_store.h"
#include "vi/svi.h"

namespace {

using provi::Matrix;
using provi::Real;
using provi::Tensor;

// The prior, the known noise and the data.
constexpr double kPriorMean = 1.0;
constexpr double kPriorSd = 2.0;
constexpr double kNoiseSd = 0.5;
constexpr double kData[] = {2.31, 1.87, 2.95, 2.12, 1.64,
                            2.48, 2.76, 1.93, 2.20, 2.57};
constexpr int kN = sizeof(kData) / sizeof(kData[0]);

// Training: kBurnIn steps at a large rate to get close, then kAveraged
// steps at a small one whose iterates are averaged.
constexpr int64_t kBurnIn = 2000;
constexpr int64_t kAveraged = 20000;
constexpr double kBurnInRate = 0.05;
constexpr double kAveragingRate = 0.005;

// See the file comment.
constexpr double kZ = 4.5;
constexpr double kBiasAllowance = 0.005;

// The exact posterior N(m, s²).
struct Posterior {
  double mean;
  double sd;
};

Posterior ExactPosterior() {
  double sum = 0;
  for (double x : kData) sum += x;
  const double precision =
      1 / (kPriorSd * kPriorSd) + kN / (kNoiseSd * kNoiseSd);
  return {(kPriorMean / (kPriorSd * kPriorSd) + sum / (kNoiseSd * kNoiseSd)) /
              precision,
          1 / std::sqrt(precision)};
}

// The names of a guide's location and (positive) scale parameters.
struct GuideParameters {
  std::string loc;
  std::string scale;
};

// Trains `guide` on `model` and replaces its parameters in `store` by their
// averages over the last kAveraged steps: loc by its mean, scale by the
// root of its mean square (see the file comment).
template <typename M, typename G>
absl::Status Fit(M model, G guide, const GuideParameters& names, uint64_t seed,
                 provi::ParamStore& store) {
  auto elbo = provi::Expectation(provi::Elbo(model, guide));
  elbo.Seed(seed);
  provi::Adam adam(provi::AdamOptions{provi::Schedule([](int64_t step) {
    return step < kBurnIn ? kBurnInRate : kAveragingRate;
  })});
  provi::SviOptions options;
  options.progress = false;
  provi::Svi svi(elbo, adam, store, options);
  if (absl::StatusOr<provi::SviSummary> burn_in = svi.Run(kBurnIn);
      !burn_in.ok()) {
    return burn_in.status();
  }
  absl::StatusOr<provi::Parameter*> loc = store.Unconstrained(names.loc);
  if (!loc.ok()) return loc.status();
  absl::StatusOr<provi::Parameter*> log_scale =
      store.Unconstrained(names.scale);
  if (!log_scale.ok()) return log_scale.status();
  double sum_loc = 0;
  double sum_scale_squared = 0;
  for (int64_t step = 0; step < kAveraged; ++step) {
    if (absl::StatusOr<Real> value = svi.Step(); !value.ok()) {
      return value.status();
    }
    sum_loc += (*loc)->value()(0, 0);
    sum_scale_squared += std::exp(2 * double{(*log_scale)->value()(0, 0)});
  }
  (*loc)->value()(0, 0) = static_cast<Real>(sum_loc / kAveraged);
  (*log_scale)->value()(0, 0) =
      static_cast<Real>(0.5 * std::log(sum_scale_squared / kAveraged));
  return absl::OkStatus();
}

// Saves `store` to `path`, loads the file into `loaded` and checks that
// every parameter came back bit for bit.
absl::Status SaveAndLoad(const provi::ParamStore& store,
                         const std::string& path, provi::ParamStore& loaded) {
  if (absl::Status saved = store.Save(path); !saved.ok()) return saved;
  const absl::Status read = loaded.Load(path);
  std::remove(path.c_str());
  if (!read.ok()) return read;
  if (loaded.size() != store.size()) {
    return absl::DataLossError(absl::StrCat(
        "saved ", store.size(), " parameters, loaded ", loaded.size()));
  }
  for (const provi::NamedParameter& saved : store.parameters()) {
    absl::StatusOr<provi::Parameter*> back =
        loaded.Unconstrained(saved.address.name());
    if (!back.ok()) return back.status();
    if ((*back)->value() != saved.parameter->value()) {
      return absl::DataLossError(
          absl::StrCat(saved.address.name(), " changed in the round trip"));
    }
  }
  return absl::OkStatus();
}

// Compares a fitted (mean, sd) with the exact posterior; prints one line
// and returns whether both are within tolerance.
bool Check(const char* guide, double mean, double sd) {
  const Posterior exact = ExactPosterior();
  const double mean_tolerance =
      kZ * exact.sd / std::sqrt(static_cast<double>(kAveraged)) +
      kBiasAllowance * exact.sd;
  const double sd_tolerance =
      kZ * exact.sd / std::sqrt(2.0 * static_cast<double>(kAveraged)) +
      kBiasAllowance * exact.sd;
  const bool ok = std::abs(mean - exact.mean) <= mean_tolerance &&
                  std::abs(sd - exact.sd) <= sd_tolerance;
  std::printf(
      "%-12s mean %.5f (exact %.5f, tolerance %.5f)  sd %.5f (exact %.5f, "
      "tolerance %.5f)  %s\n",
      guide, mean, exact.mean, mean_tolerance, sd, exact.sd, sd_tolerance,
      ok ? "ok" : "WRONG");
  return ok;
}

int Run(const std::string& directory) {
  Matrix data(kN, 1);
  for (int i = 0; i < kN; ++i) data(i, 0) = static_cast<Real>(kData[i]);
  const Tensor x(data);

  auto model = [x] {
    const Tensor mu = provi::sample(
        "mu", provi::Normal(Tensor(kPriorMean), Tensor(kPriorSd)));
    provi::Plate points("points", x.rows());
    provi::observe("x", provi::Normal(mu, Tensor(kNoiseSd)).Expand(x.rows(), 1),
                   x);
  };
  auto guide = [] {
    const Tensor loc = provi::param("loc", Tensor(0.0));
    const Tensor scale =
        provi::param("scale", Tensor(1.0), provi::Support::Positive());
    provi::sample("mu", provi::Normal(loc, scale));
  };
  provi::AutoNormal auto_guide(model);

  bool ok = true;
  {
    provi::ParamStore store;
    provi::ParamStore loaded;
    absl::Status status = Fit(model, guide, {"loc", "scale"}, 1, store);
    if (status.ok()) {
      status = SaveAndLoad(store, directory + "/guide.params", loaded);
    }
    if (!status.ok()) {
      std::fprintf(stderr, "hand-written guide: %s\n",
                   status.ToString().c_str());
      return 1;
    }
    ok &= Check("hand-written", loaded.Get("loc")->item(),
                loaded.Get("scale")->item());
  }
  {
    provi::ParamStore store;
    provi::ParamStore loaded;
    absl::Status status =
        Fit(model, auto_guide, {"auto/loc/mu", "auto/scale/mu"}, 2, store);
    if (status.ok()) {
      status = SaveAndLoad(store, directory + "/auto_guide.params", loaded);
    }
    absl::StatusOr<provi::AutoSitePosterior> mu =
        status.ok() ? auto_guide.Posterior(loaded, "mu")
                    : absl::StatusOr<provi::AutoSitePosterior>(status);
    if (!mu.ok()) {
      std::fprintf(stderr, "AutoNormal: %s\n", mu.status().ToString().c_str());
      return 1;
    }
    ok &= Check("AutoNormal", mu->loc(0, 0), mu->scale(0, 0));
  }
  std::printf("provi (Real = %s): %s\n", provi::kRealName,
              ok ? "posterior recovered" : "WRONG posterior");
  return ok ? 0 : 1;
}

}  // namespace

int main() {
  const char* tmp = std::getenv("TMPDIR");
  std::string directory =
      absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/provi_downstream.XXXXXX");
  if (mkdtemp(directory.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const int status = Run(directory);
  std::remove(directory.c_str());
  return status;
}
