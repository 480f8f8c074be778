// Copyright 2026 The provi Authors.
//
// File: nn/lstm.h
// -----------------------------------------------------------------------------
//
// `nn::LstmCell` is one step of a long short-term memory network (Hochreiter
// and Schmidhuber, 1997) in PyTorch's LSTMCell form, gate order i, f, g, o:
//
//   G  = x W_x + h W_h + b                    (R x 4H)
//   i  = σ(G[:, 0:H]),  f = σ(G[:, H:2H]),  g = tanh(G[:, 2H:3H]),
//   o  = σ(G[:, 3H:4H])
//   c' = f ⊙ c + i ⊙ g,  h' = o ⊙ tanh(c')
//
// (PyTorch's weight_ih is W_xᵀ, its weight_hh W_hᵀ, and b the sum of its two
// biases.) The input x is split in two column blocks, x = [s, u]: a *shared*
// part s, which stays the same from step to step (an image a recurrent
// attention model looks at again and again), and a *step* part u (what the
// previous step produced). Since x W_x = s W_s + u W_u, the cell computes
// the shared projection P = s W_s + b once (`ProjectShared`) and each step
// adds only u W_u + h W_h (`Step`): exactly the same values and gradients,
// and for a large s almost all of the cost is paid once. A projection of B
// rows serves R = K B lanes (particles, enumeration branches) through
// `GatherRows`, whose reverse sweep adds every lane's adjoint back into it,
// so the gradient of W_s is one product for all steps and lanes.
//
// Parameters are `param` sites under `Scope(name)`, each an `nn::Linear`:
// "<name>/shared/w" (shared_in x 4H) and "<name>/shared/b" (1 x 4H),
// "<name>/step/w" (step_in x 4H) and "<name>/hidden/w" (H x 4H), all
// initialised, as in PyTorch, from U(-1/√H, 1/√H) (seeded by
// `LstmOptions::seed` and the names).
//
// The zero state (h = c = 0, `LstmState()`) is represented by empty
// tensors, and a step from it skips h W_h and f ⊙ c: the values are those
// of an explicit zero state.
//
// Costs per step: with a step input and a state, 11 nodes on the tape: two
// `MatMul`s and their two `Add`s (the first also broadcasts a one-row
// projection over the lanes), one `Sigmoid` over G (its g block unused),
// one `Tanh` over the g block, and five for c' and h'; from the zero state,
// 7 (no h W_h, no f ⊙ c). The gate blocks are column slices, which copy
// nothing.
//
// Errors: invalid sizes throw `StatusError` (InvalidArgument) at
// construction; inputs, projections or states of the wrong shape throw it
// from the call, naming the cell and the shapes.
//
// Example:
//
//   provi::nn::LstmCell lstm("guide/lstm", 2500, 54, 256);
//   provi::nn::LstmCell::Bound cell = lstm.Bind();   // reads the params
//   provi::Tensor p = cell.ProjectShared(images);     // B x 1024, once
//   provi::nn::LstmState state;                       // zero
//   for (int t = 0; t < 3; ++t) {
//     state = cell.Step(p, previous, state);          // previous: B x 54
//     ...
//   }

#ifndef PROVI_NN_LSTM_H_
#define PROVI_NN_LSTM_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "ad/tensor.h"
#include "nn/linear.h"

namespace provi {
namespace nn {

// LstmOptions
//
// How an `LstmCell` initialises its parameters.
struct LstmOptions {
  // Seeds the initialisers, together with the layers' names.
  uint64_t seed = 0;
};

// LstmState
//
// The hidden state h and the cell state c, R x H each; both empty (the
// default) for the zero state.
struct LstmState {
  Tensor h;
  Tensor c;

  // is_zero()
  //
  // Whether this is the zero state.
  bool is_zero() const { return h.size() == 0; }
};

// LstmCell
//
// See the file comment.
class LstmCell {
 public:
  // LstmCell()
  //
  // A cell named `name` (non-empty) with shared_in >= 1 shared input
  // columns, step_in >= 0 step input columns and hidden >= 1 units. Throws
  // `StatusError` otherwise.
  LstmCell(std::string name, Index shared_in, Index step_in, Index hidden,
           LstmOptions options = {});

  // Bound
  //
  // The cell with its parameters read (see Linear::Bound): a program that
  // runs several steps in one run binds the cell once.
  class Bound {
   public:
    // ProjectShared()
    //
    // P = s W_s + b for the shared inputs s (rows x shared_in): rows x 4H.
    Tensor ProjectShared(const Tensor& shared) const { return shared_(shared); }

    // Step()
    //
    // One step: the new state from the projection P (R x 4H, or 1 x 4H for
    // every lane alike), the step inputs u (R x step_in; ignored, and may
    // be empty, when step_in = 0) and the state (R x H each, or zero).
    LstmState Step(const Tensor& projection, const Tensor& step_input,
                   const LstmState& state) const;

    // operator()
    //
    // The unsplit cell: Step(ProjectShared(shared), step_input, state).
    LstmState operator()(const Tensor& shared, const Tensor& step_input,
                         const LstmState& state) const {
      return Step(ProjectShared(shared), step_input, state);
    }

   private:
    friend class LstmCell;
    Bound(const LstmCell* cell, Linear::Bound shared,
          std::optional<Linear::Bound> step, Linear::Bound hidden)
        : cell_(cell),
          shared_(std::move(shared)),
          step_(std::move(step)),
          hidden_(std::move(hidden)) {}

    const LstmCell* cell_;
    Linear::Bound shared_;
    std::optional<Linear::Bound> step_;
    Linear::Bound hidden_;
  };

  // Bind()
  //
  // Reads every param site of the cell, once.
  Bound Bind() const;

  // ProjectShared(), Step(), operator()
  //
  // `Bind()` followed by the same call (reading the param sites each time;
  // ProjectShared reads only W_s and b).
  Tensor ProjectShared(const Tensor& shared) const { return shared_(shared); }
  LstmState Step(const Tensor& projection, const Tensor& step_input,
                 const LstmState& state) const {
    return Bind().Step(projection, step_input, state);
  }
  LstmState operator()(const Tensor& shared, const Tensor& step_input,
                       const LstmState& state) const {
    return Bind()(shared, step_input, state);
  }

  // name(), shared_in(), step_in(), hidden()
  const std::string& name() const { return name_; }
  Index shared_in() const { return shared_.in(); }
  Index step_in() const { return step_in_; }
  Index hidden() const { return hidden_.in(); }

  // shared(), step(), hidden_layer()
  //
  // The layers holding W_s and b, W_u (absent when step_in = 0) and W_h.
  const Linear& shared() const { return shared_; }
  const std::optional<Linear>& step() const { return step_; }
  const Linear& hidden_layer() const { return hidden_; }

 private:
  std::string name_;
  Index step_in_;
  Linear shared_;
  std::optional<Linear> step_;
  Linear hidden_;
};

}  // namespace nn
}  // namespace provi

#endif  // PROVI_NN_LSTM_H_
