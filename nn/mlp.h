// Copyright 2026 The provi Authors.
//
// File: nn/mlp.h
// -----------------------------------------------------------------------------
//
// `nn::Mlp` is a multilayer perceptron: a chain of `nn::Linear` layers with
// widths w0 -> w1 -> ... -> wn, an activation after every hidden layer and
// another after the last. Layer i is named "<name>/i", so its param sites
// are "<name>/i/w" and "<name>/i/b" (prefixed by any enclosing `Scope`).
//
// The forward pass is, per layer, one `MatMul`, one broadcast `Add` and the
// activation (nothing for `kIdentity`). `Bind()` reads every parameter once
// for a network applied several times in one run.
//
// Errors: invalid widths or options at construction, an input whose column
// count is not the first width, and parameters of the wrong shape throw
// `StatusError` with an InvalidArgument status naming the layer and the
// shapes (see nn/linear.h).
//
// Example:
//
//   provi::nn::MlpOptions options;
//   options.hidden_activation = provi::nn::Activation::kRelu;
//   provi::nn::Mlp encoder("encoder", {784, 400, 40}, options);
//   provi::Tensor h = encoder(x);  // x: B x 784 -> h: B x 40
//   provi::Tensor loc = provi::SliceCols(h, 0, 20);

#ifndef PROVI_NN_MLP_H_
#define PROVI_NN_MLP_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "ad/tensor.h"
#include "base/real.h"
#include "nn/activation.h"
#include "nn/linear.h"

namespace provi {
namespace nn {

// MlpOptions
//
// The activations of an `Mlp` and how its layers are initialised.
struct MlpOptions {
  // After each hidden layer (every layer but the last).
  Activation hidden_activation = Activation::kRelu;
  // After the last layer.
  Activation output_activation = Activation::kIdentity;
  // The negative-side slope wherever an activation is `kLeakyRelu`.
  Real leaky_relu_slope = static_cast<Real>(kDefaultLeakyReluSlope);
  // Initialisers and seed of every layer (each layer's own name makes its
  // initial values differ from the others').
  LinearOptions linear;
  // If set, each layer's options instead, from its input and output widths
  // (e.g. PyTorch's default, weights and bias from U(-1/√in, 1/√in)).
  std::function<LinearOptions(Index in, Index out)> layer_options;
};

// Mlp
//
// See the file comment.
class Mlp {
 public:
  // Mlp()
  //
  // A network named `name` with `widths` = {in, hidden..., out}: at least two
  // widths, all positive. Throws `StatusError` otherwise.
  Mlp(std::string name, std::vector<Index> widths, MlpOptions options = {});

  // Bound
  //
  // The network with every layer's parameters read (see Linear::Bound):
  // apply it any number of times in one run.
  class Bound {
   public:
    // The network applied to x (rows x widths().front()): rows x
    // widths().back(). Throws `StatusError` if x has the wrong number of
    // columns.
    Tensor operator()(const Tensor& x) const;

   private:
    friend class Mlp;
    const Mlp* mlp_ = nullptr;
    absl::InlinedVector<Linear::Bound, 4> layers_;
  };

  // Bind()
  //
  // Reads every layer's param sites, once.
  Bound Bind() const;

  // operator()
  //
  // The network applied to x (rows x widths().front()); the result is
  // rows x widths().back(): `Bind()(x)`. Throws `StatusError` if x has the
  // wrong number of columns.
  Tensor operator()(const Tensor& x) const { return Bind()(x); }

  // name(), widths(), options(), layers()
  //
  // The network's name, widths, options, and its layers in order.
  const std::string& name() const { return name_; }
  const std::vector<Index>& widths() const { return widths_; }
  const MlpOptions& options() const { return options_; }
  const std::vector<Linear>& layers() const { return layers_; }

  // in(), out()
  //
  // The input and output widths.
  Index in() const { return widths_.front(); }
  Index out() const { return widths_.back(); }

 private:
  std::string name_;
  std::vector<Index> widths_;
  MlpOptions options_;
  std::vector<Linear> layers_;
};

}  // namespace nn
}  // namespace provi

#endif  // PROVI_NN_MLP_H_
