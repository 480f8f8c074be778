// Copyright 2026 The provi Authors.

#include "data/png.h"

#include <fcntl.h>
#include <png.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

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

// A name in the directory of `path` that no other writer uses.
std::string TemporaryName(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  return absl::StrCat(path, ".tmp.", getpid(), ".",
                      counter.fetch_add(1, std::memory_order_relaxed));
}

absl::Status ErrnoError(int error, absl::string_view what,
                        absl::string_view path) {
  return absl::ErrnoToStatus(
      error, absl::StrCat("WritePngGrid: cannot ", what, " '", path, "'"));
}

// Writes `pixels` (an 8-bit grayscale image) to the open `file`.
absl::Status EncodePng(FILE* file, const std::vector<uint8_t>& pixels,
                       int64_t grid_width, int64_t grid_height,
                       const std::string& path) {
  png_image image;
  std::memset(&image, 0, sizeof(image));
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(grid_width);
  image.height = static_cast<png_uint_32>(grid_height);
  image.format = PNG_FORMAT_GRAY;
  const int ok = png_image_write_to_stdio(&image, file, /*convert_to_8bit=*/0,
                                          pixels.data(), /*row_stride=*/0,
                                          /*colormap=*/nullptr);
  std::string message = image.message;
  png_image_free(&image);
  if (ok == 0) {
    return absl::InternalError(
        absl::StrCat("WritePngGrid: libpng failed on '", path, "': ", message));
  }
  return absl::OkStatus();
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

  const std::string final_path(path);
  const std::string temporary = TemporaryName(final_path);
  const int fd =
      open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) return ErrnoError(errno, "create a temporary file for", path);
  FILE* file = fdopen(fd, "wb");
  if (file == nullptr) {
    const int error = errno;
    close(fd);
    unlink(temporary.c_str());
    return ErrnoError(error, "open a stream for", path);
  }
  absl::Status status =
      EncodePng(file, pixels, grid_width, grid_height, final_path);
  if (status.ok() && (std::fflush(file) != 0 || fsync(fileno(file)) != 0)) {
    status = ErrnoError(errno, "write", path);
  }
  if (std::fclose(file) != 0 && status.ok()) {
    status = ErrnoError(errno, "close", path);
  }
  if (status.ok() && std::rename(temporary.c_str(), final_path.c_str()) != 0) {
    status = ErrnoError(errno, "rename the temporary file to", path);
  }
  if (!status.ok()) unlink(temporary.c_str());
  return status;
}

}  // namespace provi
