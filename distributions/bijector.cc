// Copyright 2026 The provi Authors.

#include "distributions/bijector.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/status_error.h"
#include "distributions/internal/bijector_math.h"

namespace provi {

namespace dm = distributions_internal;

Tensor IdentityBijector::Forward(const Tensor& unconstrained) const {
  return unconstrained;
}

Tensor IdentityBijector::Inverse(const Tensor& constrained) const {
  return constrained;
}

Tensor IdentityBijector::LogAbsDetJacobian(const Tensor& unconstrained) const {
  return dm::FilledConstant<Real>(unconstrained.rows(), 1,
                                  [](Index, Index) { return 0; });
}

Tensor ExpBijector::Forward(const Tensor& unconstrained) const {
  return Exp(unconstrained);
}

Tensor ExpBijector::Inverse(const Tensor& constrained) const {
  return Log(constrained);
}

Tensor ExpBijector::LogAbsDetJacobian(const Tensor& unconstrained) const {
  return RowSum(unconstrained);
}

Tensor SoftplusBijector::Forward(const Tensor& unconstrained) const {
  return Softplus(unconstrained);
}

Tensor SoftplusBijector::Inverse(const Tensor& constrained) const {
  return dm::SoftplusInverse(constrained);
}

Tensor SoftplusBijector::LogAbsDetJacobian(const Tensor& unconstrained) const {
  return RowSum(LogSigmoid(unconstrained));
}

SigmoidBijector::SigmoidBijector(Real lower, Real upper)
    : codomain_(Support::Interval(lower, upper)) {
  if (!(std::isfinite(lower) && std::isfinite(upper) && lower < upper)) {
    ThrowStatus(absl::InvalidArgumentError(
        absl::StrCat("Sigmoid: the interval [", lower, ", ", upper,
                     "] needs finite bounds with lower < upper")));
  }
}

SigmoidBijector::SigmoidBijector(Tensor lower, Tensor upper)
    : codomain_(Support::Interval(std::move(lower), std::move(upper))) {
  if (!codomain_.has_tensor_bounds()) {
    *this = SigmoidBijector(codomain_.lower(), codomain_.upper());
    return;
  }
  const Tensor& lo = codomain_.lower_bound();
  const Tensor& hi = codomain_.upper_bound();
  const Index rows = std::max(lo.rows(), hi.rows());
  const Index cols = std::max(lo.cols(), hi.cols());
  const bool broadcast = (lo.rows() == 1 || lo.rows() == rows) &&
                         (hi.rows() == 1 || hi.rows() == rows) &&
                         (lo.cols() == 1 || lo.cols() == cols) &&
                         (hi.cols() == 1 || hi.cols() == cols);
  if (!broadcast) {
    ThrowStatus(absl::InvalidArgumentError(
        absl::StrCat("Sigmoid: bounds of shapes ", lo.ShapeString(), " and ",
                     hi.ShapeString(), " do not broadcast together")));
  }
  for (Index j = 0; j < cols; ++j) {
    for (Index i = 0; i < rows; ++i) {
      const Real a = lo(lo.rows() == 1 ? 0 : i, lo.cols() == 1 ? 0 : j);
      const Real b = hi(hi.rows() == 1 ? 0 : i, hi.cols() == 1 ? 0 : j);
      if (!(std::isfinite(a) && std::isfinite(b) && a < b)) {
        ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
            "Sigmoid: element (", i, ", ", j, ") has the interval [", a, ", ",
            b, "]; it needs finite bounds with lower < upper")));
      }
    }
  }
}

Tensor SigmoidBijector::Forward(const Tensor& unconstrained) const {
  if (codomain_.has_tensor_bounds()) {
    return dm::IntervalForward(unconstrained, codomain_.lower_bound(),
                               codomain_.upper_bound());
  }
  return dm::IntervalForward(unconstrained, lower(), upper());
}

Tensor SigmoidBijector::Inverse(const Tensor& constrained) const {
  if (codomain_.has_tensor_bounds()) {
    return dm::IntervalInverse(constrained, codomain_.lower_bound(),
                               codomain_.upper_bound());
  }
  return dm::IntervalInverse(constrained, lower(), upper());
}

Tensor SigmoidBijector::LogAbsDetJacobian(const Tensor& unconstrained) const {
  if (codomain_.has_tensor_bounds()) {
    return dm::IntervalLogAbsDetJacobian(unconstrained, codomain_.lower_bound(),
                                         codomain_.upper_bound());
  }
  return dm::IntervalLogAbsDetJacobian(unconstrained, lower(), upper());
}

Tensor OrderedBijector::Forward(const Tensor& unconstrained) const {
  return dm::OrderedForward(unconstrained);
}

Tensor OrderedBijector::Inverse(const Tensor& constrained) const {
  return dm::OrderedInverse(constrained);
}

Tensor OrderedBijector::LogAbsDetJacobian(const Tensor& unconstrained) const {
  return dm::OrderedLogAbsDetJacobian(unconstrained);
}

Tensor StickBreakingBijector::Forward(const Tensor& unconstrained) const {
  return dm::StickBreakingForward(unconstrained);
}

Tensor StickBreakingBijector::Inverse(const Tensor& constrained) const {
  return dm::StickBreakingInverse(constrained);
}

Tensor StickBreakingBijector::LogAbsDetJacobian(
    const Tensor& unconstrained) const {
  return dm::StickBreakingLogAbsDetJacobian(unconstrained);
}

Index StickBreakingBijector::ConstrainedCols(Index unconstrained_cols) const {
  return unconstrained_cols + 1;
}

Index StickBreakingBijector::UnconstrainedCols(Index constrained_cols) const {
  if (constrained_cols < 1) {
    ThrowStatus(absl::InvalidArgumentError(
        absl::StrCat("StickBreaking: a simplex of ", constrained_cols,
                     " columns; it needs at least one")));
  }
  return constrained_cols - 1;
}

Tensor LowerCholeskyBijector::Forward(const Tensor& unconstrained) const {
  return dm::LowerCholeskyForward(unconstrained);
}

Tensor LowerCholeskyBijector::Inverse(const Tensor& constrained) const {
  return dm::LowerCholeskyInverse(constrained);
}

Tensor LowerCholeskyBijector::LogAbsDetJacobian(
    const Tensor& unconstrained) const {
  return dm::LowerCholeskyLogAbsDetJacobian(unconstrained);
}

Index LowerCholeskyBijector::ConstrainedCols(Index unconstrained_cols) const {
  const Index d = dm::CholeskyDimension(unconstrained_cols);
  if (d < 0) {
    ThrowStatus(absl::InvalidArgumentError(
        absl::StrCat("LowerCholesky: ", unconstrained_cols,
                     " unconstrained columns is not D(D+1)/2 for any D")));
  }
  return d;
}

Index LowerCholeskyBijector::UnconstrainedCols(Index constrained_cols) const {
  return constrained_cols * (constrained_cols + 1) / 2;
}

std::shared_ptr<const Bijector> BijectorFor(const Support& support) {
  switch (support.kind()) {
    case Support::Kind::kReal:
    case Support::Kind::kPoint:
      return std::make_shared<IdentityBijector>();
    case Support::Kind::kPositive:
    case Support::Kind::kNonNegative:
      return std::make_shared<ExpBijector>();
    case Support::Kind::kInterval:
      if (support.has_tensor_bounds()) {
        return std::make_shared<SigmoidBijector>(support.lower_bound(),
                                                 support.upper_bound());
      }
      return std::make_shared<SigmoidBijector>(support.lower(),
                                               support.upper());
    case Support::Kind::kSimplex:
      return std::make_shared<StickBreakingBijector>();
    case Support::Kind::kOrdered:
      return std::make_shared<OrderedBijector>();
    case Support::Kind::kLowerCholesky:
      return std::make_shared<LowerCholeskyBijector>();
    case Support::Kind::kNonNegativeInteger:
    case Support::Kind::kIntegerInterval:
    case Support::Kind::kOneHot:
      break;
  }
  ThrowStatus(absl::InvalidArgumentError(
      absl::StrCat("BijectorFor: no bijector maps the reals onto the discrete "
                   "support ",
                   support.ToString())));
}

}  // namespace provi
