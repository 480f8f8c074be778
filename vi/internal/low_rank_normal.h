// Copyright 2026 The provi Authors.
//
// File: vi/internal/low_rank_normal.h
// -----------------------------------------------------------------------------
//
// `LowRankNormal`: the D-dimensional normal N(loc, W Wᵀ + diag(s²)) with a
// D x k factor W (k << D) and per-component scales s, the family of the
// low-rank autoguide (vi/autoguide.h). Each lane (row) is one draw.
//
// Pathwise: x = loc + ε₁ Wᵀ + ε₂ ⊙ s, with ε₁ ~ N(0, I_k), ε₂ ~ N(0, I_D)
// per lane (one matrix product for all lanes).
//
// Density, in O(R D k + k³) for R lanes and never forming the D x D
// covariance: with Σ = diag(s²) + W Wᵀ, C = I_k + Wᵀ diag(s⁻²) W = L Lᵀ and
// r = x - loc (a row),
//
//   rᵀ Σ⁻¹ r = Σ_d r_d² / s_d² - ‖L⁻¹ Wᵀ diag(s⁻²) r‖²   (Woodbury)
//   log det Σ = 2 Σ_d log s_d + 2 Σ_j log L_jj          (determinant lemma)
//   log p(x) = -½ rᵀ Σ⁻¹ r - ½ log det Σ - (D/2) log 2π.

#ifndef PROVI_VI_INTERNAL_LOW_RANK_NORMAL_H_
#define PROVI_VI_INTERNAL_LOW_RANK_NORMAL_H_

#include "absl/random/bit_gen_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ad/tensor.h"
#include "distributions/distribution.h"
#include "distributions/support.h"

namespace provi {
namespace autoguide_internal {

class LowRankNormal final : public DistributionImpl<LowRankNormal> {
 public:
  // `loc`: rows x D or 1 x D; `cov_factor`: W, D x k; `diag_scale`: s,
  // 1 x D, positive.
  LowRankNormal(Tensor loc, Tensor cov_factor, Tensor diag_scale);

  // `rows` lanes; `cols` must be D (Validate() fails otherwise).
  LowRankNormal Expand(Index rows, Index cols) const;

  absl::string_view name() const override { return "LowRankNormal"; }
  Index rows() const override { return rows_; }
  Index cols() const override { return cols_; }
  absl::Status Validate() const override;
  Support support() const override { return Support::Real(); }
  Tensor Sample(absl::BitGenRef gen) const override;
  bool has_rsample() const override { return true; }
  Tensor RSample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;

 private:
  Tensor loc_;
  Tensor cov_factor_;
  Tensor diag_scale_;
  Index rows_;
  Index cols_;
};

}  // namespace autoguide_internal
}  // namespace provi

#endif  // PROVI_VI_INTERNAL_LOW_RANK_NORMAL_H_
