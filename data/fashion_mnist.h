// Copyright 2026 The provi Authors.
//
// File: data/fashion_mnist.h
// -----------------------------------------------------------------------------
//
// Fashion-MNIST (Xiao, Rasul & Vollgraf, 2017): 70,000 28x28 grayscale
// images of clothing in ten classes, 60,000 for training and 10,000 for
// testing, in the IDX files
//
//   train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz
//   t10k-images-idx3-ubyte.gz   t10k-labels-idx1-ubyte.gz
//
// which Debian's `dataset-fashion-mnist` package installs in
// `kDefaultFashionMnistDirectory` (./bazelw installs it). `LoadFashionMnist`
// returns the images as an N x 784 matrix, one image per row (lanes, as
// provi's tensors expect), pixels in row-major order and scaled to [0, 1];
// binarised, a pixel is 1 where pixel / 255 > 0.5 and 0 elsewhere (the usual
// fixed binarisation for Bernoulli likelihoods).
//
// Errors from reading (see data/idx.h) are returned with the file named; a
// file of the wrong rank, or image and label files of different lengths, is
// InvalidArgument.
//
// Example:
//
//   absl::StatusOr<provi::Dataset> train = provi::LoadFashionMnist();
//   if (!train.ok()) return train.status();
//   // train->images: 60000 x 784 in {0, 1}; train->labels[i] in 0..9.

#ifndef PROVI_DATA_FASHION_MNIST_H_
#define PROVI_DATA_FASHION_MNIST_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ad/tensor.h"

namespace provi {

// kDefaultFashionMnistDirectory
//
// Where Debian's dataset-fashion-mnist package puts the files.
inline constexpr char kDefaultFashionMnistDirectory[] =
    "/usr/share/datasets/fashion-mnist";

// Split
//
// Which part of a data set to load.
enum class Split {
  kTrain,  // the training set (60,000 images for Fashion-MNIST)
  kTest,   // the test set (10,000 images)
};

// Dataset
//
// Images with their class labels.
struct Dataset {
  // One image per row, height * width columns (pixels in row-major order),
  // values in [0, 1] (exactly 0 or 1 when binarised).
  Matrix images;
  // labels[i] is the class of row i (0..9 for Fashion-MNIST).
  std::vector<Index> labels;
  // The image size: images.cols() == height * width (28 x 28).
  Index height = 0;
  Index width = 0;
};

// LoadFashionMnist()
//
// Reads the `split` of Fashion-MNIST from `directory` (see the file
// comment), binarising the pixels if `binarize`.
absl::StatusOr<Dataset> LoadFashionMnist(
    absl::string_view directory = kDefaultFashionMnistDirectory,
    Split split = Split::kTrain, bool binarize = true);

}  // namespace provi

#endif  // PROVI_DATA_FASHION_MNIST_H_
