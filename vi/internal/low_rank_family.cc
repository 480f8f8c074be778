// Copyright 2026 The provi Authors.
//
// AutoLowRankMultivariateNormal's family: the flattened unconstrained
// vector is drawn as N(loc, W Wᵀ + diag(s²)) (distributions/
// low_rank_normal.h), with <prefix>/loc (1 x D), <prefix>/cov_factor (W,
// D x k) and <prefix>/scale (s, 1 x D, positive). k is options.rank, or
// round(√D) (at least 1) when that is 0.

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "base/random.h"
#include "distributions/low_rank_normal.h"
#include "runtime/primitives.h"
#include "vi/internal/autoguide_family.h"

namespace provi {
namespace autoguide_internal {
namespace {

class LowRank final : public JointFamily {
 public:
  absl::Status SetUp(const Layout& layout) override {
    const std::string& prefix = layout.options.prefix;
    loc_name_ = absl::StrCat(prefix, "/loc");
    cov_factor_name_ = absl::StrCat(prefix, "/cov_factor");
    diag_scale_name_ = absl::StrCat(prefix, "/scale");
    latent_name_ = LatentName(layout);
    loc_init_ = layout.InitialLocation();
    const Index d = layout.dimension;
    const Index rank =
        layout.options.rank > 0
            ? layout.options.rank
            : std::max<Index>(1, static_cast<Index>(std::lround(
                                     std::sqrt(static_cast<double>(d)))));
    // The initial variance init_scale² of each element is split evenly
    // between the diagonal and the factor (a random factor: W = 0 is a
    // stationary point of the ELBO in W).
    Rng rng = MakeRng(layout.options.seed ^ 0x2545f4914f6cdd1dULL);
    cov_factor_init_.resize(d, rank);
    const double factor_sd =
        layout.options.init_scale / std::sqrt(2.0 * static_cast<double>(rank));
    for (Index k = 0; k < cov_factor_init_.size(); ++k) {
      cov_factor_init_(k) =
          static_cast<Real>(factor_sd * absl::Gaussian<double>(rng));
    }
    diag_scale_init_ = Matrix::Constant(
        1, d, static_cast<Real>(layout.options.init_scale / std::sqrt(2.0)));
    return absl::OkStatus();
  }

  absl::StatusOr<Matrix> Location(const Layout& layout,
                                  const ParamStore& store) const override {
    return layout.GetParam(store, loc_name_);
  }

  absl::StatusOr<Matrix> Covariance(const Layout& layout,
                                    const ParamStore& store) const override {
    absl::StatusOr<Matrix> w = layout.GetParam(store, cov_factor_name_);
    if (!w.ok()) return w.status();
    absl::StatusOr<Matrix> s = layout.GetParam(store, diag_scale_name_);
    if (!s.ok()) return s.status();
    Matrix covariance = *w * w->transpose();
    covariance.diagonal() += s->row(0).array().square().matrix().transpose();
    return covariance;
  }

 protected:
  Tensor DrawLatent(const Layout&) const override {
    const Tensor loc = param(loc_name_, [this] { return Tensor(loc_init_); });
    const Tensor factor =
        param(cov_factor_name_, [this] { return Tensor(cov_factor_init_); });
    const Tensor diag = param(
        diag_scale_name_, [this] { return Tensor(diag_scale_init_); },
        Support::Positive());
    return sample(latent_name_, LowRankNormal(loc, factor, diag));
  }

 private:
  std::string loc_name_;
  std::string cov_factor_name_;
  std::string diag_scale_name_;
  std::string latent_name_;
  Matrix loc_init_;
  Matrix cov_factor_init_;
  Matrix diag_scale_init_;
};

}  // namespace

std::unique_ptr<Family> LowRankFamily() { return std::make_unique<LowRank>(); }

}  // namespace autoguide_internal
}  // namespace provi
