// Copyright 2026 The provi Authors.

#include "distributions/gamma.h"

#include <cmath>
#include <optional>
#include <utility>

#include "ad/ops.h"
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
    : Reparameterisable(
          {{"concentration", distributions_internal::CheckPositive,
            std::move(concentration)},
           {"rate", distributions_internal::CheckPositive, std::move(rate)}}) {}

Tensor Gamma::RSample(absl::BitGenRef gen) const {
  RequireValidShape();
  return distributions_internal::StandardGammaRSample(concentration(), rows(),
                                                      cols(), gen) /
         rate();
}

Tensor Gamma::LogProb(const Tensor& value) const {
  RequireValidShape();
  const Shape shape = distributions_internal::CheckValue(name(), value, rows(),
                                                         cols(), support());
  if (std::optional<Tensor> fused = distributions_internal::FusedLogDensity(
          GammaKernel{}, shape, value, concentration(), rate())) {
    return *std::move(fused);
  }
  const Tensor x = distributions_internal::BroadcastValue(value, shape);
  // α log β + (α - 1) log x - β x - log Γ(α), written as α log(β x) -
  // log x - β x - log Γ(α) so that every product has the full-shape x as an
  // operand: α and β may broadcast only through it (1 x C against R x 1).
  const Tensor scaled = rate() * x;
  const Tensor log_density =
      concentration() * Log(scaled) - Log(x) - scaled - Lgamma(concentration());
  return distributions_internal::SumEvent(log_density, shape);
}

}  // namespace provi
