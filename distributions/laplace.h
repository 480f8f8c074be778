// Copyright 2026 The provi Authors.
//
// File: distributions/laplace.h
// -----------------------------------------------------------------------------
//
// The Laplace (double-exponential) distribution with location `loc` and
// scale `scale`, elementwise; `LogProb` sums over the event columns. Mean
// `loc`, variance 2 scale².
//
//   log p(x) = -log(2 scale) - |x - loc| / scale
//
// Pathwise, by inverting the CDF: x = loc - scale sign(v) log(1 - 2|v|),
// v ~ Uniform(-½, ½). The draw is differentiable in both parameters;
// `LogProb` is not differentiable in `loc` or the value where x = loc (the
// gradient used there is 0).
//
// Example:
//
//   provi::Laplace sparse_prior(0.0, 0.1);
//   provi::Tensor w = provi::Laplace(loc, scale).Expand(batch, 8)
//                         .RSample(rng);

#ifndef PROVI_DISTRIBUTIONS_LAPLACE_H_
#define PROVI_DISTRIBUTIONS_LAPLACE_H_

#include <memory>

#include "distributions/distribution.h"
#include "distributions/internal/family_support.h"

namespace provi {

class Laplace final : public DistributionImpl<Laplace> {
 public:
  Laplace(Tensor loc, Tensor scale);

  // Expand()
  //
  // The same family broadcast to `rows` x `cols` (Validate() fails if the
  // parameters do not broadcast to it).
  Laplace Expand(Index rows, Index cols) const;

  const Tensor& loc() const { return loc_; }
  const Tensor& scale() const { return scale_; }

  absl::string_view name() const override { return "Laplace"; }
  Index rows() const override { return shape_.rows; }
  Index cols() const override { return shape_.cols; }
  absl::Status Validate() const override;
  Support support() const override { return Support::Real(); }
  Tensor Sample(absl::BitGenRef gen) const override;
  bool has_rsample() const override { return true; }
  Tensor RSample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;

 private:
  Laplace(Tensor loc, Tensor scale, distributions_internal::Shape expand);

  Tensor loc_;
  Tensor scale_;
  distributions_internal::Shape expand_;
  distributions_internal::Shape shape_;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_LAPLACE_H_
