// Copyright 2026 The provi Authors.
//
// File: runtime/site_error.h
// -----------------------------------------------------------------------------
//
// Errors at a site: the one way a Status comes to name the site it is about.
//
// `AnnotateSite(status, kind, address)` prefixes the message with
// "<kind> site '<address>': " and attaches the address as a payload
// (`kSitePayloadUrl`), so code and tests can ask which site failed
// (`AnnotatedSite`) without reading the message. Annotating is idempotent: a
// status that already names a site (an inner site's error travelling out
// through an outer one, e.g. a program run while a handler processes a
// message) is returned unchanged, so the innermost site is the one reported.
//
// Example:
//
//   try {
//     lp = dist.LogProb(value);
//   } catch (const provi::StatusError& error) {
//     provi::ThrowAtSite(error.status(), provi::SiteKind::kSample, address);
//   }
//   ...
//   provi::AnnotatedSite(status);  // "z" (std::optional<std::string>)

#ifndef PROVI_RUNTIME_SITE_ERROR_H_
#define PROVI_RUNTIME_SITE_ERROR_H_

#include <optional>
#include <string>

#include "absl/base/attributes.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "runtime/address.h"
#include "runtime/message.h"

namespace provi {

// The payload type URL under which `AnnotateSite` stores the site's address.
inline constexpr absl::string_view kSitePayloadUrl = "provi/site";

// SiteLabel()
//
// "<kind> site '<address>'", as errors name a site: the one place the
// phrase is spelled.
std::string SiteLabel(SiteKind kind, Address address);

// AnnotateSite()
//
// `status` naming the site `address` (of kind `kind`): see the file comment.
// OK and already annotated statuses are returned unchanged.
absl::Status AnnotateSite(absl::Status status, SiteKind kind, Address address);

// ThrowAtSite()
//
// Throws `StatusError(AnnotateSite(status, kind, address))`. `status` must
// not be OK. Declared cold, so that the compiler keeps the code building an
// error out of the hot path of its callers.
[[noreturn]] ABSL_ATTRIBUTE_COLD void ThrowAtSite(absl::Status status,
                                                  SiteKind kind,
                                                  Address address);

// AnnotatedSite()
//
// The address `status` was annotated with, or nullopt if none.
std::optional<std::string> AnnotatedSite(const absl::Status& status);

}  // namespace provi

#endif  // PROVI_RUNTIME_SITE_ERROR_H_
