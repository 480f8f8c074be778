// Copyright 2026 The provi Authors.
//
// File: data/idx.h
// -----------------------------------------------------------------------------
//
// A reader for the IDX format that MNIST and Fashion-MNIST are distributed
// in (http://yann.lecun.com/exdb/mnist/). An IDX file is
//
//   bytes 0-1   zero
//   byte  2     the element type: 0x08 unsigned byte, 0x09 signed byte,
//               0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
//   byte  3     the number of dimensions, d
//   d x 4 bytes the size of each dimension, big-endian unsigned
//   the elements, row-major (the last dimension varies fastest)
//
// and is often gzip-compressed (".gz"). `ReadIdx` reads plain and gzip files
// alike (zlib detects which) and supports unsigned bytes, the only type the
// image data sets use.
//
// Errors are returned as `absl::Status`, naming the file: NotFound (or the
// code matching errno) when it cannot be opened; InvalidArgument for a
// header that is not IDX (non-zero leading bytes, an unknown type code, no
// dimensions); Unimplemented for an IDX element type other than unsigned
// byte; DataLoss when the data is shorter or longer than the header promises
// or the gzip stream is corrupt.
//
// Example:
//
//   absl::StatusOr<provi::IdxArray> labels =
//       provi::ReadIdx("/usr/share/datasets/fashion-mnist/"
//                      "t10k-labels-idx1-ubyte.gz");
//   if (!labels.ok()) return labels.status();
//   // labels->dimensions == {10000}; labels->data[i] is in 0..9.

#ifndef PROVI_DATA_IDX_H_
#define PROVI_DATA_IDX_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ad/tensor.h"

namespace provi {

// IdxArray
//
// The contents of an unsigned-byte IDX file.
struct IdxArray {
  // The size of each dimension, outermost first ({60000, 28, 28} for the
  // Fashion-MNIST training images).
  std::vector<Index> dimensions;
  // The elements in file order (row-major); as many as the product of the
  // dimensions.
  std::vector<uint8_t> data;
};

// ReadIdx()
//
// Reads the unsigned-byte IDX file at `path`, plain or gzip-compressed. See
// the file comment for the errors.
absl::StatusOr<IdxArray> ReadIdx(absl::string_view path);

}  // namespace provi

#endif  // PROVI_DATA_IDX_H_
