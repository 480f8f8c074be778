// Copyright 2026 The provi Authors.
//
// The speed of provi's gamma-family special functions
// (distributions/internal/gamma_functions.h, base/special_functions.h)
// against Eigen's unsupported/Eigen/SpecialFunctions (array functions) and
// Boost.Math, in one binary so the ratios come from one run. Every
// benchmark evaluates its function at the same 4096 points, in double;
// items are evaluations, so items_per_second is evaluations/s. Boost.Math
// runs twice: with its default policy, which evaluates double arguments in
// long double (`_Boost`), and with promote_double<false>, in double
// (`_BoostDouble`); both with errors ignored (NaN, never an exception).
//
//   BM_Lgamma_{Std,Eigen,Boost,BoostDouble}           x in [1e-3, 1e3]
//   BM_Digamma_{Provi,Eigen,Boost,BoostDouble}        x in [1e-3, 1e3]
//   BM_GammaP_{Provi,Eigen,Boost,BoostDouble}         P(a, x)
//   BM_GammaPDerivativeA_{Provi,Eigen}                ∂P(a, x)/∂a
//   BM_GammaSampleDerivative_{Provi,Eigen}            dx/da at fixed P
//
// with a log-uniform in [0.01, 1e3] and x a uniformly drawn quantile of
// Gamma(a, 1) for the functions of (a, x). The accuracy of the same
// functions is printed by special_functions_accuracy.
//
//   ./bazelw run -c opt //benchmarks:special_functions_benchmark --
//       --benchmark_repetitions=10 --benchmark_report_aggregates_only=true

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "Eigen/Core"
#include "base/internal/math_policy.h"
#include "base/special_functions.h"
#include "benchmark/benchmark.h"
#include "boost/math/policies/policy.hpp"
#include "boost/math/special_functions/digamma.hpp"
#include "boost/math/special_functions/gamma.hpp"
#include "distributions/internal/gamma_functions.h"
#include "unsupported/Eigen/SpecialFunctions"

namespace provi {
namespace {

using ArrayXd = Eigen::ArrayXd;

constexpr int kPoints = 4096;

// Boost.Math's default evaluation (double in long double), without
// exceptions.
using IgnoreErrors = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::ignore_error>,
    boost::math::policies::pole_error<boost::math::policies::ignore_error>,
    boost::math::policies::overflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::evaluation_error<
        boost::math::policies::ignore_error>>;
// provi's policy: the same, in double.
using IgnoreErrorsInDouble = base_internal::MathPolicy;

// x log-uniform in [1e-3, 1e3].
const ArrayXd& OneArgumentPoints() {
  static const ArrayXd* const points = [] {
    std::mt19937_64 gen(20260);
    std::uniform_real_distribution<double> log_x(std::log(1e-3), std::log(1e3));
    auto* x = new ArrayXd(kPoints);
    for (int i = 0; i < kPoints; ++i) (*x)(i) = std::exp(log_x(gen));
    return x;
  }();
  return *points;
}

struct TwoArgumentPoints {
  ArrayXd a;
  ArrayXd x;
};

// a log-uniform in [0.01, 1e3], x a uniform quantile of Gamma(a, 1).
const TwoArgumentPoints& ShapeAndQuantilePoints() {
  static const TwoArgumentPoints* const points = [] {
    std::mt19937_64 gen(20261);
    std::uniform_real_distribution<double> log_a(std::log(0.01), std::log(1e3));
    std::uniform_real_distribution<double> u(1e-6, 1 - 1e-6);
    auto* p = new TwoArgumentPoints{ArrayXd(kPoints), ArrayXd(kPoints)};
    for (int i = 0; i < kPoints; ++i) {
      p->a(i) = std::exp(log_a(gen));
      // Quantiles below the smallest double (tiny shapes) become it.
      p->x(i) = std::max(boost::math::gamma_p_inv(p->a(i), u(gen)),
                         std::numeric_limits<double>::min());
    }
    return p;
  }();
  return *points;
}

template <typename F>
void RunOne(benchmark::State& state, F f) {
  const ArrayXd& x = OneArgumentPoints();
  ArrayXd out(kPoints);
  for (auto _ : state) {
    for (int i = 0; i < kPoints; ++i) out(i) = f(x(i));
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * kPoints);
}

template <typename F>
void RunTwo(benchmark::State& state, F f) {
  const TwoArgumentPoints& p = ShapeAndQuantilePoints();
  ArrayXd out(kPoints);
  for (auto _ : state) {
    for (int i = 0; i < kPoints; ++i) out(i) = f(p.a(i), p.x(i));
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * kPoints);
}

// Eigen's functions are array expressions: one call over all points.
template <typename F>
void RunEigenOne(benchmark::State& state, F f) {
  const ArrayXd& x = OneArgumentPoints();
  ArrayXd out(kPoints);
  for (auto _ : state) {
    out = f(x);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * kPoints);
}

template <typename F>
void RunEigenTwo(benchmark::State& state, F f) {
  const TwoArgumentPoints& p = ShapeAndQuantilePoints();
  ArrayXd out(kPoints);
  for (auto _ : state) {
    out = f(p.a, p.x);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * kPoints);
}

void BM_Lgamma_Std(benchmark::State& state) {
  RunOne(state, [](double x) { return std::lgamma(x); });
}
void BM_Lgamma_Eigen(benchmark::State& state) {
  RunEigenOne(state, [](const ArrayXd& x) { return x.lgamma(); });
}
void BM_Lgamma_Boost(benchmark::State& state) {
  RunOne(state,
         [](double x) { return boost::math::lgamma(x, IgnoreErrors()); });
}
void BM_Lgamma_BoostDouble(benchmark::State& state) {
  RunOne(state, [](double x) {
    return boost::math::lgamma(x, IgnoreErrorsInDouble());
  });
}
BENCHMARK(BM_Lgamma_Std);
BENCHMARK(BM_Lgamma_Eigen);
BENCHMARK(BM_Lgamma_Boost);
BENCHMARK(BM_Lgamma_BoostDouble);

void BM_Digamma_Provi(benchmark::State& state) {
  RunOne(state, [](double x) { return Digamma(x); });
}
void BM_Digamma_Eigen(benchmark::State& state) {
  RunEigenOne(state, [](const ArrayXd& x) { return x.digamma(); });
}
void BM_Digamma_Boost(benchmark::State& state) {
  RunOne(state,
         [](double x) { return boost::math::digamma(x, IgnoreErrors()); });
}
void BM_Digamma_BoostDouble(benchmark::State& state) {
  RunOne(state, [](double x) {
    return boost::math::digamma(x, IgnoreErrorsInDouble());
  });
}
BENCHMARK(BM_Digamma_Provi);
BENCHMARK(BM_Digamma_Eigen);
BENCHMARK(BM_Digamma_Boost);
BENCHMARK(BM_Digamma_BoostDouble);

void BM_GammaP_Provi(benchmark::State& state) {
  RunTwo(state, distributions_internal::RegularizedGammaP);
}
void BM_GammaP_Eigen(benchmark::State& state) {
  RunEigenTwo(state, [](const ArrayXd& a, const ArrayXd& x) {
    return Eigen::igamma(a, x);
  });
}
void BM_GammaP_Boost(benchmark::State& state) {
  RunTwo(state, [](double a, double x) {
    return boost::math::gamma_p(a, x, IgnoreErrors());
  });
}
void BM_GammaP_BoostDouble(benchmark::State& state) {
  RunTwo(state, [](double a, double x) {
    return boost::math::gamma_p(a, x, IgnoreErrorsInDouble());
  });
}
BENCHMARK(BM_GammaP_Provi);
BENCHMARK(BM_GammaP_Eigen);
BENCHMARK(BM_GammaP_Boost);
BENCHMARK(BM_GammaP_BoostDouble);

void BM_GammaPDerivativeA_Provi(benchmark::State& state) {
  RunTwo(state, distributions_internal::RegularizedGammaPDerivative);
}
void BM_GammaPDerivativeA_Eigen(benchmark::State& state) {
  RunEigenTwo(state, [](const ArrayXd& a, const ArrayXd& x) {
    return Eigen::igamma_der_a(a, x);
  });
}
BENCHMARK(BM_GammaPDerivativeA_Provi);
BENCHMARK(BM_GammaPDerivativeA_Eigen);

void BM_GammaSampleDerivative_Provi(benchmark::State& state) {
  RunTwo(state, distributions_internal::StandardGammaSampleDerivative);
}
void BM_GammaSampleDerivative_Eigen(benchmark::State& state) {
  RunEigenTwo(state, [](const ArrayXd& a, const ArrayXd& x) {
    return Eigen::gamma_sample_der_alpha(a, x);
  });
}
BENCHMARK(BM_GammaSampleDerivative_Provi);
BENCHMARK(BM_GammaSampleDerivative_Eigen);

}  // namespace
}  // namespace provi
