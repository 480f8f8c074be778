// Copyright 2026 The provi Authors.
//
// Data-parallel SVI over MPI ranks (distributed/mpi_communicator.h), and
// Open MPI's MPI_Allreduce on this machine, for the scaling model of
// README.md. Run under mpirun; every rank runs every benchmark the same
// fixed number of iterations (so the collectives pair up), rank 0 reports:
//
//   ./bazelw build //benchmarks:mpi_benchmark
//   mpirun -np 1 bazel-bin/benchmarks/mpi_benchmark
//   mpirun -np 2 bazel-bin/benchmarks/mpi_benchmark
//
//   BM_VaeStep_OneProcess/B   plain Svi, minibatch B (the baseline; -np 1)
//   BM_VaeStep_Mpi/B          DataParallelSvi over the ranks, global
//                             minibatch B (the step of data_parallel_vae.h)
//   BM_Allreduce_Mpi/bytes    one in-place MPI_Allreduce (sum of floats) of
//                             this many bytes
//
// Times are wall clock; items_per_second counts steps (VAE) or calls.

#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "benchmark/benchmark.h"
#include "benchmarks/data_parallel_vae.h"
#include "distributed/mpi_communicator.h"

namespace provi {
namespace benchmarks {
namespace {

MpiCommunicator* comm = nullptr;

void BM_VaeStep_OneProcess(benchmark::State& state) {
  if (comm->size() > 1) {
    state.SkipWithError("the one-process baseline runs with -np 1");
    return;
  }
  RunOneProcessBenchmark(state);
}

void BM_VaeStep_Mpi(benchmark::State& state) {
  const Matrix images = RandomImages(state.range(0), 2);
  VaeReplica replica;
  PROVI_CHECK(DataParallelSteps(*comm, replica, images, 1).ok());
  for (auto _ : state) {
    const absl::Status status =
        DataParallelSteps(*comm, replica, images, kStepsPerIteration);
    PROVI_CHECK(status.ok()) << status;
  }
  state.SetItemsProcessed(state.iterations() * kStepsPerIteration);
}

void BM_Allreduce_Mpi(benchmark::State& state) {
  std::vector<float> buffer(static_cast<size_t>(state.range(0)) / 4, 1.0f);
  for (auto _ : state) {
    PROVI_CHECK(comm->AllreduceSum(absl::MakeSpan(buffer)).ok());
    // Keep the values finite and the work the same from call to call.
    buffer.assign(buffer.size(), 1.0f);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void Register() {
  for (int batch : {64, 256}) {
    benchmark::RegisterBenchmark("BM_VaeStep_OneProcess", BM_VaeStep_OneProcess)
        ->Arg(batch)
        ->Iterations(20)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
  for (int batch : {128, 256}) {
    benchmark::RegisterBenchmark("BM_VaeStep_Mpi", BM_VaeStep_Mpi)
        ->Arg(batch)
        ->Iterations(20)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
  // 8 bytes to 64 MiB, and the VAE's gradient (652,824 floats).
  std::vector<int64_t> sizes;
  for (int64_t bytes = 8; bytes <= (int64_t{64} << 20); bytes *= 8) {
    sizes.push_back(bytes);
  }
  sizes.push_back(int64_t{652824} * 4);
  for (int64_t bytes : sizes) {
    const int64_t iterations = std::max<int64_t>(
        20, std::min<int64_t>(5000, (int64_t{1} << 30) / bytes));
    benchmark::RegisterBenchmark("BM_Allreduce_Mpi", BM_Allreduce_Mpi)
        ->Arg(bytes)
        ->Iterations(iterations)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace
}  // namespace benchmarks
}  // namespace provi

int main(int argc, char** argv) {
  provi::MpiSession mpi(&argc, &argv);
  provi::MpiCommunicator comm;
  provi::benchmarks::comm = &comm;
  // Only rank 0 reports.
  if (comm.rank() != 0 && std::freopen("/dev/null", "w", stdout) == nullptr) {
    return 1;
  }
  benchmark::Initialize(&argc, argv);
  provi::benchmarks::Register();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  provi::benchmarks::comm = nullptr;
  return 0;
}
