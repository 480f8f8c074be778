// Copyright 2026 The provi Authors.

#include "data/fashion_mnist.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "data/idx.h"

namespace provi {
namespace {

using ByteMatrix =
    Eigen::Matrix<uint8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

absl::Status RankError(const std::string& path, const IdxArray& array,
                       int expected_rank, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("LoadFashionMnist: '", path, "' has dimensions ",
                   absl::StrJoin(array.dimensions, "x"), "; ", what, " need ",
                   expected_rank, " dimension", expected_rank == 1 ? "" : "s"));
}

}  // namespace

absl::StatusOr<Dataset> LoadFashionMnist(absl::string_view directory,
                                         Split split, bool binarize) {
  const char* prefix = split == Split::kTrain ? "train" : "t10k";
  const std::string images_path =
      absl::StrCat(directory, "/", prefix, "-images-idx3-ubyte.gz");
  const std::string labels_path =
      absl::StrCat(directory, "/", prefix, "-labels-idx1-ubyte.gz");
  PROVI_ASSIGN_OR_RETURN(const IdxArray images, ReadIdx(images_path));
  PROVI_ASSIGN_OR_RETURN(const IdxArray labels, ReadIdx(labels_path));
  if (images.dimensions.size() != 3) {
    return RankError(images_path, images, 3, "images");
  }
  if (labels.dimensions.size() != 1) {
    return RankError(labels_path, labels, 1, "labels");
  }
  const Index n = images.dimensions[0];
  if (labels.dimensions[0] != n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "LoadFashionMnist: '", images_path, "' has ", n, " images but '",
        labels_path, "' has ", labels.dimensions[0], " labels"));
  }

  Dataset dataset;
  dataset.height = images.dimensions[1];
  dataset.width = images.dimensions[2];
  const Index pixels_per_image = dataset.height * dataset.width;
  const Eigen::Map<const ByteMatrix> pixels(images.data.data(), n,
                                            pixels_per_image);
  dataset.images.resize(n, pixels_per_image);
  // The file is row-major and the matrix column-major: converting a band of
  // rows at a time keeps the band's source bytes in cache while each column
  // of the band is written.
  constexpr Index kBand = 256;
  for (Index start = 0; start < n; start += kBand) {
    const Index rows = std::min(kBand, n - start);
    if (binarize) {
      // pixel / 255 > 0.5 exactly, in integers.
      dataset.images.middleRows(start, rows) =
          pixels.middleRows(start, rows).unaryExpr([](uint8_t p) {
            return 2 * static_cast<int>(p) > 255 ? Real(1) : Real(0);
          });
    } else {
      dataset.images.middleRows(start, rows) =
          pixels.middleRows(start, rows).cast<Real>() / Real(255);
    }
  }
  dataset.labels.assign(labels.data.begin(), labels.data.end());
  return dataset;
}

}  // namespace provi
