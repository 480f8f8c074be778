// Copyright 2026 The provi Authors.
//
// File: data/png.h
// -----------------------------------------------------------------------------
//
// `WritePngGrid` saves a set of small grayscale images (samples from a
// generative model, reconstructions, data) as one PNG, tiled in a grid, so
// they can be looked at. Each row of `images` is one image of `height` x
// `width` pixels in row-major order (as `LoadFashionMnist` returns them) with
// values in [0, 1]: 0 is black, 1 white; values outside are clamped and NaN
// is drawn black. Pixel values are stored as round(255 v) in an 8-bit
// grayscale PNG.
//
// The grid has min(columns, N) columns and as many rows as needed, with
// `padding` black pixels between images and around the border; cells after
// the last image stay black. The file is written atomically: to a temporary
// file in the same directory, renamed over `path` only when complete.
//
// Errors are returned as `absl::Status`: InvalidArgument for non-positive
// sizes, a negative padding, no images, a column count that is not
// height * width, or a grid beyond libpng's 1,000,000-pixel side limit; the
// errno-derived code (NotFound, PermissionDenied, ...) when the file cannot
// be written; Internal if libpng fails.
//
// Example:
//
//   absl::Status status = provi::WritePngGrid(
//       "samples.png", samples, /*height=*/28, /*width=*/28, /*columns=*/8,
//       /*padding=*/2);

#ifndef PROVI_DATA_PNG_H_
#define PROVI_DATA_PNG_H_

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ad/tensor.h"

namespace provi {

// WritePngGrid()
//
// Writes the rows of `images` (N x (height * width), values in [0, 1]) to
// `path` as a grid of `columns` images separated by `padding` pixels. See
// the file comment.
absl::Status WritePngGrid(absl::string_view path,
                          const Eigen::Ref<const Matrix>& images, int height,
                          int width, int columns, int padding);

}  // namespace provi

#endif  // PROVI_DATA_PNG_H_
