// Copyright 2026 The provi Authors.
//
// File: distributions/internal/parametric.h
// -----------------------------------------------------------------------------
//
// `Parametric<D, N>`: what every elementwise family with N tensor parameters
// shares — the parameters with their names and range checks, their broadcast
// shape, `Expand`, `rows()` / `cols()` and `Validate` (shapes that broadcast,
// then each parameter's range, then what the family adds).
// `Reparameterisable<D, N>` adds what every family with a pathwise draw
// shares: `has_rsample()` and `Sample` as that draw off the tape. A family
// derives from one of them (CRTP: `D` is the family) and writes only what is
// its own: its name and support, accessors that name its parameters, its
// draw and its log density. The location-scale families share one more layer
// (distributions/internal/location_scale.h).
//
// Example (a family):
//
//   class Rayleigh final
//       : public distributions_internal::Reparameterisable<Rayleigh, 1> {
//    public:
//     explicit Rayleigh(Tensor scale)
//         : Reparameterisable({{"scale", distributions_internal::CheckPositive,
//                               std::move(scale)}}) {}
//     const Tensor& scale() const { return param<0>(); }
//     absl::string_view name() const override { return "Rayleigh"; }
//     Support support() const override { return Support::NonNegative(); }
//     Tensor RSample(absl::BitGenRef gen) const override;
//     Tensor LogProb(const Tensor& value) const override;
//   };

#ifndef PROVI_DISTRIBUTIONS_INTERNAL_PARAMETRIC_H_
#define PROVI_DISTRIBUTIONS_INTERNAL_PARAMETRIC_H_

#include <array>
#include <cstddef>
#include <memory>
#include <utility>

#include "absl/random/bit_gen_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "ad/tensor.h"
#include "base/status_error.h"
#include "distributions/distribution.h"
#include "distributions/internal/family_support.h"

namespace provi {
namespace distributions_internal {

// The range check of one parameter: OK, or the ParamError of its first
// element out of range. CheckFinite, CheckPositive and CheckProbability
// (family_support.h) are such checks.
using RangeCheck = absl::Status (*)(absl::string_view family,
                                    const NamedParam& param);

// One tensor parameter: its name (in messages), its range check and its
// value.
struct Param {
  const char* name;
  RangeCheck check;
  Tensor value;
};

template <typename D, size_t N>
class Parametric : public DistributionImpl<D> {
 public:
  // Expand()
  //
  // The same family broadcast to `rows` x `cols` (Validate() fails if the
  // parameters do not broadcast to it).
  D Expand(Index rows, Index cols) const {
    D expanded(static_cast<const D&>(*this));
    static_cast<Parametric&>(expanded).Reshape(ExpandShape(rows, cols));
    return expanded;
  }

  // A copy of the family with every parameter detached (the shape is
  // unchanged). Families with members besides their parameters keep them as
  // they are: those are not tensors on the tape.
  std::shared_ptr<const Distribution> WithDetachedParameters() const override {
    auto detached = std::make_shared<D>(static_cast<const D&>(*this));
    for (Param& param : static_cast<Parametric&>(*detached).params_) {
      param.value = Detach(param.value);
    }
    return detached;
  }

  Index rows() const override { return shape_.rows; }
  Index cols() const override { return shape_.cols; }

  absl::Status Validate() const override {
    // shape_ is what the parameters broadcast to (see Reshape).
    if (!shape_.valid()) {
      return ShapesErrorOf(std::make_index_sequence<N>());
    }
    for (const Param& param : params_) {
      absl::Status in_range =
          param.check(this->name(), {param.name, &param.value});
      if (!in_range.ok()) return in_range;
    }
    return ValidateRest();
  }

 protected:
  // The parameters in the order their checks run and messages list them.
  explicit Parametric(Param (&&params)[N])
      : params_(ToArray(std::move(params), std::make_index_sequence<N>())) {
    Reshape(Shape{});
  }

  // The value of parameter K.
  template <size_t K>
  const Tensor& param() const {
    static_assert(K < N, "no such parameter");
    return params_[K].value;
  }

  // Throws Validate()'s error when the parameters do not broadcast, for
  // samplers and densities that index them by the broadcast shape.
  void RequireValidShape() const {
    if (!shape_.valid()) ThrowIfError(Validate());
  }

 private:
  // What Validate() checks once the shapes and every parameter's range
  // have passed: conditions between parameters (Uniform's low < high) or
  // on a family's other members (Binomial's total_count). OK by default.
  virtual absl::Status ValidateRest() const { return absl::OkStatus(); }

  template <size_t... I>
  static std::array<Param, N> ToArray(Param (&&params)[N],
                                      std::index_sequence<I...>) {
    return {{std::move(params[I])...}};
  }

  template <size_t... I>
  Shape BroadcastShapeOf(Shape expand, std::index_sequence<I...>) const {
    return BroadcastShape({NamedParam{params_[I].name, &params_[I].value}...},
                          expand);
  }

  template <size_t... I>
  absl::Status ShapesErrorOf(std::index_sequence<I...>) const {
    return ShapesError(this->name(),
                       {NamedParam{params_[I].name, &params_[I].value}...},
                       expand_);
  }

  void Reshape(Shape expand) {
    expand_ = expand;
    shape_ = BroadcastShapeOf(expand, std::make_index_sequence<N>());
  }

  std::array<Param, N> params_;
  Shape expand_;
  Shape shape_;
};

template <typename D, size_t N>
class Reparameterisable : public Parametric<D, N> {
 public:
  bool has_rsample() const override { return true; }

  // A draw off the tape: the family's pathwise draw, recorded nowhere.
  Tensor Sample(absl::BitGenRef gen) const override {
    NoRecordScope no_record;
    return this->RSample(gen);
  }

 protected:
  using Parametric<D, N>::Parametric;
};

}  // namespace distributions_internal
}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_INTERNAL_PARAMETRIC_H_
