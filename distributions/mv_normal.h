// Copyright 2026 The provi Authors.
//
// File: distributions/mv_normal.h
// -----------------------------------------------------------------------------
//
// The multivariate normal distribution N(loc, L Lᵀ) over D-dimensional
// events, parameterised by the Cholesky factor L (`scale_tril`) of its
// covariance. Each lane (row) is one D-dimensional draw: `loc` is
// rows x D (a mean per lane) or 1 x D (shared), L is D x D, a draw is
// rows x D and `LogProb` gives one value per row.
//
//   log p(x) = -½ ‖L⁻¹ (x - loc)‖² - Σ_d log L_dd - (D/2) log 2π
//
// computed with one triangular solve for all lanes (L Z = (x - loc)ᵀ, so
// the columns of Z are the whitened lanes) and no explicit inverse.
//
// Pathwise: x = loc + L ε per lane, ε ~ N(0, I_D); for the rows x D noise
// matrix E that is x = loc + E Lᵀ (one matrix product).
//
// L must be lower triangular (zeros above the diagonal: a covariance passed
// by mistake fails validation) with a positive, finite diagonal and finite
// entries below it. `FromCovariance` builds L from a covariance matrix.
//
// Example:
//
//   provi::MvNormal prior(provi::Tensor(Matrix::Zero(1, 3)),
//                         provi::Tensor(Matrix::Identity(3, 3)));
//   provi::MvNormal guide(loc, scale_tril);   // loc: B x 3, scale_tril: 3x3
//   provi::Tensor z = guide.RSample(rng);     // B x 3, on the tape
//   provi::Tensor log_q = guide.LogProb(z);   // B x 1

#ifndef PROVI_DISTRIBUTIONS_MV_NORMAL_H_
#define PROVI_DISTRIBUTIONS_MV_NORMAL_H_

#include <memory>

#include "distributions/distribution.h"
#include "distributions/internal/family_support.h"

namespace provi {

class MvNormal final : public DistributionImpl<MvNormal> {
 public:
  MvNormal(Tensor loc, Tensor scale_tril);

  // FromCovariance()
  //
  // N(loc, covariance), with L = Cholesky(covariance) on the tape, so
  // gradients flow to the covariance. Reads only the lower triangle of
  // `covariance`. Throws StatusError (InvalidArgument, from `Cholesky`) if
  // the covariance is not square or not positive definite.
  static MvNormal FromCovariance(Tensor loc, const Tensor& covariance);

  // Expand()
  //
  // The same family broadcast to `rows` lanes; `cols` must be D (Validate()
  // fails otherwise, or if `loc` does not broadcast to rows x D).
  MvNormal Expand(Index rows, Index cols) const;

  const Tensor& loc() const { return loc_; }
  const Tensor& scale_tril() const { return scale_tril_; }

  absl::string_view name() const override { return "MvNormal"; }
  Index rows() const override { return shape_.rows; }
  Index cols() const override { return shape_.cols; }
  absl::Status Validate() const override;
  Support support() const override { return Support::Real(); }
  Tensor Sample(absl::BitGenRef gen) const override;
  bool has_rsample() const override { return true; }
  Tensor RSample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;

 private:
  MvNormal(Tensor loc, Tensor scale_tril, distributions_internal::Shape expand);

  Tensor loc_;
  Tensor scale_tril_;
  distributions_internal::Shape expand_;
  distributions_internal::Shape shape_;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_MV_NORMAL_H_
