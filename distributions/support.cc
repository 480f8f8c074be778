// Copyright 2026 The provi Authors.

#include "distributions/support.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

#include "Eigen/Core"
#include "absl/strings/str_cat.h"
#include "ad/tensor.h"
#include "base/check.h"

namespace provi {
namespace {

// Whether pred holds for all n elements: no early exit, so the compiler can
// vectorise the loop (checks run on every log density of large batches).
template <typename Pred>
bool AllElements(const provi::Real* data, Index n, Pred pred) {
  bool ok = true;
  for (Index i = 0; i < n; ++i) ok &= pred(data[i]);
  return ok;
}

// Whether x is an integer, in a few instructions (std::floor is a library
// call without SSE4.1): as in AllIntegersWithin below, |x| >= m is always
// one, and below m = 2^(digits - 1), (|x| + m) - m rounds |x| to an
// integer. False for NaN.
inline bool IsInteger(provi::Real x) {
  constexpr provi::Real kMagic = static_cast<provi::Real>(
      uint64_t{1} << (std::numeric_limits<provi::Real>::digits - 1));
  const provi::Real a = std::abs(x);
  return a >= kMagic || (a + kMagic) - kMagic == a;
}

// Whether every x of data[0, n) lies in [lo, hi] and is an integer, in one
// pass of Eigen's packet operations (a loop testing each element is not
// vectorised at -O2, and std::floor is a library call without SSE4.1): this
// dominates checking a Bernoulli observation of a large batch. The sum of
//   x · 0                 NaN for a NaN or infinite x, else ±0,
//   max(x - hi, 0), max(lo - x, 0)        > 0 outside the bounds,
//   |((a + m) - m) - a|   a = min(|x|, m), m = 2^(digits - 1),
// is 0 exactly when every x passes. The last term: every Real of magnitude
// >= m is an integer, and below m the sum a + m rounds to an integer (the
// spacing there is 1) while subtracting m is exact, so the difference is 0
// exactly when a is an integer. A sum of terms >= 0 is 0 only if each is.
bool AllIntegersWithin(const provi::Real* data, Index n, provi::Real lo,
                       provi::Real hi) {
  using provi::Real;
  constexpr Real kMagic =
      static_cast<Real>(uint64_t{1} << (std::numeric_limits<Real>::digits - 1));
  const Eigen::Map<const Eigen::Array<Real, Eigen::Dynamic, 1>> x(data, n);
  const auto a = x.abs().min(kMagic);
  return (x * Real(0) + (x - hi).max(Real(0)) + (lo - x).max(Real(0)) +
          (((a + kMagic) - kMagic) - a).abs())
             .sum() == Real(0);
}

// The broadcast size of dimensions a, b, c (each 1 or the largest), or -1.
Index BroadcastSize(Index a, Index b, Index c) {
  const Index n = std::max({a, b, c});
  for (Index d : {a, b, c}) {
    if (d != 1 && d != n) return -1;
  }
  return n;
}

// Element (i, j) of `t` broadcast to a larger shape.
provi::Real BroadcastElement(const Tensor& t, Index i, Index j) {
  return t(t.rows() == 1 ? 0 : i, t.cols() == 1 ? 0 : j);
}

}  // namespace

Support Support::Interval(Tensor lower, Tensor upper) {
  if (lower.is_scalar() && upper.is_scalar() && !lower.requires_grad() &&
      !upper.requires_grad()) {
    return Interval(lower.item(), upper.item());
  }
  const provi::Real hull_lower =
      lower.size() > 0 ? lower.value().minCoeff() : -kInfinity;
  const provi::Real hull_upper =
      upper.size() > 0 ? upper.value().maxCoeff() : kInfinity;
  Support support(Kind::kInterval, hull_lower, hull_upper);
  support.bounds_ = std::make_shared<const Bounds>(
      Bounds{std::move(lower), std::move(upper)});
  return support;
}

const Tensor& Support::lower_bound() const {
  PROVI_CHECK(bounds_ != nullptr) << "lower_bound() of " << ToString();
  return bounds_->lower;
}

const Tensor& Support::upper_bound() const {
  PROVI_CHECK(bounds_ != nullptr) << "upper_bound() of " << ToString();
  return bounds_->upper;
}

bool Support::SameBounds(const Support& a, const Support& b) {
  if (a.bounds_ == b.bounds_) return true;
  if (a.bounds_ == nullptr || b.bounds_ == nullptr) return false;
  const auto same = [](const Tensor& x, const Tensor& y) {
    return x.rows() == y.rows() && x.cols() == y.cols() &&
           x.adjoint_data() == y.adjoint_data() && x.value() == y.value();
  };
  return same(a.bounds_->lower, b.bounds_->lower) &&
         same(a.bounds_->upper, b.bounds_->upper);
}

Support Support::WithOwnedBounds() const {
  if (bounds_ == nullptr) return *this;
  Support owned = *this;
  owned.bounds_ = std::make_shared<const Bounds>(
      Bounds{Tensor(Matrix(bounds_->lower.value())),
             Tensor(Matrix(bounds_->upper.value()))});
  return owned;
}

bool Support::Contains(provi::Real x) const {
  if (std::isnan(x)) return false;
  switch (kind_) {
    case Kind::kReal:
      return std::isfinite(x);
    case Kind::kPositive:
      return x > 0 && std::isfinite(x);
    case Kind::kNonNegative:
      return x >= 0 && std::isfinite(x);
    case Kind::kInterval:
      return x >= lower_ && x <= upper_;
    case Kind::kNonNegativeInteger:
      return x >= 0 && std::isfinite(x) && x == std::floor(x);
    case Kind::kIntegerInterval:
      return x >= lower_ && x <= upper_ && x == std::floor(x);
    case Kind::kPoint:
      return true;
    case Kind::kSimplex:
      return x >= 0 && x <= 1;
    case Kind::kOneHot:
      return x == 0 || x == 1;
    case Kind::kOrdered:
    case Kind::kLowerCholesky:
      return std::isfinite(x);
  }
  return false;
}

// The membership test of ContainsAll for a few values (kAllFiniteLoopMax or
// fewer), one loop of inlined comparisons: it costs less than setting up
// vectorised reductions.
bool Support::ContainsFew(const provi::Real* data, Index n) const {
  // NaN fails every comparison; |x| <= max is "finite and not NaN".
  constexpr provi::Real kMax = std::numeric_limits<provi::Real>::max();
  const provi::Real lo = static_cast<provi::Real>(lower_);
  const provi::Real hi = static_cast<provi::Real>(upper_);
  switch (kind_) {
    case Kind::kReal:
    case Kind::kOrdered:
    case Kind::kLowerCholesky:
      return AllElements(data, n,
                         [](provi::Real x) { return std::abs(x) <= kMax; });
    case Kind::kPositive:
      return AllElements(data, n,
                         [](provi::Real x) { return x > 0 && x <= kMax; });
    case Kind::kNonNegative:
      return AllElements(data, n,
                         [](provi::Real x) { return x >= 0 && x <= kMax; });
    case Kind::kInterval:
      return AllElements(
          data, n, [lo, hi](provi::Real x) { return x >= lo && x <= hi; });
    case Kind::kNonNegativeInteger:
      return AllElements(data, n, [](provi::Real x) {
        return x >= 0 && x <= kMax && IsInteger(x);
      });
    case Kind::kIntegerInterval:
      return AllElements(data, n, [lo, hi](provi::Real x) {
        return x >= lo && x <= hi && IsInteger(x);
      });
    case Kind::kPoint:
      return AllElements(data, n, [](provi::Real x) { return x == x; });
    case Kind::kSimplex:
      return AllElements(data, n,
                         [](provi::Real x) { return x >= 0 && x <= 1; });
    case Kind::kOneHot:
      return AllElements(data, n,
                         [](provi::Real x) { return x == 0 || x == 1; });
  }
  return false;
}

bool Support::ContainsAll(const provi::Real* data, Index n) const {
  // One pass (or two) of Eigen's packet operations per kind, which
  // vectorise where a loop testing each element does not (GCC's cost model
  // at -O2). AllFinite is false for NaN and infinities; once every element
  // is finite, the bounds are a minimum and a maximum.
  constexpr provi::Real kMax = std::numeric_limits<provi::Real>::max();
  const provi::Real lo = static_cast<provi::Real>(lower_);
  const provi::Real hi = static_cast<provi::Real>(upper_);
  if (n <= kAllFiniteLoopMax) return ContainsFew(data, n);
  // From here on n > 0, so the minimum and maximum exist.
  const Eigen::Map<const Eigen::Array<provi::Real, Eigen::Dynamic, 1>> values(
      data, n);
  switch (kind_) {
    case Kind::kReal:
    case Kind::kOrdered:
    case Kind::kLowerCholesky:
      return AllFinite(values);
    case Kind::kPositive:
      return AllFinite(values) && values.minCoeff() > 0;
    case Kind::kNonNegative:
      return AllFinite(values) && values.minCoeff() >= 0;
    case Kind::kInterval:
      if (std::abs(lo) <= kMax && std::abs(hi) <= kMax) {
        return AllFinite(values) && values.minCoeff() >= lo &&
               values.maxCoeff() <= hi;
      }
      // An infinite bound admits infinities.
      return AllElements(
          data, n, [lo, hi](provi::Real v) { return v >= lo && v <= hi; });
    case Kind::kNonNegativeInteger:
      return AllIntegersWithin(data, n, 0, kMax);
    case Kind::kIntegerInterval:
      return AllIntegersWithin(data, n, lo, hi);
    case Kind::kPoint:
      return AllElements(data, n, [](provi::Real x) { return x == x; });
    case Kind::kSimplex:
      return AllFinite(values) && values.minCoeff() >= 0 &&
             values.maxCoeff() <= 1;
    case Kind::kOneHot:
      return AllElements(data, n,
                         [](provi::Real x) { return x == 0 || x == 1; });
  }
  return false;
}

absl::Status Support::CheckTensorBounds(const Tensor& value,
                                        absl::string_view what) const {
  const Tensor& lower = bounds_->lower;
  const Tensor& upper = bounds_->upper;
  const Index rows = BroadcastSize(value.rows(), lower.rows(), upper.rows());
  const Index cols = BroadcastSize(value.cols(), lower.cols(), upper.cols());
  if (rows < 0 || cols < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " of shape ", value.ShapeString(), " does not broadcast with ",
        "the bounds of its interval support (lower ", lower.ShapeString(),
        ", upper ", upper.ShapeString(), ")"));
  }
  for (Index j = 0; j < cols; ++j) {
    for (Index i = 0; i < rows; ++i) {
      const provi::Real x = BroadcastElement(value, i, j);
      const provi::Real lo = BroadcastElement(lower, i, j);
      const provi::Real hi = BroadcastElement(upper, i, j);
      if (!(lo <= hi)) {
        return absl::InvalidArgumentError(absl::StrCat(
            what, ": the bounds of element (", i, ", ", j, ") are lower = ", lo,
            " and upper = ", hi, "; an interval needs lower <= upper"));
      }
      if (!(x >= lo && x <= hi)) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, " element (", i, ", ", j, ") = ", x,
                         " is outside the support [", lo, ", ", hi, "]"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Support::Check(const Tensor& value, absl::string_view what) const {
  if (bounds_ != nullptr) return CheckTensorBounds(value, what);
  const auto v = value.value();
  if (kind_ == Kind::kSimplex) {
    // Float sums of a few hundred terms stay within this of 1.
    const provi::Real tolerance =
        std::sqrt(kRealEpsilon) * std::max<provi::Real>(1, v.cols());
    for (Index i = 0; i < v.rows(); ++i) {
      provi::Real sum = 0;
      for (Index j = 0; j < v.cols(); ++j) {
        if (!(v(i, j) >= 0 && v(i, j) <= 1)) {
          return absl::InvalidArgumentError(
              absl::StrCat(what, " element (", i, ", ", j, ") = ", v(i, j),
                           " is outside the simplex"));
        }
        sum += v(i, j);
      }
      if (std::abs(sum - 1) > tolerance) {
        return absl::InvalidArgumentError(absl::StrCat(
            what, " row ", i, " sums to ", sum, ", not 1 (simplex)"));
      }
    }
    return absl::OkStatus();
  }
  if (kind_ == Kind::kOneHot) {
    for (Index i = 0; i < v.rows(); ++i) {
      Index ones = 0;
      for (Index j = 0; j < v.cols(); ++j) {
        if (!(v(i, j) == 0 || v(i, j) == 1)) {
          return absl::InvalidArgumentError(
              absl::StrCat(what, " row ", i, " is not one-hot: element (", i,
                           ", ", j, ") = ", v(i, j), " is neither 0 nor 1"));
        }
        ones += v(i, j) == 1;
      }
      if (ones != 1) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, " row ", i, " is not one-hot: it has ", ones,
                         " elements equal to 1, not exactly one"));
      }
    }
    return absl::OkStatus();
  }
  if (kind_ == Kind::kOrdered) {
    for (Index i = 0; i < v.rows(); ++i) {
      for (Index j = 0; j < v.cols(); ++j) {
        if (!std::isfinite(v(i, j)) || (j > 0 && !(v(i, j - 1) <= v(i, j)))) {
          return absl::InvalidArgumentError(absl::StrCat(
              what, " element (", i, ", ", j, ") = ", v(i, j),
              (j > 0 && std::isfinite(v(i, j)))
                  ? absl::StrCat(" is below the element before it, ",
                                 v(i, j - 1), " (an ordered vector increases)")
                  : std::string(" is not finite (an ordered vector is real)")));
        }
      }
    }
    return absl::OkStatus();
  }
  if (kind_ == Kind::kLowerCholesky) {
    if (v.rows() != v.cols()) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, " is ", value.ShapeString(), ", not a square matrix"));
    }
    for (Index j = 0; j < v.cols(); ++j) {
      for (Index i = 0; i < v.rows(); ++i) {
        const provi::Real x = v(i, j);
        const bool ok = i < j ? x == 0 : (i == j ? x > 0 : std::isfinite(x));
        if (!ok) {
          return absl::InvalidArgumentError(absl::StrCat(
              what, " element (", i, ", ", j, ") = ", x,
              " violates lower-Cholesky form (zero above the diagonal, "
              "positive diagonal)"));
        }
      }
    }
    return absl::OkStatus();
  }
  if (ContainsAll(v.data(), v.size())) return absl::OkStatus();
  for (Index j = 0; j < v.cols(); ++j) {
    for (Index i = 0; i < v.rows(); ++i) {
      if (!Contains(v(i, j))) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, " element (", i, ", ", j, ") = ", v(i, j),
                         " is outside the support ", ToString()));
      }
    }
  }
  return absl::OkStatus();
}

std::string Support::ToString() const {
  switch (kind_) {
    case Kind::kReal:
      return "(-inf, inf)";
    case Kind::kPositive:
      return "(0, inf)";
    case Kind::kNonNegative:
      return "[0, inf)";
    case Kind::kInterval:
      if (bounds_ != nullptr) {
        return absl::StrCat("[lower, upper] with elementwise bounds (lower ",
                            bounds_->lower.ShapeString(), ", upper ",
                            bounds_->upper.ShapeString(), ") within [", lower_,
                            ", ", upper_, "]");
      }
      return absl::StrCat("[", lower_, ", ", upper_, "]");
    case Kind::kSimplex:
      return "simplex";
    case Kind::kOrdered:
      return "ordered vectors";
    case Kind::kOneHot:
      return "one-hot vectors";
    case Kind::kLowerCholesky:
      return "lower Cholesky factors";
    case Kind::kNonNegativeInteger:
      return "{0, 1, 2, ...}";
    case Kind::kIntegerInterval:
      return absl::StrCat("{", lower_, ", ..., ", upper_, "}");
    case Kind::kPoint:
      return "a point";
  }
  return "?";
}

}  // namespace provi
