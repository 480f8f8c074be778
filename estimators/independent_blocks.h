// Copyright 2026 The provi Authors.
//
// File: estimators/independent_blocks.h
// -----------------------------------------------------------------------------
//
// `IndependentBlocks(n, body)` runs `body(0)`, ..., `body(n - 1)` in order
// and returns their values. It declares that the blocks are independent: the
// choices and the value of block j depend only on what the program computed
// before the call and on block j's own choices, and a block affects the rest
// of the program only through its sites, the costs it adds (`AddCost`) and
// its returned value. Sequential importance-weighted particles are the
// typical case: particle k's guide and model, under addresses of their own,
// give its log weight, and the bound combines the n values after the call.
//
// Outside an estimator the call is a loop. Under `Expectation`, a value run
// that a strategy schedules at a site inside block j (the counterfactual of
// a measure-valued derivative, estimators/mvd.h; the coupled draws of a
// family with two-sided couplings) re-executes block j alone: it replays
// the sites before the call and block j's sites before the forced one, and
// takes every other block's value and costs from the run that scheduled it
// instead of re-running it. With n particles, a counterfactual then costs
// one particle's continuation rather than all n particles' programs.
//
// Soundness: given the choices before the forced site, the other blocks'
// values in the scheduling run are draws from their conditional
// distribution, independent of block j's continuation (by the declaration),
// so the value run's cost is a draw of the counterfactual program's cost,
// as when it re-ran every block. The difference it enters also shares those
// values with the scheduling run's cost (common random numbers), which
// lowers the estimator's variance. Surrogate runs (enumerated branches)
// still run every block: their gradients need all of them on the tape.
//
// Nested calls: only the outermost call of a run declares blocks; a call
// inside a block is a loop within that block.
//
// Errors: a value run whose call has a different number of blocks than
// the scheduling run's, or that reaches fewer calls, throws
// FailedPrecondition (the program did not make the same choices when its
// values were replayed); the estimator returns it as a status.
//
// Example (two particles, each with its own presence site; SequentialIwelbo
// in vi/objectives.h is written this way, with a whole guide and model per
// block):
//
//   std::vector<provi::Tensor> log_w = provi::IndependentBlocks(2, [&](int k) {
//     const provi::Tensor b = provi::sample(
//         absl::StrCat("b", k), provi::Bernoulli::FromProbs(p), provi::Mvd());
//     return b * y[k];
//   });
//   return provi::RowLogSumExp(provi::ConcatCols(log_w)) - std::log(2.0);

#ifndef PROVI_ESTIMATORS_INDEPENDENT_BLOCKS_H_
#define PROVI_ESTIMATORS_INDEPENDENT_BLOCKS_H_

#include <utility>
#include <vector>

#include "ad/tensor.h"

namespace provi {
namespace estimators_internal {

class RunHandler;

// One call of `IndependentBlocks` as the active estimator run sees it (no
// run: every block executes).
class BlocksCall {
 public:
  explicit BlocksCall(int blocks);
  ~BlocksCall();
  BlocksCall(const BlocksCall&) = delete;
  BlocksCall& operator=(const BlocksCall&) = delete;

  // Whether block j is taken from the scheduling run rather than executed.
  bool Skips(int j) const;
  // A skipped block's value, from the scheduling run (detached); re-adds
  // the costs the block added there to this run.
  Tensor Taken(int j);
  // Around an executed block.
  void Enter(int j);
  void Exit(int j, const Tensor& value);

 private:
  RunHandler* run_ = nullptr;  // null: a loop
  int call_ = -1;
  int blocks_;
  int entered_ = -1;
};

}  // namespace estimators_internal

// IndependentBlocks()
//
// See the file comment. `body(j)` returns a Tensor; `n` ≥ 0.
template <typename F>
std::vector<Tensor> IndependentBlocks(int n, F&& body) {
  estimators_internal::BlocksCall call(n);
  std::vector<Tensor> values;
  values.reserve(n > 0 ? n : 0);
  for (int j = 0; j < n; ++j) {
    if (call.Skips(j)) {
      values.push_back(call.Taken(j));
      continue;
    }
    call.Enter(j);
    Tensor value = body(j);
    call.Exit(j, value);
    values.push_back(std::move(value));
  }
  return values;
}

}  // namespace provi

#endif  // PROVI_ESTIMATORS_INDEPENDENT_BLOCKS_H_
