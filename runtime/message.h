// Copyright 2026 The provi Authors.
//
// File: runtime/message.h
// -----------------------------------------------------------------------------
//
// A `Message` is what a primitive (`sample`, `observe`, `param`, `factor`,
// `deterministic`, entering a `Plate`) sends through the handler stack.
// Handlers read and edit it; the primitive returns its final value. This is
// the whole vocabulary handlers share, so it is a plain struct.
//
// Example (inside a handler):
//
//   void Process(Message& msg) override {
//     if (msg.kind == SiteKind::kSample && msg.address == target_) {
//       msg.value = forced_value_;
//     }
//   }

#ifndef PROVI_RUNTIME_MESSAGE_H_
#define PROVI_RUNTIME_MESSAGE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/inlined_vector.h"
#include "absl/random/bit_gen_ref.h"
#include "ad/tensor.h"
#include "distributions/distribution.h"
#include "distributions/support.h"
#include "runtime/address.h"

namespace provi {

// SiteKind
//
// What sent the message.
enum class SiteKind {
  kSample,         // sample() and observe() (see Message::is_observed)
  kParam,          // param()
  kFactor,         // factor(): an extra log-density term
  kDeterministic,  // deterministic(): a recorded value
  kPlate,          // entering a Plate: value = the subsample indices
};

// Name for messages: "sample", "param", ...
const char* SiteKindName(SiteKind kind);

// PlateInfo
//
// One enclosing plate of a site: its name, full size and the number of lanes
// present in this run (the subsample size; equal to size without
// subsampling). Log densities inside are scaled by size / subsample_size.
struct PlateInfo {
  Address name;
  Index size = 0;
  Index subsample_size = 0;
  // Sample sites inside whose distribution has one row are broadcast to
  // this plate's lanes (vectorised particles; see Plate).
  bool broadcast = false;
};

using PlateStack = absl::InlinedVector<PlateInfo, 2>;

// SiteStrategy
//
// The gradient strategy chosen for a sample site: how an estimator draws the
// site and what it contributes to the gradient. The estimators layer defines
// it (estimators/site_strategy.h) and gives it its meaning; the runtime only
// carries it from where it was chosen (the site, a handler) to the estimator,
// as Pyro's messages carry their `infer` dictionary.
class SiteStrategy;

// Message
//
// See the file comment. Fields a handler does not understand it leaves alone.
struct Message {
  SiteKind kind = SiteKind::kSample;
  Address address;

  // The site's distribution (sample sites; the prior under `lift`). Not
  // owned: valid while the primitive runs. Handlers that keep it clone it.
  const Distribution* distribution = nullptr;
  // Set by handlers that substitute a distribution they own (e.g. lift).
  std::shared_ptr<const Distribution> owned_distribution;

  // The value: set by handlers (replay, condition, ...) or, if still empty
  // after Process, by the default behaviour (a draw, the param's initial
  // value, ...).
  std::optional<Tensor> value;

  // A log-density term computed by a handler (factor sites carry theirs);
  // one entry per lane or 1x1.
  std::optional<Tensor> log_prob;

  // Multiplies the site's log density (plates' subsampling, scale handler).
  Real scale = 1;
  // Per-lane 0/1 mask (rows x 1 or 1x1): masked lanes contribute nothing.
  std::optional<Tensor> mask;

  bool is_observed = false;
  // Set by `do`: the value is imposed, the site has no density.
  bool is_intervened = false;

  PlateStack plates;

  // kPlate messages: the plate being entered. Its value is the subsample's
  // indices (a subsample_size x 1 tensor), drawn by the default behaviour
  // unless a handler supplies them.
  PlateInfo plate;

  // The site's gradient strategy (see SiteStrategy); null: the
  // distribution's default.
  std::shared_ptr<const SiteStrategy> strategy;

  // Where default draws come from (set by the seed handler; else the
  // thread's generator, see runtime/handler.h).
  std::optional<absl::BitGenRef> rng;

  // param sites: the initial value (lazily evaluated) and the constraint.
  const std::function<Tensor()>* param_init = nullptr;
  Support constraint = Support::Real();

  // Stops the message from reaching handlers further out (block).
  bool stop = false;

  // The distribution `ValidateSite` (runtime/handler.h) last accepted for
  // this message, so each distribution is validated once however many
  // handlers draw or read it.
  const Distribution* validated = nullptr;

  // The distribution to use: the owned one if a handler set it.
  const Distribution* dist() const {
    return owned_distribution != nullptr ? owned_distribution.get()
                                         : distribution;
  }
};

}  // namespace provi

#endif  // PROVI_RUNTIME_MESSAGE_H_
