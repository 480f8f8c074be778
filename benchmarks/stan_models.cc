// Copyright 2026 The provi Authors.

#include "benchmarks/stan_models.h"

#include <cmath>
#include <vector>

#include "stan/math/rev/mat.hpp"

namespace provi {
namespace stan_models {
namespace {

using small_models::Data;
using small_models::kMixtureComponents;
using small_models::kSchools;
using small_models::ModelKind;

// log HalfCauchy(tau; 0, scale) = log 2 + log Cauchy(tau; 0, scale), tau > 0.
template <typename T>
T HalfCauchyLpdf(const T& tau, double scale) {
  return std::log(2.0) + stan::math::cauchy_lpdf<false>(tau, 0.0, scale);
}

struct EightSchools {
  bool centred;
  template <typename T>
  T operator()(const Eigen::Matrix<T, Eigen::Dynamic, 1>& p) const {
    using stan::math::normal_lpdf;
    const T& mu = p(0);
    const T& tau = p(1);
    const Eigen::Matrix<T, Eigen::Dynamic, 1> theta = p.tail(kSchools);
    T lp = normal_lpdf<false>(mu, 0.0, 5.0) + HalfCauchyLpdf(tau, 5.0);
    if (centred) {
      lp += normal_lpdf<false>(theta, mu, tau);
      lp += normal_lpdf<false>(Data().effects, theta, Data().standard_errors);
    } else {
      lp += normal_lpdf<false>(theta, 0.0, 1.0);
      const Eigen::Matrix<T, Eigen::Dynamic, 1> school_means =
          stan::math::add(mu, stan::math::multiply(tau, theta));
      lp += normal_lpdf<false>(Data().effects, school_means,
                               Data().standard_errors);
    }
    return lp;
  }
};

struct LogisticRegression {
  bool glm;
  template <typename T>
  T operator()(const Eigen::Matrix<T, Eigen::Dynamic, 1>& beta) const {
    T lp = stan::math::normal_lpdf<false>(beta, 0.0, 1.0);
    if (glm) {
      lp += stan::math::bernoulli_logit_glm_lpmf<false>(
          Data().outcomes, Data().features, 0.0, beta);
    } else {
      lp += stan::math::bernoulli_logit_lpmf<false>(
          Data().outcomes, stan::math::multiply(Data().features, beta));
    }
    return lp;
  }
};

// The per-point log-sum-exp over components, as a Stan program writes it.
struct Mixture {
  template <typename T>
  T operator()(const Eigen::Matrix<T, Eigen::Dynamic, 1>& mu) const {
    T lp = stan::math::normal_lpdf<false>(mu, 0.0, 10.0);
    const double log_weight =
        -std::log(static_cast<double>(kMixtureComponents));
    const Eigen::VectorXd& x = Data().points;
    std::vector<T> terms(static_cast<size_t>(kMixtureComponents));
    for (Eigen::Index i = 0; i < x.size(); ++i) {
      for (Eigen::Index k = 0; k < kMixtureComponents; ++k) {
        terms[static_cast<size_t>(k)] =
            log_weight + stan::math::normal_lpdf<false>(x(i), mu(k), 1.0);
      }
      lp += stan::math::log_sum_exp(terms);
    }
    return lp;
  }
};

template <typename F>
double Gradient(const F& f, const Eigen::VectorXd& point,
                Eigen::VectorXd* gradient) {
  double value = 0;
  stan::math::gradient(f, point, value, *gradient);
  return value;
}

}  // namespace

double LogJointGradient(StanForm form, ModelKind kind,
                        const Eigen::VectorXd& point,
                        Eigen::VectorXd* gradient) {
  switch (kind) {
    case ModelKind::kEightSchoolsNoncentred:
      return Gradient(EightSchools{false}, point, gradient);
    case ModelKind::kEightSchoolsCentred:
      return Gradient(EightSchools{true}, point, gradient);
    case ModelKind::kLogisticRegression:
      return Gradient(LogisticRegression{form == StanForm::kGlm}, point,
                      gradient);
    case ModelKind::kMixture:
      return Gradient(Mixture{}, point, gradient);
  }
  return 0;
}

}  // namespace stan_models
}  // namespace provi
