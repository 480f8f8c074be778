// Copyright 2026 The provi Authors.

#include "handlers/density.h"

#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "runtime/site.h"
#include "runtime/site_error.h"

namespace provi {

void DensityHandler::Postprocess(Message& msg) {
  const bool sample = msg.kind == SiteKind::kSample && !msg.is_intervened;
  if (!sample && msg.kind != SiteKind::kFactor) return;
  if (seen_.Insert(msg.address, 0) != runtime_internal::AddressIndex::kNone) {
    ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
        "address '", msg.address.name(), "' is used by two sites in one run")));
  }
  const Tensor lp =
      SiteLogDensity(msg.kind, msg.address, msg.dist(),
                     msg.value.has_value() ? &*msg.value : nullptr,
                     msg.log_prob.has_value() ? &*msg.log_prob : nullptr,
                     msg.mask.has_value() ? &*msg.mask : nullptr, msg.scale);
  if (msg.plates.empty()) {
    global_ = global_ + SumAll(lp);
    return;
  }
  if (lp.rows() == 1) {
    one_lane_ = one_lane_.has_value() ? *one_lane_ + SumAll(lp) : SumAll(lp);
    return;
  }
  if (!lanes_.has_value()) {
    lanes_ = lp;
    return;
  }
  if (lp.rows() != lanes_->rows()) {
    ThrowAtSite(absl::InvalidArgumentError(absl::StrCat(
                    "it has ", lp.rows(),
                    " lanes but earlier plated sites have ", lanes_->rows())),
                msg.kind, msg.address);
  }
  lanes_ = *lanes_ + lp;
}

std::optional<Tensor> DensityHandler::lanes() const {
  if (!lanes_.has_value()) return one_lane_;
  if (!one_lane_.has_value()) return lanes_;
  return *lanes_ + *one_lane_ * (Real(1) / static_cast<Real>(lanes_->rows()));
}

Tensor DensityHandler::total() const {
  Tensor total = global_;
  if (lanes_.has_value()) total = total + SumAll(*lanes_);
  if (one_lane_.has_value()) total = total + *one_lane_;
  return total;
}

}  // namespace provi
