// Copyright 2026 The provi Authors.

#include "runtime/site.h"

#include <cmath>
#include <optional>
#include <string>

#include "absl/base/optimization.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/status_error.h"
#include "runtime/site_error.h"

namespace provi {

Tensor SiteLogDensity(SiteKind kind, Address address,
                      const Distribution* distribution, const Tensor* value,
                      const Tensor* log_weight, const Tensor* mask,
                      Real scale) {
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
  // pass over the entries; -inf (probability zero) is a log density.
  const Real* data = lp.value_data();
  Real sum = 0;
  for (Index k = 0; k < lp.size(); ++k) sum += data[k];
  if (ABSL_PREDICT_FALSE(!std::isfinite(sum))) {
    for (Index k = 0; k < lp.size(); ++k) {
      if (std::isnan(data[k]) || (std::isinf(data[k]) && data[k] > 0)) {
        ThrowAtSite(absl::InvalidArgumentError(absl::StrCat(
                        "log density element (", k, ", 0) = ", data[k])),
                    kind, address);
      }
    }
    for (Index k = 0; k < lp.size(); ++k) {
      if (std::isinf(data[k])) {
        ZeroDensityWatch::Note(kind, address, k);
        break;
      }
    }
  }
  if (mask != nullptr) lp = lp * *mask;
  if (scale != 1) lp = lp * scale;
  return lp;
}

Tensor Site::LogProb() const {
  return SiteLogDensity(kind, address, distribution.get(),
                        value.has_value() ? &*value : nullptr,
                        log_weight.has_value() ? &*log_weight : nullptr,
                        mask.has_value() ? &*mask : nullptr, scale);
}

namespace {
thread_local ZeroDensityWatch* innermost_watch = nullptr;
}  // namespace

ZeroDensityWatch::ZeroDensityWatch() : outer_(innermost_watch) {
  innermost_watch = this;
}

ZeroDensityWatch::~ZeroDensityWatch() { innermost_watch = outer_; }

void ZeroDensityWatch::Note(SiteKind kind, Address address, Index element) {
  ZeroDensityWatch* watch = innermost_watch;
  if (watch == nullptr || watch->site_.has_value()) return;
  watch->site_ =
      absl::StrCat(SiteLabel(kind, address), ": log density element (", element,
                   ", 0) = -inf");
}

}  // namespace provi
