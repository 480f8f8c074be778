// Copyright 2026 The provi Authors.
//
// File: tests/testing/extreme_cases.h
// -----------------------------------------------------------------------------
//
// The table of extreme parameter values and of every family with one
// parameter set to such a value, shared by the tests that probe validation
// and sampling at the extremes (tests/distributions/extremes_test.cc,
// tests/fuzz/probe_test.cc).
//
// Example:
//
//   for (const auto& [label, make] : provi::testing::Families()) {
//     for (provi::Real v : provi::testing::ExtremeValues()) {
//       std::shared_ptr<const provi::Distribution> d = make(v);
//       ...
//     }
//   }

#ifndef PROVI_TESTS_TESTING_EXTREME_CASES_H_
#define PROVI_TESTS_TESTING_EXTREME_CASES_H_

#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ad/tensor.h"
#include "distributions/bernoulli.h"
#include "distributions/beta.h"
#include "distributions/binomial.h"
#include "distributions/categorical.h"
#include "distributions/cauchy.h"
#include "distributions/delta.h"
#include "distributions/dirichlet.h"
#include "distributions/distribution.h"
#include "distributions/exponential.h"
#include "distributions/gamma.h"
#include "distributions/geometric.h"
#include "distributions/half_cauchy.h"
#include "distributions/half_normal.h"
#include "distributions/half_student_t.h"
#include "distributions/laplace.h"
#include "distributions/log_normal.h"
#include "distributions/mv_normal.h"
#include "distributions/normal.h"
#include "distributions/one_hot_categorical.h"
#include "distributions/poisson.h"
#include "distributions/student_t.h"
#include "distributions/uniform.h"

namespace provi {
namespace testing {

// Makes a family with one parameter set to the argument.
using Make = std::function<std::shared_ptr<const Distribution>(Real)>;

// ExtremeValues()
//
// ±0, subnormals, the normal and finite limits, ±inf, NaN, values next to
// 1, and 1e±30 and 1e±300 (the latter the float limits in float).
inline std::vector<Real> ExtremeValues() {
  using L = std::numeric_limits<Real>;
  return {Real(0),
          -Real(0),
          L::denorm_min(),
          -L::denorm_min(),
          L::min(),
          L::max(),
          -L::max(),
          L::infinity(),
          -L::infinity(),
          L::quiet_NaN(),
          L::epsilon(),
          Real(1) - L::epsilon(),
          Real(1),
          Real(-1),
          Real(1e30),
          Real(1e-30),
          static_cast<Real>(1e300),
          static_cast<Real>(1e-300)};
}

// The family as the shared pointer `Make` returns.
template <typename D>
std::shared_ptr<const Distribution> Share(D d) {
  return std::make_shared<D>(std::move(d));
}

// Families()
//
// Every family, once per parameter that can take an extreme value, labelled
// "Family.parameter".
inline std::vector<std::pair<std::string, Make>> Families() {
  const Tensor one(1.0);
  const Tensor zero(0.0);
  auto row = [](Real v) { return Tensor(Matrix::Constant(1, 3, v)); };
  return {
      {"Normal.loc", [=](Real v) { return Share(Normal(Tensor(v), one)); }},
      {"Normal.scale", [=](Real v) { return Share(Normal(zero, Tensor(v))); }},
      {"LogNormal.loc",
       [=](Real v) { return Share(LogNormal(Tensor(v), one)); }},
      {"LogNormal.scale",
       [=](Real v) { return Share(LogNormal(zero, Tensor(v))); }},
      {"Laplace.scale",
       [=](Real v) { return Share(Laplace(zero, Tensor(v))); }},
      {"Cauchy.loc", [=](Real v) { return Share(Cauchy(Tensor(v), one)); }},
      {"HalfCauchy.scale",
       [=](Real v) { return Share(HalfCauchy(Tensor(v))); }},
      {"HalfNormal.scale",
       [=](Real v) { return Share(HalfNormal(Tensor(v))); }},
      {"Exponential.rate",
       [=](Real v) { return Share(Exponential(Tensor(v))); }},
      {"Gamma.concentration",
       [=](Real v) { return Share(Gamma(Tensor(v), one)); }},
      {"Gamma.rate", [=](Real v) { return Share(Gamma(one, Tensor(v))); }},
      {"Beta.concentration1",
       [=](Real v) { return Share(Beta(Tensor(v), one)); }},
      {"Beta.concentration0",
       [=](Real v) { return Share(Beta(one, Tensor(v))); }},
      {"StudentT.df",
       [=](Real v) { return Share(StudentT(Tensor(v), zero, one)); }},
      {"StudentT.scale",
       [=](Real v) { return Share(StudentT(one, zero, Tensor(v))); }},
      {"HalfStudentT.df",
       [=](Real v) { return Share(HalfStudentT(Tensor(v), one)); }},
      {"HalfStudentT.scale",
       [=](Real v) { return Share(HalfStudentT(one, Tensor(v))); }},
      {"Uniform.low", [=](Real v) { return Share(Uniform(Tensor(v), one)); }},
      {"Uniform.high", [=](Real v) { return Share(Uniform(zero, Tensor(v))); }},
      {"Delta.value", [=](Real v) { return Share(Delta(Tensor(v))); }},
      {"Bernoulli.probs",
       [=](Real v) { return Share(Bernoulli::FromProbs(Tensor(v))); }},
      {"Bernoulli.logits",
       [=](Real v) { return Share(Bernoulli::FromLogits(Tensor(v))); }},
      {"Geometric.probs", [=](Real v) { return Share(Geometric(Tensor(v))); }},
      {"Poisson.rate", [=](Real v) { return Share(Poisson(Tensor(v))); }},
      {"Binomial.probs",
       [=](Real v) { return Share(Binomial(10, Tensor(v))); }},
      {"Categorical.probs",
       [=](Real v) { return Share(Categorical::FromProbs(row(v))); }},
      {"Categorical.logits",
       [=](Real v) { return Share(Categorical::FromLogits(row(v))); }},
      {"OneHotCategorical.probs",
       [=](Real v) { return Share(OneHotCategorical::FromProbs(row(v))); }},
      {"OneHotCategorical.logits",
       [=](Real v) { return Share(OneHotCategorical::FromLogits(row(v))); }},
      {"Dirichlet.concentration",
       [=](Real v) { return Share(Dirichlet(row(v))); }},
      {"MvNormal.loc",
       [=](Real v) {
         return Share(MvNormal(row(v), Tensor(Matrix::Identity(3, 3))));
       }},
      {"MvNormal.scale_tril",
       [=](Real v) {
         return Share(
             MvNormal(row(0), Tensor(Matrix(Matrix::Identity(3, 3) * v))));
       }},
  };
}

}  // namespace testing
}  // namespace provi

#endif  // PROVI_TESTS_TESTING_EXTREME_CASES_H_
