// Copyright 2026 The provi Authors.
//
// Data-parallel SVI over the threads of one process (distributed/): the VAE
// step of benchmarks/data_parallel_vae.h (784-400-20, ELBO, Adam; one full
// step: estimate, combination, optimiser) against the same step by plain
// `Svi` in one thread, the hand-written baseline of this binary.
//
//   BM_VaeStep_OneProcess/B      Svi alone, minibatch B
//   BM_VaeStep_Threads/B/N       DataParallelSvi over N threads, global
//                                minibatch B (B / N images per thread)
//   BM_VaeStep_Independent/B/N   N threads each running plain Svi on its
//                                own replica and B / N images, with no
//                                communication at all: the bound this
//                                machine puts on any data-parallel step
//                                (the cores share caches and memory
//                                bandwidth, and a smaller minibatch uses the
//                                matrix products less well)
//   BM_GradientAllreduce/N       the fused AllreduceSum of the VAE's
//                                gradient (652,824 reals) over N threads
//
// Strong scaling: BM_VaeStep_Threads/256/2 against /256/1 (and against
// BM_VaeStep_OneProcess/256). Weak scaling: /128/2 (64 per thread) against
// BM_VaeStep_OneProcess/64. BM_VaeStep_Threads/B/N against
// BM_VaeStep_Independent/B/N is what the data-parallel step itself costs:
// the combination, the agreement and the waiting for the slower thread.
// items_per_second counts steps. "Time" is wall
// clock, what scaling is about; "CPU" is the CPU time of the whole process
// (all threads), so CPU(N threads) / CPU(1 thread) at the same global
// minibatch is the work the data-parallel step adds, which a machine shared
// with other jobs measures more reliably than wall-clock speedups.
//
//   ./bazelw run //benchmarks:distributed_benchmark --
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// mpi_benchmark.cc times the same step over MPI ranks.

#include <vector>

#include "absl/status/status.h"
#include "base/check.h"
#include "benchmark/benchmark.h"
#include "benchmarks/data_parallel_vae.h"
#include "distributed/thread_communicator.h"

namespace provi {
namespace benchmarks {
namespace {

void BM_VaeStep_OneProcess(benchmark::State& state) {
  RunOneProcessBenchmark(state);
}
BENCHMARK(BM_VaeStep_OneProcess)
    ->Arg(64)
    ->Arg(256)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_VaeStep_Threads(benchmark::State& state) {
  const Matrix images = RandomImages(state.range(0), 2);
  const int threads = static_cast<int>(state.range(1));
  std::vector<VaeReplica> replicas(static_cast<size_t>(threads));
  auto run = [&](int steps) {
    const absl::Status status = RunOnThreads(threads, [&](Communicator& comm) {
      return DataParallelSteps(comm, replicas[comm.rank()], images, steps);
    });
    PROVI_CHECK(status.ok()) << status;
  };
  run(1);
  for (auto _ : state) run(kStepsPerIteration);
  state.SetItemsProcessed(state.iterations() * kStepsPerIteration);
}
BENCHMARK(BM_VaeStep_Threads)
    ->Args({256, 1})
    ->Args({256, 2})
    ->Args({128, 2})
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_VaeStep_Independent(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(1));
  const Matrix images = RandomImages(state.range(0) / threads, 2);
  std::vector<VaeReplica> replicas(static_cast<size_t>(threads));
  auto run = [&](int steps) {
    const absl::Status status = RunOnThreads(threads, [&](Communicator& comm) {
      return OneProcessSteps(replicas[comm.rank()], images, steps);
    });
    PROVI_CHECK(status.ok()) << status;
  };
  run(1);
  for (auto _ : state) run(kStepsPerIteration);
  state.SetItemsProcessed(state.iterations() * kStepsPerIteration);
}
BENCHMARK(BM_VaeStep_Independent)
    ->Args({256, 2})
    ->Args({128, 2})
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_GradientAllreduce(benchmark::State& state) {
  // The VAE's parameters: 784-400-40 encoder, 20-400-784 decoder.
  constexpr size_t kReals =
      784 * 400 + 400 + 400 * 40 + 40 + 20 * 400 + 400 + 400 * 784 + 784;
  const int threads = static_cast<int>(state.range(0));
  std::vector<std::vector<Real>> buffers(static_cast<size_t>(threads),
                                         std::vector<Real>(kReals, Real(1)));
  for (auto _ : state) {
    const absl::Status status = RunOnThreads(threads, [&](Communicator& comm) {
      for (int k = 0; k < kStepsPerIteration; ++k) {
        absl::Status s =
            comm.AllreduceSum(absl::MakeSpan(buffers[comm.rank()]));
        if (!s.ok()) return s;
      }
      return absl::OkStatus();
    });
    PROVI_CHECK(status.ok()) << status;
  }
  state.SetItemsProcessed(state.iterations() * kStepsPerIteration);
  state.SetBytesProcessed(state.iterations() * kStepsPerIteration * kReals *
                          sizeof(Real));
}
BENCHMARK(BM_GradientAllreduce)
    ->Arg(1)
    ->Arg(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace benchmarks
}  // namespace provi
