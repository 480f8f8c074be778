// Copyright 2026 The provi Authors.

#include "data/png.h"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "data/files.h"

namespace provi {
namespace {

// libpng refuses wider or taller images by default (PNG_USER_WIDTH_MAX,
// PNG_USER_HEIGHT_MAX); checking first gives a clearer message.
constexpr int64_t kMaxSide = 1000000;

uint8_t ToByte(Real v) {
  if (!(v > 0)) return 0;  // also NaN
  if (v >= 1) return 255;
  return static_cast<uint8_t>(std::lround(static_cast<double>(v) * 255.0));
}

// `pixels` (an 8-bit grayscale image) as the bytes of a PNG file.
absl::StatusOr<std::string> EncodePng(const std::vector<uint8_t>& pixels,
                                      int64_t grid_width, int64_t grid_height,
                                      absl::string_view path) {
  png_image image;
  std::memset(&image, 0, sizeof(image));
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(grid_width);
  image.height = static_cast<png_uint_32>(grid_height);
  image.format = PNG_FORMAT_GRAY;
  // The first call measures, the second writes.
  png_alloc_size_t size = 0;
  int ok = png_image_write_to_memory(&image, nullptr, &size,
                                     /*convert_to_8_bit=*/0, pixels.data(),
                                     /*row_stride=*/0, /*colormap=*/nullptr);
  std::string bytes;
  if (ok != 0) {
    bytes.resize(size);
    ok = png_image_write_to_memory(&image, bytes.data(), &size,
                                   /*convert_to_8_bit=*/0, pixels.data(),
                                   /*row_stride=*/0, /*colormap=*/nullptr);
    bytes.resize(size);
  }
  std::string message = image.message;
  png_image_free(&image);
  if (ok == 0) {
    return absl::InternalError(
        absl::StrCat("WritePngGrid: libpng failed on '", path, "': ", message));
  }
  return bytes;
}

}  // namespace

absl::Status WritePngGrid(absl::string_view path,
                          const Eigen::Ref<const Matrix>& images, int height,
                          int width, int columns, int padding) {
  if (height < 1 || width < 1 || columns < 1 || padding < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "WritePngGrid: height (", height, "), width (", width,
        ") and columns (", columns, ") must be positive and padding (", padding,
        ") not negative"));
  }
  if (images.cols() != static_cast<Index>(height) * width) {
    return absl::InvalidArgumentError(absl::StrCat(
        "WritePngGrid: images are ", images.rows(), "x", images.cols(), " but ",
        height, "x", width, " images need ", static_cast<Index>(height) * width,
        " columns"));
  }
  const int64_t n = images.rows();
  if (n == 0) {
    return absl::InvalidArgumentError("WritePngGrid: no images to write");
  }
  const int64_t grid_columns = std::min<int64_t>(columns, n);
  const int64_t grid_rows = (n + grid_columns - 1) / grid_columns;
  const int64_t grid_width = grid_columns * (width + padding) + padding;
  const int64_t grid_height = grid_rows * (height + padding) + padding;
  if (grid_width > kMaxSide || grid_height > kMaxSide) {
    return absl::InvalidArgumentError(absl::StrCat(
        "WritePngGrid: the grid would be ", grid_width, "x", grid_height,
        " pixels; PNG writers accept at most ", kMaxSide, " per side"));
  }

  std::vector<uint8_t> pixels(static_cast<size_t>(grid_width * grid_height), 0);
  for (int64_t k = 0; k < n; ++k) {
    const int64_t left = (k % grid_columns) * (width + padding) + padding;
    const int64_t top = (k / grid_columns) * (height + padding) + padding;
    for (int64_t y = 0; y < height; ++y) {
      uint8_t* out =
          &pixels[static_cast<size_t>((top + y) * grid_width + left)];
      for (int64_t x = 0; x < width; ++x) {
        out[x] = ToByte(images(k, y * width + x));
      }
    }
  }

  absl::StatusOr<std::string> bytes =
      EncodePng(pixels, grid_width, grid_height, path);
  if (!bytes.ok()) return bytes.status();
  absl::Status status = WriteFileAtomically(std::string(path), *bytes);
  if (!status.ok()) {
    return absl::Status(status.code(),
                        absl::StrCat("WritePngGrid: ", status.message()));
  }
  return status;
}

}  // namespace provi
