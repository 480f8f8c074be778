// Copyright 2026 The provi Authors.
//
// The smallest complete provi program, quoted in the README: a model and a
// guide as lambdas, the ELBO as an Expectation, and Svi with Adam. The model
// is conjugate, so the answer is known:
//
//   μ ~ N(0, 10),  x_i | μ ~ N(μ, 1) for the eight x_i below;
//   p(μ | x) = N(Σx / (n + 1/100), 1 / (n + 1/100)).
//
//   ./bazelw run //examples:quickstart

#include <cmath>
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "ad/ops.h"
#include "distributions/normal.h"
#include "estimators/expectation.h"
#include "runtime/primitives.h"
#include "vi/objectives.h"
#include "vi/optimizers.h"
#include "vi/param_store.h"
#include "vi/svi.h"

ABSL_FLAG(int, steps, 3000, "SVI steps");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Fits a normal guide to the posterior of a normal mean with SVI.");
  absl::ParseCommandLine(argc, argv);
  using namespace provi;  // NOLINT(build/namespaces): a short example

  Matrix data(8, 1);
  data << 2.1, 1.3, 2.9, 1.7, 2.4, 0.8, 2.2, 1.9;
  const Tensor x(data);

  // The model: one global latent, eight observations in a plate.
  auto model = [&] {
    const Tensor mu = sample("mu", Normal(Tensor(0.0), Tensor(10.0)));
    Plate points("points", x.rows());
    observe("x", Normal(mu, Tensor(1.0)).Expand(x.rows(), 1), x);
  };
  // The guide: N(loc, scale) with learnable loc and positive scale.
  auto guide = [] {
    const Tensor loc = param("loc", Tensor(0.0));
    const Tensor scale = param("scale", Tensor(1.0), Support::Positive());
    sample("mu", Normal(loc, scale));
  };

  auto elbo = Expectation(Elbo(model, guide));
  elbo.Seed(1);
  ParamStore store;
  // Adam from 0.05, decaying a hundredfold over the run so the last iterate
  // settles instead of wandering with the gradient noise.
  const int steps = absl::GetFlag(FLAGS_steps);
  Adam adam(AdamOptions{ExponentialDecay(0.05, 0.01, steps)});
  Svi svi(elbo, adam, store);
  const absl::StatusOr<SviSummary> summary = svi.Run(steps);
  if (!summary.ok()) {
    std::fprintf(stderr, "%s\n", summary.status().ToString().c_str());
    return 1;
  }

  const double precision = 8 + 1.0 / 100;
  std::printf("ELBO (moving average) %.4f after %lld steps (%s)\n",
              summary->moving_average, static_cast<long long>(summary->steps),
              summary->converged ? "converged" : "not converged");
  if (!summary->warning.empty()) {
    std::fprintf(stderr, "warning: %s\n", summary->warning.c_str());
  }
  std::printf("loc   %.4f  (exact posterior mean %.4f)\n",
              store.Get("loc")->item(), data.sum() / precision);
  std::printf("scale %.4f  (exact posterior sd   %.4f)\n",
              store.Get("scale")->item(), 1 / std::sqrt(precision));
  return 0;
}
