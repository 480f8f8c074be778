// Copyright 2026 The provi Authors.

#include "runtime/primitives.h"

#include <numeric>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "base/status_error.h"
#include "runtime/handler.h"

namespace provi {
namespace {

struct RuntimeState {
  Address scope;
  PlateStack plates;
};

RuntimeState& State() {
  thread_local RuntimeState state;
  return state;
}

Message NewMessage(SiteKind kind, absl::string_view address) {
  Message msg;
  msg.kind = kind;
  RuntimeState& state = State();
  msg.address = Address::Join(state.scope, address);
  if (state.plates.empty()) return msg;  // the common case: nothing to copy
  msg.plates = state.plates;
  for (const PlateInfo& plate : state.plates) {
    if (plate.subsample_size != plate.size) {
      msg.scale *= static_cast<Real>(plate.size) /
                   static_cast<Real>(plate.subsample_size);
    }
  }
  return msg;
}

// Under a broadcasting plate, a one-row distribution gets the plate's lanes.
void BroadcastToPlate(Message& msg, const Distribution& dist) {
  msg.distribution = &dist;
  if (msg.plates.empty()) return;
  for (auto it = msg.plates.rbegin(); it != msg.plates.rend(); ++it) {
    if (!it->broadcast) continue;
    if (dist.rows() == 1 && it->subsample_size != 1) {
      msg.owned_distribution = dist.ExpandRows(it->subsample_size);
      msg.distribution = msg.owned_distribution.get();
    }
    return;
  }
}

}  // namespace

Tensor sample(absl::string_view address, const Distribution& dist) {
  Message msg = NewMessage(SiteKind::kSample, address);
  BroadcastToPlate(msg, dist);
  ApplyStack(msg);
  return *std::move(msg.value);
}

Tensor sample(absl::string_view address, const Distribution& dist,
              SiteEstimator estimator) {
  Message msg = NewMessage(SiteKind::kSample, address);
  BroadcastToPlate(msg, dist);
  msg.estimator = std::move(estimator);
  ApplyStack(msg);
  return *std::move(msg.value);
}

Tensor observe(absl::string_view address, const Distribution& dist,
               const Tensor& value) {
  Message msg = NewMessage(SiteKind::kSample, address);
  BroadcastToPlate(msg, dist);
  msg.value = value;
  msg.is_observed = true;
  ApplyStack(msg);
  return *std::move(msg.value);
}

Tensor param(absl::string_view name, const std::function<Tensor()>& init,
             Support constraint) {
  Message msg = NewMessage(SiteKind::kParam, name);
  msg.param_init = &init;
  msg.constraint = constraint;
  ApplyStack(msg);
  return *std::move(msg.value);
}

Tensor param(absl::string_view name, const Tensor& init, Support constraint) {
  const std::function<Tensor()> init_fn = [&init] { return init; };
  return param(name, init_fn, constraint);
}

void factor(absl::string_view name, const Tensor& log_weight) {
  Message msg = NewMessage(SiteKind::kFactor, name);
  msg.log_prob = log_weight;
  msg.value = log_weight;
  ApplyStack(msg);
}

Tensor deterministic(absl::string_view name, const Tensor& value) {
  Message msg = NewMessage(SiteKind::kDeterministic, name);
  msg.value = value;
  ApplyStack(msg);
  return *std::move(msg.value);
}

Plate::Plate(absl::string_view name, Index size, Index subsample_size,
             PlateLanes lanes) {
  if (size < 0 || subsample_size > size) {
    ThrowStatus(absl::InvalidArgumentError(
        absl::StrCat("plate '", name, "': subsample size ", subsample_size,
                     " is not in [0, size = ", size, "]")));
  }
  if (subsample_size < 0) subsample_size = size;
  Message msg = NewMessage(SiteKind::kPlate, name);
  info_ = PlateInfo{msg.address, size, subsample_size,
                    lanes == PlateLanes::kBroadcast};
  msg.plate = info_;
  ApplyStack(msg);
  if (!msg.value.has_value()) {
    indices_.resize(static_cast<size_t>(size));
    std::iota(indices_.begin(), indices_.end(), Index{0});
    State().plates.push_back(info_);
    return;
  }
  const Tensor& given = *msg.value;
  if (given.size() != subsample_size) {
    ThrowStatus(absl::InvalidArgumentError(
        absl::StrCat("plate '", info_.name.name(), "': ", given.size(),
                     " indices supplied for a subsample of ", subsample_size)));
  }
  indices_.resize(static_cast<size_t>(subsample_size));
  for (Index i = 0; i < subsample_size; ++i) {
    const Real index = given.value()(i);
    if (!(index >= 0 && index < static_cast<Real>(size))) {
      ThrowStatus(absl::InvalidArgumentError(
          absl::StrCat("plate '", info_.name.name(), "': index ", index,
                       " out of range for size ", size)));
    }
    indices_[static_cast<size_t>(i)] = static_cast<Index>(index);
  }
  State().plates.push_back(info_);
}

Plate::~Plate() {
  PlateStack& plates = State().plates;
  PROVI_CHECK(!plates.empty() && plates.back().name == info_.name)
      << "Plates destroyed out of order";
  plates.pop_back();
}

Scope::Scope(absl::string_view prefix) : saved_(State().scope) {
  State().scope = Address::Join(saved_, prefix);
}

Scope::~Scope() { State().scope = saved_; }

Address CurrentScope() { return State().scope; }

const PlateStack& CurrentPlates() { return State().plates; }

}  // namespace provi
