// Copyright 2026 The provi Authors.
//
// WritePngGrid: the file reads back with libpng at the expected size with
// the expected pixels (images, padding, empty cells, clamping), it replaces
// files atomically, and bad arguments or paths are a Status.

#include "data/png.h"

#include <dirent.h>
#include <png.h>
#include <sys/stat.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ad/tensor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/idx_writer.h"

namespace provi {
namespace {

using ::provi::testing::TestPath;
using ::testing::HasSubstr;

struct GrayImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  // row-major
  int at(int x, int y) const {
    return pixels[static_cast<size_t>(y * width + x)];
  }
};

// Reads `path` with libpng's simplified API as 8-bit grayscale.
GrayImage ReadPng(const std::string& path) {
  png_image image;
  std::memset(&image, 0, sizeof(image));
  image.version = PNG_IMAGE_VERSION;
  GrayImage out;
  if (png_image_begin_read_from_file(&image, path.c_str()) == 0) {
    ADD_FAILURE() << "libpng cannot read " << path << ": " << image.message;
    return out;
  }
  EXPECT_EQ(image.format & PNG_FORMAT_FLAG_COLOR, 0u) << "not grayscale";
  image.format = PNG_FORMAT_GRAY;
  out.width = static_cast<int>(image.width);
  out.height = static_cast<int>(image.height);
  out.pixels.resize(PNG_IMAGE_SIZE(image));
  if (png_image_finish_read(&image, nullptr, out.pixels.data(), 0, nullptr) ==
      0) {
    ADD_FAILURE() << "libpng cannot decode " << path << ": " << image.message;
  }
  return out;
}

// The names in `directory` that start with `prefix`.
std::vector<std::string> FilesStartingWith(const std::string& directory,
                                           const std::string& prefix) {
  std::vector<std::string> names;
  DIR* dir = opendir(directory.c_str());
  if (dir == nullptr) return names;
  while (const dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name.rfind(prefix, 0) == 0) names.push_back(name);
  }
  closedir(dir);
  return names;
}

// Pixel k of image n is (n * 12 + k) * 4 / 255: exact multiples of 1/255, so
// the stored byte is (n * 12 + k) * 4 with no rounding question.
Matrix Images(int n, int height, int width) {
  Matrix images(n, height * width);
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < height * width; ++k) {
      images(i, k) = static_cast<Real>((i * 12 + k) * 4) / Real(255);
    }
  }
  return images;
}

TEST(WritePngGridTest, GridReadsBackWithImagesPaddingAndEmptyCells) {
  // Five 3x4 images (height 3, width 4) in 2 columns with padding 1: a 3 x 2
  // grid, 2 * (4 + 1) + 1 = 11 pixels wide and 3 * (3 + 1) + 1 = 13 high.
  const std::string path = TestPath("grid.png");
  ASSERT_TRUE(WritePngGrid(path, Images(5, 3, 4), 3, 4, 2, 1).ok());
  const GrayImage png = ReadPng(path);
  ASSERT_EQ(png.width, 11);
  ASSERT_EQ(png.height, 13);
  std::vector<bool> is_image(png.pixels.size(), false);
  for (int n = 0; n < 5; ++n) {
    const int left = (n % 2) * 5 + 1;
    const int top = (n / 2) * 4 + 1;
    for (int y = 0; y < 3; ++y) {
      for (int x = 0; x < 4; ++x) {
        EXPECT_EQ(png.at(left + x, top + y), (n * 12 + y * 4 + x) * 4)
            << "image " << n << " pixel (" << x << ", " << y << ")";
        is_image[static_cast<size_t>((top + y) * 11 + left + x)] = true;
      }
    }
  }
  // Padding and the sixth, empty cell are black.
  for (int y = 0; y < 13; ++y) {
    for (int x = 0; x < 11; ++x) {
      if (!is_image[static_cast<size_t>(y * 11 + x)]) {
        EXPECT_EQ(png.at(x, y), 0) << "(" << x << ", " << y << ")";
      }
    }
  }
}

TEST(WritePngGridTest, ValuesAreClampedAndRounded) {
  const std::string path = TestPath("clamped.png");
  Matrix images(1, 6);
  images << -0.5, 1.5, std::numeric_limits<Real>::quiet_NaN(), 0.5,
      Real(0.2) / Real(255), Real(254.6) / Real(255);
  ASSERT_TRUE(WritePngGrid(path, images, 1, 6, 1, 0).ok());
  const GrayImage png = ReadPng(path);
  ASSERT_EQ(png.width, 6);
  ASSERT_EQ(png.height, 1);
  // round(255 v): 0.5 -> 127.5 -> 128; 0.2 -> 0; 254.6 -> 255.
  EXPECT_THAT(png.pixels, ::testing::ElementsAre(0, 255, 0, 128, 0, 255));
}

TEST(WritePngGridTest, FewerImagesThanColumnsMakeOneRow) {
  const std::string path = TestPath("row.png");
  ASSERT_TRUE(WritePngGrid(path, Images(3, 2, 2), 2, 2, 8, 0).ok());
  const GrayImage png = ReadPng(path);
  EXPECT_EQ(png.width, 6);
  EXPECT_EQ(png.height, 2);
}

TEST(WritePngGridTest, ReplacesAnExistingFileAndLeavesNoTemporaries) {
  const std::string directory = ::testing::TempDir() + "atomic";
  mkdir(directory.c_str(), 0755);
  const std::string path = directory + "/samples.png";
  ASSERT_TRUE(WritePngGrid(path, Images(4, 2, 2), 2, 2, 2, 1).ok());
  ASSERT_TRUE(WritePngGrid(path, Images(1, 2, 2), 2, 2, 2, 1).ok());
  // The second grid: one 2x2 image with padding 1 is 4x4 (the first was
  // 7x7).
  const GrayImage png = ReadPng(path);
  EXPECT_EQ(png.width, 4);
  EXPECT_EQ(png.height, 4);
  EXPECT_THAT(FilesStartingWith(directory, "samples.png"),
              ::testing::ElementsAre("samples.png"));
}

TEST(WritePngGridTest, ShapeMismatchIsInvalidArgument) {
  const std::string path = TestPath("bad-shape.png");
  const absl::Status status = WritePngGrid(path, Images(2, 3, 4), 4, 4, 2, 1);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("2x12"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("16 columns"));
  struct stat info;
  EXPECT_NE(stat(path.c_str(), &info), 0) << "no file on failure";
}

TEST(WritePngGridTest, InvalidSizesAreInvalidArgument) {
  const std::string path = TestPath("bad-size.png");
  const Matrix images = Images(2, 2, 2);
  EXPECT_EQ(WritePngGrid(path, images, 0, 4, 2, 1).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(WritePngGrid(path, images, 2, 2, 0, 1).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(WritePngGrid(path, images, 2, 2, 2, -1).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(WritePngGrid(path, Matrix(0, 4), 2, 2, 2, 1).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(WritePngGrid(path, Matrix::Zero(1, 4), 2, 2, 1, 600000).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(WritePngGridTest, UnwritableDirectoryIsNotFound) {
  const std::string path = TestPath("no-such-directory/grid.png");
  const absl::Status status = WritePngGrid(path, Images(1, 2, 2), 2, 2, 1, 0);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(status.message()), HasSubstr(path));
}

}  // namespace
}  // namespace provi
