// Copyright 2026 The provi Authors.
//
// File: vi/param_store.h
// -----------------------------------------------------------------------------
//
// `ParamStore` holds the named, learnable parameters that programs declare
// with `param(name, init, constraint)` (runtime/primitives.h). It is a
// handler: while a store is installed (`ParamStoreScope`), the first `param`
// message for a name creates the parameter from `init()` (called exactly
// once), and every use returns its current value.
//
// Constraints. A parameter is stored *unconstrained*, as an ad `Parameter`
// (value and gradient buffer), and mapped onto its constraint by the
// standard bijector of distributions/bijector.h:
//
//   created:  u = BijectorFor(constraint)->Inverse(init())
//   each use: BijectorFor(constraint)->Forward(u)
//
// Inside a `TapeScope` the use is on the tape, so `Backward` accumulates the
// gradient with respect to u in `Parameter::grad()`; optimizers then update
// u freely and the constrained value stays in its set (positive scales,
// probabilities on the simplex, ordered cut points, Cholesky factors, ...).
//
// A site that already has a value when it reaches the store (set by an inner
// handler such as `substitute`) is left alone: the store neither creates
// nor returns the parameter.
//
// Errors, thrown as `StatusError` at the site (the entry points that run
// programs return them as `absl::Status`), each naming the address: an
// initial value outside the constraint or on its boundary (which maps to an
// infinite unconstrained value); a constraint no bijector reaches (the
// integer supports) or that has tensor bounds (Support::Interval(lower,
// upper) with tensors); a name reused with a different constraint; and a
// parameter created by `Load` whose program's initial value has another
// shape (checked the first time the program uses it, which is also the one
// time its `init` is called). `init` is never called again once the
// parameter exists, so a later call site with a differently shaped `init`
// is not seen: one name, one parameter.
//
// Checkpoints. `Save` writes every parameter to a binary file atomically
// (a temporary file in the same directory, fsync, rename), so a crash leaves
// either the old file or the new one. `Load` reads it back and returns a
// status, never crashing, for a missing, foreign, truncated or corrupted
// file and for parameters that disagree with the store. The format,
// version 1 (all integers unsigned little-endian, all reals IEEE-754
// binary64 little-endian):
//
//   offset    size  field
//   0         8     magic: the ASCII bytes "PROVIPRM"
//   8         4     format version: 1
//   12        8     B, the length of the body in bytes
//   20        B     body:
//                     8  count: the number of parameters, then for each,
//                        in creation order:
//                     4  name length N
//                     N  name (the full address, e.g. "encoder/w")
//                     1  constraint kind: 0 real, 1 positive, 2 non-negative,
//                        3 interval, 4 simplex, 5 lower Cholesky, 6 point,
//                        7 ordered
//                     8  constraint lower bound (interval; else 0)
//                     8  constraint upper bound (interval; else 0)
//                     8  rows of the unconstrained value
//                     8  cols of the unconstrained value
//                     8 * rows * cols  the unconstrained value, column-major
//   20 + B    8     FNV-1a (64-bit) checksum of bytes [0, 20 + B)
//
// The file holds unconstrained values, so a save / load round trip is exact
// in both precisions (a float build widens to binary64 and back).
//
// Thread-safety: a store is used by one thread at a time (it is installed on
// a thread's handler stack and its parameters live outside any lock).
// Different threads may use different stores concurrently.
//
// Example:
//
//   provi::ParamStore store;
//   auto guide = [] {
//     provi::Tensor loc = provi::param("loc", provi::Tensor(0.0));
//     provi::Tensor scale = provi::param("scale", provi::Tensor(1.0),
//                                        provi::Support::Positive());
//     return provi::sample("z", provi::Normal(loc, scale));
//   };
//   {
//     provi::ParamStoreScope scope(store);
//     guide();                        // creates "loc" and "scale"
//   }
//   absl::StatusOr<provi::Tensor> scale = store.Get("scale");   // 1.0
//   PROVI_RETURN_IF_ERROR(store.Save("/tmp/guide.params"));

#ifndef PROVI_VI_PARAM_STORE_H_
#define PROVI_VI_PARAM_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ad/tensor.h"
#include "distributions/support.h"
#include "runtime/address.h"
#include "runtime/handler.h"

namespace provi {

class Bijector;

// NamedParameter
//
// One entry of `ParamStore::parameters()`.
struct NamedParameter {
  Address address;
  Parameter* parameter = nullptr;  // the unconstrained value and gradient
};

// LoadOptions
//
// How `ParamStore::Load` treats parameters that are already in the store.
struct LoadOptions {
  // true: every parameter already in the store must be in the file, with the
  // same shape and constraint, else nothing is loaded (FailedPrecondition).
  // false: the file wins: its parameters replace (shape and constraint
  // included) or create entries; store entries absent from the file stay.
  // In both modes the file's parameters that the store lacks are created (a
  // store creates parameters lazily, so a fresh one may lack some).
  bool strict = true;
};

// ParamStore
//
// See the file comment. Not copyable or movable: installed handlers and
// optimizers hold pointers to it and to its parameters.
class ParamStore : public Handler {
 public:
  ParamStore();
  ~ParamStore() override;
  ParamStore(const ParamStore&) = delete;
  ParamStore& operator=(const ParamStore&) = delete;

  // Process()
  //
  // Answers `param` messages that have no value yet (see the file comment).
  void Process(Message& msg) override;

  // Contains()
  //
  // Whether a parameter named `name` (a full address) exists.
  bool Contains(absl::string_view name) const;

  // Get()
  //
  // The constrained value of `name` as a constant (a copy, safe to keep), or
  // NotFound.
  absl::StatusOr<Tensor> Get(absl::string_view name) const;

  // Unconstrained()
  //
  // The unconstrained parameter of `name`, or NotFound. The pointer stays
  // valid until `Clear()` or the store's destruction. Writing its value
  // changes the parameter; keep the shape (see `Parameter`).
  absl::StatusOr<Parameter*> Unconstrained(absl::string_view name);

  // Constraint()
  //
  // The constraint `name` was created with, or NotFound.
  absl::StatusOr<Support> Constraint(absl::string_view name) const;

  // parameters()
  //
  // Every parameter with its address, in creation order. Entries are only
  // ever appended (until `Clear()`), so indices and pointers are stable.
  const std::vector<NamedParameter>& parameters() const { return named_; }

  // parameter_pointers()
  //
  // The same parameters as a span, the form `Optimizer::Step` takes.
  absl::Span<Parameter* const> parameter_pointers() const { return pointers_; }

  // size()
  //
  // The number of parameters.
  size_t size() const { return named_.size(); }

  // ZeroGrad()
  //
  // Sets every parameter's gradient to zero.
  void ZeroGrad();

  // CheckGradientsFinite()
  //
  // InvalidArgument naming the first parameter (by its name) whose gradient
  // has a non-finite element, with the element; else OK.
  absl::Status CheckGradientsFinite() const;

  // Clear()
  //
  // Removes every parameter. Pointers from `parameters()` and
  // `Unconstrained()`, and tensors returned by earlier uses, dangle
  // afterwards; an optimizer that stepped them must be `Reset()`.
  void Clear();

  // Save()
  //
  // Writes every parameter to `path` atomically in the format of the file
  // comment. Returns the I/O error, if any (the previous file, if there was
  // one, is then unchanged and no temporary file remains), or
  // FailedPrecondition naming the parameter when a value is not finite
  // (nothing is written). Temporary files left by earlier saves to `path`
  // whose process died mid-write are removed first.
  absl::Status Save(const std::string& path) const;

  // Load()
  //
  // Reads a file written by `Save` and replaces the values of the store's
  // parameters by the file's (creating those the store lacks), as governed
  // by `options`. Either everything is loaded or, on error, nothing is:
  // NotFound (and other I/O errors) when the file cannot be read;
  // InvalidArgument for a file that is not in this format (wrong magic, an
  // unknown version or constraint kind, a parameter with an empty name or
  // a value that is not finite in `provi::Real`); DataLoss for a truncated
  // file or a checksum mismatch; FailedPrecondition for parameters that
  // disagree with the store in strict mode. Loaded parameters get zero
  // gradients. An optimizer keeps its state (e.g. Adam's moments) across a Load
  // unless it is `Reset()`.
  absl::Status Load(const std::string& path, LoadOptions options = {});

 private:
  struct Entry;

  Entry* Find(Address address) const;
  Entry& Create(const Message& msg);
  void CheckUse(Entry& entry, const Message& msg);
  Entry& Append(Address address, Support constraint,
                std::shared_ptr<const Bijector> bijector, Matrix unconstrained);

  std::vector<std::unique_ptr<Entry>> entries_;
  absl::flat_hash_map<Address, Entry*> index_;
  std::vector<NamedParameter> named_;
  std::vector<Parameter*> pointers_;
};

// ParamStoreScope
//
// RAII: installs `store` (not owned) on this thread's handler stack for the
// scope's life, so `param` statements run meanwhile read and create its
// parameters.
class ParamStoreScope {
 public:
  explicit ParamStoreScope(ParamStore& store) : scope_(store) {}
  ParamStoreScope(const ParamStoreScope&) = delete;
  ParamStoreScope& operator=(const ParamStoreScope&) = delete;

 private:
  HandlerScope scope_;
};

}  // namespace provi

#endif  // PROVI_VI_PARAM_STORE_H_
