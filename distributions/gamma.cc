// Copyright 2026 The provi Authors.

#include "distributions/gamma.h"

#include <cmath>
#include <optional>
#include <utility>

#include "ad/ops.h"
#include "ad/tape.h"
#include "base/status_error.h"
#include "base/status_macros.h"
#include "distributions/internal/fused_density.h"
#include "distributions/internal/gamma_functions.h"

namespace provi {

using distributions_internal::Shape;

namespace {

// log Gamma(x; α, β) = α log(β x) - log x - β x - log Γ(α);
// ∂/∂x = (α - 1) / x - β, ∂/∂α = log(β x) - ψ(α), ∂/∂β = α / β - x.
struct GammaKernel {
  template <typename X, typename A, typename B>
  auto Value(const X& x, const A& alpha, const B& beta) const {
    using std::log;
    return alpha * log(beta * x) - log(x) - beta * x -
           distributions_internal::FusedLgamma(alpha);
  }
  template <int I, typename X, typename A, typename B>
  auto Partial(const X& x, const A& alpha, const B& beta) const {
    using std::log;
    if constexpr (I == 0) {
      return (alpha - Real(1)) / x - beta;
    } else if constexpr (I == 1) {
      return log(beta * x) - distributions_internal::FusedDigamma(alpha);
    } else {
      return alpha / beta - x;
    }
  }
};

}  // namespace

Gamma::Gamma(Tensor concentration, Tensor rate)
    : Gamma(std::move(concentration), std::move(rate), Shape{}) {}

Gamma::Gamma(Tensor concentration, Tensor rate, Shape expand)
    : concentration_(std::move(concentration)),
      rate_(std::move(rate)),
      expand_(expand),
      shape_(distributions_internal::BroadcastShape(
          {{"concentration", &concentration_}, {"rate", &rate_}}, expand)) {}

Gamma Gamma::Expand(Index rows, Index cols) const {
  return Gamma(concentration_, rate_,
               distributions_internal::ExpandShape(rows, cols));
}

absl::Status Gamma::Validate() const {
  // shape_ is what these parameters broadcast to (see the constructor).
  if (!shape_.valid()) {
    return distributions_internal::ShapesError(
        name(), {{"concentration", &concentration_}, {"rate", &rate_}},
        expand_);
  }
  PROVI_RETURN_IF_ERROR(distributions_internal::CheckPositive(
      name(), {"concentration", &concentration_}));
  return distributions_internal::CheckPositive(name(), {"rate", &rate_});
}

Tensor Gamma::RSample(absl::BitGenRef gen) const {
  if (!shape_.valid()) ThrowStatus(Validate());
  return distributions_internal::StandardGammaRSample(concentration_, rows(),
                                                      cols(), gen) /
         rate_;
}

Tensor Gamma::Sample(absl::BitGenRef gen) const {
  NoRecordScope no_record;
  return RSample(gen);
}

Tensor Gamma::LogProb(const Tensor& value) const {
  if (!shape_.valid()) ThrowStatus(Validate());
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  if (std::optional<Tensor> fused = distributions_internal::FusedLogDensity(
          GammaKernel{}, shape, value, concentration_, rate_)) {
    return *std::move(fused);
  }
  const Tensor x = distributions_internal::BroadcastValue(value, shape);
  // α log β + (α - 1) log x - β x - log Γ(α), written as α log(β x) -
  // log x - β x - log Γ(α) so that every product has the full-shape x as an
  // operand: α and β may broadcast only through it (1 x C against R x 1).
  const Tensor scaled = rate_ * x;
  const Tensor log_density =
      concentration_ * Log(scaled) - Log(x) - scaled - Lgamma(concentration_);
  return distributions_internal::SumEvent(log_density, shape);
}

}  // namespace provi
