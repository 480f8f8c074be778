// Copyright 2026 The provi Authors.
//
// The cost of provi's distributions against hand-written code doing the same
// math, in one binary so the ratios come from one run. Each benchmark is one
// training-style step: inside a fresh TapeScope, the log density (or a
// pathwise draw) with every parameter a variable, then Backward of its
// SumAll; the hand-written twin computes the same value and the same
// gradients by hand with Eigen arrays (no AD). float, one thread.
//
//   BM_<Family><Op>_Provi / BM_<Family><Op>_HandWritten, for
//     Normal LogProb (also _ProviUnvalidated: with distribution validation
//     off, so without the support check of the value) and RSample (loc,
//     scale: rows x cols),
//     Bernoulli LogProb from logits (rows x cols),
//     Categorical LogProb from logits (rows x 10 logits, one draw per row),
//     Gamma LogProb and RSample (concentration, rate: rows x cols),
//   on 64 x 20 and 1024 x 784 (Categorical: 64 and 1024 rows). Items are
//   the elements of the parameters, so items_per_second is values/s.
//
//   ./bazelw run -c opt //benchmarks:distributions_benchmark --
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

#include <cmath>
#include <initializer_list>
#include <type_traits>
#include <vector>

#include "absl/random/distributions.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "ad/tensor.h"
#include "base/random.h"
#include "base/special_functions.h"
#include "benchmark/benchmark.h"
#include "distributions/bernoulli.h"
#include "distributions/categorical.h"
#include "distributions/gamma.h"
#include "distributions/internal/gamma_functions.h"
#include "distributions/normal.h"

namespace provi {
namespace {

// Both versions run in provi::Real (Real by default; double under
// --config=f64).
using ArrayF = Eigen::Array<Real, Eigen::Dynamic, Eigen::Dynamic>;

constexpr int kCategories = 10;
constexpr Real kHalfLog2Pi = Real(0.918938533);

// Random inputs shared by both versions of a benchmark: a uniform array on
// [lo, hi).
ArrayF Uniform(Index rows, Index cols, Real lo, Real hi, Rng& rng) {
  ArrayF a(rows, cols);
  for (Index k = 0; k < a.size(); ++k) a(k) = absl::Uniform(rng, lo, hi);
  return a;
}

void SetItems(benchmark::State& state, Index rows, Index cols) {
  state.SetItemsProcessed(state.iterations() * rows * cols);
}

Index Rows(const benchmark::State& state) { return state.range(0); }
Index Cols(const benchmark::State& state) { return state.range(1); }

// The provi side of every benchmark: per iteration a fresh TapeScope, zeroed
// gradients, and Backward of the SumAll of `step()` (a log density or a
// draw built from the parameters' tensors).
template <typename F>
void RunProviSteps(benchmark::State& state,
                   std::initializer_list<Parameter*> params, const F& step) {
  for (auto _ : state) {
    TapeScope scope;
    for (Parameter* p : params) p->ZeroGrad();
    Backward(SumAll(step()));
    for (Parameter* p : params) benchmark::DoNotOptimize(p->grad().data());
  }
}

// -----------------------------------------------------------------------------
// Normal
// -----------------------------------------------------------------------------

struct NormalData {
  NormalData(Index rows, Index cols) {
    Rng rng = MakeRng(1);
    loc = Uniform(rows, cols, -1, 1, rng);
    scale = Uniform(rows, cols, Real(0.5), 2, rng);
    x = Uniform(rows, cols, -3, 3, rng);
  }
  ArrayF loc, scale, x;
};

void BM_NormalLogProb_Provi(benchmark::State& state) {
  const NormalData data(Rows(state), Cols(state));
  Parameter loc(data.loc.matrix()), scale(data.scale.matrix());
  const Tensor x(data.x.matrix());
  RunProviSteps(state, {&loc, &scale}, [&] {
    return Normal(loc.tensor(), scale.tensor()).LogProb(x);
  });
  SetItems(state, Rows(state), Cols(state));
}

// The same with validation off: what BM_NormalLogProb_Provi spends
// checking that the value lies in the support.
void BM_NormalLogProb_ProviUnvalidated(benchmark::State& state) {
  SetDistributionValidation(false);
  BM_NormalLogProb_Provi(state);
  SetDistributionValidation(true);
}

void BM_NormalLogProb_HandWritten(benchmark::State& state) {
  const NormalData data(Rows(state), Cols(state));
  ArrayF z(data.x.rows(), data.x.cols()), g_loc(z.rows(), z.cols()),
      g_scale(z.rows(), z.cols());
  Eigen::Matrix<Real, Eigen::Dynamic, 1> log_p(z.rows());
  for (auto _ : state) {
    z = (data.x - data.loc) / data.scale;
    log_p = (-Real(0.5) * z.square() - data.scale.log() - kHalfLog2Pi)
                .matrix()
                .rowwise()
                .sum();
    benchmark::DoNotOptimize(log_p.sum());
    // ∂/∂loc = z / scale, ∂/∂scale = (z² - 1) / scale.
    g_loc = z / data.scale;
    g_scale = (z.square() - 1) / data.scale;
    benchmark::DoNotOptimize(g_loc.data());
    benchmark::DoNotOptimize(g_scale.data());
  }
  SetItems(state, Rows(state), Cols(state));
}

void BM_NormalRSample_Provi(benchmark::State& state) {
  const NormalData data(Rows(state), Cols(state));
  Parameter loc(data.loc.matrix()), scale(data.scale.matrix());
  Rng rng = MakeRng(2);
  RunProviSteps(state, {&loc, &scale}, [&] {
    return Normal(loc.tensor(), scale.tensor()).RSample(rng);
  });
  SetItems(state, Rows(state), Cols(state));
}

void BM_NormalRSample_HandWritten(benchmark::State& state) {
  const NormalData data(Rows(state), Cols(state));
  Rng rng = MakeRng(2);
  ArrayF eps(data.loc.rows(), data.loc.cols()), x(eps.rows(), eps.cols()),
      g_loc(eps.rows(), eps.cols()), g_scale(eps.rows(), eps.cols());
  for (auto _ : state) {
    for (Index k = 0; k < eps.size(); ++k) eps(k) = absl::Gaussian<Real>(rng);
    x = data.loc + data.scale * eps;
    benchmark::DoNotOptimize(x.sum());
    // ∂Σx/∂loc = 1, ∂Σx/∂scale = ε (the noise itself).
    g_loc.setOnes();
    g_scale = eps;
    benchmark::DoNotOptimize(g_loc.data());
    benchmark::DoNotOptimize(g_scale.data());
  }
  SetItems(state, Rows(state), Cols(state));
}

// -----------------------------------------------------------------------------
// Bernoulli from logits
// -----------------------------------------------------------------------------

struct BernoulliData {
  BernoulliData(Index rows, Index cols) {
    Rng rng = MakeRng(3);
    logits = Uniform(rows, cols, -4, 4, rng);
    x = (Uniform(rows, cols, 0, 1, rng) < Real(0.5)).cast<Real>();
  }
  ArrayF logits, x;
};

void BM_BernoulliLogProb_Provi(benchmark::State& state) {
  const BernoulliData data(Rows(state), Cols(state));
  Parameter logits(data.logits.matrix());
  const Tensor x(data.x.matrix());
  RunProviSteps(state, {&logits}, [&] {
    return Bernoulli::FromLogits(logits.tensor()).LogProb(x);
  });
  SetItems(state, Rows(state), Cols(state));
}

void BM_BernoulliLogProb_HandWritten(benchmark::State& state) {
  const BernoulliData data(Rows(state), Cols(state));
  ArrayF log_mass(data.x.rows(), data.x.cols()),
      grad(log_mass.rows(), log_mass.cols());
  Eigen::Matrix<Real, Eigen::Dynamic, 1> log_p(log_mass.rows());
  for (auto _ : state) {
    // log p = x l - softplus(l); ∂/∂l = x - σ(l).
    for (Index k = 0; k < data.x.size(); ++k) {
      const Real l = data.logits(k);
      log_mass(k) = data.x(k) * l - Log1pExp(l);
      grad(k) = data.x(k) - Sigmoid(l);
    }
    log_p = log_mass.matrix().rowwise().sum();
    benchmark::DoNotOptimize(log_p.sum());
    benchmark::DoNotOptimize(grad.data());
  }
  SetItems(state, Rows(state), Cols(state));
}

// -----------------------------------------------------------------------------
// Categorical from logits
// -----------------------------------------------------------------------------

struct CategoricalData {
  explicit CategoricalData(Index rows) {
    Rng rng = MakeRng(4);
    logits = Uniform(rows, kCategories, -3, 3, rng);
    index.resize(static_cast<size_t>(rows));
    x.resize(rows, 1);
    for (Index i = 0; i < rows; ++i) {
      index[static_cast<size_t>(i)] = absl::Uniform<Index>(rng, 0, kCategories);
      x(i, 0) = static_cast<Real>(index[static_cast<size_t>(i)]);
    }
  }
  ArrayF logits, x;
  std::vector<Index> index;
};

void BM_CategoricalLogProb_Provi(benchmark::State& state) {
  const CategoricalData data(Rows(state));
  Parameter logits(data.logits.matrix());
  const Tensor x(data.x.matrix());
  RunProviSteps(state, {&logits}, [&] {
    return Categorical::FromLogits(logits.tensor()).LogProb(x);
  });
  SetItems(state, Rows(state), kCategories);
}

void BM_CategoricalLogProb_HandWritten(benchmark::State& state) {
  const CategoricalData data(Rows(state));
  const Index rows = Rows(state);
  ArrayF shifted(rows, kCategories), grad(rows, kCategories);
  Eigen::Array<Real, Eigen::Dynamic, 1> max(rows), sum(rows), log_p(rows);
  for (auto _ : state) {
    // log p = l_y - log Σ_k e^(l_k); ∂/∂l_k = [k = y] - softmax_k.
    max = data.logits.rowwise().maxCoeff();
    shifted = (data.logits.colwise() - max).exp();
    sum = shifted.rowwise().sum();
    for (Index i = 0; i < rows; ++i) {
      log_p(i) = data.logits(i, data.index[static_cast<size_t>(i)]) - max(i) -
                 std::log(sum(i));
    }
    benchmark::DoNotOptimize(log_p.sum());
    grad = -(shifted.colwise() / sum);
    for (Index i = 0; i < rows; ++i) {
      grad(i, data.index[static_cast<size_t>(i)]) += 1;
    }
    benchmark::DoNotOptimize(grad.data());
  }
  SetItems(state, rows, kCategories);
}

// -----------------------------------------------------------------------------
// Gamma
// -----------------------------------------------------------------------------

struct GammaData {
  GammaData(Index rows, Index cols) {
    Rng rng = MakeRng(5);
    concentration = Uniform(rows, cols, Real(0.5), 5, rng);
    rate = Uniform(rows, cols, Real(0.5), 2, rng);
    x = Uniform(rows, cols, Real(0.1), 5, rng);
  }
  ArrayF concentration, rate, x;
};

void BM_GammaLogProb_Provi(benchmark::State& state) {
  const GammaData data(Rows(state), Cols(state));
  Parameter concentration(data.concentration.matrix()),
      rate(data.rate.matrix());
  const Tensor x(data.x.matrix());
  RunProviSteps(state, {&concentration, &rate}, [&] {
    return Gamma(concentration.tensor(), rate.tensor()).LogProb(x);
  });
  SetItems(state, Rows(state), Cols(state));
}

void BM_GammaLogProb_HandWritten(benchmark::State& state) {
  const GammaData data(Rows(state), Cols(state));
  ArrayF log_density(data.x.rows(), data.x.cols()),
      g_concentration(log_density.rows(), log_density.cols()),
      g_rate(log_density.rows(), log_density.cols());
  Eigen::Matrix<Real, Eigen::Dynamic, 1> log_p(log_density.rows());
  for (auto _ : state) {
    // log p = α log β + (α - 1) log x - β x - log Γ(α);
    // ∂/∂α = log β + log x - ψ(α), ∂/∂β = α / β - x.
    for (Index k = 0; k < data.x.size(); ++k) {
      const Real alpha = data.concentration(k);
      const Real beta = data.rate(k);
      const Real log_beta = std::log(beta);
      const Real log_x = std::log(data.x(k));
      log_density(k) = alpha * log_beta + (alpha - 1) * log_x -
                       beta * data.x(k) - std::lgamma(alpha);
      g_concentration(k) = log_beta + log_x - Digamma(alpha);
      g_rate(k) = alpha / beta - data.x(k);
    }
    log_p = log_density.matrix().rowwise().sum();
    benchmark::DoNotOptimize(log_p.sum());
    benchmark::DoNotOptimize(g_concentration.data());
    benchmark::DoNotOptimize(g_rate.data());
  }
  SetItems(state, Rows(state), Cols(state));
}

void BM_GammaRSample_Provi(benchmark::State& state) {
  const GammaData data(Rows(state), Cols(state));
  Parameter concentration(data.concentration.matrix()),
      rate(data.rate.matrix());
  Rng rng = MakeRng(6);
  RunProviSteps(state, {&concentration, &rate}, [&] {
    return Gamma(concentration.tensor(), rate.tensor()).RSample(rng);
  });
  SetItems(state, Rows(state), Cols(state));
}

void BM_GammaRSample_HandWritten(benchmark::State& state) {
  const GammaData data(Rows(state), Cols(state));
  Rng rng = MakeRng(6);
  ArrayF g(data.concentration.rows(), data.concentration.cols()),
      x(g.rows(), g.cols()), g_concentration(g.rows(), g.cols()),
      g_rate(g.rows(), g.cols());
  for (auto _ : state) {
    // x = G / β with G ~ Gamma(α, 1); ∂Σx/∂α = (dG/dα) / β (implicit
    // reparameterisation, at the draw rounded to Real as provi stores
    // it), ∂Σx/∂β = -x / β. All draws first, then all derivatives, in
    // provi's order.
    for (Index k = 0; k < g.size(); ++k) {
      g(k) = static_cast<Real>(distributions_internal::SampleStandardGamma(
          data.concentration(k), rng));
    }
    x = g / data.rate;
    for (Index k = 0; k < g.size(); ++k) {
      g_concentration(k) =
          static_cast<Real>(
              distributions_internal::StandardGammaSampleDerivative(
                  data.concentration(k), g(k))) /
          data.rate(k);
    }
    g_rate = -x / data.rate;
    benchmark::DoNotOptimize(x.sum());
    benchmark::DoNotOptimize(g_concentration.data());
    benchmark::DoNotOptimize(g_rate.data());
  }
  SetItems(state, Rows(state), Cols(state));
}

// Shapes: a small minibatch (64 x 20) and an MNIST-sized one (1024 x 784).
void ElementwiseShapes(benchmark::internal::Benchmark* b) {
  b->Args({64, 20})->Args({1024, 784})->Unit(benchmark::kMicrosecond);
}
void CategoricalShapes(benchmark::internal::Benchmark* b) {
  b->Args({64, kCategories})
      ->Args({1024, kCategories})
      ->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_NormalLogProb_Provi)->Apply(ElementwiseShapes);
BENCHMARK(BM_NormalLogProb_ProviUnvalidated)->Apply(ElementwiseShapes);
BENCHMARK(BM_NormalLogProb_HandWritten)->Apply(ElementwiseShapes);
BENCHMARK(BM_NormalRSample_Provi)->Apply(ElementwiseShapes);
BENCHMARK(BM_NormalRSample_HandWritten)->Apply(ElementwiseShapes);
BENCHMARK(BM_BernoulliLogProb_Provi)->Apply(ElementwiseShapes);
BENCHMARK(BM_BernoulliLogProb_HandWritten)->Apply(ElementwiseShapes);
BENCHMARK(BM_CategoricalLogProb_Provi)->Apply(CategoricalShapes);
BENCHMARK(BM_CategoricalLogProb_HandWritten)->Apply(CategoricalShapes);
BENCHMARK(BM_GammaLogProb_Provi)->Apply(ElementwiseShapes);
BENCHMARK(BM_GammaLogProb_HandWritten)->Apply(ElementwiseShapes);
BENCHMARK(BM_GammaRSample_Provi)->Apply(ElementwiseShapes);
BENCHMARK(BM_GammaRSample_HandWritten)->Apply(ElementwiseShapes);

}  // namespace
}  // namespace provi
