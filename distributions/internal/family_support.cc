// Copyright 2026 The provi Authors.

#include "distributions/internal/family_support.h"

#include <cmath>
#include <limits>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_error.h"
#include "distributions/distribution.h"

namespace provi {
namespace distributions_internal {
namespace {

std::string ShapesString(std::initializer_list<NamedParam> params) {
  return absl::StrJoin(params, ", ", [](std::string* out, const NamedParam& p) {
    absl::StrAppend(out, p.name, " ", p.tensor->ShapeString());
  });
}

}  // namespace

absl::Status ShapesError(absl::string_view family,
                         std::initializer_list<NamedParam> params,
                         Shape expand) {
  if (expand.given && !expand.valid()) {
    return absl::InvalidArgumentError(
        absl::StrCat(family, ": cannot expand to the negative shape ",
                     expand.rows, "x", expand.cols));
  }
  if (expand.given) {
    return absl::InvalidArgumentError(
        absl::StrCat(family, ": parameter shapes ", ShapesString(params),
                     " do not broadcast to the expanded shape ", expand.rows,
                     "x", expand.cols));
  }
  return absl::InvalidArgumentError(absl::StrCat(family, ": parameter shapes ",
                                                 ShapesString(params),
                                                 " do not broadcast"));
}

absl::Status ParamError(absl::string_view family, const NamedParam& param,
                        Index i, Index j, absl::string_view requirement) {
  const Real value = (*param.tensor)(i, j);
  // In single precision an infinity is usually an overflow of a finite
  // result (exp above 88.7, a square above 1.8e19): say so.
  const bool float_overflow =
      std::isinf(value) && std::numeric_limits<Real>::max() < 1e39;
  return absl::InvalidArgumentError(absl::StrCat(
      family, ": parameter '", param.name, "' element (", i, ", ", j,
      ") = ", value, " ", requirement,
      float_overflow
          ? " (provi::Real is float, whose largest value is 3.4e38: this "
            "infinity is likely an overflow, e.g. exp of an argument above "
            "88.7; build with --config=f64 for double precision, or keep "
            "the argument in range)"
          : ""));
}

Shape CheckValue(absl::string_view family, const Tensor& value, Index rows,
                 Index cols, const Support& support) {
  Shape shape;
  shape.rows = BroadcastDim(value.rows(), rows);
  shape.cols = BroadcastDim(value.cols(), cols);
  const bool value_full =
      value.rows() == shape.rows && value.cols() == shape.cols;
  const bool dist_full = rows == shape.rows && cols == shape.cols;
  if (shape.rows == -2 || shape.cols == -2 || !(value_full || dist_full)) {
    ThrowStatus(absl::InvalidArgumentError(
        absl::StrCat(family, ": value of shape ", value.ShapeString(),
                     " does not broadcast with the distribution's shape ", rows,
                     "x", cols)));
  }
  if (DistributionValidationEnabled()) {
    // The family's name is prefixed only on failure: no string work when
    // the value is in the support.
    const absl::Status status = support.Check(value, "value");
    if (!status.ok()) {
      ThrowStatus(absl::Status(status.code(),
                               absl::StrCat(family, ": ", status.message())));
    }
  }
  return shape;
}

Tensor SumEvent(const Tensor& elementwise, const Shape& shape) {
  return RowSum(BroadcastTo(elementwise, shape.rows, shape.cols));
}

Tensor StandardNormalNoise(Index rows, Index cols, absl::BitGenRef gen) {
  Real* data = nullptr;
  Tensor noise = NewConstant(rows, cols, &data);
  for (Index i = 0; i < rows * cols; ++i) data[i] = absl::Gaussian<Real>(gen);
  return noise;
}

Tensor UniformNoise(Index rows, Index cols, absl::BitGenRef gen) {
  Real* data = nullptr;
  Tensor noise = NewConstant(rows, cols, &data);
  for (Index i = 0; i < rows * cols; ++i) {
    data[i] = absl::Uniform<Real>(absl::IntervalOpen, gen, 0, 1);
  }
  return noise;
}

Tensor ReplaceColumn(const Tensor& value, Index column,
                     const Tensor& column_value) {
  Real* data = nullptr;
  Tensor out = NewConstant(value.rows(), value.cols(), &data);
  Eigen::Map<Matrix> m(data, value.rows(), value.cols());
  m = value.value();
  if (column_value.rows() == 1) {
    m.col(column).setConstant(column_value(0, 0));
  } else {
    m.col(column) = column_value.value().col(0);
  }
  return out;
}

}  // namespace distributions_internal
}  // namespace provi
