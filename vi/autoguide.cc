// Copyright 2026 The provi Authors.
//
// The autoguides' set-up (the layout of the model's latent sites) and the
// accessors every family shares; the families themselves are in
// vi/internal/*_family.cc.

#include "vi/autoguide.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/check.h"
#include "base/random.h"
#include "handlers/replay.h"
#include "handlers/seed.h"
#include "handlers/trace.h"
#include "runtime/primitives.h"
#include "runtime/site_error.h"
#include "vi/internal/autoguide_family.h"

namespace provi {
namespace autoguide_internal {

// The layout and the family, shared by copies of a guide.
class State {
 public:
  State(FamilyFactory make_family, AutoGuideOptions options)
      : layout(std::move(options)), family(make_family()) {}

  Layout layout;
  const std::unique_ptr<Family> family;
};

namespace {

absl::Status NotSetUpError() {
  return absl::FailedPreconditionError(
      "autoguide: not set up (call the guide with the model's arguments, "
      "or SetUp(args...))");
}

// The index of the site named `name` (relative name or full address), or
// NotFound; FailedPrecondition before set-up.
absl::StatusOr<size_t> FindSite(const Layout& layout, absl::string_view name) {
  if (!layout.set_up) return NotSetUpError();
  for (size_t i = 0; i < layout.sites.size(); ++i) {
    const AutoLatentSite& site = layout.sites[i];
    if (site.name == name || site.address.name() == name) return i;
  }
  return AnnotateSite(
      absl::NotFoundError("autoguide: the model has no such latent site"),
      SiteKind::kSample, Address::Intern(name));
}

// Φ⁻¹(p) for 0 < p < 1, by bisection on Φ(x) = erfc(-x / √2) / 2 (to the
// resolution of double; only accessors use it).
double StandardNormalQuantile(double p) {
  double lo = -40;
  double hi = 40;
  for (int i = 0; i < 200 && hi - lo > 1e-15 * (1 + std::abs(lo)); ++i) {
    const double mid = 0.5 * (lo + hi);
    if (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return 0.5 * (lo + hi);
}

// A latent site in a subsampled plate gets per-point parameters when it
// has one row per lane of that plate (and its transform keeps rows), in
// the families whose sites are separate draws; a one-row site is global.
absl::Status CheckSubsampledSite(const Family& family,
                                 const AutoLatentSite& site, const Site& traced,
                                 const PlateInfo& plate) {
  const std::string where = absl::StrCat(
      "the site is inside plate '", plate.name.name(), "', which draws ",
      plate.subsample_size, " of ", plate.size, " lanes");
  const Index rows = traced.value->rows();
  if (rows == 1 && plate.subsample_size != 1) return absl::OkStatus();
  if (absl::Status status = family.CheckSubsampledSite(site, where);
      !status.ok()) {
    return status;
  }
  if (site.subsampled_plate >= 0) {
    return AtSite(site, absl::UnimplementedError(absl::StrCat(
                            where,
                            " and in another subsampled plate; autoguides "
                            "index per-point parameters by one subsample")));
  }
  if (rows != plate.subsample_size ||
      site.support.kind() == Support::Kind::kLowerCholesky) {
    return AtSite(
        site,
        absl::UnimplementedError(absl::StrCat(
            where, " but has ", rows,
            " rows (or a support whose transform mixes rows); autoguides "
            "index per-point parameters by the subsample when a site has one "
            "row per lane")));
  }
  return absl::OkStatus();
}

// Records in `layout` the latent sites of the set-up run `prototype` (see
// the file comment of vi/autoguide.h), then sets `family` up for them.
absl::Status RecordLayout(const Trace& prototype, Family& family,
                          Layout& layout) {
  const AutoGuideOptions& options = layout.options;
  if (!(options.init_scale > 0 && std::isfinite(options.init_scale))) {
    return absl::InvalidArgumentError(
        absl::StrCat("autoguide: init_scale = ", options.init_scale,
                     " must be > 0 and finite"));
  }
  if (options.init == AutoGuideInit::kUniform &&
      !(options.init_radius >= 0 && std::isfinite(options.init_radius))) {
    return absl::InvalidArgumentError(
        absl::StrCat("autoguide: init_radius = ", options.init_radius,
                     " must be >= 0 and finite"));
  }
  if (options.rank < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "autoguide: rank = ", options.rank, " must be >= 1 (or 0: automatic)"));
  }
  layout.scope = CurrentScope();
  const Address scope = layout.scope;
  const size_t outer_plates = CurrentPlates().size();
  Rng rng = MakeRng(options.seed ^ 0x9e3779b97f4a7c15ULL);
  std::vector<AutoLatentSite> found;
  std::vector<Matrix> initial;
  Index offset = 0;
  for (const Site& traced : prototype.sites()) {
    if (traced.kind != SiteKind::kSample || traced.is_observed ||
        traced.is_intervened) {
      continue;
    }
    AutoLatentSite site;
    site.address = traced.address;
    site.name = RelativeName(traced.address, scope);
    const Support support = traced.distribution->support();
    // The prototype made latent values and parameters leaves on the tape:
    // bounds on the tape were computed from them.
    site.dynamic = support.bounds_require_grad();
    site.support = support.WithOwnedBounds();
    if (site.support.is_discrete()) {
      return AtSite(
          site, absl::InvalidArgumentError(absl::StrCat(
                    "the site has the discrete support ",
                    site.support.ToString(), " (", traced.distribution->name(),
                    "); autoguides cover continuous latents only: "
                    "enumerate it (Enumerate) or write a guide for "
                    "it")));
    }
    for (size_t i = outer_plates; i < traced.plates.size(); ++i) {
      const PlateInfo& plate = traced.plates[i];
      if (plate.subsample_size != plate.size) {
        if (absl::Status status =
                CheckSubsampledSite(family, site, traced, plate);
            !status.ok()) {
          return status;
        }
        if (traced.value->rows() == plate.subsample_size) {
          site.subsampled_plate = static_cast<int>(site.plates.size());
        }
      }
      site.plates.push_back(AutoPlate{RelativeName(plate.name, scope),
                                      plate.size, plate.subsample_size});
    }
    Matrix unconstrained;
    try {
      site.bijector = BijectorFor(site.support);
      NoRecordScope no_record;
      unconstrained = site.bijector->Inverse(*traced.value).value();
    } catch (const StatusError& error) {
      return AtSite(site, error.status());
    }
    site.rows = traced.value->rows();
    site.cols = traced.value->cols();
    if (site.subsampled_plate >= 0) {
      // Parameters for every data point; the prototype's rows (drawn for
      // its subsample) repeat over them as starting values.
      const Index present = unconstrained.rows();
      site.rows = site.plates[site.subsampled_plate].size;
      Matrix full = Matrix::Zero(site.rows, unconstrained.cols());
      for (Index r = 0; r < site.rows && present > 0; ++r) {
        full.row(r) = unconstrained.row(r % present);
      }
      unconstrained = std::move(full);
    }
    site.unconstrained_rows = unconstrained.rows();
    site.unconstrained_cols = unconstrained.cols();
    site.offset = offset;
    offset += site.size();
    switch (options.init) {
      case AutoGuideInit::kPrior:
        unconstrained = unconstrained.unaryExpr(
            [](Real x) { return std::isfinite(x) ? x : Real(0); });
        break;
      case AutoGuideInit::kZero:
        unconstrained.setZero();
        break;
      case AutoGuideInit::kUniform:
        for (Index k = 0; k < unconstrained.size(); ++k) {
          unconstrained(k) = static_cast<Real>(
              absl::Uniform<double>(absl::IntervalClosedClosed, rng,
                                    -options.init_radius, options.init_radius));
        }
        break;
    }
    layout.dynamic = layout.dynamic || site.dynamic;
    found.push_back(std::move(site));
    initial.push_back(std::move(unconstrained));
  }
  if (found.empty()) {
    return absl::InvalidArgumentError(
        "autoguide: the model has no latent sample site (observed, factor and "
        "deterministic sites need no guide)");
  }
  if (layout.dynamic) {
    // The model's plates draw their own subsamples when it runs along with
    // the guide, so per-point parameters could not be matched to them.
    for (const AutoLatentSite& site : found) {
      for (const AutoPlate& plate : site.plates) {
        if (plate.subsample_size < plate.size) {
          return AtSite(
              site,
              absl::UnimplementedError(absl::StrCat(
                  "the site is inside plate '", plate.name, "', which draws ",
                  plate.subsample_size, " of ", plate.size,
                  " lanes, and the model has supports that depend on other "
                  "latents; autoguides follow such supports only in models "
                  "without subsampled plates")));
        }
      }
    }
  }
  layout.sites = std::move(found);
  layout.init = std::move(initial);
  layout.dimension = offset;
  if (absl::Status status = family.SetUp(layout); !status.ok()) return status;
  layout.set_up = true;
  return absl::OkStatus();
}

}  // namespace
}  // namespace autoguide_internal

using autoguide_internal::State;

AutoGuide::AutoGuide(autoguide_internal::FamilyFactory make_family,
                     AutoGuideOptions options)
    : state_(std::make_shared<State>(make_family, std::move(options))) {}

bool AutoGuide::is_set_up() const { return state_->layout.set_up; }

const AutoGuideOptions& AutoGuide::options() const {
  return state_->layout.options;
}

const std::vector<AutoLatentSite>& AutoGuide::sites() const {
  return state_->layout.sites;
}

Index AutoGuide::dimension() const { return state_->layout.dimension; }

absl::Status AutoGuide::CheckSetUpContext() const {
  for (const PlateInfo& plate : CurrentPlates()) {
    if (plate.broadcast) {
      return absl::FailedPreconditionError(absl::StrCat(
          "autoguide: set up inside the broadcasting plate '",
          plate.name.name(),
          "' (particles), where sites have its lanes; call SetUp(args...) "
          "before"));
    }
  }
  return absl::OkStatus();
}

absl::Status AutoGuide::SetUpFrom(const Trace& prototype,
                                  absl::Status status) const {
  if (!status.ok()) {
    return absl::Status(
        status.code(),
        absl::StrCat("autoguide: running the model to set up the guide "
                     "failed: ",
                     status.message()));
  }
  return autoguide_internal::RecordLayout(prototype, *state_->family,
                                          state_->layout);
}

bool AutoGuide::has_dynamic_sites() const { return state_->layout.dynamic; }

void AutoGuide::Run() const {
  if (!state_->layout.set_up) {
    ThrowStatus(autoguide_internal::NotSetUpError());
  }
  state_->family->Run(state_->layout);
}

void AutoGuide::RunAlongside(const std::function<void()>& model) const {
  if (!state_->layout.set_up) {
    ThrowStatus(autoguide_internal::NotSetUpError());
  }
  state_->family->RunAlongside(state_->layout, model);
}

Matrix AutoGuide::InitialLocation() const {
  PROVI_CHECK(state_->layout.set_up)
      << "autoguide: InitialLocation before set-up";
  return state_->layout.InitialLocation();
}

void AutoGuide::RunAtUnconstrained(const Tensor& latent) const {
  if (!state_->layout.set_up) {
    ThrowStatus(autoguide_internal::NotSetUpError());
  }
  autoguide_internal::RunAtPoint(state_->layout, latent);
}

absl::Status AutoGuide::SetJointNormal(ParamStore& store, const Matrix& loc,
                                       const Matrix& scale_tril) const {
  if (!state_->layout.set_up) return autoguide_internal::NotSetUpError();
  return state_->family->SetJointNormal(state_->layout, store, loc, scale_tril);
}

absl::StatusOr<AutoSitePosterior> AutoGuide::Posterior(
    const ParamStore& store, absl::string_view site_name) const {
  const autoguide_internal::Layout& layout = state_->layout;
  absl::StatusOr<size_t> found =
      autoguide_internal::FindSite(layout, site_name);
  if (!found.ok()) return found.status();
  const AutoLatentSite& site = layout.sites[*found];
  AutoSitePosterior posterior;
  if (absl::Status status =
          state_->family->Marginal(layout, store, *found, posterior);
      !status.ok()) {
    return status;
  }
  if (site.dynamic) return posterior;  // no fixed transform: no median
  NoRecordScope no_record;
  posterior.median = site.bijector->Forward(Tensor(posterior.loc)).value();
  return posterior;
}

absl::StatusOr<Matrix> AutoGuide::Quantile(const ParamStore& store,
                                           absl::string_view site_name,
                                           double p) const {
  if (!(p > 0 && p < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("autoguide: quantile level ", p, " is not in (0, 1)"));
  }
  absl::StatusOr<size_t> found =
      autoguide_internal::FindSite(state_->layout, site_name);
  if (!found.ok()) return found.status();
  const AutoLatentSite& site = state_->layout.sites[*found];
  if (site.dynamic) return autoguide_internal::DynamicSiteError(site);
  if (!site.support.is_elementwise()) {
    return autoguide_internal::AtSite(
        site, absl::InvalidArgumentError(absl::StrCat(
                  "the site has the support ", site.support.ToString(),
                  ", whose transform is not elementwise: its elements have "
                  "no quantiles of this form (use ConstrainedMoments)")));
  }
  absl::StatusOr<AutoSitePosterior> posterior = Posterior(store, site_name);
  if (!posterior.ok()) return posterior.status();
  const Real z =
      static_cast<Real>(autoguide_internal::StandardNormalQuantile(p));
  const Matrix u = posterior->loc + z * posterior->scale;
  NoRecordScope no_record;
  return Matrix(site.bijector->Forward(Tensor(u)).value());
}

absl::StatusOr<Matrix> AutoGuide::Covariance(const ParamStore& store) const {
  if (!state_->layout.set_up) return autoguide_internal::NotSetUpError();
  return state_->family->Covariance(state_->layout, store);
}

absl::StatusOr<AutoMoments> AutoGuide::ConstrainedMoments(
    ParamStore& store, absl::string_view site_name, int num_samples,
    uint64_t seed) const {
  if (num_samples < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "autoguide: ConstrainedMoments needs at least 2 samples, got ",
        num_samples));
  }
  absl::StatusOr<size_t> found =
      autoguide_internal::FindSite(state_->layout, site_name);
  if (!found.ok()) return found.status();
  const AutoLatentSite& site = state_->layout.sites[*found];
  if (state_->layout.dynamic) {
    return autoguide_internal::DynamicSiteError(site);
  }
  const Address address = Address::Join(CurrentScope(), site.name);
  // Each draw runs the guide once per block of data points, with the
  // subsampled plate's indices forced to the block (blocks of the subsample
  // size, the last one ending at the plate's end and keeping only its new
  // rows), so every point gets one value per draw. One unforced block for
  // the other sites.
  struct Block {
    Trace subsample;
    Index first = 0;  // the block's first data point
    Index skip = 0;   // its leading rows an earlier block already has
  };
  std::vector<Block> blocks;
  if (site.subsampled_plate < 0) {
    blocks.emplace_back();
  } else {
    const AutoPlate& plate = site.plates[site.subsampled_plate];
    const Index lanes = plate.subsample_size;
    if (lanes < 1) {
      return autoguide_internal::AtSite(
          site, absl::InvalidArgumentError(
                    absl::StrCat("plate '", plate.name, "' draws no lanes")));
    }
    const Address plate_address = Address::Join(CurrentScope(), plate.name);
    for (Index start = 0; start < plate.size; start += lanes) {
      Block block;
      block.first = std::min(start, plate.size - lanes);
      block.skip = start - block.first;
      Site forced;
      forced.kind = SiteKind::kPlate;
      forced.address = plate_address;
      forced.plate = PlateInfo{plate_address, plate.size, lanes};
      forced.value =
          Tensor(Matrix(Eigen::Matrix<Real, Eigen::Dynamic, 1>::LinSpaced(
              lanes, static_cast<Real>(block.first),
              static_cast<Real>(block.first + lanes - 1))));
      if (absl::Status added = block.subsample.Add(std::move(forced));
          !added.ok()) {
        return added;
      }
      blocks.push_back(std::move(block));
    }
  }
  Eigen::MatrixXd sum = Eigen::MatrixXd::Zero(site.rows, site.cols);
  Eigen::MatrixXd sum_squares = sum;
  const absl::Status status = CatchStatus([&] {
    NoRecordScope no_record;
    ParamStoreScope store_scope(store);
    SeedHandler seeded(seed);
    HandlerScope seed_scope(seeded);
    for (int k = 0; k < num_samples; ++k) {
      for (const Block& block : blocks) {
        TraceHandler trace;
        ReplayHandler forced(block.subsample, true);
        {
          HandlerScope trace_scope(trace);
          HandlerScope forced_scope(forced);
          Run();
        }
        const Site* drawn = trace.trace().Find(address);
        if (drawn == nullptr || !drawn->value.has_value()) {
          ThrowStatus(absl::InternalError(absl::StrCat(
              "autoguide: the guide drew no value at '", address.name(), "'")));
        }
        const Eigen::MatrixXd value = drawn->value->value().cast<double>();
        const Index rows = value.rows() - block.skip;
        sum.middleRows(block.first + block.skip, rows) +=
            value.bottomRows(rows);
        sum_squares.middleRows(block.first + block.skip, rows) +=
            value.bottomRows(rows).array().square().matrix();
      }
    }
  });
  if (!status.ok()) return status;
  const double n = num_samples;
  AutoMoments moments;
  const Eigen::MatrixXd mean = sum / n;
  moments.mean = mean.cast<Real>();
  moments.sd =
      ((sum_squares / n - mean.array().square().matrix()) * n / (n - 1))
          .cwiseMax(0.0)
          .cwiseSqrt()
          .cast<Real>();
  return moments;
}

}  // namespace provi
