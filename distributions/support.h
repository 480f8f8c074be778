// Copyright 2026 The provi Authors.
//
// File: distributions/support.h
// -----------------------------------------------------------------------------
//
// `Support` describes the set a distribution's values live in: the reals, an
// interval, the simplex, ordered vectors, the integers from 0 to n, ... It
// answers membership questions (for validating observed values) and names
// the bijector that maps unconstrained reals onto it
// (distributions/bijector.h), which constrained parameters and autoguides
// use.
//
// Bounds that are tensors. `Support::Interval(lower, upper)` also takes
// tensor bounds, one per element (broadcast against the value like a
// distribution's parameters), and bounds computed from other random values:
// Stan's `real<lower=0, upper=1-alpha> beta` is
// `Support::Interval(0.0, 1 - alpha)` with alpha a tensor drawn earlier.
// Such a support is evaluated where it is built, so the bijector onto it
// (`BijectorFor`) follows the bounds of each run, and gradients flow
// through the bounds. Autoguides treat a latent site whose bounds depend on
// earlier latents specially (see vi/autoguide.h). A support with tensor
// bounds holds the tensors (views, like a distribution's parameters): one
// built inside a `TapeScope` must not outlive it; `WithOwnedBounds()` makes
// a copy that may.
//
// Example:
//
//   provi::Support s = provi::Support::Interval(0, 1);
//   s.Contains(0.5);           // true
//   s.ToString();              // "[0, 1]"
//   provi::Support beta_support = provi::Support::Interval(0.0, 1 - alpha);

#ifndef PROVI_DISTRIBUTIONS_SUPPORT_H_
#define PROVI_DISTRIBUTIONS_SUPPORT_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ad/tensor.h"
#include "base/real.h"

namespace provi {

// Support
//
// A value type. Elementwise supports (all but kSimplex, kOrdered, kOneHot
// and kLowerCholesky) constrain each element of a value; kSimplex, kOrdered
// and kOneHot constrain each row (lane); kLowerCholesky constrains a square
// matrix.
class Support {
 public:
  enum class Kind {
    kReal,                // (-inf, inf)
    kPositive,            // (0, inf)
    kNonNegative,         // [0, inf)
    kInterval,            // [lower, upper] (closed: float draws can round
                          // onto an endpoint)
    kSimplex,             // rows are non-negative and sum to 1
    kOrdered,             // rows are increasing real vectors
    kLowerCholesky,       // lower triangular, positive diagonal
    kNonNegativeInteger,  // {0, 1, 2, ...}
    kIntegerInterval,     // {lower, ..., upper}
    kOneHot,              // rows are one-hot: one 1, the rest 0
    kPoint,               // any real: a Delta's value is checked elsewhere
  };

  static Support Real() { return Support(Kind::kReal); }
  static Support Positive() { return Support(Kind::kPositive); }
  static Support NonNegative() { return Support(Kind::kNonNegative); }
  static Support Interval(provi::Real lower, provi::Real upper) {
    return Support(Kind::kInterval, lower, upper);
  }
  // Interval() with tensor bounds
  //
  // Element (i, j) of a value lies in [lower(i, j), upper(i, j)], the bounds
  // broadcast to the value's shape (1x1, 1xC, Rx1 or RxC). Two 1x1 constant
  // bounds give the plain interval above; otherwise the support keeps the
  // tensors (see the file comment). Bounds are not checked here: Check
  // reports bounds that do not broadcast or have lower > upper, and
  // BijectorFor needs lower < upper, all finite.
  static Support Interval(Tensor lower, Tensor upper);
  static Support UnitInterval() { return Interval(0, 1); }
  static Support Simplex() { return Support(Kind::kSimplex); }
  // Ordered()
  //
  // Each row is an increasing vector of reals, y_0 < y_1 < ... (Stan's
  // `ordered`, NumPyro's `ordered_vector`; e.g. cut points). Float rounding
  // can tie neighbours, so Check accepts y_{k-1} <= y_k.
  static Support Ordered() { return Support(Kind::kOrdered); }
  static Support LowerCholesky() { return Support(Kind::kLowerCholesky); }
  static Support NonNegativeInteger() {
    return Support(Kind::kNonNegativeInteger);
  }
  static Support IntegerInterval(provi::Real lower, provi::Real upper) {
    return Support(Kind::kIntegerInterval, lower, upper);
  }
  static Support Boolean() { return IntegerInterval(0, 1); }
  // OneHot()
  //
  // Each row is a one-hot vector: one element 1, the others 0 (the
  // categories of a OneHotCategorical, as columns). Discrete, so it has no
  // bijector.
  static Support OneHot() { return Support(Kind::kOneHot); }
  static Support Point() { return Support(Kind::kPoint); }

  Kind kind() const { return kind_; }

  // lower(), upper()
  //
  // The bounds of an interval. With tensor bounds: the smallest interval
  // holding every element's (the least lower and the greatest upper bound).
  provi::Real lower() const { return lower_; }
  provi::Real upper() const { return upper_; }

  // has_tensor_bounds(), lower_bound(), upper_bound()
  //
  // Whether the interval has tensor bounds, and the tensors (each checked
  // to exist: a programming error otherwise).
  bool has_tensor_bounds() const { return bounds_ != nullptr; }
  const Tensor& lower_bound() const;
  const Tensor& upper_bound() const;

  // bounds_require_grad()
  //
  // Whether a tensor bound is a variable on the tape: computed from
  // parameters or from other random values drawn on the tape.
  bool bounds_require_grad() const {
    return bounds_ != nullptr &&
           (bounds_->lower.requires_grad() || bounds_->upper.requires_grad());
  }

  // WithOwnedBounds()
  //
  // This support with tensor bounds replaced by constant copies that own
  // their storage (safe to keep beyond the tape scope they were computed
  // in); the support itself otherwise.
  Support WithOwnedBounds() const;

  // is_discrete()
  //
  // True for the integer supports and one-hot vectors.
  bool is_discrete() const {
    return kind_ == Kind::kNonNegativeInteger ||
           kind_ == Kind::kIntegerInterval || kind_ == Kind::kOneHot;
  }

  // is_elementwise()
  //
  // Whether membership is a condition on each element alone (false for the
  // simplex, ordered vectors, one-hot vectors and Cholesky factors).
  bool is_elementwise() const {
    return kind_ != Kind::kSimplex && kind_ != Kind::kOrdered &&
           kind_ != Kind::kOneHot && kind_ != Kind::kLowerCholesky;
  }

  // Contains()
  //
  // Whether one element lies in an elementwise support (row and matrix
  // conditions are Check's; an interval with tensor bounds is taken as its
  // enclosing interval [lower(), upper()]). NaN is never contained.
  bool Contains(provi::Real x) const;

  // ContainsAll()
  //
  // Whether Contains holds for each of the n elements at `data` (element
  // wise: the row conditions of the simplex, ordered and one-hot vectors
  // are Check's), in one vectorised pass (a loop for a few elements).
  bool ContainsAll(const provi::Real* data, Index n) const;

  // Check()
  //
  // OK if every element (or row, or the matrix) of `value` lies in the
  // support; otherwise InvalidArgument naming `what` (e.g. "Normal: value"),
  // the offending element's position and value, and the support.
  absl::Status Check(const Tensor& value, absl::string_view what) const;

  // ToString()
  //
  // "(-inf, inf)", "[0, 1]", "simplex", "{0, ..., 5}", "one-hot vectors",
  // ...
  std::string ToString() const;

  // Equal kinds and bounds; tensor bounds are equal when they have the same
  // shapes and values and are the same variables (or both constants).
  friend bool operator==(const Support& a, const Support& b) {
    return a.kind_ == b.kind_ && a.lower_ == b.lower_ && a.upper_ == b.upper_ &&
           SameBounds(a, b);
  }

 private:
  // ContainsAll for a few values, in one scalar loop.
  bool ContainsFew(const provi::Real* data, Index n) const;

  struct Bounds {
    Tensor lower;
    Tensor upper;
  };

  explicit Support(Kind kind, provi::Real lower = 0, provi::Real upper = 0)
      : kind_(kind), lower_(lower), upper_(upper) {}

  absl::Status CheckTensorBounds(const Tensor& value,
                                 absl::string_view what) const;
  static bool SameBounds(const Support& a, const Support& b);

  Kind kind_;
  provi::Real lower_;
  provi::Real upper_;
  std::shared_ptr<const Bounds> bounds_;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_SUPPORT_H_
