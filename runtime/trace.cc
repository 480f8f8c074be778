// Copyright 2026 The provi Authors.

#include "runtime/trace.h"

#include <cmath>
#include <cstdint>
#include <new>
#include <utility>

#include "absl/base/optimization.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/status_error.h"
#include "runtime/internal/block_pool.h"
#include "runtime/internal/distribution_arena.h"
#include "runtime/site_error.h"

namespace provi {

Tensor Site::LogProb() const {
  Tensor lp;
  if (kind == SiteKind::kFactor) {
    lp = *log_weight;
  } else {
    try {
      lp = distribution->LogProb(*value);
    } catch (const StatusError& error) {
      ThrowAtSite(error.status(), kind, address);
    }
  }
  // NaN provenance: the first site whose log density is NaN (or +inf, an
  // infinite density) is named here, not later as a NaN objective. One
  // pass over R values; -inf (probability zero) is a log density.
  const Real* data = lp.value_data();
  Real sum = 0;
  for (Index k = 0; k < lp.size(); ++k) sum += data[k];
  if (ABSL_PREDICT_FALSE(!std::isfinite(sum))) {
    for (Index k = 0; k < lp.size(); ++k) {
      if (std::isnan(data[k]) || (std::isinf(data[k]) && data[k] > 0)) {
        ThrowStatus(absl::InvalidArgumentError(
            absl::StrCat(SiteKindName(kind), " site '", address.name(),
                         "': log density element (", k, ", 0) = ", data[k])));
      }
    }
    for (Index k = 0; k < lp.size(); ++k) {
      if (std::isinf(data[k])) {
        ZeroDensityWatch::Note(*this, k);
        break;
      }
    }
  }
  if (mask.has_value()) lp = lp * *mask;
  if (scale != 1) lp = lp * scale;
  return lp;
}

namespace {
thread_local ZeroDensityWatch* innermost_watch = nullptr;
}  // namespace

ZeroDensityWatch::ZeroDensityWatch() : outer_(innermost_watch) {
  innermost_watch = this;
}

ZeroDensityWatch::~ZeroDensityWatch() { innermost_watch = outer_; }

void ZeroDensityWatch::Note(const Site& site, Index element) {
  ZeroDensityWatch* watch = innermost_watch;
  if (watch == nullptr || watch->site_.has_value()) return;
  watch->site_ =
      absl::StrCat(SiteKindName(site.kind), " site '", site.address.name(),
                   "': log density element (", element, ", 0) = -inf");
}

SiteList::SiteList(const SiteList& other) {
  try {
    for (const Site& site : other) EmplaceBack(site);
  } catch (...) {
    Clear();
    throw;
  }
}

SiteList::~SiteList() { Clear(); }

void SiteList::Clear() {
  for (size_t i = size_; i-- > 0;)
    chunks_[i / kPerChunk][i % kPerChunk].~Site();
  for (Site* chunk : chunks_) runtime_internal::FreeBlock(chunk);
  chunks_.clear();
  size_ = 0;
}

Site* SiteList::NewChunk() {
  if (chunks_.size() == chunks_.capacity()) {
    chunks_.reserve(2 * chunks_.size() + 4);
  }
  chunks_.push_back(static_cast<Site*>(runtime_internal::AllocateBlock()));
  return chunks_.back();
}

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

Tensor Trace::LaneLogProb() const {
  return LaneLogProb([](const Site&) { return true; });
}

Tensor Trace::LaneLogProb(
    const std::function<bool(const Site&)>& filter) const {
  Index lanes = 1;
  for (const Site& site : data_->sites) {
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
  const Real share = Real(1) / static_cast<Real>(lanes);
  Tensor total = BroadcastTo(Tensor(0.0), lanes, 1);
  for (const Site& site : data_->sites) {
    if (!site.has_density() || !filter(site)) continue;
    const Tensor lp = site.LogProb();
    total = total + (lp.rows() == 1 && lanes > 1 ? lp * share : lp);
  }
  return total;
}

}  // namespace provi
