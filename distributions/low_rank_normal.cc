// Copyright 2026 The provi Authors.

#include "distributions/low_rank_normal.h"

#include <numeric>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/status_macros.h"
#include "distributions/internal/family_support.h"

namespace provi {

using distributions_internal::Shape;

LowRankNormal::LowRankNormal(Tensor loc, Tensor cov_factor, Tensor diag_scale)
    : loc_(std::move(loc)),
      cov_factor_(std::move(cov_factor)),
      diag_scale_(std::move(diag_scale)),
      rows_(loc_.rows()),
      cols_(cov_factor_.rows()) {}

LowRankNormal LowRankNormal::Expand(Index rows, Index cols) const {
  LowRankNormal expanded = *this;
  expanded.rows_ = rows;
  expanded.cols_ = cols;
  return expanded;
}

absl::Status LowRankNormal::Validate() const {
  const Index d = cov_factor_.rows();
  const bool shapes_ok = cols_ == d && cov_factor_.cols() >= 1 &&
                         diag_scale_.rows() == 1 && diag_scale_.cols() == d &&
                         loc_.cols() == d &&
                         (loc_.rows() == rows_ || loc_.rows() == 1);
  if (!shapes_ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        name(), ": parameter shapes loc ", loc_.ShapeString(), ", cov_factor ",
        cov_factor_.ShapeString(), ", diag_scale ", diag_scale_.ShapeString(),
        " do not fit the shape ", rows_, "x", cols_,
        " (loc must be rows x D or 1 x D, cov_factor D x k with k >= 1, "
        "diag_scale 1 x D)"));
  }
  PROVI_RETURN_IF_ERROR(
      distributions_internal::CheckFinite(name(), {"loc", &loc_}));
  PROVI_RETURN_IF_ERROR(distributions_internal::CheckFinite(
      name(), {"cov_factor", &cov_factor_}));
  return distributions_internal::CheckPositive(name(),
                                               {"diag_scale", &diag_scale_});
}

Tensor LowRankNormal::RSample(absl::BitGenRef gen) const {
  const Tensor factor_noise = distributions_internal::StandardNormalNoise(
      rows_, cov_factor_.cols(), gen);
  const Tensor diag_noise =
      distributions_internal::StandardNormalNoise(rows_, cols_, gen);
  return loc_ + MatMul(factor_noise, Transpose(cov_factor_)) +
         diag_noise * diag_scale_;
}

Tensor LowRankNormal::Sample(absl::BitGenRef gen) const {
  NoRecordScope no_record;
  return RSample(gen);
}

Tensor LowRankNormal::LogProb(const Tensor& value) const {
  const Shape shape = distributions_internal::CheckValue(name(), value, rows_,
                                                         cols_, support());
  const Index k = cov_factor_.cols();
  const Tensor centred =
      distributions_internal::BroadcastValue(value, shape) - loc_;    // R x D
  const Tensor inv_var = ScalarDivide(Real(1), Square(diag_scale_));  // 1 x D
  const Tensor scaled = centred * inv_var;                            // R x D
  const Tensor diagonal_part = RowSum(centred * scaled);              // R x 1
  // C = I + Wᵀ diag(s⁻²) W and its Cholesky factor.
  const Tensor capacitance =
      MatMul(Transpose(cov_factor_), cov_factor_ * Transpose(inv_var)) +
      Tensor(Matrix(Matrix::Identity(k, k)));
  const Tensor chol = Cholesky(capacitance);
  // Column i: L⁻¹ Wᵀ diag(s⁻²) r_i.
  const Tensor projected =
      TriangularSolve(chol, Transpose(MatMul(scaled, cov_factor_)));
  const Tensor low_rank_part = Transpose(ColSum(Square(projected)));  // R x 1
  std::vector<Index> diagonal(static_cast<size_t>(k));
  std::iota(diagonal.begin(), diagonal.end(), Index{0});
  const Tensor half_log_det =
      SumAll(Log(diag_scale_)) + SumAll(Log(GatherCols(chol, diagonal)));
  return (diagonal_part - low_rank_part) * Real(-0.5) - half_log_det -
         static_cast<Real>(static_cast<double>(cols_) *
                           distributions_internal::kHalfLog2Pi);
}

}  // namespace provi
