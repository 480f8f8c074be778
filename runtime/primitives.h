// Copyright 2026 The provi Authors.
//
// File: runtime/primitives.h
// -----------------------------------------------------------------------------
//
// The statements probabilistic programs are written with. A program is any
// C++ callable that uses them; with no handler installed, `sample` simply
// draws and `observe` returns its value.
//
//   sample(address, dist[, strategy])   a random choice
//   observe(address, dist, value)       a conditioned choice (likelihood)
//   param(name, init[, constraint])     a learnable parameter
//   factor(name, log_weight)            an extra log-density term
//   deterministic(name, value)          a recorded function of choices
//   Plate plate(name, size[, subsample]) conditionally independent lanes
//   Scope scope(prefix)                 hierarchical addresses
//
// Errors at a site (invalid distribution parameters, a value of the wrong
// shape, a NaN, a duplicate address under a trace) are thrown as
// `StatusError` naming the address; the entry points that run programs
// (`Trace(...)`, density evaluation, gradient estimation) return them as
// `absl::Status`. Model code needs no status plumbing.
//
// Example:
//
//   auto model = [](const provi::Tensor& x) {
//     provi::Tensor mu = provi::sample("mu", provi::Normal(0.0, 10.0));
//     provi::Plate data("data", x.rows());
//     provi::observe("x", provi::Normal(mu, 1.0).Expand(x.rows(), 1), x);
//   };

#ifndef PROVI_RUNTIME_PRIMITIVES_H_
#define PROVI_RUNTIME_PRIMITIVES_H_

#include <functional>
#include <memory>
#include <vector>

#include "absl/random/bit_gen_ref.h"
#include "absl/strings/string_view.h"
#include "ad/tensor.h"
#include "distributions/distribution.h"
#include "distributions/support.h"
#include "runtime/address.h"
#include "runtime/message.h"

namespace provi {

// sample()
//
// A random choice at `address` (joined to the enclosing scopes) from
// `dist`; returns its value (rows x cols of `dist`). `strategy` chooses the
// site's gradient strategy (estimators/strategies.h; default: the
// distribution's).
Tensor sample(absl::string_view address, const Distribution& dist);
Tensor sample(absl::string_view address, const Distribution& dist,
              std::shared_ptr<const SiteStrategy> strategy);

// observe()
//
// A choice fixed to the observed `value`; contributes log p(value) to the
// density. Returns `value`.
Tensor observe(absl::string_view address, const Distribution& dist,
               const Tensor& value);

// param()
//
// A learnable parameter. Under a parameter store (vi/param_store.h) returns
// the stored value, created from `init` on first use and mapped into
// `constraint` through its bijector; with no store, returns `init()` as is.
// `init` is called only when a value is needed.
Tensor param(absl::string_view name, const std::function<Tensor()>& init,
             Support constraint = Support::Real());
Tensor param(absl::string_view name, const Tensor& init,
             Support constraint = Support::Real());

// factor()
//
// Adds `log_weight` (1x1, or one entry per lane) to the log density.
void factor(absl::string_view name, const Tensor& log_weight);

// deterministic()
//
// Records `value` at `name` (traces see it); returns the value handlers leave
// (normally `value`).
Tensor deterministic(absl::string_view name, const Tensor& value);

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
  // subsampling), in the order the program should use them.
  const std::vector<Index>& indices() const { return indices_; }

 private:
  PlateInfo info_;
  std::vector<Index> indices_;
};

// DrawSubsample()
//
// A uniformly random subset of `plate.subsample_size` distinct indices of
// 0..plate.size-1, in random order, as a subsample_size x 1 tensor: what a
// subsampled plate draws when no handler supplies its indices.
Tensor DrawSubsample(const PlateInfo& plate, absl::BitGenRef gen);

// Scope
//
// RAII: addresses of sites created while alive are prefixed with "prefix/".
// Scopes nest ("encoder/layer1/w").
class Scope {
 public:
  explicit Scope(absl::string_view prefix);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  Address saved_;
};

// CurrentScope()
//
// The prefix addresses are joined to (the root outside every Scope).
Address CurrentScope();

// CurrentPlates()
//
// The enclosing plates, outermost first.
const PlateStack& CurrentPlates();

}  // namespace provi

#endif  // PROVI_RUNTIME_PRIMITIVES_H_
