// Copyright 2026 The provi Authors.
//
// File: runtime/primitives.h
// -----------------------------------------------------------------------------
//
// The statements probabilistic programs are written with. A program is any
// C++ callable that uses them; with no handler installed, `sample` simply
// draws and `observe` returns its value.
//
//   sample(address, dist[, strategy])   a random choice
//   observe(address, dist, value)       a conditioned choice (likelihood)
//   param(name, init[, constraint])     a learnable parameter
//   factor(name, log_weight)            an extra log-density term
//   deterministic(name, value)          a recorded function of choices
//   Plate plate(name, size[, subsample]) conditionally independent lanes
//   Scope scope(prefix)                 hierarchical addresses
//
// Errors at a site (invalid distribution parameters, a value of the wrong
// shape, a NaN, a duplicate address under a trace) are thrown as
// `StatusError` naming the address; the entry points that run programs
// (`Trace(...)`, density evaluation, gradient estimation) return them as
// `absl::Status`. Model code needs no status plumbing.
//
// Example:
//
//   auto model = [](const provi::Tensor& x) {
//     provi::Tensor mu = provi::sample("mu", provi::Normal(0.0, 10.0));
//     provi::Plate data("data", x.rows());
//     provi::observe("x", provi::Normal(mu, 1.0).Expand(x.rows(), 1), x);
//   };

#ifndef PROVI_RUNTIME_PRIMITIVES_H_
#define PROVI_RUNTIME_PRIMITIVES_H_

#include <functional>
#include <memory>
#include <vector>

#include "absl/strings/string_view.h"
#include "ad/tensor.h"
#include "distributions/distribution.h"
#include "distributions/support.h"
#include "runtime/address.h"
#include "runtime/message.h"
#include "runtime/plate.h"
#include "runtime/scope.h"

namespace provi {

// sample()
//
// A random choice at `address` (joined to the enclosing scopes) from
// `dist`; returns its value (rows x cols of `dist`). `strategy` chooses the
// site's gradient strategy (estimators/strategies.h; default: the
// distribution's).
Tensor sample(absl::string_view address, const Distribution& dist);
Tensor sample(absl::string_view address, const Distribution& dist,
              std::shared_ptr<const SiteStrategy> strategy);

// observe()
//
// A choice fixed to the observed `value`; contributes log p(value) to the
// density. Returns `value`.
Tensor observe(absl::string_view address, const Distribution& dist,
               const Tensor& value);

// param()
//
// A learnable parameter. Under a parameter store (vi/param_store.h) returns
// the stored value, created from `init` on first use and mapped into
// `constraint` through its bijector; with no store, returns `init()` as is.
// `init` is called only when a value is needed.
Tensor param(absl::string_view name, const std::function<Tensor()>& init,
             Support constraint = Support::Real());
Tensor param(absl::string_view name, const Tensor& init,
             Support constraint = Support::Real());

// factor()
//
// Adds `log_weight` (1x1, or one entry per lane) to the log density.
void factor(absl::string_view name, const Tensor& log_weight);

// deterministic()
//
// Records `value` at `name` (traces see it); returns the value handlers leave
// (normally `value`).
Tensor deterministic(absl::string_view name, const Tensor& value);

}  // namespace provi

#endif  // PROVI_RUNTIME_PRIMITIVES_H_
