// Copyright 2026 The provi Authors.
//
// File: distributions/low_rank_normal.h
// -----------------------------------------------------------------------------
//
// The D-dimensional normal N(loc, W Wᵀ + diag(s²)) with a D x k factor W
// (`cov_factor`, k << D) and per-component scales s (`diag_scale`): a
// covariance of rank-k structure plus independent noise in D(k + 2)
// parameters, the family of AutoLowRankMultivariateNormal
// (vi/autoguide.h). Each lane (row) is one D-dimensional draw: `loc` is
// rows x D (a mean per lane) or 1 x D (shared), a draw is rows x D and
// `LogProb` gives one value per row.
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
//
// Parameters must be finite, s positive, and k >= 1.
//
// Example:
//
//   provi::LowRankNormal q(loc,          // 1 x D
//                          cov_factor,   // D x k
//                          diag_scale);  // 1 x D, positive
//   provi::Tensor x = q.RSample(rng);    // 1 x D, on the tape
//   provi::Tensor log_q = q.LogProb(x);  // 1 x 1

#ifndef PROVI_DISTRIBUTIONS_LOW_RANK_NORMAL_H_
#define PROVI_DISTRIBUTIONS_LOW_RANK_NORMAL_H_

#include "absl/random/bit_gen_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ad/tensor.h"
#include "distributions/distribution.h"
#include "distributions/support.h"

namespace provi {

class LowRankNormal final : public DistributionImpl<LowRankNormal> {
 public:
  // `loc`: rows x D or 1 x D; `cov_factor`: W, D x k; `diag_scale`: s,
  // 1 x D, positive.
  LowRankNormal(Tensor loc, Tensor cov_factor, Tensor diag_scale);

  // Expand()
  //
  // `rows` lanes; `cols` must be D (Validate() fails otherwise).
  LowRankNormal Expand(Index rows, Index cols) const;

  const Tensor& loc() const { return loc_; }
  const Tensor& cov_factor() const { return cov_factor_; }
  const Tensor& diag_scale() const { return diag_scale_; }

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

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_LOW_RANK_NORMAL_H_
