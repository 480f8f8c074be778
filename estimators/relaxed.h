// Copyright 2026 The provi Authors.
//
// File: estimators/relaxed.h
// -----------------------------------------------------------------------------
//
// Biased strategies for Bernoulli and OneHotCategorical sites, for users who
// accept a biased gradient for a cheap, low-variance one. Both draw the
// site's value exactly (a 0/1 draw of the Bernoulli, a one-hot row of the
// OneHotCategorical, so the site's density and everything downstream see a
// valid value) and differ only in the gradient they send back through that
// value. For a Bernoulli with probability p and logits l:
//
//   StraightThrough()      x = b + (p - Detach(p)), b ~ Bernoulli(p): the
//                          gradient treats dx/dp as 1 (Bengio, Léonard and
//                          Courville, 2013).
//   GumbelSoftmax(τ)       y = σ((l + L) / τ), L ~ Logistic(0, 1), l the
//                          logits; x = [l + L > 0] + (y - Detach(y)): the
//                          straight-through Concrete / Gumbel-softmax
//                          estimator (Jang, Gu and Poole; Maddison, Mnih
//                          and Teh, 2017). [l + L > 0] is an exact draw
//                          (P = σ(l)); the gradient is that of the binary
//                          Concrete relaxation at temperature τ, whose bias
//                          shrinks and variance grows as τ → 0.
//
// For a OneHotCategorical with probabilities p and logits l (each row a
// lane, each column a category), the same two in one-hot form:
//
//   StraightThrough()      x = onehot(k) + (p - Detach(p)), k ~
//                          Categorical(p): dx/dp is the identity.
//   GumbelSoftmax(τ)       z = l + G, G iid Gumbel(0, 1) per element;
//                          y = softmax(z / τ) row by row;
//                          x = onehot(argmax z) + (y - Detach(y)).
//                          onehot(argmax z) is an exact draw (the
//                          Gumbel-max trick); the gradient is that of the
//                          Concrete relaxation y. For a cost linear in x
//                          its mean tends to the true gradient (which
//                          straight-through gives) as τ → 0, while its
//                          variance grows; as τ → ∞, y flattens to the
//                          uniform row and the gradient vanishes like 1/τ.
//                          A category of probability 0 (a parameter given
//                          as probabilities) has logit -∞, is never drawn
//                          and receives no gradient.
//
// The gradient reaches the parameters only through the value's downstream
// use: the cost must be a differentiable function of x for either to say
// anything. Each estimate is biased (E[∇] ≠ ∇E) unless the cost is linear
// in x (straight-through: then each estimate is the exact gradient);
// `biased()` is true, so the estimator advisor (estimators/advisor.h) tries
// them only when allowed and its report marks them "biased".
//
// A `Categorical`'s value is an index, through which no relaxation can pass
// a gradient: these strategies report a Categorical site (and any family
// other than the two above) as a Status naming the site. Write the site
// with `OneHotCategorical` instead. The value is never replaced by the
// relaxation itself: the site's density is defined on exact values only
// ({0, 1}, one-hot rows).
//
// Example:
//
//   provi::sample("b", provi::Bernoulli::FromLogits(l),
//                 provi::GumbelSoftmax(0.5));
//   provi::sample("c", provi::OneHotCategorical::FromLogits(logits),
//                 provi::StraightThrough());         // B x K one-hot rows
//   auto guide_st = provi::WithStrategy(guide, {"b"},
//                                       provi::StraightThrough());

#ifndef PROVI_ESTIMATORS_RELAXED_H_
#define PROVI_ESTIMATORS_RELAXED_H_

#include <memory>

#include "ad/tensor.h"
#include "estimators/site_strategy.h"

namespace provi {

// StraightThrough()
//
// The straight-through strategy (see the file comment), for `sample`'s
// third argument or `WithStrategy`. Biased.
std::shared_ptr<const SiteStrategy> StraightThrough();

// GumbelSoftmax()
//
// The straight-through Gumbel-softmax strategy at `temperature` (see the
// file comment). Biased. A temperature that is not positive and finite is
// reported when the site is drawn, as InvalidArgument naming it.
std::shared_ptr<const SiteStrategy> GumbelSoftmax(Real temperature);

}  // namespace provi

#endif  // PROVI_ESTIMATORS_RELAXED_H_
