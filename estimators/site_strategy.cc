// Copyright 2026 The provi Authors.

#include "estimators/site_strategy.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/check.h"
#include "base/status_error.h"

namespace provi {

Tensor RunCosts::DetachedAfter(size_t mark) const {
  PROVI_CHECK(mark < costs_.size()) << "cost mark " << mark << " past the "
                                    << costs_.size() << " costs of the run";
  Tensor sum = Detach(costs_[mark]);
  for (size_t k = mark + 1; k < costs_.size(); ++k) {
    sum = sum + Detach(costs_[k]);
  }
  return sum;
}

Tensor SiteLaneCosts(const Tensor& cost, Index site_lanes) {
  const Index lanes = cost.rows();
  if (lanes == site_lanes || lanes == 1 || site_lanes == 1) return cost;
  if (site_lanes % lanes != 0) {
    ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
        "a site with ", site_lanes, " lanes in a program returning ",
        cost.ShapeString(),
        ": the site's lanes must be the program's or K particles of each")));
  }
  return Tile(cost, site_lanes / lanes, 1);
}

void SiteStrategy::Replay(SiteRun& run, const Tensor& value) const {
  (void)run;
  (void)value;
}

void SiteStrategy::ThrowUnsupported(const Distribution& dist,
                                    absl::string_view capability) const {
  ThrowStatus(absl::InvalidArgumentError(
      absl::StrCat("the ", name(), " strategy needs ", capability, ", which ",
                   dist.name(), " does not have")));
}

}  // namespace provi
