// Copyright 2026 The provi Authors.
//
// File: nn/linear.h
// -----------------------------------------------------------------------------
//
// `nn::Linear` is a dense layer, y = x W + b, whose weight W (in x out) and
// bias b (1 x out, broadcast over the rows of x) are `param` sites named
// "w" and "b" under `Scope(name)`: "encoder/0/w", "encoder/0/b". Because
// they are ordinary param sites, every handler sees them: under a parameter
// store (vi/param_store.h) they are created once from their initial values
// and trained; `substitute` can fix them; a trace records them. With no
// handler, `param` returns the initial values themselves.
//
// Initial values are lazy and deterministic: they are drawn the first time
// a param site asks for them (never, if a store or handler already has a
// value), from a generator seeded by `LinearOptions::seed` and the layer's
// name, and then kept, so every forward pass without a store uses the same
// W and b, and two layers with different names start differently even with
// the same seed. A layer is cheap to copy; copies share the initial values.
//
// The forward pass is one `MatMul` and one broadcast `Add` (two nodes on the
// tape) and calls `param` once per site. `LinearOptions::bias = false`
// drops b (one node, one site). A program that applies a layer several
// times in one run binds it once (`Bind()`, see `Bound`).
//
// Errors: invalid sizes or options at construction, an input whose column
// count is not `in`, and a parameter value of the wrong shape (say, from a
// store written for another architecture) throw `StatusError` with an
// InvalidArgument status naming the layer and the shapes; provi's entry
// points (`handlers::Trace`, the estimators, SVI) return it as a Status, and
// `CatchStatus` / `CatchStatusOr` do the same for direct calls.
//
// Example:
//
//   provi::nn::LinearOptions options;
//   options.weight_init = provi::nn::HeUniform;
//   options.seed = 1;
//   provi::nn::Linear layer("decoder/out", 400, 784, options);
//   provi::Tensor logits = layer(h);  // h: B x 400 -> logits: B x 784

#ifndef PROVI_NN_LINEAR_H_
#define PROVI_NN_LINEAR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "ad/tensor.h"
#include "nn/initializers.h"

namespace provi {
namespace nn {

// LinearOptions
//
// How a `Linear` layer initialises its parameters.
struct LinearOptions {
  // Initialises W (called with fan_in = in, fan_out = out).
  Initializer weight_init = GlorotUniform;
  // Initialises b (called with fan_in = 1, fan_out = out).
  Initializer bias_init = Zeros;
  // Seeds the initialisers, together with the layer's name.
  uint64_t seed = 0;
  // Whether the layer has the bias b. Without it, y = x W: the layer has
  // only the param site "w" and its forward pass is one `MatMul`.
  bool bias = true;
};

// Linear
//
// See the file comment.
class Linear {
 public:
  // Linear()
  //
  // A layer named `name` (non-empty; the scope of its param sites) mapping
  // `in` columns to `out` columns (both positive). Throws `StatusError` on
  // invalid arguments or empty initialisers.
  Linear(std::string name, Index in, Index out, LinearOptions options = {});

  // Bound
  //
  // The layer with its parameters read, to apply to any number of inputs
  // without reading the param sites again: a program applying a layer more
  // than once in a run (at every step of a recurrence, say) binds it once,
  // since a trace rejects an address used twice. Valid while the layer
  // lives and, inside a `TapeScope`, while the scope lasts.
  class Bound {
   public:
    // x W + b for x of shape rows x in: rows x out. Throws `StatusError` if
    // x.cols() != in.
    Tensor operator()(const Tensor& x) const;

    // W (in x out) and b (1 x out; 0x0 without bias) as read.
    const Tensor& weight() const { return w_; }
    const Tensor& bias() const { return b_; }

   private:
    friend class Linear;
    Bound(const Linear* layer, Tensor w, Tensor b)
        : layer_(layer), w_(std::move(w)), b_(std::move(b)) {}

    const Linear* layer_;
    Tensor w_;
    Tensor b_;
  };

  // Bind()
  //
  // Reads W and b through `param` (see the file comment), once. Throws
  // `StatusError` if a parameter value has the wrong shape.
  Bound Bind() const;

  // operator()
  //
  // x W + b for x of shape rows x in; the result is rows x out: `Bind()(x)`,
  // reading the param sites at each call. Throws `StatusError` if
  // x.cols() != in or if a parameter value has the wrong shape.
  Tensor operator()(const Tensor& x) const { return Bind()(x); }

  // name(), in(), out(), options()
  //
  // The layer's name, input and output widths, and options.
  const std::string& name() const { return name_; }
  Index in() const { return in_; }
  Index out() const { return out_; }
  const LinearOptions& options() const { return options_; }

  // InitialWeight(), InitialBias()
  //
  // The initial values of W (in x out) and b (1 x out; 0x0 for a layer
  // without bias): what the param sites return with no store. Computed on
  // first use, then kept; thread-safe. Throw `StatusError` if an initialiser
  // throws or returns the wrong shape.
  Tensor InitialWeight() const;
  Tensor InitialBias() const;

 private:
  struct InitialValues;

  std::string name_;
  Index in_;
  Index out_;
  LinearOptions options_;
  std::shared_ptr<InitialValues> initial_;
};

}  // namespace nn
}  // namespace provi

#endif  // PROVI_NN_LINEAR_H_
