// Copyright 2026 The provi Authors.
//
// File: benchmarks/mixture_model.h
// -----------------------------------------------------------------------------
//
// The 3-component Gaussian mixture over 500 generated points on which
// estimators_benchmark compares gradient strategies and the advisor's test
// checks its choice: one ELBO term per point,
//
//   μ ~ q(μ) = N(m, exp(log_s))  (1 x 3)
//   c_i ~ q(c_i) = Categorical(softmax(φ_i)), i = 1..500
//   ELBO_i = log π(c_i) + log N(x_i; μ_{c_i}, 1) - log q(c_i)
//            + (log p(μ) - log q(μ)) / 500
//
// with p(μ) = N(0, 10) and π uniform. The points are drawn from unit
// normals around -2, 0 and 3 with a fixed seed.
//
// Example:
//
//   provi::MixtureModel mixture;
//   auto elbo = provi::Expectation(
//       [&] { return mixture.Elbo(provi::Pathwise(), provi::Enumerate()); });

#ifndef PROVI_BENCHMARKS_MIXTURE_MODEL_H_
#define PROVI_BENCHMARKS_MIXTURE_MODEL_H_

#include <cmath>
#include <memory>
#include <vector>

#include "absl/random/distributions.h"
#include "ad/ops.h"
#include "base/random.h"
#include "distributions/categorical.h"
#include "distributions/normal.h"
#include "estimators/site_strategy.h"
#include "runtime/primitives.h"

namespace provi {

// MixtureModel
class MixtureModel {
 public:
  static constexpr Index kPoints = 500;
  static constexpr Index kComponents = 3;

  MixtureModel() {
    Rng rng = MakeRng(2026);
    const double centres[kComponents] = {-2.0, 0.0, 3.0};
    Matrix data(kPoints, 1);
    for (Index i = 0; i < kPoints; ++i) {
      data(i, 0) = static_cast<Real>(centres[i % kComponents] +
                                     absl::Gaussian<double>(rng));
    }
    x = Tensor(data);
    Matrix logits(kPoints, kComponents);
    for (Index i = 0; i < logits.size(); ++i) {
      logits(i) = static_cast<Real>(0.1 * absl::Gaussian<double>(rng));
    }
    phi.Reset(logits);
    m.Reset((Matrix(1, kComponents) << -1.5, 0.2, 2.5).finished());
    log_s.Reset(Matrix::Constant(1, kComponents, -1.0));
  }

  // Elbo()
  //
  // One ELBO value per point (500 x 1), the sites "mu" and "c" estimated by
  // the given strategies (null: the distribution's default for "mu"; fixed
  // assignments, all 0 and no site, for "c").
  Tensor Elbo(const std::shared_ptr<const SiteStrategy>& mu_strategy,
              const std::shared_ptr<const SiteStrategy>& c_strategy) {
    const Normal q_mu(m.tensor(), Exp(log_s.tensor()));
    const Tensor mu = sample("mu", q_mu, mu_strategy);
    const Tensor global =
        (SumAll(Normal(0.0, 10.0).LogProb(mu)) - SumAll(q_mu.LogProb(mu))) *
        (Real(1) / kPoints);
    Plate points("points", kPoints);
    const Categorical q_c = Categorical::FromLogits(phi.tensor());
    const Tensor c = c_strategy != nullptr ? sample("c", q_c, c_strategy)
                                           : Tensor(Matrix::Zero(kPoints, 1));
    std::vector<Index> index(static_cast<size_t>(kPoints));
    for (Index i = 0; i < kPoints; ++i) index[i] = static_cast<Index>(c(i, 0));
    const Tensor mean = GatherCols(Tile(mu, kPoints, 1), index);
    const Tensor log_lik = Normal(mean, 1.0).LogProb(x);
    const Real log_prior = -std::log(static_cast<Real>(kComponents));
    return log_lik + log_prior - q_c.LogProb(c) + global;
  }

  Tensor x;
  Parameter phi, m, log_s;
};

}  // namespace provi

#endif  // PROVI_BENCHMARKS_MIXTURE_MODEL_H_
