// Copyright 2026 The provi Authors.
//
// File: distributions/internal/location_scale.h
// -----------------------------------------------------------------------------
//
// `LocationScale<D>`: what every family with a real location `loc` and a
// positive scale `scale` (Normal, LogNormal, Cauchy, Laplace) shares — the
// parameters and their broadcast shape, `Expand`, `Validate` (shapes that
// broadcast, a finite location, a positive scale), and `Sample` as a
// reparameterised draw off the tape. A family derives from it (CRTP: `D` is
// the family) and writes only what is its own: its name and support, its
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

#include "absl/random/bit_gen_ref.h"
#include "absl/status/status.h"
#include "ad/tape.h"
#include "ad/tensor.h"
#include "distributions/distribution.h"
#include "distributions/internal/family_support.h"

namespace provi {
namespace distributions_internal {

template <typename D>
class LocationScale : public DistributionImpl<D> {
 public:
  // Expand()
  //
  // The same family broadcast to `rows` x `cols` (Validate() fails if the
  // parameters do not broadcast to it).
  D Expand(Index rows, Index cols) const {
    D expanded(static_cast<const D&>(*this));
    static_cast<LocationScale&>(expanded).Reshape(ExpandShape(rows, cols));
    return expanded;
  }

  const Tensor& loc() const { return loc_; }
  const Tensor& scale() const { return scale_; }

  Index rows() const override { return shape_.rows; }
  Index cols() const override { return shape_.cols; }

  absl::Status Validate() const override {
    // shape_ is what these parameters broadcast to (see Reshape).
    if (!shape_.valid()) {
      return ShapesError(this->name(), {{"loc", &loc_}, {"scale", &scale_}},
                         expand_);
    }
    absl::Status finite = CheckFinite(this->name(), {"loc", &loc_});
    if (!finite.ok()) return finite;
    return CheckPositive(this->name(), {"scale", &scale_});
  }

  bool has_rsample() const override { return true; }

  // A draw off the tape: the family's pathwise draw, recorded nowhere.
  Tensor Sample(absl::BitGenRef gen) const override {
    NoRecordScope no_record;
    return this->RSample(gen);
  }

 protected:
  LocationScale(Tensor loc, Tensor scale)
      : loc_(std::move(loc)), scale_(std::move(scale)) {
    Reshape(Shape{});
  }

 private:
  void Reshape(Shape expand) {
    expand_ = expand;
    shape_ = BroadcastShape({{"loc", &loc_}, {"scale", &scale_}}, expand);
  }

  Tensor loc_;
  Tensor scale_;
  Shape expand_;
  Shape shape_;
};

}  // namespace distributions_internal
}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_INTERNAL_LOCATION_SCALE_H_
