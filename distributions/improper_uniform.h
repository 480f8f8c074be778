// Copyright 2026 The provi Authors.
//
// File: distributions/improper_uniform.h
// -----------------------------------------------------------------------------
//
// The improper flat prior of a parameter with no prior statement (what a
// Stan program means by declaring a parameter it never gives a
// distribution; NumPyro's `ImproperUniform`): for `rows` x `cols` values,
//
//   log p(x) = 0    for x in the support,   -∞ elsewhere,
//
// so a model's density is its likelihood (and the other priors) alone. The
// support is any continuous one: the reals, (0, ∞), an interval (also with
// tensor bounds, e.g. bounds that depend on other latents), the simplex,
// ordered vectors, lower-Cholesky factors. Values are checked against it
// as for every family: a value outside is an InvalidArgument error while
// validation is on (the default), and has log density -∞ otherwise.
//
// It is not a probability distribution (its integral is infinite), so it
// has no sampler: `has_sample()` is false and `Sample` / `RSample` throw
// FailedPrecondition, which a sample site reports with its address. Use it
//
//   * as a model's prior with a guide that provides the value (the ELBO
//     replays the guide's draw into the model; `Predictive` substitutes
//     it), or substituted / conditioned values;
//   * as an autoguide target: the autoguides (vi/autoguide.h) initialise
//     such a site in unconstrained space (uniform on [-2, 2] per
//     unconstrained element, as Stan does) and fit it like any other.
//
// Example (mesquite's regression: no priors on beta and sigma > 0):
//
//   provi::Tensor beta =
//       provi::sample("beta", provi::ImproperUniform(provi::Support::Real(),
//                                                    1, 7));
//   provi::Tensor sigma = provi::sample(
//       "sigma", provi::ImproperUniform(provi::Support::Positive(), 1, 1));

#ifndef PROVI_DISTRIBUTIONS_IMPROPER_UNIFORM_H_
#define PROVI_DISTRIBUTIONS_IMPROPER_UNIFORM_H_

#include "distributions/distribution.h"

namespace provi {

class ImproperUniform final : public DistributionImpl<ImproperUniform> {
 public:
  // `rows` x `cols` values in `support` (for lower-Cholesky factors, one
  // `rows` x `rows` matrix).
  ImproperUniform(Support support, Index rows, Index cols);

  // Expand()
  //
  // The same support for `rows` x `cols` values.
  ImproperUniform Expand(Index rows, Index cols) const;

  absl::string_view name() const override { return "ImproperUniform"; }
  Index rows() const override { return rows_; }
  Index cols() const override { return cols_; }
  // InvalidArgument for a shape below 1x1, a discrete support (whose
  // values no bijector reaches) and a lower-Cholesky support on a shape
  // that is not square.
  absl::Status Validate() const override;
  Support support() const override { return support_; }
  bool has_sample() const override { return false; }
  // Throw FailedPrecondition (see the file comment).
  Tensor Sample(absl::BitGenRef gen) const override;
  Tensor RSample(absl::BitGenRef gen) const override;
  // 0 per lane inside the support, -∞ outside (one entry per lane of the
  // broadcast shape; a constant: the density does not change with x).
  Tensor LogProb(const Tensor& value) const override;

 private:
  Support support_;
  Index rows_;
  Index cols_;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_IMPROPER_UNIFORM_H_
