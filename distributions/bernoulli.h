// Copyright 2026 The provi Authors.
//
// File: distributions/bernoulli.h
// -----------------------------------------------------------------------------
//
// The Bernoulli distribution, elementwise: each element of a draw is an
// independent coin with its own (broadcast) probability p of being 1. It is
// parameterised either by `probs` p or by `logits` l = log(p / (1 - p)), the
// natural output of a network (a decoder of binarised images, say).
//
//   p(x) = p^x (1 - p)^(1 - x),  x in {0, 1}
//   log p(x) = log p          if x = 1,  log(1 - p)        if x = 0
//            = log σ(l)       if x = 1,  log σ(-l)         if x = 0
//
// The logits form is evaluated with `LogSigmoid`, which neither overflows nor
// rounds log σ(l) to 0 for large |l|. `LogProb` sums over the event columns.
//
// Sampler: x = [U < p], U ~ Uniform(0, 1). Not reparameterisable.
//
// Enumeration: a sample with C columns takes 2^C joint values, returned in
// lexicographic order (column 0 varies slowest).
//
// Measure-valued derivative (Mohamed, Rosca, Figurnov and Mnih, "Monte Carlo
// Gradient Estimation in Machine Learning", JMLR 2020, sec. 6 and Table 1):
// E f(x) = p f(1) + (1 - p) f(0), so
//
//   ∂/∂p E f(x) = f(1) - f(0):  c = 1,  x⁺ = 1,  x⁻ = 0,
//
// one term per event column, the other columns keeping the site's value
// (they are independent of p in that column). The term's parameter is
// always p, also for a distribution built from logits (p = σ(l) is then
// computed on the tape), so the chain rule carries the gradient to l.
//
// Example:
//
//   provi::Bernoulli coin = provi::Bernoulli::FromProbs(0.3);
//   provi::Bernoulli pixels =
//       provi::Bernoulli::FromLogits(decoder_logits);  // B x 784
//   provi::Tensor log_lik = pixels.LogProb(images);     // B x 1

#ifndef PROVI_DISTRIBUTIONS_BERNOULLI_H_
#define PROVI_DISTRIBUTIONS_BERNOULLI_H_

#include <memory>
#include <vector>

#include "distributions/distribution.h"
#include "distributions/internal/parametric.h"

namespace provi {

// Bernoulli
//
// `Expand(rows, cols)` and `Validate()` are those of every parametric family
// (distributions/internal/parametric.h).
class Bernoulli final
    : public distributions_internal::Parametric<Bernoulli, 1> {
 public:
  // FromProbs(), FromLogits()
  //
  // The two parameterisations. Validate() requires probabilities in [0, 1]
  // and finite logits.
  static Bernoulli FromProbs(Tensor probs);
  static Bernoulli FromLogits(Tensor logits);

  // is_logits()
  //
  // Whether the distribution was built from logits.
  bool is_logits() const { return is_logits_; }

  // probs(), logits()
  //
  // The parameter in either form, on the tape: the stored one as is, the
  // other computed from it (p = σ(l), l = log p - log(1 - p)). Unbroadcast.
  Tensor probs() const;
  Tensor logits() const;

  absl::string_view name() const override { return "Bernoulli"; }
  Support support() const override { return Support::Boolean(); }
  Tensor Sample(absl::BitGenRef gen) const override;
  Tensor LogProb(const Tensor& value) const override;
  bool has_enumerate_support() const override { return true; }
  std::vector<Tensor> EnumerateSupport() const override;
  bool has_mvd() const override { return true; }
  std::vector<MvdTerm> MvdTerms(const Tensor& value,
                                absl::BitGenRef gen) const override;

 private:
  // `param` is probs or logits, as `is_logits` says.
  Bernoulli(Tensor param, bool is_logits);

  // probs or logits, as `is_logits_` says.
  const Tensor& stored() const { return param<0>(); }

  bool is_logits_;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_BERNOULLI_H_
