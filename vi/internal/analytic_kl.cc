// Copyright 2026 The provi Authors.

#include "vi/internal/analytic_kl.h"

#include <cmath>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/status_error.h"
#include "distributions/kl.h"
#include "runtime/site_error.h"
#include "vi/generative.h"

namespace provi {
namespace vi_internal {
namespace {

bool IsLatent(const Site& site) {
  return site.kind == SiteKind::kSample && site.has_density() &&
         !site.is_observed;
}

bool SameMask(const Site& a, const Site& b) {
  if (a.mask.has_value() != b.mask.has_value()) return false;
  if (!a.mask.has_value()) return true;
  const Matrix& x = a.mask->value();
  const Matrix& y = b.mask->value();
  return x.rows() == y.rows() && x.cols() == y.cols() && x == y;
}

// The model site that `guide_site` is scored against analytically, or null.
const Site* AnalyticPartner(const Trace& model_trace, const Site& guide_site) {
  if (!IsLatent(guide_site)) return nullptr;
  const Site* model_site = model_trace.Find(guide_site.address);
  if (model_site == nullptr || !IsLatent(*model_site)) return nullptr;
  if (model_site->scale != guide_site.scale) return nullptr;
  if (!SameMask(*model_site, guide_site)) return nullptr;
  if (!HasAnalyticKl(*guide_site.distribution, *model_site->distribution)) {
    return nullptr;
  }
  return model_site;
}

// KL(q ‖ p) per lane for one pair of sites, weighted like Site::LogProb.
Tensor SiteKl(const Site& guide_site, const Site& model_site) {
  Tensor kl;
  try {
    kl = KlDivergence(*guide_site.distribution, *model_site.distribution);
  } catch (const StatusError& error) {
    ThrowAtSite(
        absl::Status(error.status().code(),
                     absl::StrCat("analytic KL: ", error.status().message())),
        guide_site.kind, guide_site.address);
  }
  const Matrix& values = kl.value();
  for (Index i = 0; i < values.rows(); ++i) {
    if (std::isnan(static_cast<double>(values(i, 0)))) {
      ThrowAtSite(absl::InvalidArgumentError(absl::StrCat(
                      "the analytic KL divergence is NaN in lane ", i)),
                  guide_site.kind, guide_site.address);
    }
  }
  if (guide_site.mask.has_value()) kl = kl * *guide_site.mask;
  if (guide_site.scale != 1) kl = kl * guide_site.scale;
  return kl;
}

}  // namespace

Tensor ElboWithAnalyticKl(const Trace& model_trace, const Trace& guide_trace) {
  absl::flat_hash_set<Address> analytic;
  Tensor kl;  // per lane, or 1x1
  bool has_kl = false;
  for (const Site& guide_site : guide_trace.sites()) {
    const Site* model_site = AnalyticPartner(model_trace, guide_site);
    if (model_site == nullptr) continue;
    analytic.insert(guide_site.address);
    const Tensor site_kl = SiteKl(guide_site, *model_site);
    if (!has_kl) {
      kl = site_kl;
      has_kl = true;
    } else {
      // Lane sums: a one-lane term is shared out among the lanes of the
      // other (LaneDifference's rule, with the sign of the second term
      // flipped back).
      kl = LaneDifference(kl, -site_kl);
    }
  }
  const auto sampled = [&analytic](const Site& site) {
    return !analytic.contains(site.address);
  };
  const Tensor sampled_terms = LaneDifference(model_trace.LaneLogProb(sampled),
                                              guide_trace.LaneLogProb(sampled));
  return has_kl ? LaneDifference(sampled_terms, kl) : sampled_terms;
}

int CountAnalyticKlSites(const Trace& model_trace, const Trace& guide_trace) {
  int count = 0;
  for (const Site& guide_site : guide_trace.sites()) {
    if (AnalyticPartner(model_trace, guide_site) != nullptr) ++count;
  }
  return count;
}

}  // namespace vi_internal
}  // namespace provi
