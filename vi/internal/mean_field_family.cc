// Copyright 2026 The provi Authors.
//
// AutoNormal's family: every unconstrained element has its own normal,
// u ~ N(loc, scale), and each site is the distribution of T(u)
// (`Transformed<Normal>`), so its density is a true density of its value.
// Parameters <prefix>/loc/<site> and <prefix>/scale/<site> (positive), of
// the site's unconstrained shape (one row per data point for per-point
// parameters).

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "distributions/normal.h"
#include "distributions/transformed.h"
#include "runtime/primitives.h"
#include "vi/internal/autoguide_family.h"

namespace provi {
namespace autoguide_internal {
namespace {

class MeanField final : public SiteFamily {
 public:
  absl::Status SetUp(const Layout& layout) override {
    const Real init_scale = static_cast<Real>(layout.options.init_scale);
    for (size_t i = 0; i < layout.sites.size(); ++i) {
      const AutoLatentSite& site = layout.sites[i];
      const Matrix* start = &layout.init[i];
      loc_names_.push_back(
          absl::StrCat(layout.options.prefix, "/loc/", site.name));
      scale_names_.push_back(
          absl::StrCat(layout.options.prefix, "/scale/", site.name));
      loc_inits_.emplace_back([start] { return Tensor(*start); });
      const Index rows = site.unconstrained_rows;
      const Index cols = site.unconstrained_cols;
      scale_inits_.emplace_back([rows, cols, init_scale] {
        return Tensor(Matrix::Constant(rows, cols, init_scale));
      });
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Matrix> Covariance(const Layout& layout,
                                    const ParamStore& store) const override {
    Matrix variance(1, layout.dimension);
    for (size_t i = 0; i < layout.sites.size(); ++i) {
      absl::StatusOr<Matrix> scale = layout.GetParam(store, scale_names_[i]);
      if (!scale.ok()) return scale.status();
      variance.middleCols(layout.sites[i].offset, layout.sites[i].size()) =
          Flatten(scale->array().square().matrix());
    }
    return Matrix(variance.row(0).asDiagonal());
  }

  absl::Status Marginal(const Layout& layout, const ParamStore& store, size_t i,
                        AutoSitePosterior& posterior) const override {
    absl::StatusOr<Matrix> loc = layout.GetParam(store, loc_names_[i]);
    if (!loc.ok()) return loc.status();
    absl::StatusOr<Matrix> scale = layout.GetParam(store, scale_names_[i]);
    if (!scale.ok()) return scale.status();
    posterior.loc = *std::move(loc);
    posterior.scale = *std::move(scale);
    return absl::OkStatus();
  }

 protected:
  SiteParams ReadParams(const Layout& layout, size_t i,
                        const std::vector<Index>* rows) const override {
    const AutoLatentSite& site = layout.sites[i];
    return {PresentRows(param(loc_names_[i], loc_inits_[i]), site, rows),
            PresentRows(
                param(scale_names_[i], scale_inits_[i], Support::Positive()),
                site, rows)};
  }

  Tensor Draw(const Layout& layout, size_t i, const SiteParams& params,
              const std::shared_ptr<const Bijector>& bijector,
              absl::string_view name) const override {
    Normal base(params.loc, params.scale);
    if (IsIdentity(layout.sites[i].support)) return sample(name, base);
    return sample(name, Transformed<Normal>(std::move(base), bijector));
  }

  absl::StatusOr<Matrix> SiteLocation(const Layout& layout,
                                      const ParamStore& store,
                                      size_t i) const override {
    return layout.GetParam(store, loc_names_[i]);
  }

 private:
  std::vector<std::string> loc_names_;
  std::vector<std::string> scale_names_;
  std::vector<std::function<Tensor()>> loc_inits_;
  std::vector<std::function<Tensor()>> scale_inits_;
};

}  // namespace

std::unique_ptr<Family> MeanFieldFamily() {
  return std::make_unique<MeanField>();
}

}  // namespace autoguide_internal
}  // namespace provi
