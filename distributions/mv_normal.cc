// Copyright 2026 The provi Authors.

#include "distributions/mv_normal.h"

#include <cmath>
#include <numeric>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/status_macros.h"

namespace provi {

using distributions_internal::Shape;

namespace {

// rows x D, where D is the order of the (square) scale_tril and rows those
// of `loc` or of `expand`; invalid when loc does not broadcast to it.
Shape EventShape(const Tensor& loc, const Tensor& scale_tril, Shape expand) {
  const Index d = scale_tril.rows();
  if (scale_tril.cols() != d) return Shape{};
  if (expand.given && !expand.valid()) return Shape{};
  const Shape shape = expand.given ? expand : Shape{loc.rows(), d};
  const bool loc_fits = (loc.rows() == shape.rows || loc.rows() == 1) &&
                        (loc.cols() == d || loc.cols() == 1);
  if (!loc_fits || shape.cols != d) return Shape{};
  return shape;
}

}  // namespace

MvNormal::MvNormal(Tensor loc, Tensor scale_tril)
    : MvNormal(std::move(loc), std::move(scale_tril), Shape{}) {}

MvNormal::MvNormal(Tensor loc, Tensor scale_tril, Shape expand)
    : loc_(std::move(loc)),
      scale_tril_(std::move(scale_tril)),
      expand_(expand),
      shape_(EventShape(loc_, scale_tril_, expand)) {}

MvNormal MvNormal::FromCovariance(Tensor loc, const Tensor& covariance) {
  return MvNormal(std::move(loc), Cholesky(covariance));
}

MvNormal MvNormal::Expand(Index rows, Index cols) const {
  return MvNormal(loc_, scale_tril_,
                  distributions_internal::ExpandShape(rows, cols));
}

absl::Status MvNormal::Validate() const {
  if (scale_tril_.rows() != scale_tril_.cols()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name(), ": parameter 'scale_tril' is ",
                     scale_tril_.ShapeString(), ", not a square matrix"));
  }
  if (expand_.given && !expand_.valid()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name(), ": cannot expand to the negative shape ",
                     expand_.rows, "x", expand_.cols));
  }
  if (!shape_.valid()) {
    const Index d = scale_tril_.rows();
    return absl::InvalidArgumentError(absl::StrCat(
        name(), ": parameter shapes loc ", loc_.ShapeString(), ", scale_tril ",
        scale_tril_.ShapeString(), " do not broadcast",
        expand_.given ? absl::StrCat(" to the expanded shape ", expand_.rows,
                                     "x", expand_.cols)
                      : "",
        " (loc must be rows x ", d, " or 1 x ", d, ")"));
  }
  PROVI_RETURN_IF_ERROR(
      distributions_internal::CheckFinite(name(), {"loc", &loc_}));
  // CheckParam's predicates see values only; the requirement here depends on
  // the position, so the loop is written out with the same message format.
  const auto l = scale_tril_.value();
  for (Index j = 0; j < l.cols(); ++j) {
    for (Index i = 0; i < l.rows(); ++i) {
      const Real x = l(i, j);
      const char* requirement = nullptr;
      if (i < j && x != 0) {
        requirement = "must be 0 (above the diagonal)";
      } else if (i == j && !(x > 0 && std::isfinite(x))) {
        requirement = "must be > 0 and finite (on the diagonal)";
      } else if (i > j && !std::isfinite(x)) {
        requirement = "must be finite";
      }
      if (requirement != nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat(name(), ": parameter 'scale_tril' element (", i, ", ",
                         j, ") = ", x, " ", requirement));
      }
    }
  }
  return absl::OkStatus();
}

Tensor MvNormal::RSample(absl::BitGenRef gen) const {
  const Tensor eps =
      distributions_internal::StandardNormalNoise(rows(), cols(), gen);
  return loc_ + MatMul(eps, Transpose(scale_tril_));
}

Tensor MvNormal::Sample(absl::BitGenRef gen) const {
  NoRecordScope no_record;
  return RSample(gen);
}

Tensor MvNormal::LogProb(const Tensor& value) const {
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  const Tensor centred =
      distributions_internal::BroadcastValue(value, shape) - loc_;
  // Column i of `whitened` is L⁻¹ (x_i - loc_i) for lane i.
  const Tensor whitened = TriangularSolve(scale_tril_, Transpose(centred));
  std::vector<Index> diagonal(static_cast<size_t>(scale_tril_.rows()));
  std::iota(diagonal.begin(), diagonal.end(), Index{0});
  const Tensor log_det = SumAll(Log(GatherCols(scale_tril_, diagonal)));
  return Transpose(ColSum(Square(whitened))) * Real(-0.5) - log_det -
         static_cast<Real>(static_cast<double>(cols()) *
                           distributions_internal::kHalfLog2Pi);
}

}  // namespace provi
