// Copyright 2026 The provi Authors.

#include "runtime/primitives.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/status_error.h"
#include "runtime/handler.h"
#include "runtime/internal/program_state.h"
#include "runtime/site_error.h"

namespace provi {
namespace {

using runtime_internal::NewMessage;

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
  // A single row, or one per lane of the innermost plate alone: the common
  // layouts, which fit without the search over products of lane counts.
  if (rows == 1 ||
      (msg.plates.size() == 1 && rows == msg.plates.back().subsample_size)) {
    return;
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

}  // namespace provi
