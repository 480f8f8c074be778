// Copyright 2026 The provi Authors.

#include "runtime/trace.h"

#include <cmath>
#include <cstdint>
#include <new>
#include <optional>
#include <utility>

#include "absl/base/optimization.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/status_error.h"
#include "runtime/internal/block_pool.h"
#include "runtime/internal/distribution_arena.h"
#include "runtime/site_error.h"

namespace provi {

Trace::Trace() : data_(std::make_shared<Data>()) {}

const Site* Trace::Find(Address address) const {
  const uint32_t at = data_->index.Find(address);
  return at == runtime_internal::AddressIndex::kNone ? nullptr
                                                     : &data_->sites[at];
}

const Site* Trace::FindPlate(Address address) const {
  const uint32_t at = data_->plates.Find(address);
  return at == runtime_internal::AddressIndex::kNone ? nullptr
                                                     : &data_->sites[at];
}

bool Trace::Claimable(Data& data, SiteKind kind, Address address,
                      runtime_internal::AddressIndex::Slot& slot) {
  if (kind == SiteKind::kPlate) {
    slot = data.plates.Probe(address);
    return true;
  }
  slot = data.index.Probe(address);
  return slot.value == runtime_internal::AddressIndex::kNone;
}

void Trace::Claim(Data& data, SiteKind kind, Address address,
                  const runtime_internal::AddressIndex::Slot& slot) {
  const uint32_t position = static_cast<uint32_t>(data.sites.size() - 1);
  if (kind != SiteKind::kPlate) {
    data.index.Fill(slot, address, position);
  } else if (slot.value == runtime_internal::AddressIndex::kNone) {
    data.plates.Fill(slot, address, position);
  }
}

void Trace::Unshare() { data_ = std::make_shared<Data>(*data_); }

absl::Status Trace::DuplicateError(const Data& data, SiteKind kind,
                                   Address address) {
  const Site& earlier = data.sites[data.index.Find(address)];
  return absl::InvalidArgumentError(absl::StrCat(
      "address '", address.name(), "' is used by two sites in one run (",
      SiteKindName(kind), " after ", SiteKindName(earlier.kind), ")"));
}

absl::Status Trace::Add(Site site) {
  Data& data = Mutable();
  runtime_internal::AddressIndex::Slot slot;
  if (!Claimable(data, site.kind, site.address, slot)) {
    return DuplicateError(data, site.kind, site.address);
  }
  const SiteKind kind = site.kind;
  const Address address = site.address;
  data.sites.EmplaceBack(std::move(site));
  Claim(data, kind, address, slot);
  return absl::OkStatus();
}

absl::Status Trace::Record(const Message& msg) {
  Data& data = Mutable();
  runtime_internal::AddressIndex::Slot slot;
  if (!Claimable(data, msg.kind, msg.address, slot)) {
    return DuplicateError(data, msg.kind, msg.address);
  }
  // From here until the site is appended an exception (allocation failure)
  // leaves the trace as it was.
  std::shared_ptr<const Distribution> distribution;
  if (msg.kind == SiteKind::kSample) {
    if (msg.owned_distribution != nullptr) {
      distribution = msg.owned_distribution;
    } else {
      if (data.arena == nullptr) {
        data.arena = std::make_shared<runtime_internal::DistributionArena>();
      }
      const Distribution* copy = data.arena->Copy(*msg.distribution);
      distribution = copy != nullptr
                         ? std::shared_ptr<const Distribution>(data.arena, copy)
                         : msg.distribution->Clone();
    }
  }
  const bool factor = msg.kind == SiteKind::kFactor;
  const bool plate = msg.kind == SiteKind::kPlate;
  const bool param = msg.kind == SiteKind::kParam;
  data.sites.EmplaceBack(msg.kind, msg.address, std::move(distribution),
                         msg.value, factor ? msg.log_prob : std::nullopt,
                         msg.scale, msg.mask, msg.is_observed,
                         msg.is_intervened, msg.plates,
                         plate ? msg.plate : PlateInfo(), msg.strategy,
                         param ? msg.constraint : Support::Real());
  Claim(data, msg.kind, msg.address, slot);
  return absl::OkStatus();
}

Tensor Trace::LogProbSum() const {
  return LogProbSum([](const Site&) { return true; });
}

Tensor Trace::LogProbSum(const std::function<bool(const Site&)>& filter) const {
  Tensor total(0.0);
  for (const Site& site : data_->sites) {
    if (!site.has_density() || !filter(site)) continue;
    total = total + SumAll(site.LogProb());
  }
  return total;
}

namespace {

// Trace::LaneLogProb with the filter a template argument: the unfiltered
// form calls no std::function per site.
template <typename Filter>
Tensor LaneLogProbOf(const SiteList& sites, const Filter& filter) {
  Index lanes = 1;
  for (const Site& site : sites) {
    if (!site.has_density() || !filter(site)) continue;
    const Index rows = site.kind == SiteKind::kFactor ? site.log_weight->rows()
                                                      : site.value->rows();
    if (rows == 1 || rows == lanes) continue;
    if (lanes != 1) {
      ThrowAtSite(
          absl::InvalidArgumentError(absl::StrCat(
              "it has ", rows, " lanes but earlier sites have ", lanes)),
          site.kind, site.address);
    }
    lanes = rows;
  }
  // One LaneSum node for the per-lane densities of every site (lanes x 1 or
  // 1x1); a density of another shape broadcasts into the total as an
  // addition of its own.
  absl::InlinedVector<Tensor, 8> terms;
  std::optional<Tensor> other;
  const Real share = Real(1) / static_cast<Real>(lanes);
  for (const Site& site : sites) {
    if (!site.has_density() || !filter(site)) continue;
    Tensor lp = site.LogProb();
    if (lp.cols() == 1 && (lp.rows() == 1 || lp.rows() == lanes)) {
      terms.push_back(std::move(lp));
    } else {
      lp = lp.rows() == 1 && lanes > 1 ? lp * share : lp;
      other = other.has_value() ? *other + lp : lp;
    }
  }
  Tensor total = LaneSum<Real>(terms, lanes);
  return other.has_value() ? total + *other : total;
}

}  // namespace

Tensor Trace::LaneLogProb() const {
  return LaneLogProbOf(data_->sites, [](const Site&) { return true; });
}

Tensor Trace::LaneLogProb(
    const std::function<bool(const Site&)>& filter) const {
  return LaneLogProbOf(data_->sites, filter);
}

}  // namespace provi
