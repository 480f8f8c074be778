// Copyright 2026 The provi Authors.
//
// AutoDelta's family: a point mass per site, `Delta(value)` with log
// density 0, so the ELBO is log p(x, z) and its maximum the MAP estimate
// over the constrained values. The point <prefix>/value/<site> is stored
// constrained to the site's support; for a support with tensor bounds,
// which a stored parameter cannot have, it is stored unconstrained and
// mapped through the bounds in each run.

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ad/tape.h"
#include "distributions/delta.h"
#include "runtime/primitives.h"
#include "vi/internal/autoguide_family.h"

namespace provi {
namespace autoguide_internal {
namespace {

// Whether site i's point is stored unconstrained.
bool StoredUnconstrained(const AutoLatentSite& site) {
  return site.support.has_tensor_bounds();
}

class DeltaPoints final : public SiteFamily {
 public:
  absl::Status SetUp(const Layout& layout) override {
    for (size_t i = 0; i < layout.sites.size(); ++i) {
      const AutoLatentSite& site = layout.sites[i];
      const Matrix* start = &layout.init[i];
      names_.push_back(
          absl::StrCat(layout.options.prefix, "/value/", site.name));
      if (StoredUnconstrained(site)) {
        inits_.emplace_back([start] { return Tensor(*start); });
      } else {
        // The constrained image of the unconstrained start.
        const Bijector* bijector = site.bijector.get();
        inits_.emplace_back([start, bijector] {
          NoRecordScope no_record;
          return Tensor(Matrix(bijector->Forward(Tensor(*start)).value()));
        });
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Matrix> Covariance(const Layout& layout,
                                    const ParamStore&) const override {
    return Matrix(Matrix::Zero(layout.dimension, layout.dimension));
  }

 protected:
  SiteParams ReadParams(const Layout& layout, size_t i,
                        const std::vector<Index>* rows) const override {
    const AutoLatentSite& site = layout.sites[i];
    return {PresentRows(StoredUnconstrained(site)
                            ? param(names_[i], inits_[i])
                            : param(names_[i], inits_[i], site.support),
                        site, rows),
            Tensor()};
  }

  Tensor Draw(const Layout& layout, size_t i, const SiteParams& params,
              const std::shared_ptr<const Bijector>& bijector,
              absl::string_view name) const override {
    return sample(name, Delta(StoredUnconstrained(layout.sites[i])
                                  ? bijector->Forward(params.loc)
                                  : params.loc));
  }

  absl::StatusOr<Matrix> SiteLocation(const Layout& layout,
                                      const ParamStore& store,
                                      size_t i) const override {
    absl::StatusOr<Matrix> point = layout.GetParam(store, names_[i]);
    if (!point.ok() || StoredUnconstrained(layout.sites[i])) return point;
    NoRecordScope no_record;
    return Matrix(layout.sites[i].bijector->Inverse(Tensor(*point)).value());
  }

 private:
  std::vector<std::string> names_;
  std::vector<std::function<Tensor()>> inits_;
};

}  // namespace

std::unique_ptr<Family> DeltaFamily() {
  return std::make_unique<DeltaPoints>();
}

}  // namespace autoguide_internal
}  // namespace provi
