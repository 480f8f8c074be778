// Copyright 2026 The provi Authors.
//
// File: nn/activation.h
// -----------------------------------------------------------------------------
//
// The elementwise nonlinearities a layer can end with, as an enum, so a
// network's architecture is plain data (`MlpOptions` holds two of them).
// `Apply` maps each to its operation in ad/ops.h; each is one node on the
// tape (none for `kIdentity`), with the derivative stated there.
//
// Example:
//
//   provi::Tensor h = provi::nn::Apply(provi::nn::Activation::kTanh, x);
//   provi::Tensor g = provi::nn::Apply(provi::nn::Activation::kLeakyRelu, x,
//                                      /*leaky_relu_slope=*/0.2);

#ifndef PROVI_NN_ACTIVATION_H_
#define PROVI_NN_ACTIVATION_H_

#include "ad/ops.h"
#include "ad/tensor.h"
#include "base/real.h"

namespace provi {
namespace nn {

// Activation
//
// The nonlinearity applied elementwise to a layer's output.
enum class Activation {
  kIdentity,   // x (no operation recorded)
  kRelu,       // max(x, 0)
  kLeakyRelu,  // x > 0 ? x : slope x (slope: kDefaultLeakyReluSlope)
  kTanh,       // tanh(x)
  kSoftplus,   // log(1 + e^x), e.g. for positive scales
  kSigmoid,    // 1 / (1 + e^-x), e.g. for Bernoulli means
};

// kDefaultLeakyReluSlope
//
// The slope of `kLeakyRelu` for negative inputs unless one is given (the
// common default, as in PyTorch's LeakyReLU).
inline constexpr double kDefaultLeakyReluSlope = 0.01;

// Apply()
//
// `activation` applied to every element of `x`. `leaky_relu_slope` is the
// negative-side slope of `kLeakyRelu`; the other activations ignore it.
// A template over `BasicTensor<float>` and `BasicTensor<double>`, like the
// operations in ad/ops.h; calls on `Tensor` deduce it.
template <typename T>
BasicTensor<T> Apply(
    Activation activation, const BasicTensor<T>& x,
    NoDeduce<T> leaky_relu_slope = static_cast<T>(kDefaultLeakyReluSlope)) {
  switch (activation) {
    case Activation::kIdentity:
      return x;
    case Activation::kRelu:
      return Relu(x);
    case Activation::kLeakyRelu:
      return LeakyRelu(x, leaky_relu_slope);
    case Activation::kTanh:
      return Tanh(x);
    case Activation::kSoftplus:
      return Softplus(x);
    case Activation::kSigmoid:
      return Sigmoid(x);
  }
  return x;  // unreachable: every enumerator is handled above
}

}  // namespace nn
}  // namespace provi

#endif  // PROVI_NN_ACTIVATION_H_
