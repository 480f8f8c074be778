// Copyright 2026 The provi Authors.
//
// File: benchmarks/stan_models.h
// -----------------------------------------------------------------------------
//
// The log densities of benchmarks/small_models.h written with Stan Math
// (Debian's r-cran-stanheaders, Stan 2.21) and differentiated by its reverse
// mode: the in-binary peer of provi's `Density` gradients in
// benchmarks/vi_stan_benchmark.cc. Each evaluation is one
// `stan::math::gradient` call (a nested tape: the point's values become
// `var`s, the density is recorded and swept, the tape recovered), the way
// Stan's services evaluate a model's gradient; every density keeps its
// constants (`propto = false`), as provi's do.
//
// The logistic regression has two forms: the model as a Stan user writes it
// first, `bernoulli_logit(X beta)`, and Stan's fused
// `bernoulli_logit_glm(X, 0, beta)` with hand-simplified gradients.
//
// Only `manual` targets use this file (it needs Stan Math's headers; see
// `stan_math_repository` in third_party/repositories.bzl).
//
// Example:
//
//   const auto model = provi::small_models::MakeModel(
//       provi::small_models::kEightSchoolsNoncentred);
//   Eigen::VectorXd gradient;
//   double lp = provi::stan_models::LogJointGradient(
//       provi::stan_models::StanForm::kDefault, model.kind, model.point,
//       &gradient);

#ifndef PROVI_BENCHMARKS_STAN_MODELS_H_
#define PROVI_BENCHMARKS_STAN_MODELS_H_

#include "Eigen/Core"
#include "benchmarks/small_models.h"

namespace provi {
namespace stan_models {

// StanForm
//
// kDefault: the model as written in the file comment; kGlm: the logistic
// regression through `bernoulli_logit_glm_lpmf` (the other models have one
// form).
enum class StanForm { kDefault, kGlm };

// LogJointGradient()
//
// log p(point, data) of the model `kind` and, in `*gradient` (resized), its
// gradient with respect to `point` (flattened as in small_models.h).
double LogJointGradient(StanForm form, small_models::ModelKind kind,
                        const Eigen::VectorXd& point,
                        Eigen::VectorXd* gradient);

}  // namespace stan_models
}  // namespace provi

#endif  // PROVI_BENCHMARKS_STAN_MODELS_H_
