// Copyright 2026 The provi Authors.
//
// File: nn/initializers.h
// -----------------------------------------------------------------------------
//
// Initial values for dense weight matrices. An `Initializer` maps a layer's
// fan-in (inputs) and fan-out (outputs) and a random generator to a
// fan_in x fan_out matrix; `Linear` calls one for its weight (shape in x
// out) and one for its bias (shape 1 x out, so fan_in = 1).
//
// The variance-scaling rules keep activations and gradients at a similar
// scale from layer to layer:
//
//   GlorotUniform  U(-a, a), a = √(6 / (fan_in + fan_out))  Var = 2 / (fan_in +
//   fan_out) GlorotNormal   N(0, 2 / (fan_in + fan_out)) HeUniform      U(-a,
//   a), a = √(6 / fan_in)              Var = 2 / fan_in HeNormal       N(0, 2 /
//   fan_in) Zeros          0
//
// `Uniform(bound)` makes an initialiser with a fixed bound instead.
//
// Glorot (Xavier; Glorot & Bengio, AISTATS 2010) suits tanh, sigmoid and
// linear layers; He (Kaiming; He et al., ICCV 2015) suits ReLU-family layers.
// The normal variants are untruncated.
//
// Sizes must be positive (Zeros also accepts 0); otherwise the initialiser
// throws a `StatusError` with an InvalidArgument status naming itself and the
// sizes (see base/status_error.h).
//
// Example:
//
//   provi::Rng rng = provi::MakeRng(7);
//   provi::Matrix w = provi::nn::HeNormal(784, 400, rng);  // 784 x 400

#ifndef PROVI_NN_INITIALIZERS_H_
#define PROVI_NN_INITIALIZERS_H_

#include <functional>

#include "absl/random/bit_gen_ref.h"
#include "ad/tensor.h"

namespace provi {
namespace nn {

// Initializer
//
// A function from (fan_in, fan_out, generator) to a fan_in x fan_out matrix.
// Any callable of that signature works, e.g. a lambda returning a constant.
using Initializer =
    std::function<Matrix(Index fan_in, Index fan_out, absl::BitGenRef gen)>;

// GlorotUniform()
//
// Draws from U(-a, a) with a = √(6 / (fan_in + fan_out)).
Matrix GlorotUniform(Index fan_in, Index fan_out, absl::BitGenRef gen);

// GlorotNormal()
//
// Draws from N(0, σ²) with σ² = 2 / (fan_in + fan_out).
Matrix GlorotNormal(Index fan_in, Index fan_out, absl::BitGenRef gen);

// HeUniform()
//
// Draws from U(-a, a) with a = √(6 / fan_in).
Matrix HeUniform(Index fan_in, Index fan_out, absl::BitGenRef gen);

// HeNormal()
//
// Draws from N(0, σ²) with σ² = 2 / fan_in.
Matrix HeNormal(Index fan_in, Index fan_out, absl::BitGenRef gen);

// Zeros()
//
// A matrix of zeros; draws nothing from `gen`.
Matrix Zeros(Index fan_in, Index fan_out, absl::BitGenRef gen);

// Uniform()
//
// An initialiser drawing from U(-bound, bound) whatever the fans, e.g.
// PyTorch's default for a layer with n inputs, bound = 1/√n, which is also
// the bias's (whose fan_in the layer passes as 1), or its LSTM's, 1/√hidden
// everywhere. `bound` must be finite and non-negative, else the
// initialiser throws when called.
Initializer Uniform(double bound);

}  // namespace nn
}  // namespace provi

#endif  // PROVI_NN_INITIALIZERS_H_
