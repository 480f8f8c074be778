// Copyright 2026 The provi Authors.
//
// Data-parallel SVI over threads (RunOnThreads): equivalence with one
// process, unbiasedness with uneven shards, shared failures, divergence
// checks, random streams and checkpoints. The same problem runs over MPI
// ranks in mpi_data_parallel_test.cc.

#include "distributed/data_parallel.h"

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/random.h"
#include "base/status_macros.h"
#include "distributed/thread_communicator.h"
#include "distributions/normal.h"
#include "gtest/gtest.h"
#include "runtime/primitives.h"
#include "tests/testing/data_parallel_testing.h"
#include "tests/testing/statistical_testing.h"
#include "tests/testing/status_testing.h"

namespace provi {
namespace {

using ::provi::testing::ExpectError;
using ::provi::testing::FirstStepGradient;
using ::provi::testing::FirstStepGradientOneProcess;
using ::provi::testing::kGradientTolerance;
using ::provi::testing::kParameterTolerance;
using ::provi::testing::PackedValues;
using ::provi::testing::PackingCommunicator;
using ::provi::testing::RelativeDifference;
using ::provi::testing::Replica;
using ::provi::testing::TrainDataParallel;
using ::provi::testing::TrainingPlan;

std::string TempDir(const std::string& name) {
  const char* root = std::getenv("TEST_TMPDIR");
  const std::string dir =
      absl::StrCat(root != nullptr ? root : "/tmp", "/", name, "-", getpid());
  std::filesystem::remove_all(dir);
  return dir;
}

TEST(DataParallelTest, ThreadsGiveTheOneProcessGradient) {
  absl::StatusOr<Matrix> reference = FirstStepGradientOneProcess(16);
  ASSERT_TRUE(reference.ok()) << reference.status();
  for (int n : {1, 2, 3, 4}) {
    std::vector<Matrix> gradients(n);
    const absl::Status status = RunOnThreads(n, [&](Communicator& comm) {
      PROVI_ASSIGN_OR_RETURN(gradients[comm.rank()],
                             FirstStepGradient(comm, 16));
      return absl::OkStatus();
    });
    ASSERT_TRUE(status.ok()) << status;
    for (int r = 0; r < n; ++r) {
      EXPECT_LT(RelativeDifference(gradients[r], *reference),
                kGradientTolerance)
          << n << " threads, rank " << r;
      EXPECT_EQ(gradients[r], gradients[0]) << "ranks disagree";
    }
  }
}

TEST(DataParallelTest, ThreadsReachTheOneProcessParametersAfter100Steps) {
  Replica one;
  ASSERT_TRUE(testing::TrainOneProcess(one, 100, 16).ok());
  const Matrix reference = PackedValues(one.store);
  for (int n : {1, 2, 4}) {
    std::vector<Matrix> values(n);
    const absl::Status status = RunOnThreads(n, [&](Communicator& comm) {
      Replica replica;
      TrainingPlan plan;
      plan.steps = 100;
      PROVI_RETURN_IF_ERROR(TrainDataParallel(comm, replica, plan));
      values[comm.rank()] = PackedValues(replica.store);
      return absl::OkStatus();
    });
    ASSERT_TRUE(status.ok()) << status;
    for (int r = 0; r < n; ++r) {
      EXPECT_LT(RelativeDifference(values[r], reference), kParameterTolerance)
          << n << " threads, rank " << r;
      EXPECT_EQ(values[r], values[0]) << "replicas diverged";
    }
  }
  // The comparison means something: training moved the parameters well
  // away from their initial values.
  Replica fresh;
  ASSERT_TRUE(testing::TrainOneProcess(fresh, 1, 16).ok());
  EXPECT_GT(RelativeDifference(PackedValues(fresh.store), reference), 0.05);
}

// The threads backend reduces the gradients where they lie; MPI packs them
// into one buffer (the interface's default AllreducePiecesSum). Both give
// the same bits, under uneven weights (kWeightedMean over shards of 5, 5
// and 6 rows) and Adam.
TEST(DataParallelTest, InPlaceAndPackedCombinationsAgreeToTheBit) {
  for (int n : {2, 3}) {
    std::vector<Matrix> in_place(n), packed(n);
    const absl::Status status = RunOnThreads(n, [&](Communicator& comm) {
      PackingCommunicator packing(comm);
      Replica a, b;
      TrainingPlan plan;
      plan.steps = 20;
      PROVI_RETURN_IF_ERROR(TrainDataParallel(comm, a, plan));
      PROVI_RETURN_IF_ERROR(TrainDataParallel(packing, b, plan));
      in_place[comm.rank()] = PackedValues(a.store);
      packed[comm.rank()] = PackedValues(b.store);
      return absl::OkStatus();
    });
    ASSERT_TRUE(status.ok()) << status;
    for (int r = 0; r < n; ++r) {
      EXPECT_EQ(in_place[r], packed[r]) << n << " threads, rank " << r;
    }
  }
}

// Unbiasedness with uneven shards. Ten points (t_i, y_i) split over three
// replicas as 5, 3 and 2; each replica draws 2 of its shard's points
// uniformly with replacement from its own stream, and its objective is the
// Gaussian log likelihood of y_i ~ N(w t_i + b, 1) scaled by 10 / 2 (a
// plate of size 10 subsampled to 2). Weighting the replicas by their shard
// sizes makes the combined gradient an unbiased estimate of the full-data
// gradient; equal weights do not (the small shards' points would count
// more), which the second half checks, so the test can fail.
struct Regression {
  static constexpr int kN = 10;
  static constexpr double kT[kN] = {-2.0, -1.5, -1.0, -0.5, 0.0,
                                    0.5,  1.0,  1.5,  2.0,  2.5};
  static constexpr double kY[kN] = {-3.1, -2.2, -1.9, -0.4, 0.3,
                                    1.1,  2.4,  2.8,  4.2,  4.9};
  static constexpr double kW = 0.7;  // the parameters' values
  static constexpr double kB = 0.2;
};

struct RegressionObjective {
  Tensor operator()(const Tensor& t, const Tensor& y) const {
    const Tensor w = param("w", Tensor(Regression::kW));
    const Tensor b = param("b", Tensor(Regression::kB));
    return Normal(w * t + b, Tensor(1.0)).LogProb(y) *
           static_cast<Real>(Regression::kN / static_cast<double>(t.rows()));
  }
};

// The mean over `estimates` steps of the combined gradient (w, b), as the
// accumulators of rank 0.
void EstimateRegressionGradient(bool weighted, int estimates,
                                testing::MeanAccumulator* dw,
                                testing::MeanAccumulator* db) {
  const int shards[3][2] = {{0, 5}, {5, 8}, {8, 10}};
  std::mutex mutex;
  const absl::Status status = RunOnThreads(3, [&](Communicator& comm) {
    const int r = comm.rank();
    const int begin = shards[r][0];
    const int size = shards[r][1] - shards[r][0];
    ParamStore store;
    Sgd sgd(SgdOptions{0.0});  // the parameters stay put
    Expectation<RegressionObjective> objective{RegressionObjective{}};
    DataParallelOptions options;
    options.combine = Combine::kWeightedMean;
    options.weight = weighted ? size : 1;
    options.seed = 3;
    SviOptions quiet;
    quiet.progress = false;
    DataParallelSvi svi(comm, objective, sgd, store, options, quiet);
    for (int k = 0; k < estimates; ++k) {
      // This replica's minibatch, from its stream for this step.
      Rng rng = MakeRng(StepSeed(11, r, k));
      Matrix t(2, 1), y(2, 1);
      for (int i = 0; i < 2; ++i) {
        const int j = begin + absl::Uniform<int>(rng, 0, size);
        t(i, 0) = static_cast<Real>(Regression::kT[j]);
        y(i, 0) = static_cast<Real>(Regression::kY[j]);
      }
      PROVI_RETURN_IF_ERROR(svi.Step(Tensor(t), Tensor(y)).status());
      if (r == 0) {
        std::lock_guard<std::mutex> lock(mutex);
        dw->Add(-static_cast<double>(
            store.Unconstrained("w").value()->grad()(0, 0)));
        db->Add(-static_cast<double>(
            store.Unconstrained("b").value()->grad()(0, 0)));
      }
    }
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
}

TEST(DataParallelTest, UnevenShardsWeightedByTheirSizeAreUnbiased) {
  double dw = 0, db = 0;  // the full-data gradient
  for (int i = 0; i < Regression::kN; ++i) {
    const double residual =
        Regression::kY[i] - Regression::kW * Regression::kT[i] - Regression::kB;
    dw += residual * Regression::kT[i];
    db += residual;
  }
  testing::MeanAccumulator weighted_w, weighted_b;
  EstimateRegressionGradient(true, 4000, &weighted_w, &weighted_b);
  EXPECT_LT(std::abs(testing::MeanZ(weighted_w, dw)), testing::kZThreshold)
      << weighted_w.mean() << " vs " << dw;
  EXPECT_LT(std::abs(testing::MeanZ(weighted_b, db)), testing::kZThreshold)
      << weighted_b.mean() << " vs " << db;

  testing::MeanAccumulator equal_w, equal_b;
  EstimateRegressionGradient(false, 4000, &equal_w, &equal_b);
  EXPECT_GT(std::max(std::abs(testing::MeanZ(equal_w, dw)),
                     std::abs(testing::MeanZ(equal_b, db))),
            testing::kZThreshold)
      << "equal weights should be biased with uneven shards";
}

TEST(DataParallelTest, AFailingReplicaFailsTheStepEverywhere) {
  std::vector<absl::Status> statuses(3);
  bool everywhere[3] = {false, false, false};
  const absl::Status status = RunOnThreads(3, [&](Communicator& comm) {
    Replica replica;
    TrainingPlan plan;
    plan.steps = 10;
    plan.fail_rank = 1;
    plan.fail_step = 4;
    plan.failed_everywhere = &everywhere[comm.rank()];
    statuses[comm.rank()] = TrainDataParallel(comm, replica, plan);
    return statuses[comm.rank()];
  });
  EXPECT_TRUE(everywhere[0] && everywhere[1] && everywhere[2]);
  ExpectError(status, absl::StatusCode::kInvalidArgument, "step 4: rank 1: ");
  EXPECT_NE(status.message().find("'x'"), absl::string_view::npos) << status;
  for (const absl::Status& s : statuses) EXPECT_EQ(s, status);
}

TEST(DataParallelTest, DivergedReplicasAreNamed) {
  const absl::Status status = RunOnThreads(3, [&](Communicator& comm) {
    Replica replica;
    TrainingPlan plan;
    plan.steps = 30;
    plan.before_step = [&](int rank, int64_t step) {
      if (rank == 2 && step == 15) {
        replica.store.Unconstrained("dec/b").value()->value()(0, 1) += 1e-3;
      }
    };
    return TrainDataParallel(comm, replica, plan);
  });
  // check_every = 10: found at step 20.
  ExpectError(status, absl::StatusCode::kFailedPrecondition,
              "step 20: rank 2's parameter values differ from rank 0's at "
              "step 20");
}

TEST(DataParallelTest, ReplicasOfDifferentProgramsAreNamed) {
  const absl::Status status = RunOnThreads(2, [&](Communicator& comm) {
    ParamStore store;
    Adam adam;
    auto program = [&comm] {
      return param(comm.rank() == 1 ? "b" : "a", Tensor(1.0)) * Real(2);
    };
    Expectation<decltype(program)> objective(program);
    SviOptions quiet;
    quiet.progress = false;
    DataParallelSvi svi(comm, objective, adam, store, {}, quiet);
    return svi.Step().status();
  });
  ExpectError(status, absl::StatusCode::kFailedPrecondition,
              "rank 1's parameter names and shapes differ from rank 0's");
}

TEST(DataParallelTest, StreamsDependOnSeedRankAndStep) {
  EXPECT_EQ(StepSeed(1, 2, 3), StepSeed(1, 2, 3));
  EXPECT_NE(StepSeed(1, 2, 3), StepSeed(1, 3, 2));
  EXPECT_NE(StepSeed(1, 0, 0), StepSeed(2, 0, 0));
  EXPECT_NE(StepSeed(1, 0, 1), StepSeed(1, 1, 0));
  // A program's draws come from the stream of its rank and step.
  std::vector<std::vector<double>> draws(2);
  const absl::Status status = RunOnThreads(2, [&](Communicator& comm) {
    ParamStore store;
    Sgd sgd(SgdOptions{0.0});
    auto program = [&] {
      const Tensor z =
          sample("z", Normal(param("m", Tensor(0.0)), Tensor(1.0)));
      draws[comm.rank()].push_back(static_cast<double>(z.value()(0, 0)));
      return z;
    };
    Expectation<decltype(program)> objective(program);
    DataParallelOptions options;
    options.seed = 5;
    SviOptions quiet;
    quiet.progress = false;
    DataParallelSvi svi(comm, objective, sgd, store, options, quiet);
    for (int k = 0; k < 3; ++k) {
      PROVI_RETURN_IF_ERROR(svi.Step().status());
    }
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  for (int r = 0; r < 2; ++r) {
    for (int k = 0; k < 3; ++k) {
      Rng rng = MakeRng(StepSeed(5, r, k));
      const Tensor expected = Normal(Tensor(0.0), Tensor(1.0)).Sample(rng);
      EXPECT_EQ(draws[r][k], static_cast<double>(expected.value()(0, 0)))
          << "rank " << r << " step " << k;
    }
  }
  EXPECT_NE(draws[0][0], draws[1][0]);
}

TEST(DataParallelTest, ResumedTrainingReachesTheUninterruptedParameters) {
  // Uninterrupted: 2 threads, 40 steps.
  std::vector<Matrix> uninterrupted(2);
  ASSERT_TRUE(RunOnThreads(2, [&](Communicator& comm) {
                Replica replica;
                TrainingPlan plan;
                plan.steps = 40;
                PROVI_RETURN_IF_ERROR(TrainDataParallel(comm, replica, plan));
                uninterrupted[comm.rank()] = PackedValues(replica.store);
                return absl::OkStatus();
              }).ok());

  // Interrupted at step 25 (a replica fails: nothing after the checkpoint
  // of step 20 is kept), then resumed with 2 threads and with 4.
  const std::string dir = TempDir("resume");
  const absl::Status interrupted = RunOnThreads(2, [&](Communicator& comm) {
    Replica replica;
    TrainingPlan plan;
    plan.steps = 40;
    plan.checkpoint_dir = dir;
    plan.fail_rank = 1;
    plan.fail_step = 25;
    return TrainDataParallel(comm, replica, plan);
  });
  ExpectError(interrupted, absl::StatusCode::kInvalidArgument,
              "step 25: rank 1:");
  EXPECT_TRUE(std::filesystem::exists(dir + "/step-20/params"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/step-10/params"));
  EXPECT_EQ(std::filesystem::read_symlink(dir + "/latest").string(), "step-20");

  for (int n : {2, 4}) {
    const std::string copy = TempDir(absl::StrCat("resume-copy-", n));
    std::filesystem::copy(dir, copy,
                          std::filesystem::copy_options::recursive |
                              std::filesystem::copy_options::copy_symlinks);
    std::vector<Matrix> resumed(n);
    std::vector<int64_t> first_step(n, -1);
    const absl::Status status = RunOnThreads(n, [&](Communicator& comm) {
      Replica replica;
      TrainingPlan plan;
      plan.steps = 40;
      plan.checkpoint_dir = copy;
      plan.resume = true;
      plan.before_step = [&](int rank, int64_t step) {
        if (first_step[rank] < 0) first_step[rank] = step;
      };
      PROVI_RETURN_IF_ERROR(TrainDataParallel(comm, replica, plan));
      resumed[comm.rank()] = PackedValues(replica.store);
      return absl::OkStatus();
    });
    ASSERT_TRUE(status.ok()) << status;
    for (int r = 0; r < n; ++r) {
      EXPECT_EQ(first_step[r], 20);
      if (n == 2) {
        // The same replicas: the same bits.
        EXPECT_EQ(resumed[r], uninterrupted[0]) << "rank " << r;
      } else {
        EXPECT_LT(RelativeDifference(resumed[r], uninterrupted[0]),
                  kParameterTolerance)
            << "rank " << r;
      }
    }
  }
}

TEST(DataParallelTest, RestoringWithoutACheckpointIsNotFoundEverywhere) {
  const std::string dir = TempDir("empty");
  const absl::Status status = RunOnThreads(2, [&](Communicator& comm) {
    Replica replica;
    TrainingPlan plan;
    plan.checkpoint_dir = dir;
    plan.resume = true;
    return TrainDataParallel(comm, replica, plan);
  });
  ExpectError(status, absl::StatusCode::kNotFound, "rank 0: no checkpoint in");
}

TEST(DataParallelTest, ShardsCoverTheRowsInOrder) {
  for (int size : {1, 2, 3, 7}) {
    int64_t next = 0;
    for (int rank = 0; rank < size; ++rank) {
      const Shard shard = ShardOf(20, rank, size);
      EXPECT_EQ(shard.begin, next);
      EXPECT_GE(shard.size(), 20 / size);
      EXPECT_LE(shard.size(), 20 / size + 1);
      next = shard.end;
    }
    EXPECT_EQ(next, 20);
  }
}

}  // namespace
}  // namespace provi
