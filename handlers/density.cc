// Copyright 2026 The provi Authors.

#include "handlers/density.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "runtime/site_error.h"

namespace provi {

void DensityHandler::Postprocess(Message& msg) {
  const bool sample = msg.kind == SiteKind::kSample && !msg.is_intervened;
  if (!sample && msg.kind != SiteKind::kFactor) return;
  if (seen_.Insert(msg.address, 0) != runtime_internal::AddressIndex::kNone) {
    ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
        "address '", msg.address.name(), "' is used by two sites in one run")));
  }
  Tensor lp;
  if (sample) {
    try {
      lp = msg.dist()->LogProb(*msg.value);
    } catch (const StatusError& error) {
      ThrowAtSite(error.status(), msg.kind, msg.address);
    }
  } else {
    lp = *msg.log_prob;
  }
  if (msg.mask.has_value()) lp = lp * *msg.mask;
  if (msg.scale != 1) lp = lp * msg.scale;
  for (Index i = 0; i < lp.rows(); ++i) {
    if (std::isnan(lp(i, 0))) {
      ThrowAtSite(absl::InvalidArgumentError(
                      absl::StrCat("log density of lane ", i, " is NaN")),
                  msg.kind, msg.address);
    }
  }
  if (msg.plates.empty()) {
    global_ = global_ + SumAll(lp);
    return;
  }
  if (!lanes_.has_value()) {
    lanes_ = lp;
    return;
  }
  if (lp.rows() != 1 && lanes_->rows() != 1 && lp.rows() != lanes_->rows()) {
    ThrowAtSite(absl::InvalidArgumentError(absl::StrCat(
                    "it has ", lp.rows(),
                    " lanes but earlier plated sites have ", lanes_->rows())),
                msg.kind, msg.address);
  }
  lanes_ = *lanes_ + lp;
}

Tensor DensityHandler::total() const {
  return lanes_.has_value() ? global_ + SumAll(*lanes_) : global_;
}

}  // namespace provi
