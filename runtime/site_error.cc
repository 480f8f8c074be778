// Copyright 2026 The provi Authors.

#include "runtime/site_error.h"

#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "base/status_error.h"

namespace provi {

std::string SiteLabel(SiteKind kind, Address address) {
  return absl::StrCat(SiteKindName(kind), " site '", address.name(), "'");
}

absl::Status AnnotateSite(absl::Status status, SiteKind kind, Address address) {
  if (status.ok() || status.GetPayload(kSitePayloadUrl).has_value()) {
    return status;
  }
  absl::Status annotated(status.code(), absl::StrCat(SiteLabel(kind, address),
                                                     ": ", status.message()));
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    annotated.SetPayload(url, payload);
  });
  annotated.SetPayload(kSitePayloadUrl, absl::Cord(address.name()));
  return annotated;
}

void ThrowAtSite(absl::Status status, SiteKind kind, Address address) {
  ThrowStatus(AnnotateSite(std::move(status), kind, address));
}

std::optional<std::string> AnnotatedSite(const absl::Status& status) {
  const auto payload = status.GetPayload(kSitePayloadUrl);
  if (!payload.has_value()) return std::nullopt;
  return std::string(*payload);
}

}  // namespace provi
