// Copyright 2026 The provi Authors.

#include "vi/internal/autoguide_family.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/check.h"
#include "base/status_error.h"
#include "distributions/delta.h"
#include "runtime/handler.h"
#include "runtime/primitives.h"
#include "runtime/site_error.h"

namespace provi {
namespace autoguide_internal {

std::string Layout::ParamName(absl::string_view name) const {
  return Address::Join(scope, name).name();
}

absl::StatusOr<Matrix> Layout::GetParam(const ParamStore& store,
                                        absl::string_view name) const {
  const std::string full_name = ParamName(name);
  absl::StatusOr<Tensor> value = store.Get(full_name);
  if (!value.ok()) {
    return absl::NotFoundError(
        absl::StrCat("autoguide: the store has no parameter '", full_name,
                     "' (has the guide run with this store?)"));
  }
  return Matrix(value->value());
}

Matrix Layout::InitialLocation() const {
  Matrix loc(1, dimension);
  for (size_t i = 0; i < sites.size(); ++i) {
    loc.middleCols(sites[i].offset, sites[i].size()) = Flatten(init[i]);
  }
  return loc;
}

absl::Status Family::Marginal(const Layout& layout, const ParamStore& store,
                              size_t i, AutoSitePosterior& posterior) const {
  const AutoLatentSite& site = layout.sites[i];
  absl::StatusOr<Matrix> loc = Location(layout, store);
  if (!loc.ok()) return loc.status();
  absl::StatusOr<Matrix> covariance = Covariance(layout, store);
  if (!covariance.ok()) return covariance.status();
  const Matrix sd = Matrix(covariance->diagonal().transpose()).cwiseSqrt();
  posterior.loc = Unflatten(*loc, site.offset, site.unconstrained_rows,
                            site.unconstrained_cols);
  posterior.scale = Unflatten(sd, site.offset, site.unconstrained_rows,
                              site.unconstrained_cols);
  return absl::OkStatus();
}

absl::Status Family::SetJointNormal(const Layout&, ParamStore&, const Matrix&,
                                    const Matrix&) const {
  return absl::FailedPreconditionError(
      "autoguide: SetJointNormal needs a full-rank normal family "
      "(AutoMultivariateNormal, AutoLaplaceApproximation)");
}

// -----------------------------------------------------------------------------
// SiteFamily

absl::Status SiteFamily::CheckSubsampledSite(const AutoLatentSite&,
                                             absl::string_view) const {
  return absl::OkStatus();
}

void SiteFamily::Run(const Layout& layout) const {
  for (size_t i = 0; i < layout.sites.size(); ++i) {
    const AutoLatentSite& site = layout.sites[i];
    if (site.dynamic) ThrowStatus(DynamicSiteError(site));
    WithPlates(site.plates, 0, nullptr, [&](const std::vector<Index>* rows) {
      Draw(layout, i, ReadParams(layout, i, rows), site.bijector, site.name);
    });
  }
}

void SiteFamily::RunAlongside(const Layout& layout,
                              const std::function<void()>& model) const {
  // Parameters first, in the guide's scope and plates. (Set-up rejects
  // dynamic sites in subsampled plates: no plate here draws a subsample.)
  std::vector<SiteParams> params(layout.sites.size());
  for (size_t i = 0; i < layout.sites.size(); ++i) {
    WithPlates(layout.sites[i].plates, 0, nullptr,
               [&](const std::vector<Index>* rows) {
                 params[i] = ReadParams(layout, i, rows);
               });
  }
  RunModelAlongside(
      layout, model,
      [&](size_t i, const std::shared_ptr<const Bijector>& bijector,
          absl::string_view name) {
        return Draw(layout, i, params[i], bijector, name);
      });
}

absl::StatusOr<Matrix> SiteFamily::Location(const Layout& layout,
                                            const ParamStore& store) const {
  Matrix loc(1, layout.dimension);
  for (size_t i = 0; i < layout.sites.size(); ++i) {
    absl::StatusOr<Matrix> part = SiteLocation(layout, store, i);
    if (!part.ok()) return part.status();
    loc.middleCols(layout.sites[i].offset, layout.sites[i].size()) =
        Flatten(*part);
  }
  return loc;
}

// -----------------------------------------------------------------------------
// JointFamily

absl::Status JointFamily::CheckSubsampledSite(const AutoLatentSite& site,
                                              absl::string_view where) const {
  return AtSite(
      site,
      absl::UnimplementedError(absl::StrCat(
          where,
          "; the joint families cannot draw a subsample of a joint normal's "
          "coordinates: use AutoNormal or AutoDelta (per-point parameters "
          "indexed by the subsample)")));
}

std::string JointFamily::LatentName(const Layout& layout) {
  return absl::StrCat("_", layout.options.prefix, "_latent");
}

void JointFamily::Run(const Layout& layout) const {
  RunAtPoint(layout, DrawLatent(layout));
}

void JointFamily::RunAlongside(const Layout& layout,
                               const std::function<void()>& model) const {
  const Tensor latent = DrawLatent(layout);
  RunModelAlongside(
      layout, model,
      [&](size_t i, const std::shared_ptr<const Bijector>& bijector,
          absl::string_view name) {
        return DrawAtPoint(layout, i, latent, bijector, name);
      });
}

// -----------------------------------------------------------------------------
// Point masses at an unconstrained vector

Tensor DrawAtPoint(const Layout& layout, size_t i, const Tensor& latent,
                   const std::shared_ptr<const Bijector>& bijector,
                   absl::string_view name) {
  const AutoLatentSite& site = layout.sites[i];
  Tensor part = SliceCols(latent, site.offset, site.size());
  if (site.unconstrained_rows > 1) {
    if (latent.rows() != 1) {
      ThrowStatus(AtSite(
          site, absl::InvalidArgumentError(absl::StrCat(
                    "the site has ", site.unconstrained_rows,
                    " rows, which the joint draw flattens; it cannot also "
                    "have ",
                    latent.rows(), " lanes of particles"))));
    }
    part = Reshape(part, site.unconstrained_rows, site.unconstrained_cols);
  }
  const Tensor value = bijector->Forward(part);
  const Tensor log_density = IsIdentity(site.support)
                                 ? Tensor(0.0)
                                 : -bijector->LogAbsDetJacobian(part);
  return sample(name, Delta(value, log_density));
}

void RunAtPoint(const Layout& layout, const Tensor& latent) {
  if (latent.cols() != layout.dimension) {
    ThrowStatus(absl::InvalidArgumentError(
        absl::StrCat("autoguide: an unconstrained vector of ", latent.cols(),
                     " columns for a model of dimension ", layout.dimension)));
  }
  for (size_t i = 0; i < layout.sites.size(); ++i) {
    const AutoLatentSite& site = layout.sites[i];
    if (site.dynamic) ThrowStatus(DynamicSiteError(site));
    WithPlates(site.plates, 0, nullptr, [&](const std::vector<Index>*) {
      DrawAtPoint(layout, i, latent, site.bijector, site.name);
    });
  }
}

// -----------------------------------------------------------------------------
// Running along with the model

namespace {

// The handler of RunModelAlongside: at each of the model's latent sites
// the guide draws its own site and the model takes its value; the model's
// other sites are hidden, its plates and parameters pass.
class AlongsideRun : public Handler {
 public:
  AlongsideRun(const Layout& layout, const AlongsideDraw& draw)
      : layout_(layout), draw_(draw), reached_(layout.sites.size(), false) {}

  void Process(Message& msg) override {
    if (drawing_) return;  // the guide's own sites and parameters
    switch (msg.kind) {
      case SiteKind::kParam:
      case SiteKind::kPlate:
        return;
      case SiteKind::kSample:
        if (!msg.is_observed && !msg.is_intervened) {
          Take(msg);
          return;
        }
        break;
      case SiteKind::kFactor:
      case SiteKind::kDeterministic:
        break;
    }
    msg.stop = true;
  }

  // Throws FailedPrecondition naming a layout site the model did not reach.
  void CheckAllReached() const {
    for (size_t i = 0; i < layout_.sites.size(); ++i) {
      if (!reached_[i]) {
        ThrowStatus(AtSite(
            layout_.sites[i],
            absl::FailedPreconditionError(
                "the site was not reached by this run of the model; a model "
                "whose latent sites change from run to run needs a "
                "hand-written guide")));
      }
    }
  }

 private:
  void Take(Message& msg) {
    const std::string name = RelativeName(msg.address, layout_.scope);
    size_t i = 0;
    while (i < layout_.sites.size() && layout_.sites[i].name != name) ++i;
    if (i == layout_.sites.size()) {
      ThrowStatus(AnnotateSite(
          absl::FailedPreconditionError(
              "autoguide: the model's latent site was not in the run that set "
              "the guide up; a model whose latent sites change from run to "
              "run needs a hand-written guide"),
          SiteKind::kSample, msg.address));
    }
    const AutoLatentSite& site = layout_.sites[i];
    std::shared_ptr<const Bijector> bijector = site.bijector;
    if (site.dynamic) {
      try {
        bijector = BijectorFor(msg.dist()->support());
      } catch (const StatusError& error) {
        ThrowStatus(AtSite(site, error.status()));
      }
    }
    drawing_ = true;
    struct Reset {
      bool& flag;
      ~Reset() { flag = false; }
    } reset{drawing_};
    // The guide's site has the model's address: relative to the scope the
    // model runs in at this site.
    msg.value = draw_(i, bijector, RelativeName(msg.address, CurrentScope()));
    msg.stop = true;
    reached_[i] = true;
  }

  const Layout& layout_;
  const AlongsideDraw& draw_;
  std::vector<bool> reached_;
  bool drawing_ = false;
};

}  // namespace

void RunModelAlongside(const Layout& layout, const std::function<void()>& model,
                       const AlongsideDraw& draw) {
  AlongsideRun run(layout, draw);
  {
    HandlerScope scope(run);
    model();
  }
  run.CheckAllReached();
}

// -----------------------------------------------------------------------------
// Shared helpers

absl::Status AtSite(const AutoLatentSite& site, const absl::Status& status) {
  return AnnotateSite(
      absl::Status(status.code(),
                   absl::StrCat("autoguide: ", status.message())),
      SiteKind::kSample, site.address);
}

absl::Status DynamicSiteError(const AutoLatentSite& site) {
  return AtSite(
      site,
      absl::FailedPreconditionError(absl::StrCat(
          site.dynamic ? "the site has a support that depends on other latents"
                       : "the site belongs to a guide with supports that "
                         "depend on other latents",
          ", so the guide runs only along with the model (its call operator): "
          "uses that need one fixed transform (Run and RunAtUnconstrained "
          "without the model, hence Laplace, deterministic VI and "
          "unconstrained log densities; Quantile; ConstrainedMoments) are "
          "unavailable; summarise draws with Predictive (vi/predictive.h)")));
}

bool IsIdentity(const Support& support) {
  return support.kind() == Support::Kind::kReal ||
         support.kind() == Support::Kind::kPoint;
}

std::string RelativeName(Address address, Address scope) {
  const std::string& name = address.name();
  if (scope.is_root()) return name;
  const std::string prefix = scope.name() + "/";
  return absl::StartsWith(name, prefix) ? name.substr(prefix.size()) : name;
}

Tensor PresentRows(const Tensor& full, const AutoLatentSite& site,
                   const std::vector<Index>* subsample) {
  if (site.subsampled_plate < 0) return full;
  PROVI_CHECK(subsample != nullptr) << "subsampled plate without indices";
  return GatherRows(full, *subsample);
}

Matrix Flatten(const Matrix& m) {
  return Eigen::Map<const Matrix>(m.data(), 1, m.size());
}

Matrix Unflatten(const Matrix& row, Index offset, Index rows, Index cols) {
  Matrix out(rows, cols);
  for (Index k = 0; k < rows * cols; ++k) out(k) = row(offset + k);
  return out;
}

}  // namespace autoguide_internal
}  // namespace provi
