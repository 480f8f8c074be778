// Copyright 2026 The provi Authors.
//
// File: distributions/bijector.h
// -----------------------------------------------------------------------------
//
// A `Bijector` is a smooth invertible map from unconstrained reals onto a
// constrained set (the positive reals, an interval, the simplex, lower-
// Cholesky factors). Optimisers and variational families work in the
// unconstrained space; the parameter store and the autoguides push values
// through `Forward` (on the tape, so gradients reach the unconstrained
// values) and, for densities over constrained values, add
// `LogAbsDetJacobian` (the change-of-variables term).
//
// Rows are lanes, as everywhere in provi: `Forward` maps each row of the
// unconstrained tensor to one row of the constrained tensor, and
// `LogAbsDetJacobian` returns log |det ∂Forward/∂u| of each row's map, a
// rows x 1 tensor (for elementwise bijectors, the sum of the elementwise
// log-derivatives over the row). The exception is `LowerCholeskyBijector`,
// whose constrained value is a matrix: it takes one row.
//
// `BijectorFor(support)` chooses the standard bijector for a distribution's
// support.
//
// Example:
//
//   std::shared_ptr<const provi::Bijector> to_simplex =
//       provi::BijectorFor(provi::Support::Simplex());
//   provi::Tensor u = raw.tensor();                   // 1 x (K - 1), free
//   provi::Tensor probs = to_simplex->Forward(u);     // 1 x K, on the simplex
//   provi::Tensor log_det = to_simplex->LogAbsDetJacobian(u);  // 1 x 1

#ifndef PROVI_DISTRIBUTIONS_BIJECTOR_H_
#define PROVI_DISTRIBUTIONS_BIJECTOR_H_

#include <memory>

#include "absl/strings/string_view.h"
#include "ad/tensor.h"
#include "base/real.h"
#include "distributions/support.h"

namespace provi {

// Bijector
//
// The interface. Implementations are immutable; share them through
// `std::shared_ptr<const Bijector>`. Shape errors (an input a bijector
// cannot take) throw `StatusError` with InvalidArgument, like the AD ops.
class Bijector {
 public:
  virtual ~Bijector() = default;

  // name()
  //
  // "Identity", "Exp", "StickBreaking", ..., for messages.
  virtual absl::string_view name() const = 0;

  // codomain()
  //
  // The set `Forward` maps onto.
  virtual Support codomain() const = 0;

  // Forward()
  //
  // The constrained value of `unconstrained`, on the tape.
  virtual Tensor Forward(const Tensor& unconstrained) const = 0;

  // Inverse()
  //
  // The unconstrained value of `constrained`, which must lie in the
  // codomain (points on its boundary map to infinities).
  virtual Tensor Inverse(const Tensor& constrained) const = 0;

  // LogAbsDetJacobian()
  //
  // log |det ∂Forward(u)/∂u| for each row of `unconstrained`: rows x 1.
  virtual Tensor LogAbsDetJacobian(const Tensor& unconstrained) const = 0;

  // ConstrainedCols(), UnconstrainedCols()
  //
  // The number of columns `Forward` produces from `unconstrained_cols`
  // columns, and `Inverse` from `constrained_cols`. Equal for elementwise
  // bijectors. Throw InvalidArgument for counts the bijector cannot take.
  virtual Index ConstrainedCols(Index unconstrained_cols) const {
    return unconstrained_cols;
  }
  virtual Index UnconstrainedCols(Index constrained_cols) const {
    return constrained_cols;
  }
};

// IdentityBijector
//
// x = u onto the reals; log |det| = 0.
class IdentityBijector final : public Bijector {
 public:
  absl::string_view name() const override { return "Identity"; }
  Support codomain() const override { return Support::Real(); }
  Tensor Forward(const Tensor& unconstrained) const override;
  Tensor Inverse(const Tensor& constrained) const override;
  Tensor LogAbsDetJacobian(const Tensor& unconstrained) const override;
};

// ExpBijector
//
// x = e^u onto the positive reals; u = log x; log |det| = Σ_j u_j.
class ExpBijector final : public Bijector {
 public:
  absl::string_view name() const override { return "Exp"; }
  Support codomain() const override { return Support::Positive(); }
  Tensor Forward(const Tensor& unconstrained) const override;
  Tensor Inverse(const Tensor& constrained) const override;
  Tensor LogAbsDetJacobian(const Tensor& unconstrained) const override;
};

// SoftplusBijector
//
// x = log(1 + e^u) onto the positive reals, which grows linearly rather
// than exponentially (gentler for scales an optimiser pushes around);
// u = log(e^x - 1), computed as x + log(-expm1(-x));
// log |det| = Σ_j log σ(u_j), since softplus' = σ.
class SoftplusBijector final : public Bijector {
 public:
  absl::string_view name() const override { return "Softplus"; }
  Support codomain() const override { return Support::Positive(); }
  Tensor Forward(const Tensor& unconstrained) const override;
  Tensor Inverse(const Tensor& constrained) const override;
  Tensor LogAbsDetJacobian(const Tensor& unconstrained) const override;
};

// SigmoidBijector
//
// x = a + (b - a) σ(u) onto the interval [a, b] (the unit interval by
// default); u = logit((x - a) / (b - a));
// log |det| = Σ_j log(b - a) + log σ(u_j) + log σ(-u_j), since
// σ' = σ(u) σ(-u). The constructor throws InvalidArgument unless a < b are
// finite.
//
// With tensor bounds (one per element, broadcast to the value's shape, as
// `Support::Interval(lower, upper)` has them) the same holds element by
// element with a_ij, b_ij, and the map is differentiable in the bounds too:
// bounds computed from other random values on the tape (a support that
// depends on other latents) pass their gradient on. The constructor throws
// InvalidArgument unless every a_ij < b_ij is finite; Forward, Inverse and
// LogAbsDetJacobian throw InvalidArgument for a value the bounds do not
// broadcast to.
class SigmoidBijector final : public Bijector {
 public:
  SigmoidBijector() : SigmoidBijector(0, 1) {}
  SigmoidBijector(Real lower, Real upper);
  SigmoidBijector(Tensor lower, Tensor upper);

  // lower(), upper()
  //
  // The bounds (with tensor bounds: those of the enclosing interval, see
  // Support::lower()).
  Real lower() const { return codomain_.lower(); }
  Real upper() const { return codomain_.upper(); }

  absl::string_view name() const override { return "Sigmoid"; }
  Support codomain() const override { return codomain_; }
  Tensor Forward(const Tensor& unconstrained) const override;
  Tensor Inverse(const Tensor& constrained) const override;
  Tensor LogAbsDetJacobian(const Tensor& unconstrained) const override;

 private:
  Support codomain_;
};

// StickBreakingBijector
//
// K - 1 reals per row onto a row of the K-simplex, by the centred
// (offset-logit) stick breaking of Stan's unit-simplex transform (Stan
// Reference Manual, "Unit simplex"; TensorFlow Probability calls it
// IteratedSigmoidCentered). With 0-based k = 0, ..., K - 2:
//
//   z_k = σ(u_k - log(K - 1 - k)),
//   x_k = z_k (1 - Σ_{i<k} x_i) = z_k Π_{i<k} (1 - z_i),
//   x_{K-1} = Π_{i<K-1} (1 - z_i)  (what is left of the stick).
//
// The offset makes u = 0 the uniform simplex: z_k = 1 / (K - k) breaks off
// 1/K of the whole stick each time. Forward is computed in log space (log
// x_k = log σ(t_k) + Σ_{i<k} log σ(-t_i), t_k = u_k - log(K - 1 - k)), so
// no component is a difference of nearly equal numbers.
//
// Jacobian. The simplex has K - 1 free coordinates, so the density is taken
// with respect to x_0, ..., x_{K-2} (x_{K-1} is determined), as in Stan.
// x_k depends on u_0, ..., u_k only, so ∂x/∂u is lower triangular with
// diagonal ∂x_k/∂u_k = z_k (1 - z_k) Π_{i<k} (1 - z_i), and
//
//   log |det| = Σ_k [log z_k + log(1 - z_k) + Σ_{i<k} log(1 - z_i)]
//             = Σ_k [log σ(t_k) + (K - 1 - k) log σ(-t_k)].
//
// Inverse: z_k = x_k / Σ_{i>=k} x_i, so u_k = log x_k - log Σ_{i>k} x_i +
// log(K - 1 - k), the tail sums computed directly rather than as 1 minus a
// head sum.
class StickBreakingBijector final : public Bijector {
 public:
  absl::string_view name() const override { return "StickBreaking"; }
  Support codomain() const override { return Support::Simplex(); }
  Tensor Forward(const Tensor& unconstrained) const override;
  Tensor Inverse(const Tensor& constrained) const override;
  Tensor LogAbsDetJacobian(const Tensor& unconstrained) const override;
  Index ConstrainedCols(Index unconstrained_cols) const override;
  Index UnconstrainedCols(Index constrained_cols) const override;
};

// LowerCholeskyBijector
//
// One row of D(D + 1)/2 reals onto a D x D lower-triangular matrix with a
// positive diagonal (a Cholesky factor of a covariance matrix). Layout: the
// row packs the lower triangle row by row,
//
//   u = (L00, L10, L11, L20, L21, L22, ...),  L(i, j) = u[i(i+1)/2 + j],
//
// except that the diagonal holds logs: L(i, i) = exp(u[i(i+1)/2 + i]).
// Entries above the diagonal are 0.
//
// Jacobian. The density is taken with respect to the D(D + 1)/2 free
// entries of L (Lebesgue measure on the lower triangle), as in Stan's
// cholesky_factor transform. Each free entry depends on one element of u,
// so the Jacobian is diagonal, with 1 for off-diagonal entries and
// exp(u_k) = L(i, i) for diagonal ones:
//
//   log |det| = Σ_i u[i(i+1)/2 + i] = Σ_i log L(i, i).
//
// `Forward` and `LogAbsDetJacobian` take one row (1 x D(D+1)/2) and
// `Inverse` a square matrix; other shapes throw InvalidArgument.
// `ConstrainedCols(D(D+1)/2)` is D (the matrix is D x D).
class LowerCholeskyBijector final : public Bijector {
 public:
  absl::string_view name() const override { return "LowerCholesky"; }
  Support codomain() const override { return Support::LowerCholesky(); }
  Tensor Forward(const Tensor& unconstrained) const override;
  Tensor Inverse(const Tensor& constrained) const override;
  Tensor LogAbsDetJacobian(const Tensor& unconstrained) const override;
  Index ConstrainedCols(Index unconstrained_cols) const override;
  Index UnconstrainedCols(Index constrained_cols) const override;
};

// OrderedBijector
//
// K reals per row onto an increasing row (Stan's `ordered` transform):
//
//   y_0 = u_0,   y_k = y_{k-1} + exp(u_k)   (k = 1, ..., K - 1),
//
// so u_0 is the first value and each later u_k the log of a gap; inverse
// u_0 = y_0, u_k = log(y_k - y_{k-1}). y_k depends on u_0, ..., u_k only,
// with ∂y_k/∂u_k = exp(u_k) for k >= 1 (1 for k = 0), so the Jacobian is
// lower triangular and
//
//   log |det| = Σ_{k>=1} u_k.
class OrderedBijector final : public Bijector {
 public:
  absl::string_view name() const override { return "Ordered"; }
  Support codomain() const override { return Support::Ordered(); }
  Tensor Forward(const Tensor& unconstrained) const override;
  Tensor Inverse(const Tensor& constrained) const override;
  Tensor LogAbsDetJacobian(const Tensor& unconstrained) const override;
};

// BijectorFor()
//
// The standard bijector onto `support`:
//
//   reals                      IdentityBijector
//   positive, non-negative     ExpBijector (the interior of [0, inf) is the
//                              same as (0, inf))
//   interval [a, b]            SigmoidBijector(a, b), with the support's
//                              tensor bounds if it has them
//   simplex                    StickBreakingBijector
//   ordered vectors            OrderedBijector
//   lower Cholesky factors     LowerCholeskyBijector
//   a point (Delta)            IdentityBijector (the value is any real)
//
// Throws InvalidArgument (StatusError) for the discrete supports, which no
// bijector from the reals reaches, and for an interval whose bounds are not
// finite with lower < upper.
std::shared_ptr<const Bijector> BijectorFor(const Support& support);

}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_BIJECTOR_H_
