// Copyright 2026 The provi Authors.
//
// File: distributions/mixture.h
// -----------------------------------------------------------------------------
//
// A finite mixture: a lane's value comes from component k with probability
// w_k, where the weights are a `Categorical` over K categories (1 x K, shared
// by every lane, or one row per lane) and the K components are any
// distributions of the same shape and support (NumPyro's MixtureGeneral;
// with components of one family, its MixtureSameFamily; Stan's `log_mix`).
// Per lane,
//
//   log p(x) = log Σ_k w_k p_k(x) = LogSumExp_k (log w_k + log p_k(x)),
//
// computed by log-sum-exp, so no component's density underflows the sum.
// Each p_k(x) is the component's `LogProb` (summed over its event columns,
// so multivariate components such as MvNormal work as they are).
//
// Gradients. `LogProb` is differentiable in the weights (through the
// categorical's logits or probabilities) and in every component's
// parameters. The component indicator is summed out by the density itself:
// a mixture likelihood (`observe("y", Mixture(...), y)`) has no discrete
// latent, and its gradient in every parameter is exact, with no
// enumeration or score function involved.
//
// Sampling, by ancestral draw: c ~ Categorical(w) per lane, then x = a draw
// of component c (every component is drawn, and each lane keeps its own
// component's draw: K draws per sample). The draw is not
// reparameterisable in the weights (`has_rsample()` is false), so a latent
// mixture site is estimated by the score function unless a strategy is
// chosen for it.
//
// Example (two normal clusters with a learnt weight):
//
//   provi::Tensor w = provi::sample("w", provi::Beta(1.0, 1.0));
//   provi::Categorical mixing =
//       provi::Categorical::FromProbs(provi::ConcatCols({w, 1 - w}));
//   provi::observe("y",
//                  provi::Mixture(mixing, provi::Normal(mu1, sigma),
//                                 provi::Normal(mu2, sigma)),
//                  y);   // y: n x 1, one log density per lane

#ifndef PROVI_DISTRIBUTIONS_MIXTURE_H_
#define PROVI_DISTRIBUTIONS_MIXTURE_H_

#include <memory>
#include <type_traits>
#include <vector>

#include "distributions/categorical.h"
#include "distributions/distribution.h"

namespace provi {

class Mixture final : public DistributionImpl<Mixture> {
 public:
  // `components` must be K = mixing.num_categories() distributions with
  // the same columns and support and rows that broadcast with each other
  // and with the mixing distribution's (see Validate()).
  Mixture(Categorical mixing,
          std::vector<std::shared_ptr<const Distribution>> components);

  // The components as distribution values: `Mixture(mixing, Normal(a, s),
  // Normal(b, s))`.
  template <typename... Components,
            typename = std::enable_if_t<
                (std::is_base_of_v<Distribution, Components> && ...)>>
  Mixture(Categorical mixing, const Components&... components)
      : Mixture(std::move(mixing), {components.Clone()...}) {}

  // Expand()
  //
  // The same mixture with `rows` lanes (the mixing distribution and every
  // component broadcast to them).
  Mixture Expand(Index rows) const;

  const Categorical& mixing() const { return mixing_; }
  const std::vector<std::shared_ptr<const Distribution>>& components() const {
    return components_;
  }

  absl::string_view name() const override { return "Mixture"; }
  Index rows() const override { return rows_; }
  Index cols() const override { return cols_; }
  // InvalidArgument, naming the offending part, for invalid mixing or
  // component parameters, a number of components other than the number of
  // categories, components of different columns or supports, and rows that
  // do not broadcast.
  absl::Status Validate() const override;
  // The components' support.
  Support support() const override;
  Tensor Sample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;

 private:
  Categorical mixing_;
  std::vector<std::shared_ptr<const Distribution>> components_;
  Index rows_ = 0;
  Index cols_ = 0;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_MIXTURE_H_
