// Copyright 2026 The provi Authors.
//
// File: distributions/delta.h
// -----------------------------------------------------------------------------
//
// The point mass (Dirac delta) at `value`, with an optional log density
// `log_density` per lane: every draw is `value`, and
//
//   log p(x) = log_density   if x equals value exactly (all of the lane's
//                            event components),
//              -∞            otherwise.
//
// `log_density` (default 0) lets a Delta stand in for a density it replaces:
// a MAP / delta autoguide, or a deterministic transform carrying its
// log-Jacobian. It is a 1x1 or rows x 1 tensor (one value per lane) and
// `LogProb` is differentiable in it.
//
// Pathwise: the draw is `value` itself (broadcast to the expanded shape), so
// gradients of anything computed from it flow to `value`; this is how a
// delta guide learns its point. The support is `Support::Point()`: any real
// passes the support check, and matching is decided by `LogProb`.
//
// Example:
//
//   provi::Delta map_guide(theta.tensor());        // q(θ) = δ(θ - θ̂)
//   provi::Tensor x = provi::Delta(loc, log_jacobian).RSample(rng);

#ifndef PROVI_DISTRIBUTIONS_DELTA_H_
#define PROVI_DISTRIBUTIONS_DELTA_H_

#include <memory>

#include "distributions/distribution.h"
#include "distributions/internal/family_support.h"

namespace provi {

class Delta final : public DistributionImpl<Delta> {
 public:
  explicit Delta(Tensor value, Tensor log_density = Tensor(0));

  // Expand()
  //
  // The same point broadcast to `rows` x `cols` (Validate() fails if `value`
  // or `log_density` does not broadcast to it).
  Delta Expand(Index rows, Index cols) const;

  const Tensor& value() const { return value_; }
  const Tensor& log_density() const { return log_density_; }

  absl::string_view name() const override { return "Delta"; }
  Index rows() const override { return shape_.rows; }
  Index cols() const override { return shape_.cols; }
  absl::Status Validate() const override;
  Support support() const override { return Support::Point(); }
  Tensor Sample(absl::BitGenRef gen) const override;
  bool has_rsample() const override { return true; }
  Tensor RSample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;

 private:
  Delta(Tensor value, Tensor log_density, distributions_internal::Shape expand);

  Tensor value_;
  Tensor log_density_;
  distributions_internal::Shape expand_;
  distributions_internal::Shape shape_;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_DELTA_H_
