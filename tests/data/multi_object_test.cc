// Copyright 2026 The provi Authors.
//
// The multi-object canvas generator: uniform counts (chi-square), objects
// inside the canvas and nothing outside them, the overlap rejection, object
// sizes against the scale distribution (z-test), seeds, the cache file
// (round trip, corruption, other options), errors, and the real
// Fashion-MNIST (skipped only if it is absent). Flake budget: the two
// statistical checks use statistical_testing.h's threshold (tail 5.7e-7
// each), far below 1e-4 for the binary.

#include "data/multi_object.h"

#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "data/files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/idx_writer.h"
#include "tests/testing/statistical_testing.h"

namespace provi {
namespace {

using ::provi::testing::ChiSquareFits;
using ::provi::testing::IdxBytes;
using ::provi::testing::MeanAccumulator;
using ::provi::testing::WriteGzipFile;
using ::testing::HasSubstr;

// `count` 28x28 source images, every pixel of image i equal to value(i).
ObjectImages ConstantSources(int count, int value) {
  ObjectImages source;
  source.count = count;
  source.height = source.width = 28;
  source.pixels.assign(static_cast<size_t>(count) * 28 * 28,
                       static_cast<uint8_t>(value));
  return source;
}

int Pixel(const MultiObjectDataset& data, Index canvas, int r, int c) {
  const int side = data.options.canvas;
  return data.pixels[static_cast<size_t>(canvas) * side * side +
                     static_cast<size_t>(r) * side + c];
}

// How many of canvas i's objects cover pixel (r, c).
int Covering(const MultiObjectDataset& data, Index i, int r, int c) {
  int n = 0;
  for (int j = 0; j < data.counts[i]; ++j) {
    const PlacedObject& o = data.objects[i * data.options.max_objects + j];
    n += r >= o.top && r < o.top + o.size && c >= o.left && c < o.left + o.size;
  }
  return n;
}

TEST(MultiObjectTest, CountsAreUniform) {
  MultiObjectOptions options;
  options.count = 3000;
  options.seed = 11;
  absl::StatusOr<MultiObjectDataset> data =
      GenerateMultiObject(ConstantSources(5, 100), options);
  ASSERT_TRUE(data.ok()) << data.status();
  std::vector<long> counts(3, 0);
  for (const uint8_t k : data->counts) {
    ASSERT_LE(k, 2);
    ++counts[k];
  }
  EXPECT_TRUE(ChiSquareFits(counts, {1.0 / 3, 1.0 / 3, 1.0 / 3}));
}

// Constant sources of 100 never saturate: every pixel is 100 times the
// number of objects covering it (the box filter keeps a constant image
// constant), so objects sit exactly where they are recorded, inside the
// canvas, and nothing is drawn elsewhere.
TEST(MultiObjectTest, ObjectsAreInsideTheCanvasWhereRecorded) {
  MultiObjectOptions options;
  options.count = 400;
  options.seed = 3;
  absl::StatusOr<MultiObjectDataset> data =
      GenerateMultiObject(ConstantSources(4, 100), options);
  ASSERT_TRUE(data.ok()) << data.status();
  ASSERT_EQ(data->size(), 400);
  ASSERT_EQ(data->objects.size(), 800u);
  for (Index i = 0; i < data->size(); ++i) {
    for (int j = 0; j < data->counts[i]; ++j) {
      const PlacedObject& o = data->objects[i * 2 + j];
      EXPECT_GE(o.top, 0);
      EXPECT_GE(o.left, 0);
      EXPECT_LT(o.top + o.size, 50) << "canvas " << i;
      EXPECT_LT(o.left + o.size, 50) << "canvas " << i;
      EXPECT_GE(o.source, 0);
      EXPECT_LT(o.source, 4);
    }
    for (int j = data->counts[i]; j < 2; ++j) {
      EXPECT_EQ(data->objects[i * 2 + j].size, 0);
    }
    for (int r = 0; r < 50; ++r) {
      for (int c = 0; c < 50; ++c) {
        ASSERT_EQ(Pixel(*data, i, r, c), 100 * Covering(*data, i, r, c))
            << "canvas " << i << " pixel (" << r << ", " << c << ")";
      }
    }
  }
}

// Constant sources of 200 saturate wherever two objects overlap: every
// accepted two-object canvas has disjoint objects and no pixel above 255.
TEST(MultiObjectTest, SaturatedCanvasesAreRedrawn) {
  MultiObjectOptions options;
  options.count = 300;
  options.seed = 5;
  absl::StatusOr<MultiObjectDataset> data =
      GenerateMultiObject(ConstantSources(2, 200), options);
  ASSERT_TRUE(data.ok()) << data.status();
  int pairs = 0;
  for (Index i = 0; i < data->size(); ++i) {
    if (data->counts[i] != 2) continue;
    ++pairs;
    for (int r = 0; r < 50; ++r) {
      for (int c = 0; c < 50; ++c) {
        ASSERT_LE(Covering(*data, i, r, c), 1) << "canvas " << i;
      }
    }
  }
  EXPECT_GT(pairs, 50);
}

// The side is ⌊28 / scale⌋ with scale ~ N(1.3, 0.1²): its mean against the
// expectation computed by quadrature (a z-test).
TEST(MultiObjectTest, ObjectSidesFollowTheScaleDistribution) {
  MultiObjectOptions options;
  options.count = 3000;
  options.seed = 7;
  absl::StatusOr<MultiObjectDataset> data =
      GenerateMultiObject(ConstantSources(3, 50), options);
  ASSERT_TRUE(data.ok()) << data.status();
  MeanAccumulator sides;
  for (Index i = 0; i < data->size(); ++i) {
    for (int j = 0; j < data->counts[i]; ++j) {
      sides.Add(data->objects[i * 2 + j].size);
    }
  }
  // E ⌊28 / s⌋ by the midpoint rule over ±8 sd (the truncation to sides in
  // [1, 49] removes mass far beyond that).
  double expected = 0;
  double mass = 0;
  const int steps = 200000;
  for (int k = 0; k < steps; ++k) {
    const double z = -8 + 16 * (k + 0.5) / steps;
    const double w = std::exp(-0.5 * z * z);
    expected += w * std::floor(28 / (1.3 + 0.1 * z));
    mass += w;
  }
  expected /= mass;
  EXPECT_GT(sides.count(), 2500);
  EXPECT_MEAN_NEAR(sides, expected);
}

TEST(MultiObjectTest, TheSeedReproducesTheData) {
  MultiObjectOptions options;
  options.count = 200;
  options.seed = 9;
  const ObjectImages source = ConstantSources(6, 90);
  absl::StatusOr<MultiObjectDataset> a = GenerateMultiObject(source, options);
  absl::StatusOr<MultiObjectDataset> b = GenerateMultiObject(source, options);
  options.seed = 10;
  absl::StatusOr<MultiObjectDataset> c = GenerateMultiObject(source, options);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->pixels, b->pixels);
  EXPECT_EQ(a->counts, b->counts);
  EXPECT_NE(a->pixels, c->pixels);
  EXPECT_NE(a->counts, c->counts);
}

TEST(MultiObjectTest, ImagesAreScaledRowsAndCountsMatch) {
  MultiObjectOptions options;
  options.count = 20;
  absl::StatusOr<MultiObjectDataset> data =
      GenerateMultiObject(ConstantSources(2, 51), options);
  ASSERT_TRUE(data.ok()) << data.status();
  const Matrix images = data->Images(5, 10);
  ASSERT_EQ(images.rows(), 10);
  ASSERT_EQ(images.cols(), 2500);
  for (Index i = 0; i < 10; ++i) {
    for (int p = 0; p < 2500; p += 7) {
      EXPECT_FLOAT_EQ(images(i, p), Pixel(*data, 5 + i, p / 50, p % 50) / 255.0)
          << "canvas " << 5 + i << " pixel " << p;
    }
  }
  const std::vector<int> counts = data->Counts(5, 10);
  for (Index i = 0; i < 10; ++i) EXPECT_EQ(counts[i], data->counts[5 + i]);
}

// A directory with a Fashion-MNIST-shaped training split of constant images.
std::string SourceDirectory(const std::string& name, int count, int value) {
  const std::string directory = ::testing::TempDir() + name;
  mkdir(directory.c_str(), 0755);
  const ObjectImages source = ConstantSources(count, value);
  WriteGzipFile(
      directory + "/train-images-idx3-ubyte.gz",
      IdxBytes(0x08, {static_cast<uint32_t>(count), 28, 28}, source.pixels));
  return directory;
}

TEST(MultiObjectCacheTest, TheCacheIsWrittenOnceAndReadBack) {
  const std::string source = SourceDirectory("cache_source", 3, 80);
  const std::string cache = ::testing::TempDir() + "cache_dir/nested";
  MultiObjectOptions options;
  options.count = 50;
  options.seed = 4;
  absl::StatusOr<MultiObjectDataset> first =
      LoadMultiObject(options, Split::kTrain, source, cache);
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string path =
      cache + "/" + MultiObjectCacheName(options, Split::kTrain);
  EXPECT_EQ(MultiObjectCacheName(options, Split::kTrain),
            "multi_object_train_n50_c50_k2_scale1.3_0.1_seed4_v1.bin");
  ASSERT_TRUE(ReadFileToString(path).ok());
  // Without the source, the data can only come from the cache.
  ASSERT_EQ(std::remove((source + "/train-images-idx3-ubyte.gz").c_str()), 0);
  absl::StatusOr<MultiObjectDataset> second =
      LoadMultiObject(options, Split::kTrain, source, cache);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->pixels, first->pixels);
  EXPECT_EQ(second->counts, first->counts);
  ASSERT_EQ(second->objects.size(), first->objects.size());
  for (size_t k = 0; k < first->objects.size(); ++k) {
    EXPECT_EQ(second->objects[k].top, first->objects[k].top);
    EXPECT_EQ(second->objects[k].left, first->objects[k].left);
    EXPECT_EQ(second->objects[k].size, first->objects[k].size);
    EXPECT_EQ(second->objects[k].source, first->objects[k].source);
  }
  // Other options are another file: generating it needs the source.
  options.seed = 5;
  EXPECT_EQ(
      LoadMultiObject(options, Split::kTrain, source, cache).status().code(),
      absl::StatusCode::kNotFound);
}

TEST(MultiObjectCacheTest, DamagedOrForeignFilesAreErrors) {
  MultiObjectOptions options;
  options.count = 30;
  absl::StatusOr<MultiObjectDataset> data =
      GenerateMultiObject(ConstantSources(2, 60), options);
  ASSERT_TRUE(data.ok());
  const std::string path = ::testing::TempDir() + "damaged.bin";
  ASSERT_TRUE(SaveMultiObject(*data, Split::kTest, path).ok());
  ASSERT_TRUE(ReadMultiObject(path, options, Split::kTest).ok());

  // Written for the test split, read as training data.
  absl::Status status = ReadMultiObject(path, options, Split::kTrain).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(path));
  MultiObjectOptions other = options;
  other.scale_sd = 0.2;
  EXPECT_EQ(ReadMultiObject(path, other, Split::kTest).status().code(),
            absl::StatusCode::kInvalidArgument);

  std::string bytes = *ReadFileToString(path);
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x10;
  ASSERT_TRUE(WriteFileAtomically(path, flipped).ok());
  status = ReadMultiObject(path, options, Split::kTest).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  ASSERT_TRUE(WriteFileAtomically(path, bytes.substr(0, 100)).ok());
  EXPECT_EQ(ReadMultiObject(path, options, Split::kTest).status().code(),
            absl::StatusCode::kDataLoss);
  ASSERT_TRUE(WriteFileAtomically(path, "not a cache file at all").ok());
  EXPECT_EQ(ReadMultiObject(path, options, Split::kTest).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MultiObjectTest, InvalidOptionsAndSourcesAreErrors) {
  const ObjectImages source = ConstantSources(2, 10);
  auto code = [&](auto edit) {
    MultiObjectOptions options;
    options.count = 5;
    edit(options);
    return GenerateMultiObject(source, options).status().code();
  };
  EXPECT_EQ(code([](MultiObjectOptions& o) { o.count = -1; }),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](MultiObjectOptions& o) { o.canvas = 1; }),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](MultiObjectOptions& o) { o.max_objects = -1; }),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](MultiObjectOptions& o) { o.scale_mean = 0; }),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](MultiObjectOptions& o) { o.scale_sd = -1; }),
            absl::StatusCode::kInvalidArgument);
  // 28-pixel objects cannot shrink below a 10-pixel canvas at scale 1.3.
  EXPECT_EQ(code([](MultiObjectOptions& o) {
              o.canvas = 10;
              o.scale_sd = 0;
            }),
            absl::StatusCode::kFailedPrecondition);
  ObjectImages ragged = source;
  ragged.pixels.pop_back();
  EXPECT_EQ(GenerateMultiObject(ragged, MultiObjectOptions()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadObjectImages(::testing::TempDir() + "nowhere", Split::kTrain)
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

bool IsDirectory(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

TEST(MultiObjectTest, FashionMnistCanvasesNeverSaturate) {
  if (!IsDirectory(kDefaultFashionMnistDirectory)) {
    GTEST_SKIP() << "Fashion-MNIST is not installed";
  }
  absl::StatusOr<ObjectImages> source =
      LoadObjectImages(kDefaultFashionMnistDirectory, Split::kTest);
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ(source->count, 10000);
  MultiObjectOptions options;
  options.count = 300;
  absl::StatusOr<MultiObjectDataset> data =
      GenerateMultiObject(*source, options);
  ASSERT_TRUE(data.ok()) << data.status();
  for (Index i = 0; i < data->size(); ++i) {
    int ink = 0;
    for (int r = 0; r < 50; ++r) {
      for (int c = 0; c < 50; ++c) {
        const int v = Pixel(*data, i, r, c);
        if (Covering(*data, i, r, c) == 0) {
          ASSERT_EQ(v, 0);
        }
        ink += v > 0;
      }
    }
    if (data->counts[i] == 0) {
      EXPECT_EQ(ink, 0);
    } else {
      EXPECT_GT(ink, 0);
    }
  }
}

}  // namespace
}  // namespace provi
