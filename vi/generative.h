// Copyright 2026 The provi Authors.
//
// File: vi/generative.h
// -----------------------------------------------------------------------------
//
// Generative functions (DESIGN.md section 6). Any program (a callable using
// the primitives of runtime/primitives.h) is a generative function; so are
// the wrappers `Marginal` (vi/marginal.h) and `Normalize`
// (vi/normalize.h). Two constructs use them inside objectives:
//
//   Simulate(gf, args...) -> {choices, log_density}: runs gf, returning its
//       latent choices and log q(choices), per lane, on the tape; its sample
//       sites are estimated by the enclosing Expectation's strategies.
//   Density(gf, choices, args...) -> log p(choices, observations): runs gf
//       with its latent sites set to `choices` (every latent site must be
//       there), per lane. Each site's log density is computed as it runs
//       (LaneDensityHandler, handlers/density.h): no trace of gf is kept.
//
// Subsampled plates: the choices record each plate's subsample, and Density
// gives gf's plates of the same names those indices, so a model's local
// latents and data rows are the points its guide drew them for (a plate
// only gf declares draws its own; see handlers/replay.h). Inside an
// Expectation the subsamples come from the estimation's generator. Under
// Particles, the K particles share one subsample: a plate is entered once
// per run, whatever the lanes.
//
// Per lane: an R x 1 tensor when sites have R lanes (data points, or
// particles inside `Particles`), each lane with its own entries and an equal
// share of one-lane sites (Trace::LaneLogProb); 1x1 for programs without
// lanes. Wrappers provide `SimulateImpl` / `DensityImpl` members, which the
// free functions call.
//
// `Particles(K, fn)` runs fn as K vectorised particles: one-row sites
// inside become K-lane sites (a broadcasting Plate).
//
// Errors (a missing choice, an invalid distribution, ...) are thrown as
// StatusError naming the site; Expectation and the other entry points return
// them as Status.
//
// Example (the ELBO, as vi/objectives.h writes it):
//
//   auto elbo = provi::Expectation([&](const provi::Tensor& x) {
//     provi::Simulation q = provi::Simulate(guide, x);
//     return provi::LaneDifference(provi::Density(model, q.choices, x),
//                                  q.log_density);
//   });

#ifndef PROVI_VI_GENERATIVE_H_
#define PROVI_VI_GENERATIVE_H_

#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "ad/ops.h"
#include "ad/tensor.h"
#include "base/status_error.h"
#include "handlers/density.h"
#include "handlers/replay.h"
#include "handlers/trace.h"
#include "runtime/handler.h"
#include "runtime/primitives.h"
#include "runtime/trace.h"

namespace provi {

// Simulation
//
// What Simulate returns.
struct Simulation {
  // The latent choices (and any other sites the program ran), by address.
  Trace choices;
  // log q(choices) per lane (or its estimate, for wrappers such as
  // Marginal), on the tape.
  Tensor log_density;
};

namespace vi_internal {

template <typename GF, typename = void>
struct HasSimulateImpl : std::false_type {};
template <typename GF>
struct HasSimulateImpl<
    GF, std::void_t<decltype(&std::decay_t<GF>::kIsGenerativeWrapper)>>
    : std::true_type {};

// The trace of one run of `gf(args...)`; errors propagate.
template <typename GF, typename... Args>
Trace RunTraced(const GF& gf, Args&&... args) {
  TraceHandler handler;
  {
    HandlerScope scope(handler);
    gf(std::forward<Args>(args)...);
  }
  return handler.TakeTrace();
}

// The trace of one run of `gf(args...)` with its latent sites set to
// `choices`; errors propagate.
template <typename GF, typename... Args>
Trace ReplayTraced(const GF& gf, const Trace& choices, Args&&... args) {
  ReplayHandler replay(choices);
  TraceHandler trace;
  {
    HandlerScope trace_scope(trace);
    HandlerScope replay_scope(replay);
    gf(std::forward<Args>(args)...);
  }
  return trace.TakeTrace();
}

// Runs `gf(args...)` under `handler` (a LaneDensityHandler replaying the
// choices); errors propagate.
template <typename GF, typename... Args>
void RunUnderDensity(LaneDensityHandler& handler, const GF& gf,
                     Args&&... args) {
  HandlerScope scope(handler);
  gf(std::forward<Args>(args)...);
}

}  // namespace vi_internal

// Simulate()
//
// See the file comment.
template <typename GF, typename... Args>
Simulation Simulate(const GF& gf, Args&&... args) {
  if constexpr (vi_internal::HasSimulateImpl<GF>::value) {
    return gf.SimulateImpl(std::forward<Args>(args)...);
  } else {
    Trace trace = vi_internal::RunTraced(gf, std::forward<Args>(args)...);
    Tensor log_density = trace.LaneLogProb();
    return Simulation{std::move(trace), std::move(log_density)};
  }
}

// Density()
//
// See the file comment.
template <typename GF, typename... Args>
Tensor Density(const GF& gf, const Trace& choices, Args&&... args) {
  if constexpr (vi_internal::HasSimulateImpl<GF>::value) {
    return gf.DensityImpl(choices, std::forward<Args>(args)...);
  } else {
    // The sites' densities as they run: no trace is kept.
    LaneDensityHandler density(&choices);
    vi_internal::RunUnderDensity(density, gf, std::forward<Args>(args)...);
    return density.LaneLogProb();
  }
}

// LaneDifference()
//
// log_p - log_q lane by lane, for two per-lane log densities (from Density
// and Simulate) whose lane counts differ when one program has all its sites
// outside plates (a guide with only global latents for a model with a data
// plate): that program's 1x1 total is shared equally among the other's R
// lanes, as Trace::LaneLogProb shares one-lane sites, so the lanes still sum
// to the difference of the totals. Throws InvalidArgument (StatusError) for
// two different lane counts above one.
inline Tensor LaneDifference(const Tensor& log_p, const Tensor& log_q) {
  const Index p = log_p.rows();
  const Index q = log_q.rows();
  if (p == q) return log_p - log_q;
  if (q == 1) return log_p - log_q * (Real(1) / static_cast<Real>(p));
  if (p == 1) return log_p * (Real(1) / static_cast<Real>(q)) - log_q;
  ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
      "the two programs' log densities have ", p, " and ", q,
      " lanes; lanes must agree (or one program have a single lane)")));
}

// Particles()
//
// Runs `fn()` inside a broadcasting plate named "particles" of `count`
// lanes and returns its value.
template <typename F>
auto Particles(Index count, F&& fn) {
  Plate particles("particles", count, -1, PlateLanes::kBroadcast);
  return fn();
}

}  // namespace provi

#endif  // PROVI_VI_GENERATIVE_H_
