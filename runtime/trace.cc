// Copyright 2026 The provi Authors.

#include "runtime/trace.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/status_error.h"

namespace provi {

Tensor Site::LogProb() const {
  Tensor lp;
  if (kind == SiteKind::kFactor) {
    lp = *log_weight;
  } else {
    try {
      lp = distribution->LogProb(*value);
    } catch (const StatusError& error) {
      ThrowStatus(absl::Status(error.status().code(),
                               absl::StrCat("sample site '", address.name(),
                                            "': ", error.status().message())));
    }
  }
  if (mask.has_value()) lp = lp * *mask;
  if (scale != 1) lp = lp * scale;
  return lp;
}

Trace::Trace() : data_(std::make_shared<Data>()) {
  // Most programs have tens of sites; skip the first few regrowths.
  data_->index.reserve(16);
}

const Site* Trace::Find(Address address) const {
  auto it = data_->index.find(address);
  return it == data_->index.end() ? nullptr : &data_->sites[it->second];
}

absl::Status Trace::Add(Site site) {
  if (data_.use_count() > 1) data_ = std::make_shared<Data>(*data_);
  if (site.kind != SiteKind::kPlate) {
    const auto [it, inserted] =
        data_->index.emplace(site.address, data_->sites.size());
    if (!inserted) {
      return absl::InvalidArgumentError(absl::StrCat(
          "address '", site.address.name(),
          "' is used by two sites in one run (", SiteKindName(site.kind),
          " after ", SiteKindName(data_->sites[it->second].kind), ")"));
    }
  }
  data_->sites.push_back(std::move(site));
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
      ThrowStatus(absl::InvalidArgumentError(
          absl::StrCat("site '", site.address.name(), "' has ", rows,
                       " lanes but earlier sites have ", lanes)));
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
