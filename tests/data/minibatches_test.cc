// Copyright 2026 The provi Authors.
//
// Minibatches: every row exactly once per epoch, batch shapes with and
// without drop_last, batches that are copies of the rows they name, a fresh
// and uniform order each epoch, and the batch-size check.
//
// Flake budget: the two chi-square tests accept at the z < 5 level of
// tests/testing/statistical_testing.h (tail 2.9e-7 each), so with
// fresh seeds they would fail by chance with probability below 1e-6.

#include "data/minibatches.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include "absl/status/status.h"
#include "ad/tensor.h"
#include "base/random.h"
#include "base/status_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/statistical_testing.h"

namespace provi {
namespace {

using ::testing::ElementsAre;

// Row i holds (i, 100 + i, 200 + i), so a batch row tells which row it is.
Matrix LabelledRows(Index n) {
  Matrix data(n, 3);
  for (Index i = 0; i < n; ++i) {
    for (Index c = 0; c < 3; ++c) data(i, c) = static_cast<Real>(100 * c + i);
  }
  return data;
}

// The rows of one epoch, in the order they were served, checking that each
// batch holds exactly the rows its indices name.
std::vector<Index> Epoch(Minibatches& batches, const Matrix& data,
                         std::vector<Index>* sizes = nullptr) {
  std::vector<Index> rows;
  for (auto it = batches.begin(); it != batches.end(); ++it) {
    const Tensor& batch = *it;
    EXPECT_FALSE(batch.requires_grad());
    EXPECT_EQ(batch.cols(), data.cols());
    EXPECT_EQ(batch.rows(), static_cast<Index>(it.indices().size()));
    for (Index r = 0; r < batch.rows(); ++r) {
      const Index row = it.indices()[static_cast<size_t>(r)];
      for (Index c = 0; c < data.cols(); ++c) {
        EXPECT_EQ(batch(r, c), data(row, c));
      }
      rows.push_back(row);
    }
    if (sizes != nullptr) sizes->push_back(batch.rows());
  }
  return rows;
}

TEST(MinibatchesTest, EveryRowOncePerEpochWithASmallerLastBatch) {
  const Matrix data = LabelledRows(10);
  Rng rng = MakeRng(1);
  Minibatches batches(data, 3, rng);
  EXPECT_EQ(batches.num_batches(), 4);
  for (int epoch = 0; epoch < 3; ++epoch) {
    std::vector<Index> sizes;
    std::vector<Index> rows = Epoch(batches, data, &sizes);
    EXPECT_THAT(sizes, ElementsAre(3, 3, 3, 1));
    std::sort(rows.begin(), rows.end());
    std::vector<Index> all(10);
    std::iota(all.begin(), all.end(), Index{0});
    EXPECT_EQ(rows, all);
  }
}

TEST(MinibatchesTest, DropLastServesOnlyFullBatches) {
  const Matrix data = LabelledRows(10);
  Rng rng = MakeRng(2);
  Minibatches batches(data, 3, rng, /*drop_last=*/true);
  EXPECT_EQ(batches.num_batches(), 3);
  std::vector<Index> sizes;
  std::vector<Index> rows = Epoch(batches, data, &sizes);
  EXPECT_THAT(sizes, ElementsAre(3, 3, 3));
  std::sort(rows.begin(), rows.end());
  EXPECT_EQ(std::unique(rows.begin(), rows.end()), rows.end())
      << "a row served twice";
}

TEST(MinibatchesTest, RangeForYieldsTheBatches) {
  const Matrix data = LabelledRows(7);
  Rng rng = MakeRng(3);
  Index total = 0;
  for (const Tensor& batch : Minibatches(data, 2, rng)) total += batch.rows();
  EXPECT_EQ(total, 7);
}

TEST(MinibatchesTest, EachEpochHasAFreshOrder) {
  const Matrix data = LabelledRows(20);
  Rng rng = MakeRng(4);
  Minibatches batches(data, 4, rng);
  const std::vector<Index> first = Epoch(batches, data);
  const std::vector<Index> second = Epoch(batches, data);
  EXPECT_NE(first, second);
  std::vector<Index> identity(20);
  std::iota(identity.begin(), identity.end(), Index{0});
  EXPECT_NE(first, identity);
}

TEST(MinibatchesTest, OrderIsUniform) {
  // Over many epochs, the row served first and the row served last are each
  // uniform over the rows. (A classic off-by-one, Sattolo's algorithm,
  // never leaves a row in place and fails the first test.)
  constexpr Index kRows = 8;
  constexpr int kEpochs = 16000;
  const Matrix data = LabelledRows(kRows);
  Rng rng = MakeRng(5);
  Minibatches batches(data, 3, rng);
  std::vector<long> first(kRows, 0), last(kRows, 0);
  for (int epoch = 0; epoch < kEpochs; ++epoch) {
    Index last_row = -1;
    bool is_first = true;
    for (auto it = batches.begin(); it != batches.end(); ++it) {
      if (is_first) ++first[static_cast<size_t>(it.indices().front())];
      is_first = false;
      last_row = it.indices().back();
    }
    ++last[static_cast<size_t>(last_row)];
  }
  const std::vector<double> uniform(kRows, 1.0 / kRows);
  EXPECT_TRUE(testing::ChiSquareFits(first, uniform));
  EXPECT_TRUE(testing::ChiSquareFits(last, uniform));
}

TEST(MinibatchesTest, SameSeedSameOrder) {
  const Matrix data = LabelledRows(15);
  Rng a = MakeRng(6);
  Rng b = MakeRng(6);
  Minibatches first(data, 4, a);
  Minibatches second(data, 4, b);
  EXPECT_EQ(Epoch(first, data), Epoch(second, data));
}

TEST(MinibatchesTest, EmptyDataHasNoBatches) {
  const Matrix data(0, 3);
  Rng rng = MakeRng(7);
  Minibatches batches(data, 4, rng);
  EXPECT_EQ(batches.num_batches(), 0);
  EXPECT_TRUE(batches.begin() == batches.end());
}

TEST(MinibatchesTest, NonPositiveBatchSizeIsInvalidArgument) {
  const Matrix data = LabelledRows(4);
  Rng rng = MakeRng(8);
  for (const Index batch_size : {Index{0}, Index{-2}}) {
    const absl::Status status =
        CatchStatus([&] { Minibatches(data, batch_size, rng); });
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(status.message()),
                ::testing::HasSubstr("batch_size"));
  }
}

}  // namespace
}  // namespace provi
