// Copyright 2026 The provi Authors.
//
// File: distributions/distribution.h
// -----------------------------------------------------------------------------
//
// `Distribution` is the interface every family implements and everything a
// gradient estimator may ask of a sample site:
//
//   * shape: a draw is a `rows() x cols()` tensor, rows being lanes and
//     columns the event (DESIGN.md section 2);
//   * `Sample` (a detached draw; every family but the improper
//     ImproperUniform has one) and, for reparameterisable families,
//     `RSample` (a draw on the tape, differentiable in the parameters);
//   * `LogProb(value)`: one log density per lane (rows x 1), summed over the
//     event columns;
//   * `Support()`, for validation and for the bijectors of constrained
//     parameters;
//   * `EnumerateSupport()` for finite families (exact marginalisation);
//   * `MvdTerms()`: measure-valued derivative couplings;
//   * `Validate()`: parameter checks, reported as `absl::Status`.
//
// Parameters are `Tensor`s and broadcast together (DESIGN.md section 2);
// `Expand(rows, cols)` broadcasts a family to a larger shape. Randomness comes
// through `absl::BitGenRef`, so runs are reproducible from a seed.
//
// Errors. Constructors do not fail: they store their parameters. The
// runtime calls `Validate()` at each sample site and reports a failure with
// the site's address; direct callers can call it themselves. `LogProb`
// throws `StatusError` (InvalidArgument, naming the family) when the value's
// shape does not broadcast with the distribution's or, while validation is
// on (`SetDistributionValidation`), when a value lies outside the support.
//
// Example:
//
//   provi::Normal normal(loc, scale);                // loc, scale: Tensors
//   PROVI_RETURN_IF_ERROR(normal.Validate());
//   provi::Tensor x = normal.RSample(rng);            // on the tape
//   provi::Tensor log_p = normal.LogProb(x);         // rows x 1

#ifndef PROVI_DISTRIBUTIONS_DISTRIBUTION_H_
#define PROVI_DISTRIBUTIONS_DISTRIBUTION_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <memory_resource>
#include <new>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/random/bit_gen_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ad/tensor.h"
#include "distributions/support.h"

namespace provi {

// SetDistributionValidation(), DistributionValidationEnabled()
//
// Whether `LogProb` checks values against the support and the runtime calls
// `Validate()` at every site. On by default; turning it off saves the O(size)
// checks in tight loops once a model is known to be correct. Process-wide.
void SetDistributionValidation(bool enabled);
namespace distribution_internal {
extern std::atomic<bool> validation_enabled;
}  // namespace distribution_internal
inline bool DistributionValidationEnabled() {
  return distribution_internal::validation_enabled.load(
      std::memory_order_relaxed);
}

// MvdTerm
//
// One term of a measure-valued derivative (Mohamed, Rosca, Figurnov and Mnih,
// "Monte Carlo Gradient Estimation in Machine Learning", JMLR 2020, sec. 6):
// for a parameter entry θ_j (one value per lane),
//
//   ∂/∂θ_j E_p[f(x)] = c_j (E_{p⁺_j}[f(x)] - E_{p⁻_j}[f(x)]),
//
// with x⁺ ~ p⁺_j and x⁻ ~ p⁻_j sample-shaped values that differ from the
// site's value only where θ_j acts. The estimator re-runs the rest of the
// program with the site forced to `positive` and to `negative` and adds
// (θ_j - Detach(θ_j)) c_j Detach(L⁺ - L⁻) to its surrogate, lane by lane.
struct MvdTerm {
  // θ_j per lane (rows x 1), on the tape: where the gradient goes.
  Tensor parameter;
  // c_j per lane (rows x 1), a constant.
  Tensor constant;
  // A draw from p⁺_j, shaped like a sample (rows x cols), constant.
  Tensor positive;
  // A draw from p⁻_j, or nothing when p⁻_j is the zero measure.
  std::optional<Tensor> negative;
};

// Distribution
//
// The interface. Implementations are small value types (parameters are
// tensors, cheap to copy); the runtime keeps copies through `CloneWith()`,
// or `Clone()` for families that cannot.
class Distribution {
 public:
  virtual ~Distribution() = default;

  // name()
  //
  // The family's name, used in every message: "Normal", "Categorical", ...
  virtual absl::string_view name() const = 0;

  // rows(), cols()
  //
  // The shape of one draw: lanes and event components.
  virtual Index rows() const = 0;
  virtual Index cols() const = 0;

  // Validate()
  //
  // OK when the parameters are valid and their shapes broadcast; otherwise
  // InvalidArgument naming the family, the parameter and the offending value
  // (e.g. "Normal: parameter 'scale' element (0, 1) = -1 must be > 0").
  virtual absl::Status Validate() const = 0;

  // support()
  //
  // Where values live.
  virtual Support support() const = 0;

  // has_sample(), Sample()
  //
  // Whether the family can be drawn from, and a draw with no gradient (a
  // constant tensor). Only improper densities (ImproperUniform) have no
  // sampler: their Sample throws FailedPrecondition, and a site's value
  // must come from elsewhere (a guide, substitute, an autoguide's
  // initialisation).
  virtual bool has_sample() const { return true; }
  virtual Tensor Sample(absl::BitGenRef gen) const = 0;

  // has_rsample(), RSample()
  //
  // Whether the family is reparameterisable, and a draw on the tape whose
  // gradient flows to the parameters. Families without it throw
  // Unimplemented from `RSample`.
  virtual bool has_rsample() const { return false; }
  virtual Tensor RSample(absl::BitGenRef gen) const;

  // LogProb()
  //
  // log p(value), one entry per lane: a (broadcast rows) x 1 tensor. `value`
  // broadcasts with the distribution's shape. See the file comment for
  // errors.
  virtual Tensor LogProb(const Tensor& value) const = 0;

  // has_enumerate_support(), EnumerateSupport()
  //
  // For finite families: every value a draw can take, each as a
  // sample-shaped constant, the same value in every lane (lanes are
  // enumerated together; see estimators/). Throws Unimplemented otherwise,
  // and InvalidArgument when the support would be too large to enumerate.
  virtual bool has_enumerate_support() const { return false; }
  virtual std::vector<Tensor> EnumerateSupport() const;

  // has_mvd(), MvdTerms()
  //
  // Measure-valued derivative couplings at the site's value `value` (the
  // main draw, which the terms' draws replace entry by entry). Throws
  // Unimplemented for families without them.
  virtual bool has_mvd() const { return false; }
  virtual std::vector<MvdTerm> MvdTerms(const Tensor& value,
                                        absl::BitGenRef gen) const;

  // Clone()
  //
  // A copy with the same parameters (tensors are shared views).
  virtual std::shared_ptr<const Distribution> Clone() const = 0;

  // CloneWith()
  //
  // A copy like Clone()'s whose memory comes from `memory`, for callers that
  // keep many copies and choose where they live. The copy takes one
  // allocation of `memory`; the result destroys it and gives the allocation
  // back to `memory`, which must outlive it. A caller whose resource frees
  // its memory wholesale (std::pmr::monotonic_buffer_resource) may instead
  // `release()` the copy and later run only its destructor.
  //
  // Returns null, having allocated nothing, when the family cannot: the
  // default for families deriving from Distribution directly
  // (DistributionImpl families can). Callers then use Clone(). Exceptions
  // from `memory.allocate` (std::bad_alloc, or whatever a resource throws
  // when it refuses a request) and from the family's copy constructor
  // propagate, with nothing left allocated.
  struct ResourceDelete {
    std::pmr::memory_resource* memory = nullptr;
    size_t size = 0;
    size_t alignment = 0;
    void operator()(const Distribution* copy) const {
      // The allocation starts at the most derived object.
      void* allocation = const_cast<void*>(dynamic_cast<const void*>(copy));
      copy->~Distribution();
      memory->deallocate(allocation, size, alignment);
    }
  };
  using ResourceCopy = std::unique_ptr<const Distribution, ResourceDelete>;
  virtual ResourceCopy CloneWith(std::pmr::memory_resource& memory) const {
    (void)memory;
    return nullptr;
  }

  // WithDetachedParameters()
  //
  // A copy whose parameter tensors are held fixed (`Detach`, ad/ops.h): the
  // same values, so the same draws and log densities, but `LogProb(value)`
  // differentiates in `value` only. Null when the family cannot rebuild
  // itself so: the default, which families whose parameters are all
  // `Parametric` tensors (distributions/internal/parametric.h) override.
  // Callers that need the fixed density then re-run whatever built the
  // distribution with its inputs held fixed (see IwelboDreg, vi/objectives.h).
  virtual std::shared_ptr<const Distribution> WithDetachedParameters() const {
    return nullptr;
  }

  // ExpandRows()
  //
  // The same family with `rows` lanes and the same event: a one-row
  // distribution broadcast to `rows` (e.g. for vectorised particles).
  // Validate() of the result fails if the parameters do not broadcast.
  virtual std::shared_ptr<const Distribution> ExpandRows(Index rows) const = 0;
};

namespace distribution_internal {
template <typename D, typename = void>
struct ExpandsRowsOnly : std::false_type {};
template <typename D>
struct ExpandsRowsOnly<
    D, std::void_t<decltype(std::declval<const D&>().Expand(Index{}))>>
    : std::true_type {};
}  // namespace distribution_internal

// DistributionImpl<D>
//
// The base every family derives from (`class Normal final : public
// DistributionImpl<Normal>`): implements Clone(), CloneWith() and
// ExpandRows() from the family's copy constructor and its `Expand(rows,
// cols)` (or `Expand(rows)` for families whose columns are categories).
template <typename D>
class DistributionImpl : public Distribution {
 public:
  std::shared_ptr<const Distribution> Clone() const final {
    return std::make_shared<D>(static_cast<const D&>(*this));
  }
  ResourceCopy CloneWith(std::pmr::memory_resource& memory) const final {
    void* allocation = memory.allocate(sizeof(D), alignof(D));
    try {
      return ResourceCopy(new (allocation) D(static_cast<const D&>(*this)),
                          ResourceDelete{&memory, sizeof(D), alignof(D)});
    } catch (...) {
      memory.deallocate(allocation, sizeof(D), alignof(D));
      throw;
    }
  }
  std::shared_ptr<const Distribution> ExpandRows(Index rows) const final {
    const D& self = static_cast<const D&>(*this);
    if constexpr (distribution_internal::ExpandsRowsOnly<D>::value) {
      return std::make_shared<D>(self.Expand(rows));
    } else {
      return std::make_shared<D>(self.Expand(rows, self.cols()));
    }
  }
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_DISTRIBUTION_H_
