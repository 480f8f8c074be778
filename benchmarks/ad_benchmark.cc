// Copyright 2026 The provi Authors.
//
// The cost of provi's reverse mode against hand-written code doing the same
// math, in one binary so the ratios come from one run:
//
//   BM_Mlp_Provi / BM_Mlp_HandWritten: forward + backward of a 784-400-20
//     MLP (tanh hidden layer, relu output, loss = ½‖output‖²), float, one
//     thread; the hand-written version is plain Eigen with hand-derived
//     backpropagation. Counter `arena_bytes`: arena memory per step.
//   BM_ScalarChain: Σ_i log(exp(x_i) y_i + 1) over 1,000 terms, forward +
//     backward; counter `sec_per_op` (5 scalar ops per term) and
//     `heap_allocs_per_iter` (system-heap allocations per step after
//     warm-up, counted by tests/testing/allocation_counter.h).
//   BM_ScalarChain_HandWritten: the same sum and its gradient by hand.
//
//   ./bazelw run -c opt //benchmarks:ad_benchmark --
//       --benchmark_repetitions=10 --benchmark_report_aggregates_only=true

#include <cmath>
#include <vector>

#include "ad/ops.h"
#include "ad/tape.h"
#include "ad/tensor.h"
#include "base/random.h"
#include "benchmark/benchmark.h"
#include "tests/testing/allocation_counter.h"

namespace provi {
namespace {

constexpr int kInput = 784;
constexpr int kHidden = 400;
constexpr int kOutput = 20;

// Both versions run in provi::Real (float by default; double under
// --config=f64), so the ratio compares like with like.
using MatrixF = Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic>;
using RowVectorF = Eigen::Matrix<Real, 1, Eigen::Dynamic>;

struct MlpData {
  explicit MlpData(int batch) {
    Rng rng = MakeRng(17);
    auto fill = [&](MatrixF& m, Real scale) {
      for (Index i = 0; i < m.size(); ++i) {
        m(i) = scale * absl::Gaussian<Real>(rng);
      }
    };
    x.resize(batch, kInput);
    w1.resize(kInput, kHidden);
    w2.resize(kHidden, kOutput);
    b1.resize(1, kHidden);
    b2.resize(1, kOutput);
    fill(x, Real(1.0));
    fill(w1, Real{1} / std::sqrt(Real{kInput}));
    fill(w2, Real{1} / std::sqrt(Real{kHidden}));
    fill(b1, Real(0.1));
    fill(b2, Real(0.1));
  }
  MatrixF x, w1, w2, b1, b2;
};

void BM_Mlp_Provi(benchmark::State& state) {
  const MlpData data(static_cast<int>(state.range(0)));
  const Tensor x(data.x);
  Parameter w1(data.w1), b1(data.b1), w2(data.w2), b2(data.b2);
  size_t arena_bytes = 0;
  for (auto _ : state) {
    TapeScope scope;
    const Tensor h = Tanh(MatMul(x, w1.tensor()) + b1.tensor());
    const Tensor out = Relu(MatMul(h, w2.tensor()) + b2.tensor());
    const Tensor loss = SumAll(Square(out)) * Real(0.5);
    for (Parameter* p : {&w1, &b1, &w2, &b2}) p->ZeroGrad();
    Backward(loss);
    benchmark::DoNotOptimize(w1.grad().data());
    arena_bytes = Tape::Current().arena().BytesInUse();
  }
  state.counters["arena_bytes"] = static_cast<double>(arena_bytes);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Mlp_Provi)
    ->RangeMultiplier(2)
    ->Range(64, 1024)
    ->Unit(benchmark::kMicrosecond);

void BM_Mlp_HandWritten(benchmark::State& state) {
  const MlpData data(static_cast<int>(state.range(0)));
  const int batch = static_cast<int>(state.range(0));
  MatrixF h(batch, kHidden), out(batch, kOutput), d_out(batch, kOutput),
      d_h(batch, kHidden);
  MatrixF g_w1(kInput, kHidden), g_w2(kHidden, kOutput);
  RowVectorF g_b1(kHidden), g_b2(kOutput);
  for (auto _ : state) {
    // Forward.
    h.noalias() = data.x * data.w1;
    h = (h.rowwise() + data.b1.row(0)).array().tanh().matrix();
    out.noalias() = h * data.w2;
    out = (out.rowwise() + data.b2.row(0)).cwiseMax(Real(0.0));
    const Real loss = Real(0.5) * out.squaredNorm();
    benchmark::DoNotOptimize(loss);
    // Backward: d loss / d out = out, times relu' (out > 0).
    d_out = out;  // zero where out is zero, which is where relu' is zero
    g_w2.noalias() = h.transpose() * d_out;
    g_b2 = d_out.colwise().sum();
    d_h.noalias() = d_out * data.w2.transpose();
    d_h.array() *= Real(1.0) - h.array().square();
    g_w1.noalias() = data.x.transpose() * d_h;
    g_b1 = d_h.colwise().sum();
    benchmark::DoNotOptimize(g_w1.data());
    benchmark::DoNotOptimize(g_b1.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Mlp_HandWritten)
    ->RangeMultiplier(2)
    ->Range(64, 1024)
    ->Unit(benchmark::kMicrosecond);

constexpr int kTerms = 1000;
constexpr int kOpsPerTerm = 5;  // exp, multiply, add 1, log, accumulate

void BM_ScalarChain(benchmark::State& state) {
  std::vector<Parameter> x, y;
  x.reserve(kTerms);
  y.reserve(kTerms);
  for (int i = 0; i < kTerms; ++i) {
    x.emplace_back(Matrix::Constant(1, 1, Real(0.001) * static_cast<Real>(i)));
    y.emplace_back(
        Matrix::Constant(1, 1, Real(1.0) + Real(0.001) * static_cast<Real>(i)));
  }
  // Warm up the arena and the tape's node list.
  auto step = [&] {
    TapeScope scope;
    Tensor sum(Real(0.0));
    for (int i = 0; i < kTerms; ++i) {
      sum = sum + Log(Exp(x[i].tensor()) * y[i].tensor() + Real(1.0));
    }
    Backward(sum);
    benchmark::DoNotOptimize(x[0].grad().data());
  };
  step();
  const long before = provi::testing::HeapAllocations();
  for (auto _ : state) step();
  const long allocations = provi::testing::HeapAllocations() - before;
  state.counters["heap_allocs_per_iter"] =
      static_cast<double>(allocations) /
      static_cast<double>(state.iterations());
  state.counters["sec_per_op"] = benchmark::Counter(
      kTerms * kOpsPerTerm, benchmark::Counter::kIsIterationInvariantRate |
                                benchmark::Counter::kInvert);
}
BENCHMARK(BM_ScalarChain)->Unit(benchmark::kMicrosecond);

void BM_ScalarChain_HandWritten(benchmark::State& state) {
  std::vector<Real> x(kTerms), y(kTerms), gx(kTerms), gy(kTerms);
  for (int i = 0; i < kTerms; ++i) {
    x[i] = Real(0.001) * static_cast<Real>(i);
    y[i] = Real(1.0) + Real(0.001) * static_cast<Real>(i);
  }
  for (auto _ : state) {
    Real sum = 0;
    for (int i = 0; i < kTerms; ++i) {
      const Real e = std::exp(x[i]);
      const Real inner = e * y[i] + Real(1.0);
      sum += std::log(inner);
      gx[i] = e * y[i] / inner;
      gy[i] = e / inner;
    }
    benchmark::DoNotOptimize(sum);
    benchmark::DoNotOptimize(gx.data());
    benchmark::DoNotOptimize(gy.data());
  }
}
BENCHMARK(BM_ScalarChain_HandWritten)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace provi
