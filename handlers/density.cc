// Copyright 2026 The provi Authors.

#include "handlers/density.h"

#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "handlers/replay.h"
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

void LaneDensityHandler::Process(Message& msg) {
  if (msg.kind == SiteKind::kPlate) {
    if (choices_ != nullptr) ReplayPlate(*choices_, msg);
    if (!msg.value.has_value()) {
      const uint32_t first = plates_.Find(msg.address);
      if (first != runtime_internal::AddressIndex::kNone) {
        const PlateEntry& entry = plate_entries_[first];
        ReplayPlate(entry.plate,
                    entry.value.has_value() ? &*entry.value : nullptr, msg);
      }
    }
    return;
  }
  if (choices_ == nullptr || msg.kind != SiteKind::kSample || msg.is_observed) {
    return;
  }
  const Site* site = choices_->Find(msg.address);
  if (site == nullptr || !site->value.has_value()) {
    ThrowAtSite(absl::NotFoundError("replay: the trace has no value for it"),
                msg.kind, msg.address);
  }
  msg.value = *site->value;
}

void LaneDensityHandler::Postprocess(Message& msg) {
  if (msg.kind == SiteKind::kPlate) {
    runtime_internal::AddressIndex::Slot slot = plates_.Probe(msg.address);
    if (slot.value == runtime_internal::AddressIndex::kNone) {
      plate_entries_.push_back(PlateEntry{msg.plate, msg.value});
      plates_.Fill(slot, msg.address,
                   static_cast<uint32_t>(plate_entries_.size() - 1));
    }
    return;
  }
  runtime_internal::AddressIndex::Slot slot = seen_.Probe(msg.address);
  if (slot.value != runtime_internal::AddressIndex::kNone) {
    ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
        "address '", msg.address.name(), "' is used by two sites in one run (",
        SiteKindName(msg.kind), " after ",
        SiteKindName(static_cast<SiteKind>(slot.value)), ")")));
  }
  seen_.Fill(slot, msg.address, static_cast<uint32_t>(msg.kind));
  const bool factor = msg.kind == SiteKind::kFactor;
  if (!(msg.kind == SiteKind::kSample && !msg.is_intervened) && !factor) {
    return;
  }
  const Tensor* value = msg.value.has_value() ? &*msg.value : nullptr;
  const Tensor* log_weight =
      msg.log_prob.has_value() ? &*msg.log_prob : nullptr;
  Tensor lp = SiteLogDensity(
      msg.kind, msg.address, msg.dist(), value, factor ? log_weight : nullptr,
      msg.mask.has_value() ? &*msg.mask : nullptr, msg.scale);
  // The site's lanes: its value's rows (a factor's log weight's), as the
  // trace counts them.
  const Tensor* lanes_of = factor ? log_weight : value;
  const Index rows = lanes_of != nullptr ? lanes_of->rows() : lp.rows();
  log_probs_.push_back(std::move(lp));
  terms_.push_back(Term{rows, msg.kind, msg.address});
}

Tensor LaneDensityHandler::LaneLogProb() const {
  Index lanes = 1;
  for (const Term& term : terms_) {
    if (term.rows == 1 || term.rows == lanes) continue;
    if (lanes != 1) {
      ThrowAtSite(
          absl::InvalidArgumentError(absl::StrCat(
              "it has ", term.rows, " lanes but earlier sites have ", lanes)),
          term.kind, term.address);
    }
    lanes = term.rows;
  }
  // One LaneSum node for the terms of lanes x 1 or 1x1 (all of them,
  // usually); a term of another shape broadcasts into the total as an
  // addition of its own.
  const auto fits = [lanes](const Tensor& lp) {
    return lp.cols() == 1 && (lp.rows() == 1 || lp.rows() == lanes);
  };
  bool all_fit = true;
  for (const Tensor& lp : log_probs_) all_fit = all_fit && fits(lp);
  if (all_fit) return LaneSum<Real>(log_probs_, lanes);
  absl::InlinedVector<Tensor, 8> terms;
  std::optional<Tensor> other;
  const Real share = Real(1) / static_cast<Real>(lanes);
  for (const Tensor& lp : log_probs_) {
    if (fits(lp)) {
      terms.push_back(lp);
    } else {
      Tensor part = lp.rows() == 1 && lanes > 1 ? lp * share : lp;
      other = other.has_value() ? *other + part : part;
    }
  }
  Tensor total = LaneSum<Real>(terms, lanes);
  return other.has_value() ? total + *other : total;
}

std::optional<SiteKind> LaneDensityHandler::KindAt(Address address) const {
  const uint32_t kind = seen_.Find(address);
  if (kind == runtime_internal::AddressIndex::kNone) return std::nullopt;
  return static_cast<SiteKind>(kind);
}

}  // namespace provi
