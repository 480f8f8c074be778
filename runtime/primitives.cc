// Copyright 2026 The provi Authors.

#include "runtime/primitives.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/container/inlined_vector.h"
#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/check.h"
#include "base/status_error.h"
#include "runtime/handler.h"
#include "runtime/site_error.h"

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

// Whether `rows` is 1 or the product of the lane counts of some of
// `plates`: the products reachable so far that divide `rows` (at most its
// divisors, so few), extended plate by plate.
bool RowsFitPlates(Index rows, const PlateStack& plates) {
  absl::InlinedVector<Index, 8> reachable = {1};
  for (const PlateInfo& plate : plates) {
    const size_t before = reachable.size();
    for (size_t i = 0; i < before; ++i) {
      const Index product = reachable[i] * plate.subsample_size;
      const bool divides =
          product == 0 ? rows == 0 : product <= rows && rows % product == 0;
      if (divides && std::find(reachable.begin(), reachable.end(), product) ==
                         reachable.end()) {
        reachable.push_back(product);
      }
    }
  }
  return std::find(reachable.begin(), reachable.end(), rows) != reachable.end();
}

std::string DescribePlate(const PlateInfo& plate) {
  return plate.subsample_size == plate.size
             ? absl::StrCat("'", plate.name.name(), "' (", plate.size,
                            " lanes)")
             : absl::StrCat("'", plate.name.name(), "' (", plate.subsample_size,
                            " lanes subsampled from ", plate.size, ")");
}

[[noreturn]] ABSL_ATTRIBUTE_NOINLINE ABSL_ATTRIBUTE_COLD void ThrowPlateRows(
    const Message& msg, Index rows) {
  std::string message =
      absl::StrCat(msg.is_observed ? "the observed site" : "the site", " has ",
                   rows, " rows");
  if (msg.plates.size() == 1) {
    const PlateInfo& plate = msg.plates[0];
    absl::StrAppend(&message, " inside plate ", DescribePlate(plate),
                    ": a site in it has one row per lane present (",
                    plate.subsample_size, ") or a single row");
    if (rows == plate.size) {
      absl::StrAppend(&message,
                      " (to use the subsample, take the data rows at the "
                      "plate's indices())");
    }
  } else {
    absl::StrAppend(&message, " inside the nested plates");
    for (const PlateInfo& plate : msg.plates) {
      absl::StrAppend(&message, " ", DescribePlate(plate));
    }
    absl::StrAppend(&message,
                    ": a site in them has a single row or the product of the "
                    "lane counts of some of them");
  }
  ThrowAtSite(absl::InvalidArgumentError(message), msg.kind, msg.address);
}

// A site's rows (its log density's lanes) must fit its plates (see Plate).
// Under broadcasting plates alone a program may carry lanes of its own (K
// copies of undeclared data lanes; vi/objectives.h, Iwelbo).
void CheckPlateRows(const Message& msg) {
  if (std::all_of(msg.plates.begin(), msg.plates.end(),
                  [](const PlateInfo& plate) { return plate.broadcast; })) {
    return;
  }
  Index rows = 1;
  if (msg.kind == SiteKind::kFactor) {
    rows = msg.log_prob.has_value() ? msg.log_prob->rows() : 1;
  } else if (!msg.is_intervened) {
    rows = std::max(msg.dist()->rows(), msg.value->rows());
  }
  if (ABSL_PREDICT_FALSE(!RowsFitPlates(rows, msg.plates))) {
    ThrowPlateRows(msg, rows);
  }
}

}  // namespace

Tensor sample(absl::string_view address, const Distribution& dist) {
  Message msg = NewMessage(SiteKind::kSample, address);
  BroadcastToPlate(msg, dist);
  ApplyStack(msg);
  if (!msg.plates.empty()) CheckPlateRows(msg);
  return *std::move(msg.value);
}

Tensor sample(absl::string_view address, const Distribution& dist,
              std::shared_ptr<const SiteStrategy> strategy) {
  Message msg = NewMessage(SiteKind::kSample, address);
  BroadcastToPlate(msg, dist);
  msg.strategy = std::move(strategy);
  ApplyStack(msg);
  if (!msg.plates.empty()) CheckPlateRows(msg);
  return *std::move(msg.value);
}

Tensor observe(absl::string_view address, const Distribution& dist,
               const Tensor& value) {
  Message msg = NewMessage(SiteKind::kSample, address);
  BroadcastToPlate(msg, dist);
  msg.value = value;
  msg.is_observed = true;
  ApplyStack(msg);
  if (!msg.plates.empty()) CheckPlateRows(msg);
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
  if (!msg.plates.empty()) CheckPlateRows(msg);
}

Tensor deterministic(absl::string_view name, const Tensor& value) {
  Message msg = NewMessage(SiteKind::kDeterministic, name);
  msg.value = value;
  ApplyStack(msg);
  return *std::move(msg.value);
}

Plate::Plate(absl::string_view name, Index size, Index subsample_size,
             PlateLanes lanes) {
  // A subsample of 0 lanes from a non-empty plate would scale its sites'
  // log densities by size / 0.
  if (size < 0 || subsample_size > size || (subsample_size == 0 && size > 0)) {
    ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
        "plate '", name, "': subsample size ", subsample_size,
        size > 0 ? " is not in [1, size = " : " is not in [0, size = ", size,
        "]")));
  }
  if (subsample_size < 0) subsample_size = size;
  // Indices travel as Reals, exact only up to 2^digits.
  constexpr Index kLargestExact = Index{1} << std::numeric_limits<Real>::digits;
  if (subsample_size < size && size > kLargestExact) {
    ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
        "plate '", name, "': cannot subsample ", size, " lanes: indices above ",
        kLargestExact,
        " are not exact in provi::Real (build with --config=f64)")));
  }
  Message msg = NewMessage(SiteKind::kPlate, name);
  info_ = PlateInfo{msg.address, size, subsample_size,
                    lanes == PlateLanes::kBroadcast};
  msg.plate = info_;
  ApplyStack(msg);
  // Compared as the handlers left the names (scoping renames both).
  for (const PlateInfo& outer : msg.plates) {
    if (outer.name == msg.plate.name) {
      ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
          "plate '", msg.plate.name.name(),
          "' is nested in a plate of the same name: nested plates need "
          "distinct names")));
    }
  }
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
    if (!(index >= 0 && index < static_cast<Real>(size)) ||
        index != std::floor(index)) {
      ThrowStatus(absl::InvalidArgumentError(
          absl::StrCat("plate '", info_.name.name(), "': index ", index,
                       " is not an integer in [0, ", size, ")")));
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

Tensor DrawSubsample(const PlateInfo& plate, absl::BitGenRef gen) {
  // A partial Fisher-Yates shuffle.
  std::vector<Index> all(static_cast<size_t>(plate.size));
  std::iota(all.begin(), all.end(), Index{0});
  for (Index i = 0; i < plate.subsample_size; ++i) {
    const Index j = absl::Uniform<Index>(gen, i, plate.size);
    std::swap(all[static_cast<size_t>(i)], all[static_cast<size_t>(j)]);
  }
  Real* data = nullptr;
  Tensor indices = NewConstant(plate.subsample_size, 1, &data);
  for (Index i = 0; i < plate.subsample_size; ++i) {
    data[i] = static_cast<Real>(all[static_cast<size_t>(i)]);
  }
  return indices;
}

Scope::Scope(absl::string_view prefix) : saved_(State().scope) {
  State().scope = Address::Join(saved_, prefix);
}

Scope::~Scope() { State().scope = saved_; }

Address CurrentScope() { return State().scope; }

const PlateStack& CurrentPlates() { return State().plates; }

}  // namespace provi
