// Copyright 2026 The provi Authors.
//
// File: data/multi_object.h
// -----------------------------------------------------------------------------
//
// Multi-object canvases, the data of Attend-Infer-Repeat (Eslami et al.,
// NeurIPS 2016) as Pyro's `multi_mnist.py` makes them, with Fashion-MNIST
// items as the objects. Each canvas is `canvas` x `canvas` pixels (50 x 50)
// holding k objects, k uniform on {0, ..., max_objects}; each object is a
// source image (28 x 28) chosen uniformly, shrunk to a side of
// ⌊28 / scale⌋ pixels with scale ~ N(scale_mean, scale_sd²) (1.3 and 0.1:
// about 21 pixels), and added at a top-left corner drawn uniformly from
// {0, ..., canvas - side - 1} in each direction, so objects lie inside the
// canvas. A canvas on which overlapping objects push a pixel above 255 is
// drawn again from scratch with the same k (the reference generator's
// rule), so the counts stay uniform.
//
// Shrinking averages the source pixels each output pixel covers (a box
// filter, exact for non-integer ratios), then rounds to 8 bits: any smooth
// resampling serves, since the reference generator's pixels cannot be
// reproduced bit for bit anyway.
//
// Randomness comes from provi's seeded generator (base/random.h), so a seed
// gives the same canvases in every process. `LoadMultiObject` caches a data
// set in a binary file named by its options (`MultiObjectCacheName`),
// written atomically on first use and read back afterwards; the file holds
// the options, so a file that does not match is reported, not used. Its
// format, version 1 (integers unsigned little-endian, reals IEEE-754
// binary64 little-endian; see data/files.h):
//
//   8        magic "PROVIMOB"
//   4        version: 1
//   8, 4, 4  count, canvas, max_objects
//   8, 8, 8  scale_mean, scale_sd, seed
//   1        source split: 0 training, 1 test
//   count    objects per canvas, one byte each
//   count * max_objects * 16   placed objects (source, top, left, side as
//            4-byte integers; only the first k of each canvas are used,
//            the rest zero)
//   count * canvas²            pixels, canvas after canvas, row-major
//   8        FNV-1a 64 checksum of everything before
//
// Errors are returned as `absl::Status`: InvalidArgument for bad options or
// a source set that cannot hold the objects; FailedPrecondition when a
// canvas keeps saturating (1,000 redraws); the reader's status for a
// missing source (naming the file); DataLoss for a truncated or corrupted
// cache file and InvalidArgument for one written with other options (both
// naming the file; delete it to regenerate).
//
// Example:
//
//   provi::MultiObjectOptions options;   // 10,240 canvases, seed 1
//   absl::StatusOr<provi::MultiObjectDataset> train = provi::LoadMultiObject(
//       options, provi::Split::kTrain, provi::kDefaultFashionMnistDirectory,
//       "/tmp/provi_air_data");
//   provi::Matrix x = train->Images(0, 64);   // 64 x 2500, pixels in [0, 1]
//   int k = train->counts[0];                 // 0, 1 or 2

#ifndef PROVI_DATA_MULTI_OBJECT_H_
#define PROVI_DATA_MULTI_OBJECT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ad/tensor.h"
#include "data/fashion_mnist.h"

namespace provi {

// MultiObjectOptions
//
// How canvases are made (see the file comment).
struct MultiObjectOptions {
  // Canvases to make.
  Index count = 10240;
  // Side of a canvas in pixels.
  int canvas = 50;
  // Objects per canvas are uniform on {0, ..., max_objects}.
  int max_objects = 2;
  // An object's side is ⌊source side / scale⌋, scale ~ N(mean, sd²),
  // redrawn until the side is between 1 and canvas - 1.
  double scale_mean = 1.3;
  double scale_sd = 0.1;
  uint64_t seed = 1;
};

// ObjectImages
//
// The source images objects are cut from: `count` images of `height` x
// `width` 8-bit pixels, image after image, row-major.
struct ObjectImages {
  Index count = 0;
  int height = 0;
  int width = 0;
  std::vector<uint8_t> pixels;
};

// LoadObjectImages()
//
// The images of one split of Fashion-MNIST in `directory` (see
// data/fashion_mnist.h), as 8-bit pixels.
absl::StatusOr<ObjectImages> LoadObjectImages(absl::string_view directory,
                                              Split split);

// PlacedObject
//
// Where an object went: its source image, the canvas row and column of its
// top-left corner, and its side in pixels.
struct PlacedObject {
  int32_t source = 0;
  int32_t top = 0;
  int32_t left = 0;
  int32_t size = 0;
};

// MultiObjectDataset
//
// Canvases with their true object counts and placements.
struct MultiObjectDataset {
  MultiObjectOptions options;
  // count * canvas² pixels, canvas after canvas, row-major, 0..255.
  std::vector<uint8_t> pixels;
  // counts[i]: objects on canvas i.
  std::vector<uint8_t> counts;
  // count * max_objects entries: objects[i * max_objects + j] for
  // j < counts[i] is object j of canvas i; the others are zero.
  std::vector<PlacedObject> objects;

  // size()
  //
  // The number of canvases.
  Index size() const { return static_cast<Index>(counts.size()); }

  // Images()
  //
  // Canvases [start, start + n) as an n x canvas² matrix, one canvas per
  // row (pixel (r, c) in column canvas r + c), values pixel / 255. Checks
  // the range (a programming error).
  Matrix Images(Index start, Index n) const;

  // Counts()
  //
  // The object counts of canvases [start, start + n).
  std::vector<int> Counts(Index start, Index n) const;
};

// GenerateMultiObject()
//
// A data set of `options.count` canvases made from `source` (see the file
// comment).
absl::StatusOr<MultiObjectDataset> GenerateMultiObject(
    const ObjectImages& source, const MultiObjectOptions& options);

// MultiObjectCacheName()
//
// The cache file name for `options` and the source split, e.g.
// "multi_object_train_n10240_c50_k2_scale1.3_0.1_seed1_v1.bin".
std::string MultiObjectCacheName(const MultiObjectOptions& options,
                                 Split split);

// LoadMultiObject()
//
// The data set of `options` made from the `split` of Fashion-MNIST in
// `data_dir`, read from `cache_dir`/MultiObjectCacheName(...) if that file
// exists, else generated and written there (`cache_dir` is created if
// missing). The source images are read only when generating.
absl::StatusOr<MultiObjectDataset> LoadMultiObject(
    const MultiObjectOptions& options, Split split, absl::string_view data_dir,
    absl::string_view cache_dir);

// SaveMultiObject(), ReadMultiObject()
//
// The cache file of a data set: written atomically to `path`, and read
// back expecting `options` and `split` (see the file comment for errors).
absl::Status SaveMultiObject(const MultiObjectDataset& data, Split split,
                             const std::string& path);
absl::StatusOr<MultiObjectDataset> ReadMultiObject(
    const std::string& path, const MultiObjectOptions& options, Split split);

}  // namespace provi

#endif  // PROVI_DATA_MULTI_OBJECT_H_
