// Copyright 2026 The provi Authors.

#include "distributions/support.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"

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

}  // namespace

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
    case Kind::kLowerCholesky:
      return std::isfinite(x);
  }
  return false;
}

bool Support::ContainsAll(const provi::Real* data, Index n) const {
  // NaN fails every comparison; |x| <= max is "finite and not NaN".
  constexpr provi::Real kMax = std::numeric_limits<provi::Real>::max();
  const provi::Real lo = static_cast<provi::Real>(lower_);
  const provi::Real hi = static_cast<provi::Real>(upper_);
  switch (kind_) {
    case Kind::kReal:
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
        return x >= 0 && x <= kMax && x == std::floor(x);
      });
    case Kind::kIntegerInterval:
      return AllElements(data, n, [lo, hi](provi::Real x) {
        return x >= lo && x <= hi && x == std::floor(x);
      });
    case Kind::kPoint:
      return AllElements(data, n, [](provi::Real x) { return x == x; });
    case Kind::kSimplex:
      return AllElements(data, n,
                         [](provi::Real x) { return x >= 0 && x <= 1; });
  }
  return false;
}

absl::Status Support::Check(const Tensor& value, absl::string_view what) const {
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
      return absl::StrCat("[", lower_, ", ", upper_, "]");
    case Kind::kSimplex:
      return "simplex";
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
