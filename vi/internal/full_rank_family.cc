// Copyright 2026 The provi Authors.
//
// The full-rank normal family of AutoMultivariateNormal and
// AutoLaplaceApproximation: the flattened unconstrained vector is drawn as
// N(loc, L Lᵀ), with <prefix>/loc (1 x D) and <prefix>/scale_tril (D x D,
// lower Cholesky), initially init_scale times the identity.

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "ad/tape.h"
#include "base/status_error.h"
#include "distributions/mv_normal.h"
#include "handlers/seed.h"
#include "runtime/handler.h"
#include "runtime/primitives.h"
#include "vi/internal/autoguide_family.h"

namespace provi {
namespace autoguide_internal {
namespace {

class FullRank final : public JointFamily {
 public:
  absl::Status SetUp(const Layout& layout) override {
    loc_name_ = absl::StrCat(layout.options.prefix, "/loc");
    scale_tril_name_ = absl::StrCat(layout.options.prefix, "/scale_tril");
    latent_name_ = LatentName(layout);
    loc_init_ = layout.InitialLocation();
    dimension_ = layout.dimension;
    init_scale_ = static_cast<Real>(layout.options.init_scale);
    return absl::OkStatus();
  }

  absl::StatusOr<Matrix> Location(const Layout& layout,
                                  const ParamStore& store) const override {
    return layout.GetParam(store, loc_name_);
  }

  absl::StatusOr<Matrix> Covariance(const Layout& layout,
                                    const ParamStore& store) const override {
    absl::StatusOr<Matrix> l = layout.GetParam(store, scale_tril_name_);
    if (!l.ok()) return l.status();
    return Matrix(*l * l->transpose());
  }

  absl::Status SetJointNormal(const Layout& layout, ParamStore& store,
                              const Matrix& loc,
                              const Matrix& scale_tril) const override {
    const Index d = layout.dimension;
    if (loc.rows() != 1 || loc.cols() != d || scale_tril.rows() != d ||
        scale_tril.cols() != d) {
      return absl::InvalidArgumentError(absl::StrCat(
          "autoguide: SetJointNormal: loc ", loc.rows(), "x", loc.cols(),
          " and scale_tril ", scale_tril.rows(), "x", scale_tril.cols(),
          " for dimension ", d, " (expected 1x", d, " and ", d, "x", d, ")"));
    }
    if (!loc.allFinite() || !scale_tril.allFinite() ||
        !(scale_tril.diagonal().array() > 0).all()) {
      return absl::InvalidArgumentError(
          "autoguide: SetJointNormal: loc and scale_tril must be finite and "
          "scale_tril's diagonal positive");
    }
    // Create the parameters if the guide has not run with this store yet.
    if (!store.Contains(layout.ParamName(loc_name_))) {
      const absl::Status created = CatchStatus([&] {
        NoRecordScope no_record;
        ParamStoreScope store_scope(store);
        SeedHandler seeded(0);
        HandlerScope seed_scope(seeded);
        Run(layout);
      });
      if (!created.ok()) return created;
    }
    absl::StatusOr<Parameter*> loc_param =
        store.Unconstrained(layout.ParamName(loc_name_));
    if (!loc_param.ok()) return loc_param.status();
    absl::StatusOr<Parameter*> tril_param =
        store.Unconstrained(layout.ParamName(scale_tril_name_));
    if (!tril_param.ok()) return tril_param.status();
    NoRecordScope no_record;
    (*loc_param)->value() = loc;
    (*tril_param)->value() = BijectorFor(Support::LowerCholesky())
                                 ->Inverse(Tensor(scale_tril))
                                 .value();
    return absl::OkStatus();
  }

 protected:
  Tensor DrawLatent(const Layout&) const override {
    const Tensor loc = param(loc_name_, [this] { return Tensor(loc_init_); });
    const Tensor scale_tril = param(
        scale_tril_name_,
        [this] {
          return Tensor(
              Matrix(init_scale_ * Matrix::Identity(dimension_, dimension_)));
        },
        Support::LowerCholesky());
    return sample(latent_name_, MvNormal(loc, scale_tril));
  }

 private:
  std::string loc_name_;
  std::string scale_tril_name_;
  std::string latent_name_;
  Matrix loc_init_;
  Index dimension_ = 0;
  Real init_scale_ = 0;
};

}  // namespace

std::unique_ptr<Family> FullRankFamily() {
  return std::make_unique<FullRank>();
}

}  // namespace autoguide_internal
}  // namespace provi
