// Copyright 2026 The provi Authors.

#include "distributions/uniform.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "ad/ops.h"

namespace provi {

using distributions_internal::Shape;

namespace {

// The position of broadcast element (i, j) in a tensor of shape rows x cols.
Index BroadcastOffset(const Tensor& t, Index i, Index j) {
  return (t.cols() == 1 ? 0 : j) * t.rows() + (t.rows() == 1 ? 0 : i);
}

}  // namespace

Uniform::Uniform(Tensor low, Tensor high)
    : Reparameterisable(
          {{"low", distributions_internal::CheckFinite, std::move(low)},
           {"high", distributions_internal::CheckFinite, std::move(high)}}) {}

absl::Status Uniform::ValidateRest() const {
  const Tensor& low = this->low();
  const Tensor& high = this->high();
  // The standard message, naming high's own element and the low it faces.
  for (Index j = 0; j < cols(); ++j) {
    for (Index i = 0; i < rows(); ++i) {
      const Real lo = low.value_data()[BroadcastOffset(low, i, j)];
      const Real hi = high.value_data()[BroadcastOffset(high, i, j)];
      if (!(lo < hi)) {
        return absl::InvalidArgumentError(absl::StrCat(
            name(), ": parameter 'high' element (", high.rows() == 1 ? 0 : i,
            ", ", high.cols() == 1 ? 0 : j, ") = ", hi,
            " must be > low = ", lo));
      }
    }
  }
  return absl::OkStatus();
}

Support Uniform::support() const {
  if (low().size() == 0 || high().size() == 0) return Support::Real();
  return Support::Interval(low(), high());
}

Tensor Uniform::RSample(absl::BitGenRef gen) const {
  // Bounds broadcast first: high - low of a 1xC and an Rx1 bound would not.
  const Tensor low = BroadcastTo(this->low(), rows(), cols());
  const Tensor high = BroadcastTo(this->high(), rows(), cols());
  const Tensor u = distributions_internal::UniformNoise(rows(), cols(), gen);
  // No draw lands past high: for any representable u < 1, rounding
  // d = high - low up costs at most half a unit in its last place, and
  // fl(d u) <= pred(d) takes back at least that much, so low + fl(d u) <=
  // high exactly and its rounding cannot exceed high either.
  return low + (high - low) * u;
}

Tensor Uniform::LogProb(const Tensor& value) const {
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  const Tensor x = distributions_internal::BroadcastValue(value, shape);
  const Tensor low = BroadcastTo(this->low(), shape.rows, shape.cols);
  const Tensor high = BroadcastTo(this->high(), shape.rows, shape.cols);
  // With validation on, CheckValue has rejected values outside; without,
  // they get density 0.
  Real* in = nullptr;
  const Tensor inside = NewConstant(shape.rows, shape.cols, &in);
  for (Index j = 0; j < shape.cols; ++j) {
    for (Index i = 0; i < shape.rows; ++i) {
      const Real v = x(i, j);
      in[j * shape.rows + i] = v >= low(i, j) && v <= high(i, j) ? 1 : 0;
    }
  }
  const Tensor log_density =
      Where(inside, -Log(high - low), Tensor(-kInfinity));
  return distributions_internal::SumEvent(log_density, shape);
}

}  // namespace provi
