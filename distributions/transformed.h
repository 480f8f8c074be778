// Copyright 2026 The provi Authors.
//
// File: distributions/transformed.h
// -----------------------------------------------------------------------------
//
// `Transformed<Base>`: the distribution of x = T(u), u ~ Base, for a
// bijector T (distributions/bijector.h) from the reals onto a constrained
// set, e.g. a log-normal as `Transformed<Normal>(Normal(mu, sigma),
// BijectorFor(Support::Positive()))`. Its support is T's codomain and its
// density a true density of the constrained value:
//
//   log q(x) = log base(u) - log |det ∂T(u)/∂u|,   u = T⁻¹(x).
//
// The mean-field autoguide (vi/autoguide.h) puts one at each latent site, so
// that the site's value lives in the model's support.
//
// Pathwise when Base is: x = T(u) with u = base.RSample(), on the tape.
//
// Inverse cache. Evaluating log q at the draw just made would compute
// T⁻¹(T(u)), which loses precision where T saturates (a sigmoid far from 0
// rounds to its bound in float) and costs an extra pass. So the last draw
// is remembered with its u, and `LogProb` of *that same tensor* (same value
// and adjoint storage, hence the same tape node) reuses u. A value that is
// merely equal (e.g. a detached copy, whose gradient must not flow through
// u) is inverted afresh. The cache is a plain member, copied with the
// distribution (as the trace does after the draw). Like every distribution,
// one object is used by one thread.
//
// Example:
//
//   provi::Transformed<provi::Normal> q(
//       provi::Normal(loc, scale),                       // over u
//       provi::BijectorFor(provi::Support::Positive()));  // x = exp(u)
//   provi::Tensor x = q.RSample(rng);     // positive, on the tape
//   provi::Tensor log_q = q.LogProb(x);   // Σ (log N(log x) - log x), per lane

#ifndef PROVI_DISTRIBUTIONS_TRANSFORMED_H_
#define PROVI_DISTRIBUTIONS_TRANSFORMED_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/random/bit_gen_ref.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "ad/tensor.h"
#include "base/status_error.h"
#include "distributions/bijector.h"
#include "distributions/distribution.h"
#include "distributions/support.h"

namespace provi {

// Transformed
//
// `Base` is a distribution family (a DistributionImpl with `Expand(rows,
// cols)`) over the unconstrained values.
template <typename Base>
class Transformed final : public DistributionImpl<Transformed<Base>> {
 public:
  // `base` is over the unconstrained values (rows x unconstrained columns);
  // `bijector` maps each of its rows (or, for a Cholesky factor, its one
  // row) onto the constrained set.
  Transformed(Base base, std::shared_ptr<const Bijector> bijector)
      : base_(std::move(base)), bijector_(std::move(bijector)) {
    cols_ = bijector_->ConstrainedCols(base_.cols());
    rows_ = bijector_->codomain().kind() == Support::Kind::kLowerCholesky
                ? cols_
                : base_.rows();
  }

  // Expand()
  //
  // `rows` lanes of the same distribution; `cols` must be cols() (the event
  // does not change).
  Transformed Expand(Index rows, Index cols) const {
    (void)cols;
    return Transformed(base_.Expand(rows, base_.cols()), bijector_);
  }

  // The distribution of u, and T.
  const Base& base() const { return base_; }
  const Bijector& bijector() const { return *bijector_; }

  absl::string_view name() const override { return "Transformed"; }
  Index rows() const override { return rows_; }
  Index cols() const override { return cols_; }
  absl::Status Validate() const override { return base_.Validate(); }
  Support support() const override { return bijector_->codomain(); }

  Tensor Sample(absl::BitGenRef gen) const override {
    NoRecordScope no_record;
    return Remember(base_.Sample(gen));
  }
  bool has_rsample() const override { return base_.has_rsample(); }
  Tensor RSample(absl::BitGenRef gen) const override {
    return Remember(base_.RSample(gen));
  }

  Tensor LogProb(const Tensor& value) const override {
    if (DistributionValidationEnabled()) {
      ThrowIfError(support().Check(Detach(value), "Transformed: value"));
    }
    const bool cached = value.value_data() == last_value_.value_data() &&
                        value.adjoint_data() == last_value_.adjoint_data() &&
                        value.rows() == last_value_.rows() &&
                        value.cols() == last_value_.cols() && value.size() > 0;
    const Tensor u = cached ? last_unconstrained_ : bijector_->Inverse(value);
    return base_.LogProb(u) - bijector_->LogAbsDetJacobian(u);
  }

 private:
  Tensor Remember(const Tensor& u) const {
    last_unconstrained_ = u;
    last_value_ = bijector_->Forward(u);
    return last_value_;
  }

  Base base_;
  std::shared_ptr<const Bijector> bijector_;
  Index rows_ = 0;
  Index cols_ = 0;
  mutable Tensor last_unconstrained_;
  mutable Tensor last_value_;
};

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_TRANSFORMED_H_
