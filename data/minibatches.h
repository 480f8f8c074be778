// Copyright 2026 The provi Authors.
//
// File: data/minibatches.h
// -----------------------------------------------------------------------------
//
// `Minibatches` walks a data set (one example per row) in shuffled
// minibatches with a range-for loop. Each loop over it is one epoch: it
// draws a fresh random order of the rows, then yields consecutive groups of
// `batch_size` rows in that order as `Tensor`s (copies of the selected rows,
// constants), so every row appears exactly once per epoch. The last batch
// is smaller when the batch size does not divide the number of rows, unless
// `drop_last`, which skips it (every batch then has the same shape).
//
// `Minibatches` refers to the data and the generator without owning them:
// both must outlive it. The order depends only on the generator's stream.
//
// Errors: a batch size below 1 makes the constructor throw `StatusError`
// with an InvalidArgument status (see base/status_error.h); provi's entry
// points, and `CatchStatus`, return it as a Status.
//
// Example:
//
//   provi::Rng rng = provi::MakeRng(1);
//   provi::Minibatches batches(train.images, 64, rng);
//   for (int epoch = 0; epoch < 10; ++epoch) {
//     for (const provi::Tensor& batch : batches) {  // 64 x 784 each
//       PROVI_RETURN_IF_ERROR(svi.Step(batch));
//     }
//   }

#ifndef PROVI_DATA_MINIBATCHES_H_
#define PROVI_DATA_MINIBATCHES_H_

#include <cstddef>
#include <iterator>
#include <vector>

#include "absl/random/bit_gen_ref.h"
#include "absl/types/span.h"
#include "ad/tensor.h"

namespace provi {

// Minibatches
//
// See the file comment.
class Minibatches {
 public:
  // Iterator
  //
  // An input iterator over one epoch's batches.
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Tensor;
    using difference_type = std::ptrdiff_t;
    using pointer = const Tensor*;
    using reference = const Tensor&;

    // The current batch: rows x data.cols().
    const Tensor& operator*() const { return batch_; }
    const Tensor* operator->() const { return &batch_; }

    // Moves to the next batch.
    Iterator& operator++();

    // indices()
    //
    // The rows of the data in the current batch, in batch order (to pick
    // the matching labels, say).
    absl::Span<const Index> indices() const;

    friend bool operator==(const Iterator& a, const Iterator& b) {
      return a.batch_index_ == b.batch_index_;
    }
    friend bool operator!=(const Iterator& a, const Iterator& b) {
      return !(a == b);
    }

   private:
    friend class Minibatches;
    Iterator(const Minibatches* owner, Index batch_index);
    void Load();

    const Minibatches* owner_;
    Index batch_index_;
    Tensor batch_;
  };

  // Minibatches()
  //
  // Batches of `batch_size` (at least 1) rows of `data`, shuffled with
  // `gen`; without `drop_last`, the last batch holds the remainder.
  Minibatches(const Matrix& data, Index batch_size, absl::BitGenRef gen,
              bool drop_last = false);

  // begin(), end()
  //
  // `begin()` starts an epoch: it shuffles the rows afresh (invalidating
  // iterators of the previous epoch) and loads the first batch.
  Iterator begin();
  Iterator end() const;

  // num_batches()
  //
  // The number of batches per epoch.
  Index num_batches() const { return num_batches_; }

  // batch_size(), drop_last()
  //
  // The options given at construction.
  Index batch_size() const { return batch_size_; }
  bool drop_last() const { return drop_last_; }

 private:
  const Matrix* data_;
  Index batch_size_;
  absl::BitGenRef gen_;
  bool drop_last_;
  Index num_batches_;
  // The current epoch's order of the rows.
  std::vector<Index> order_;
};

}  // namespace provi

#endif  // PROVI_DATA_MINIBATCHES_H_
