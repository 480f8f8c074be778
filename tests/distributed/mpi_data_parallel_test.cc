// Copyright 2026 The provi Authors.
//
// Data-parallel SVI over MPI ranks: the equivalence tests of
// data_parallel_test.cc with MpiCommunicator. Run under mpirun (see
// mpi_equivalence_test.sh), every rank checks its own results against the
// one-process reference it computes itself.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "distributed/data_parallel.h"
#include "distributed/mpi_communicator.h"
#include "gtest/gtest.h"
#include "tests/testing/data_parallel_testing.h"
#include "tests/testing/status_testing.h"

namespace provi {
namespace {

using ::provi::testing::kGradientTolerance;
using ::provi::testing::kParameterTolerance;
using ::provi::testing::PackedValues;
using ::provi::testing::RelativeDifference;
using ::provi::testing::Replica;
using ::provi::testing::TrainingPlan;

MpiCommunicator* comm = nullptr;

// Every rank's `value`, on every rank (through AllreduceSum of a
// one-hot layout).
std::vector<double> Gathered(double value) {
  std::vector<double> all(static_cast<size_t>(comm->size()), 0.0);
  all[static_cast<size_t>(comm->rank())] = value;
  EXPECT_TRUE(comm->AllreduceSum(absl::MakeSpan(all)).ok());
  return all;
}

TEST(MpiDataParallelTest, RanksGiveTheOneProcessGradient) {
  const absl::StatusOr<Matrix> reference =
      testing::FirstStepGradientOneProcess(16);
  ASSERT_TRUE(reference.ok()) << reference.status();
  const absl::StatusOr<Matrix> gradient = testing::FirstStepGradient(*comm, 16);
  ASSERT_TRUE(gradient.ok()) << gradient.status();
  EXPECT_LT(RelativeDifference(*gradient, *reference), kGradientTolerance)
      << comm->size() << " ranks, rank " << comm->rank();
  // Every rank holds the same bits: the first element's, gathered.
  const std::vector<double> first = Gathered((*gradient)(0, 0));
  for (double v : first) EXPECT_EQ(v, first[0]);
}

TEST(MpiDataParallelTest, RanksReachTheOneProcessParametersAfter100Steps) {
  Replica one;
  ASSERT_TRUE(testing::TrainOneProcess(one, 100, 16).ok());
  Replica replica;
  TrainingPlan plan;
  plan.steps = 100;
  const absl::Status status = testing::TrainDataParallel(*comm, replica, plan);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_LT(
      RelativeDifference(PackedValues(replica.store), PackedValues(one.store)),
      kParameterTolerance)
      << comm->size() << " ranks, rank " << comm->rank();
}

TEST(MpiDataParallelTest, AFailingRankFailsTheStepEverywhere) {
  if (comm->size() < 2) GTEST_SKIP() << "needs two ranks";
  Replica replica;
  TrainingPlan plan;
  plan.steps = 10;
  plan.fail_rank = 1;
  plan.fail_step = 4;
  bool everywhere = false;
  plan.failed_everywhere = &everywhere;
  const absl::Status status = testing::TrainDataParallel(*comm, replica, plan);
  testing::ExpectError(status, absl::StatusCode::kInvalidArgument,
                       "step 4: rank 1: ");
  EXPECT_NE(status.message().find("'x'"), absl::string_view::npos) << status;
  EXPECT_TRUE(everywhere);
}

}  // namespace
}  // namespace provi

int main(int argc, char** argv) {
  provi::MpiSession mpi(&argc, &argv);
  int result = 1;
  {
    provi::MpiCommunicator comm;
    provi::comm = &comm;
    ::testing::InitGoogleTest(&argc, argv);
    result = RUN_ALL_TESTS();
    provi::comm = nullptr;
  }
  return result;
}
