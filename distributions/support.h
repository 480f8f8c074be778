// Copyright 2026 The provi Authors.
//
// File: distributions/support.h
// -----------------------------------------------------------------------------
//
// `Support` describes the set a distribution's values live in: the reals, an
// interval, the simplex, the integers from 0 to n, ... It answers
// membership questions (for validating observed values) and names the
// bijector that maps unconstrained reals onto it (distributions/bijector.h),
// which constrained parameters and autoguides use.
//
// Example:
//
//   provi::Support s = provi::Support::Interval(0, 1);
//   s.Contains(0.5);           // true
//   s.ToString();              // "[0, 1]"

#ifndef PROVI_DISTRIBUTIONS_SUPPORT_H_
#define PROVI_DISTRIBUTIONS_SUPPORT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ad/tensor.h"
#include "base/real.h"

namespace provi {

// Support
//
// A value type. Elementwise supports (all but kSimplex and kLowerCholesky)
// constrain each element of a value; kSimplex constrains each row (lane) to
// be a probability vector; kLowerCholesky constrains a square matrix.
class Support {
 public:
  enum class Kind {
    kReal,                // (-inf, inf)
    kPositive,            // (0, inf)
    kNonNegative,         // [0, inf)
    kInterval,            // [lower, upper] (closed: float draws can round
                          // onto an endpoint)
    kSimplex,             // rows are non-negative and sum to 1
    kLowerCholesky,       // lower triangular, positive diagonal
    kNonNegativeInteger,  // {0, 1, 2, ...}
    kIntegerInterval,     // {lower, ..., upper}
    kPoint,               // any real: a Delta's value is checked elsewhere
  };

  static Support Real() { return Support(Kind::kReal); }
  static Support Positive() { return Support(Kind::kPositive); }
  static Support NonNegative() { return Support(Kind::kNonNegative); }
  static Support Interval(provi::Real lower, provi::Real upper) {
    return Support(Kind::kInterval, lower, upper);
  }
  static Support UnitInterval() { return Interval(0, 1); }
  static Support Simplex() { return Support(Kind::kSimplex); }
  static Support LowerCholesky() { return Support(Kind::kLowerCholesky); }
  static Support NonNegativeInteger() {
    return Support(Kind::kNonNegativeInteger);
  }
  static Support IntegerInterval(provi::Real lower, provi::Real upper) {
    return Support(Kind::kIntegerInterval, lower, upper);
  }
  static Support Boolean() { return IntegerInterval(0, 1); }
  static Support Point() { return Support(Kind::kPoint); }

  Kind kind() const { return kind_; }
  provi::Real lower() const { return lower_; }
  provi::Real upper() const { return upper_; }

  // is_discrete()
  //
  // True for the integer supports.
  bool is_discrete() const {
    return kind_ == Kind::kNonNegativeInteger ||
           kind_ == Kind::kIntegerInterval;
  }

  // Contains()
  //
  // Whether one element lies in an elementwise support (kSimplex and
  // kLowerCholesky are checked by `Check`). NaN is never contained.
  bool Contains(provi::Real x) const;

  // ContainsAll()
  //
  // Whether Contains holds for each of the n elements at `data` (element
  // wise: the row-sum condition of the simplex is Check's), in one
  // vectorisable pass.
  bool ContainsAll(const provi::Real* data, Index n) const;

  // Check()
  //
  // OK if every element (or row, or the matrix) of `value` lies in the
  // support; otherwise InvalidArgument naming `what` (e.g. "Normal: value"),
  // the offending element's position and value, and the support.
  absl::Status Check(const Tensor& value, absl::string_view what) const;

  // ToString()
  //
  // "(-inf, inf)", "[0, 1]", "simplex", "{0, ..., 5}", ...
  std::string ToString() const;

  friend bool operator==(const Support& a, const Support& b) {
    return a.kind_ == b.kind_ && a.lower_ == b.lower_ && a.upper_ == b.upper_;
  }

 private:
  explicit Support(Kind kind, provi::Real lower = 0, provi::Real upper = 0)
      : kind_(kind), lower_(lower), upper_(upper) {}

  Kind kind_;
  provi::Real lower_;
  provi::Real upper_;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_SUPPORT_H_
