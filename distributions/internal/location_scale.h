// Copyright 2026 The provi Authors.
//
// File: distributions/internal/location_scale.h
// -----------------------------------------------------------------------------
//
// `LocationScale<D>`: what every family with a real location `loc` and a
// positive scale `scale` (Normal, LogNormal, Cauchy, Laplace) shares — the
// two parameters, named and checked (a finite location, a positive scale),
// on top of what every reparameterisable family shares (the broadcast shape,
// `Expand`, `Validate`, and `Sample` as a reparameterised draw off the tape;
// distributions/internal/parametric.h). A family derives from it (CRTP: `D`
// is the family) and writes only what is its own: its name and support, its
// pathwise draw and its log density.
//
// Example (a family):
//
//   class Logistic final
//       : public distributions_internal::LocationScale<Logistic> {
//    public:
//     Logistic(Tensor loc, Tensor scale)
//         : LocationScale(std::move(loc), std::move(scale)) {}
//     absl::string_view name() const override { return "Logistic"; }
//     Support support() const override { return Support::Real(); }
//     Tensor RSample(absl::BitGenRef gen) const override;
//     Tensor LogProb(const Tensor& value) const override;
//   };

#ifndef PROVI_DISTRIBUTIONS_INTERNAL_LOCATION_SCALE_H_
#define PROVI_DISTRIBUTIONS_INTERNAL_LOCATION_SCALE_H_

#include <utility>

#include "ad/tensor.h"
#include "distributions/internal/family_support.h"
#include "distributions/internal/parametric.h"

namespace provi {
namespace distributions_internal {

template <typename D>
class LocationScale : public Reparameterisable<D, 2> {
 public:
  const Tensor& loc() const { return this->template param<0>(); }
  const Tensor& scale() const { return this->template param<1>(); }

 protected:
  LocationScale(Tensor loc, Tensor scale)
      : Reparameterisable<D, 2>({{"loc", CheckFinite, std::move(loc)},
                                 {"scale", CheckPositive, std::move(scale)}}) {}
};

}  // namespace distributions_internal
}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_INTERNAL_LOCATION_SCALE_H_
