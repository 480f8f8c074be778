// Copyright 2026 The provi Authors.
//
// LoadFashionMnist: pixel scaling and binarisation on a small data set the
// test writes, errors for inconsistent files, and the real data set installed
// by Debian's dataset-fashion-mnist (skipped only if it is absent).

#include "data/fashion_mnist.h"

#include <sys/stat.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ad/tensor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/idx_writer.h"

namespace provi {
namespace {

using ::provi::testing::IdxBytes;
using ::provi::testing::WriteGzipFile;
using ::testing::HasSubstr;

bool IsDirectory(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

// A directory holding a Fashion-MNIST-shaped test split of `images` (each 2x2)
// with `labels`.
std::string SmallDataset(const std::string& name,
                         const std::vector<std::vector<uint8_t>>& images,
                         const std::vector<uint8_t>& labels) {
  const std::string directory = ::testing::TempDir() + name;
  mkdir(directory.c_str(), 0755);
  std::vector<uint8_t> pixels;
  for (const auto& image : images) {
    pixels.insert(pixels.end(), image.begin(), image.end());
  }
  WriteGzipFile(
      directory + "/t10k-images-idx3-ubyte.gz",
      IdxBytes(0x08, {static_cast<uint32_t>(images.size()), 2, 2}, pixels));
  WriteGzipFile(directory + "/t10k-labels-idx1-ubyte.gz",
                IdxBytes(0x08, {static_cast<uint32_t>(labels.size())}, labels));
  return directory;
}

TEST(LoadFashionMnistTest, PixelsAreScaledToTheUnitIntervalRowByRow) {
  const std::string directory =
      SmallDataset("scaled", {{0, 51, 102, 255}, {127, 128, 1, 254}}, {3, 7});
  absl::StatusOr<Dataset> data =
      LoadFashionMnist(directory, Split::kTest, /*binarize=*/false);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->height, 2);
  EXPECT_EQ(data->width, 2);
  ASSERT_EQ(data->images.rows(), 2);
  ASSERT_EQ(data->images.cols(), 4);
  const std::vector<std::vector<int>> raw = {{0, 51, 102, 255},
                                             {127, 128, 1, 254}};
  for (Index i = 0; i < 2; ++i) {
    for (Index j = 0; j < 4; ++j) {
      // One correctly rounded division.
      EXPECT_EQ(data->images(i, j),
                static_cast<Real>(raw[i][j]) / static_cast<Real>(255));
    }
  }
  EXPECT_THAT(data->labels, ::testing::ElementsAre(3, 7));
}

TEST(LoadFashionMnistTest, BinarisationThresholdsAtOneHalf) {
  // 127 / 255 < 0.5 < 128 / 255.
  const std::string directory =
      SmallDataset("binary", {{0, 127, 128, 255}}, {1});
  absl::StatusOr<Dataset> data = LoadFashionMnist(directory, Split::kTest);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->images, (Matrix(1, 4) << 0, 0, 1, 1).finished());
}

TEST(LoadFashionMnistTest, DifferentImageAndLabelCountsAreInvalidArgument) {
  const std::string directory =
      SmallDataset("mismatch", {{0, 0, 0, 0}, {1, 1, 1, 1}}, {1, 2, 3});
  const absl::Status status =
      LoadFashionMnist(directory, Split::kTest).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("2 images"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("3 labels"));
}

TEST(LoadFashionMnistTest, WrongRankIsInvalidArgument) {
  const std::string directory = SmallDataset("rank", {{0, 0, 0, 0}}, {1});
  // Labels written where the images belong: one dimension, not three.
  WriteGzipFile(directory + "/t10k-images-idx3-ubyte.gz",
                IdxBytes(0x08, {1}, {0}));
  const absl::Status status =
      LoadFashionMnist(directory, Split::kTest).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("t10k-images-idx3-ubyte.gz"));
}

TEST(LoadFashionMnistTest, MissingDirectoryIsNotFound) {
  const absl::Status status =
      LoadFashionMnist(::testing::TempDir() + "no-such-directory").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("train-images-idx3-ubyte.gz"));
}

// The installed data set: shapes, label range, the published class balance
// (6,000 training and 1,000 test images per class), binary pixels.
void ExpectRealSplit(Split split, Index n) {
  if (!IsDirectory(kDefaultFashionMnistDirectory)) {
    GTEST_SKIP() << kDefaultFashionMnistDirectory
                 << " is absent; install Debian's dataset-fashion-mnist";
  }
  absl::StatusOr<Dataset> data =
      LoadFashionMnist(kDefaultFashionMnistDirectory, split);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->images.rows(), n);
  EXPECT_EQ(data->images.cols(), 784);
  EXPECT_EQ(data->height, 28);
  EXPECT_EQ(data->width, 28);
  ASSERT_EQ(static_cast<Index>(data->labels.size()), n);
  std::vector<Index> per_class(10, 0);
  for (const Index label : data->labels) {
    ASSERT_GE(label, 0);
    ASSERT_LT(label, 10);
    ++per_class[static_cast<size_t>(label)];
  }
  EXPECT_EQ(per_class, std::vector<Index>(10, n / 10));
  EXPECT_TRUE((data->images.array() == 0 || data->images.array() == 1).all());
  // Neither blank nor saturated: clothing covers part of each image.
  const Real ink = data->images.mean();
  EXPECT_GT(ink, Real(0.1));
  EXPECT_LT(ink, Real(0.9));
}

TEST(LoadFashionMnistTest, RealTrainingSet) {
  ExpectRealSplit(Split::kTrain, 60000);
}

TEST(LoadFashionMnistTest, RealTestSet) {
  ExpectRealSplit(Split::kTest, 10000);
}

}  // namespace
}  // namespace provi
