// Copyright 2026 The provi Authors.
//
// File: runtime/plate.h
// -----------------------------------------------------------------------------
//
// `Plate`: conditionally independent lanes, optionally subsampled. A program
// enters a plate by constructing one; the sites created while it lives are
// its lanes' (see `Plate` for the rules their rows follow).
//
// Example:
//
//   auto model = [](const provi::Tensor& x) {
//     provi::Tensor mu = provi::sample("mu", provi::Normal(0.0, 10.0));
//     provi::Plate data("data", x.rows(), /*subsample_size=*/32);
//     // The program takes the rows at data.indices() (a gather of its own):
//     provi::Tensor batch = RowsAt(x, data.indices());
//     provi::observe("x", provi::Normal(mu, 1.0).Expand(32, 1), batch);
//   };

#ifndef PROVI_RUNTIME_PLATE_H_
#define PROVI_RUNTIME_PLATE_H_

#include <vector>

#include "absl/random/bit_gen_ref.h"
#include "absl/strings/string_view.h"
#include "ad/tensor.h"
#include "runtime/address.h"
#include "runtime/message.h"

namespace provi {

// PlateLanes
//
// kExplicit: the program sizes its sites' rows itself (the usual case for
// data). kBroadcast: sample and observe sites inside whose distribution has
// one row are broadcast to the plate's lanes (`Distribution::ExpandRows`),
// so a program written for one sample runs as `size` vectorised copies
// (particles).
enum class PlateLanes { kExplicit, kBroadcast };

// Plate
//
// RAII: sites created while a Plate is alive are conditionally independent
// across their rows (lanes). With `subsample_size` < `size`, a random subset
// of that many indices is drawn (see `indices()`), the program uses only
// those lanes, and log densities inside are scaled by size /
// subsample_size. Plates nest; the lanes of nested plates are the rows of
// the sites inside them (how they are laid out is the program's choice),
// except that the innermost broadcasting plate gives one-row sites its
// lanes.
//
// The subsample is a recorded choice, like a sample site's value: the plate
// sends a kPlate message whose value is the indices, so handlers can supply
// them. A trace records them (a plate entered again in the same traced run
// takes the recorded indices), replay gives a program the indices its trace
// has for the plate of the same name (a model sees its guide's subsample),
// and inside an Expectation they are drawn from the estimation's generator
// (so `Expectation::Seed` makes them reproducible). Without any of these
// they come from a seed handler or the thread's generator.
//
// Checks, each an InvalidArgument naming the plate (and the site):
//   * a plate nested in a plate of the same name;
//   * a sample, observe or factor site inside plates, one of them not
//     broadcasting, whose row count (its log density's lanes) is neither 1
//     nor the product of the lane counts (subsample sizes) of some of its
//     plates: in a plate of 10 lanes subsampled from 100, a site has 10 rows
//     or 1, never 100 (under broadcasting plates alone, a program may lay
//     out lanes of its own in the particles' copies);
//   * subsampling a plate larger than provi::Real represents every integer
//     up to (2^24 in float), since the indices are stored as Reals.
class Plate {
 public:
  Plate(absl::string_view name, Index size, Index subsample_size = -1,
        PlateLanes lanes = PlateLanes::kExplicit);
  ~Plate();
  Plate(const Plate&) = delete;
  Plate& operator=(const Plate&) = delete;

  Address name() const { return info_.name; }
  Index size() const { return info_.size; }
  Index subsample_size() const { return info_.subsample_size; }

  // The lanes present, as indices into 0..size-1 (all of them without
  // subsampling), in the order the program should use them. (Without a
  // subsample they are listed on the first call: most programs never ask.)
  const std::vector<Index>& indices() const {
    if (!indices_listed_) ListAllIndices();
    return indices_;
  }

 private:
  void ListAllIndices() const;

  PlateInfo info_;
  // Listed by the constructor for a subsample, by ListAllIndices() otherwise.
  mutable std::vector<Index> indices_;
  mutable bool indices_listed_ = false;
};

// DrawSubsample()
//
// A uniformly random subset of `plate.subsample_size` distinct indices of
// 0..plate.size-1, in random order, as a subsample_size x 1 tensor: what a
// subsampled plate draws when no handler supplies its indices.
Tensor DrawSubsample(const PlateInfo& plate, absl::BitGenRef gen);

// CurrentPlates()
//
// The enclosing plates, outermost first.
const PlateStack& CurrentPlates();

}  // namespace provi

#endif  // PROVI_RUNTIME_PLATE_H_
