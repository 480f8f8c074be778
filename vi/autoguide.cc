// Copyright 2026 The provi Authors.

#include "vi/autoguide.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/distributions.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/check.h"
#include "base/random.h"
#include "distributions/delta.h"
#include "distributions/mv_normal.h"
#include "distributions/normal.h"
#include "handlers/replay.h"
#include "runtime/primitives.h"
#include "runtime/site_error.h"
#include "vi/internal/low_rank_normal.h"
#include "vi/internal/transformed.h"

namespace provi {
namespace autoguide_internal {
namespace {

// `status` about the latent site `site`, from the autoguide.
absl::Status AtSite(const AutoLatentSite& site, const absl::Status& status) {
  return AnnotateSite(
      absl::Status(status.code(),
                   absl::StrCat("autoguide: ", status.message())),
      SiteKind::kSample, site.address);
}

// What accessors that need one fixed transform return for a guide with
// dynamic sites.
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

// `name` relative to `scope` (the scope's prefix and its "/" removed).
std::string RelativeName(Address address, Address scope) {
  const std::string& name = address.name();
  if (scope.is_root()) return name;
  const std::string prefix = scope.name() + "/";
  return absl::StartsWith(name, prefix) ? name.substr(prefix.size()) : name;
}

// Runs `body(subsample)` inside plates named and sized as
// `plates[first...]`, nested in order; `subsample` is the indices of the
// (innermost) subsampled plate among them, or `outer` if none is (no
// allocation; the plates close in reverse order, also when `body` throws).
template <typename F>
void WithPlates(const std::vector<AutoPlate>& plates, size_t first,
                const std::vector<Index>* outer, const F& body) {
  if (first == plates.size()) {
    body(outer);
    return;
  }
  const AutoPlate& info = plates[first];
  Plate plate(info.name, info.size, info.subsample_size);
  WithPlates(plates, first + 1,
             info.subsample_size < info.size ? &plate.indices() : outer, body);
}

// A per-point parameter's rows for the data points present in this run.
Tensor PresentRows(const Tensor& full, const AutoLatentSite& site,
                   const std::vector<Index>* subsample) {
  if (site.subsampled_plate < 0) return full;
  PROVI_CHECK(subsample != nullptr) << "subsampled plate without indices";
  return GatherRows(full, *subsample);
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

// A Matrix's elements as a 1 x n row (column-major order).
Matrix Flatten(const Matrix& m) {
  return Eigen::Map<const Matrix>(m.data(), 1, m.size());
}

// `row`'s elements [offset, offset + rows * cols) as a rows x cols matrix.
Matrix Unflatten(const Matrix& row, Index offset, Index rows, Index cols) {
  Matrix out(rows, cols);
  for (Index k = 0; k < rows * cols; ++k) out(k) = row(offset + k);
  return out;
}

}  // namespace

// The layout and everything the guide's program needs, shared by copies of
// a guide.
class State {
 public:
  State(Family family, AutoGuideOptions options)
      : family(family), options(std::move(options)) {}

  absl::Status SetUp(const Trace& prototype);
  void Run() const;
  // The model's sites as point masses at the unconstrained `latent`.
  void RunAt(const Tensor& latent) const;
  void RunAlongside(const std::function<void()>& model) const;

  // The site named `name` (relative name or full address), or NotFound.
  absl::StatusOr<const AutoLatentSite*> FindSite(absl::string_view name) const;
  // The full name of the parameter `name` as the guide created it.
  std::string ParamName(const std::string& name) const {
    return Address::Join(scope, name).name();
  }
  absl::StatusOr<Matrix> GetParam(const ParamStore& store,
                                  const std::string& name) const;
  absl::StatusOr<Matrix> JointLoc(const ParamStore& store) const;
  absl::StatusOr<Matrix> JointCovariance(const ParamStore& store) const;

  const Family family;
  const AutoGuideOptions options;
  bool set_up = false;
  bool dynamic = false;  // some site is
  std::vector<AutoLatentSite> sites;
  Index dimension = 0;
  Index rank = 0;
  // The scope the guide was set up in.
  Address scope;
  // Initial unconstrained values, one per site.
  std::vector<Matrix> init;

  // Mean-field and delta parameters, one per site.
  std::vector<std::string> loc_names;
  std::vector<std::string> scale_names;
  std::vector<std::function<Tensor()>> loc_inits;
  std::vector<std::function<Tensor()>> scale_inits;
  // Joint parameters and the auxiliary site.
  std::string joint_loc_name;
  std::string scale_tril_name;
  std::string cov_factor_name;
  std::string diag_scale_name;
  std::string latent_name;
  std::function<Tensor()> joint_loc_init;
  std::function<Tensor()> scale_tril_init;
  std::function<Tensor()> cov_factor_init;
  std::function<Tensor()> diag_scale_init;

 private:
  absl::Status CheckSubsampledSite(const AutoLatentSite& site,
                                   const Site& traced,
                                   const PlateInfo& plate) const;
  void PrepareParameters();
  // The parameters of site i: mean-field loc and scale, or AutoDelta's
  // point (scale unused).
  struct SiteParams {
    Tensor loc;
    Tensor scale;
  };
  SiteParams ReadParams(size_t i, const std::vector<Index>* rows) const;
  // Whether AutoDelta stores site i's point unconstrained (a support with
  // tensor bounds, which a stored parameter cannot have).
  bool DeltaUnconstrained(size_t i) const {
    return sites[i].support.has_tensor_bounds();
  }
  // The joint families' latent draw (1 x D per lane).
  Tensor JointLatent() const;
  // Site i's guide site at `name`, its transform `bijector`: the
  // mean-field T(u) or AutoDelta's point. Returns its value.
  Tensor SampleSite(size_t i, const SiteParams& params,
                    const std::shared_ptr<const Bijector>& bijector,
                    absl::string_view name) const;
  // Site i's guide site at `name` as the point mass at T(u_i), u_i its
  // coordinates in the unconstrained `latent` (the joint families' draw,
  // or a given point). Returns its value.
  Tensor SampleAt(size_t i, const Tensor& latent,
                  const std::shared_ptr<const Bijector>& bijector,
                  absl::string_view name) const;
  bool joint() const {
    return family == Family::kMultivariateNormal ||
           family == Family::kLowRankMultivariateNormal;
  }
};

// A latent site in a subsampled plate gets per-point parameters when it
// has one row per lane of that plate (and its transform keeps rows), in
// the families whose sites are separate draws; a one-row site is global.
absl::Status State::CheckSubsampledSite(const AutoLatentSite& site,
                                        const Site& traced,
                                        const PlateInfo& plate) const {
  const std::string where = absl::StrCat(
      "the site is inside plate '", plate.name.name(), "', which draws ",
      plate.subsample_size, " of ", plate.size, " lanes");
  const Index rows = traced.value->rows();
  if (rows == 1 && plate.subsample_size != 1) return absl::OkStatus();
  if (family == Family::kMultivariateNormal ||
      family == Family::kLowRankMultivariateNormal) {
    return AtSite(
        site,
        absl::UnimplementedError(absl::StrCat(
            where,
            "; the joint families cannot draw a subsample of a joint normal's "
            "coordinates: use AutoNormal or AutoDelta (per-point parameters "
            "indexed by the subsample)")));
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

absl::Status State::SetUp(const Trace& prototype) {
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
  scope = CurrentScope();
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
        if (absl::Status status = CheckSubsampledSite(site, traced, plate);
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
    dynamic = dynamic || site.dynamic;
    found.push_back(std::move(site));
    initial.push_back(std::move(unconstrained));
  }
  if (found.empty()) {
    return absl::InvalidArgumentError(
        "autoguide: the model has no latent sample site (observed, factor and "
        "deterministic sites need no guide)");
  }
  if (dynamic) {
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
  sites = std::move(found);
  init = std::move(initial);
  dimension = offset;
  rank = options.rank > 0
             ? options.rank
             : std::max<Index>(1, static_cast<Index>(std::lround(std::sqrt(
                                      static_cast<double>(dimension)))));
  PrepareParameters();
  set_up = true;
  return absl::OkStatus();
}

void State::PrepareParameters() {
  const std::string& prefix = options.prefix;
  const Real init_scale = static_cast<Real>(options.init_scale);
  latent_name = absl::StrCat("_", prefix, "_latent");
  switch (family) {
    case Family::kNormal:
    case Family::kDelta:
      for (size_t i = 0; i < sites.size(); ++i) {
        const AutoLatentSite& site = sites[i];
        const Matrix* start = &init[i];
        if (family == Family::kNormal) {
          loc_names.push_back(absl::StrCat(prefix, "/loc/", site.name));
          scale_names.push_back(absl::StrCat(prefix, "/scale/", site.name));
          loc_inits.emplace_back([start] { return Tensor(*start); });
          const Index rows = site.unconstrained_rows;
          const Index cols = site.unconstrained_cols;
          scale_inits.emplace_back([rows, cols, init_scale] {
            return Tensor(Matrix::Constant(rows, cols, init_scale));
          });
        } else if (DeltaUnconstrained(i)) {
          loc_names.push_back(absl::StrCat(prefix, "/value/", site.name));
          loc_inits.emplace_back([start] { return Tensor(*start); });
        } else {
          loc_names.push_back(absl::StrCat(prefix, "/value/", site.name));
          // The point is stored constrained to the support, so its initial
          // value is the constrained image of the unconstrained start.
          const Bijector* bijector = site.bijector.get();
          loc_inits.emplace_back([start, bijector] {
            NoRecordScope no_record;
            return Tensor(Matrix(bijector->Forward(Tensor(*start)).value()));
          });
        }
      }
      break;
    case Family::kMultivariateNormal:
    case Family::kLowRankMultivariateNormal: {
      Matrix loc(1, dimension);
      for (size_t i = 0; i < sites.size(); ++i) {
        loc.middleCols(sites[i].offset, sites[i].size()) = Flatten(init[i]);
      }
      joint_loc_name = absl::StrCat(prefix, "/loc");
      joint_loc_init = [loc] { return Tensor(loc); };
      const Index d = dimension;
      if (family == Family::kMultivariateNormal) {
        scale_tril_name = absl::StrCat(prefix, "/scale_tril");
        scale_tril_init = [d, init_scale] {
          return Tensor(Matrix(init_scale * Matrix::Identity(d, d)));
        };
        break;
      }
      // The initial variance init_scale² of each element is split evenly
      // between the diagonal and the factor (a random factor: W = 0 is a
      // stationary point of the ELBO in W).
      cov_factor_name = absl::StrCat(prefix, "/cov_factor");
      diag_scale_name = absl::StrCat(prefix, "/scale");
      Rng rng = MakeRng(options.seed ^ 0x2545f4914f6cdd1dULL);
      Matrix factor(d, rank);
      const double factor_sd =
          options.init_scale / std::sqrt(2.0 * static_cast<double>(rank));
      for (Index k = 0; k < factor.size(); ++k) {
        factor(k) = static_cast<Real>(factor_sd * absl::Gaussian<double>(rng));
      }
      cov_factor_init = [factor] { return Tensor(factor); };
      const Real diag = static_cast<Real>(options.init_scale / std::sqrt(2.0));
      diag_scale_init = [d, diag] {
        return Tensor(Matrix(Matrix::Constant(1, d, diag)));
      };
      break;
    }
  }
}

State::SiteParams State::ReadParams(size_t i,
                                    const std::vector<Index>* rows) const {
  const AutoLatentSite& site = sites[i];
  switch (family) {
    case Family::kNormal:
      return {PresentRows(param(loc_names[i], loc_inits[i]), site, rows),
              PresentRows(
                  param(scale_names[i], scale_inits[i], Support::Positive()),
                  site, rows)};
    case Family::kDelta:
      return {PresentRows(DeltaUnconstrained(i)
                              ? param(loc_names[i], loc_inits[i])
                              : param(loc_names[i], loc_inits[i], site.support),
                          site, rows),
              Tensor()};
    case Family::kMultivariateNormal:
    case Family::kLowRankMultivariateNormal:
      break;
  }
  return {};
}

Tensor State::JointLatent() const {
  const Tensor loc = param(joint_loc_name, joint_loc_init);
  if (family == Family::kMultivariateNormal) {
    const Tensor scale_tril =
        param(scale_tril_name, scale_tril_init, Support::LowerCholesky());
    return sample(latent_name, MvNormal(loc, scale_tril));
  }
  const Tensor factor = param(cov_factor_name, cov_factor_init);
  const Tensor diag =
      param(diag_scale_name, diag_scale_init, Support::Positive());
  return sample(latent_name, LowRankNormal(loc, factor, diag));
}

Tensor State::SampleSite(size_t i, const SiteParams& params,
                         const std::shared_ptr<const Bijector>& bijector,
                         absl::string_view name) const {
  const AutoLatentSite& site = sites[i];
  switch (family) {
    case Family::kNormal: {
      Normal base(params.loc, params.scale);
      if (IsIdentity(site.support)) return sample(name, base);
      return sample(name, Transformed<Normal>(std::move(base), bijector));
    }
    case Family::kDelta:
      return sample(name,
                    Delta(DeltaUnconstrained(i) ? bijector->Forward(params.loc)
                                                : params.loc));
    case Family::kMultivariateNormal:
    case Family::kLowRankMultivariateNormal:
      break;
  }
  PROVI_CHECK(false) << "autoguide: SampleSite in a joint family";
  return Tensor();
}

Tensor State::SampleAt(size_t i, const Tensor& latent,
                       const std::shared_ptr<const Bijector>& bijector,
                       absl::string_view name) const {
  const AutoLatentSite& site = sites[i];
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

void State::Run() const {
  if (!set_up) {
    ThrowStatus(absl::FailedPreconditionError(
        "autoguide: not set up (call the guide with the model's arguments, "
        "or SetUp(args...))"));
  }
  if (joint()) {
    RunAt(JointLatent());
    return;
  }
  for (size_t i = 0; i < sites.size(); ++i) {
    const AutoLatentSite& site = sites[i];
    if (site.dynamic) ThrowStatus(autoguide_internal::DynamicSiteError(site));
    WithPlates(site.plates, 0, nullptr, [&](const std::vector<Index>* rows) {
      SampleSite(i, ReadParams(i, rows), site.bijector, site.name);
    });
  }
}

void State::RunAt(const Tensor& latent) const {
  if (latent.cols() != dimension) {
    ThrowStatus(absl::InvalidArgumentError(
        absl::StrCat("autoguide: an unconstrained vector of ", latent.cols(),
                     " columns for a model of dimension ", dimension)));
  }
  for (size_t i = 0; i < sites.size(); ++i) {
    const AutoLatentSite& site = sites[i];
    if (site.dynamic) ThrowStatus(autoguide_internal::DynamicSiteError(site));
    WithPlates(site.plates, 0, nullptr, [&](const std::vector<Index>*) {
      SampleAt(i, latent, site.bijector, site.name);
    });
  }
}

namespace {

// Runs the model along with a guide whose layout has dynamic sites (see
// the file comment of vi/autoguide.h): at each of the model's latent sites
// `draw(i, bijector, name)` makes the guide's site (with `bijector` built
// from the support the model has just computed when the site is dynamic)
// and the model takes its value; the model's other sites are hidden, its
// plates and parameters pass.
class AlongsideRun : public Handler {
 public:
  using Draw = std::function<Tensor(
      size_t, const std::shared_ptr<const Bijector>&, absl::string_view)>;

  AlongsideRun(const std::vector<AutoLatentSite>& sites, Address scope,
               Draw draw)
      : sites_(sites),
        scope_(scope),
        draw_(std::move(draw)),
        reached_(sites.size(), false) {}

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
    for (size_t i = 0; i < sites_.size(); ++i) {
      if (!reached_[i]) {
        ThrowStatus(autoguide_internal::AtSite(
            sites_[i], absl::FailedPreconditionError(
                           "the site was not reached by this run of the model; "
                           "a model whose latent sites change from run to run "
                           "needs a hand-written guide")));
      }
    }
  }

 private:
  void Take(Message& msg) {
    const std::string name = RelativeName(msg.address, scope_);
    size_t i = 0;
    while (i < sites_.size() && sites_[i].name != name) ++i;
    if (i == sites_.size()) {
      ThrowStatus(AnnotateSite(
          absl::FailedPreconditionError(
              "autoguide: the model's latent site was not in the run that set "
              "the guide up; a model whose latent sites change from run to "
              "run needs a hand-written guide"),
          SiteKind::kSample, msg.address));
    }
    const AutoLatentSite& site = sites_[i];
    std::shared_ptr<const Bijector> bijector = site.bijector;
    if (site.dynamic) {
      try {
        bijector = BijectorFor(msg.dist()->support());
      } catch (const StatusError& error) {
        ThrowStatus(autoguide_internal::AtSite(site, error.status()));
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

  const std::vector<AutoLatentSite>& sites_;
  const Address scope_;
  const Draw draw_;
  std::vector<bool> reached_;
  bool drawing_ = false;
};

}  // namespace

void State::RunAlongside(const std::function<void()>& model) const {
  if (!set_up) Run();  // throws the set-up error
  // Parameters and the joint draw first, in the guide's scope and plates.
  // (Set-up rejects dynamic sites in subsampled plates: no plate here
  // draws a subsample.)
  const Tensor latent = joint() ? JointLatent() : Tensor();
  std::vector<SiteParams> params(sites.size());
  if (!joint()) {
    for (size_t i = 0; i < sites.size(); ++i) {
      WithPlates(sites[i].plates, 0, nullptr,
                 [&](const std::vector<Index>* rows) {
                   params[i] = ReadParams(i, rows);
                 });
    }
  }
  AlongsideRun run(
      sites, CurrentScope(),
      [&](size_t i, const std::shared_ptr<const Bijector>& bijector,
          absl::string_view name) {
        return joint() ? SampleAt(i, latent, bijector, name)
                       : SampleSite(i, params[i], bijector, name);
      });
  {
    HandlerScope scope(run);
    model();
  }
  run.CheckAllReached();
}

absl::StatusOr<const AutoLatentSite*> State::FindSite(
    absl::string_view name) const {
  if (!set_up) {
    return absl::FailedPreconditionError(
        "autoguide: not set up (call the guide with the model's arguments, "
        "or SetUp(args...))");
  }
  for (const AutoLatentSite& site : sites) {
    if (site.name == name || site.address.name() == name) return &site;
  }
  return AnnotateSite(
      absl::NotFoundError("autoguide: the model has no such latent site"),
      SiteKind::kSample, Address::Intern(name));
}

absl::StatusOr<Matrix> State::GetParam(const ParamStore& store,
                                       const std::string& name) const {
  absl::StatusOr<Tensor> value = store.Get(ParamName(name));
  if (!value.ok()) {
    return absl::NotFoundError(
        absl::StrCat("autoguide: the store has no parameter '", ParamName(name),
                     "' (has the guide run with this store?)"));
  }
  return Matrix(value->value());
}

absl::StatusOr<Matrix> State::JointLoc(const ParamStore& store) const {
  if (family == Family::kMultivariateNormal ||
      family == Family::kLowRankMultivariateNormal) {
    return GetParam(store, joint_loc_name);
  }
  Matrix loc(1, dimension);
  for (size_t i = 0; i < sites.size(); ++i) {
    absl::StatusOr<Matrix> part = GetParam(store, loc_names[i]);
    if (!part.ok()) return part.status();
    if (family == Family::kDelta && !DeltaUnconstrained(i)) {
      NoRecordScope no_record;
      *part = sites[i].bijector->Inverse(Tensor(*part)).value();
    }
    loc.middleCols(sites[i].offset, sites[i].size()) = Flatten(*part);
  }
  return loc;
}

absl::StatusOr<Matrix> State::JointCovariance(const ParamStore& store) const {
  switch (family) {
    case Family::kDelta:
      return Matrix(Matrix::Zero(dimension, dimension));
    case Family::kNormal: {
      Matrix variance(1, dimension);
      for (size_t i = 0; i < sites.size(); ++i) {
        absl::StatusOr<Matrix> scale = GetParam(store, scale_names[i]);
        if (!scale.ok()) return scale.status();
        variance.middleCols(sites[i].offset, sites[i].size()) =
            Flatten(scale->array().square().matrix());
      }
      return Matrix(variance.row(0).asDiagonal());
    }
    case Family::kMultivariateNormal: {
      absl::StatusOr<Matrix> l = GetParam(store, scale_tril_name);
      if (!l.ok()) return l.status();
      return Matrix(*l * l->transpose());
    }
    case Family::kLowRankMultivariateNormal: {
      absl::StatusOr<Matrix> w = GetParam(store, cov_factor_name);
      if (!w.ok()) return w.status();
      absl::StatusOr<Matrix> s = GetParam(store, diag_scale_name);
      if (!s.ok()) return s.status();
      Matrix covariance = *w * w->transpose();
      covariance.diagonal() += s->row(0).array().square().matrix().transpose();
      return covariance;
    }
  }
  return absl::InternalError("autoguide: unknown family");
}

void PrototypeValues::Process(Message& msg) {
  if (msg.kind != SiteKind::kSample || msg.is_observed || msg.is_intervened ||
      msg.value.has_value() || msg.dist()->has_sample()) {
    return;
  }
  // No sampler (an improper prior): u uniform on [-2, 2] per unconstrained
  // element, mapped onto the support.
  const Distribution& dist = *msg.dist();
  try {
    const Support support = dist.support();
    const std::shared_ptr<const Bijector> bijector = BijectorFor(support);
    const bool matrix = support.kind() == Support::Kind::kLowerCholesky;
    Matrix u(matrix ? 1 : dist.rows(),
             bijector->UnconstrainedCols(dist.cols()));
    absl::BitGenRef gen = msg.rng.has_value() ? *msg.rng : ThreadRng();
    for (Index k = 0; k < u.size(); ++k) {
      u(k) = static_cast<Real>(
          absl::Uniform<double>(absl::IntervalClosedClosed, gen, -2.0, 2.0));
    }
    msg.value = bijector->Forward(Tensor(u));
  } catch (const StatusError& error) {
    ThrowStatus(AnnotateSite(
        absl::Status(
            error.status().code(),
            absl::StrCat("(", dist.name(), ") ", error.status().message())),
        SiteKind::kSample, msg.address));
  }
}

void PrototypeValues::Postprocess(Message& msg) {
  const bool latent =
      msg.kind == SiteKind::kSample && !msg.is_observed && !msg.is_intervened;
  if ((latent || msg.kind == SiteKind::kParam) && msg.value.has_value()) {
    msg.value = Variable(Matrix(msg.value->value()));
  }
}

PrototypeRun::PrototypeRun(uint64_t seed)
    : seed_(seed),
      block_scope_(block_),
      trace_scope_(trace_),
      values_scope_(values_),
      seed_scope_(seed_) {}

}  // namespace autoguide_internal

using autoguide_internal::State;

AutoGuide::AutoGuide(autoguide_internal::Family family,
                     AutoGuideOptions options)
    : state_(std::make_shared<State>(family, std::move(options))) {}

bool AutoGuide::is_set_up() const { return state_->set_up; }

const AutoGuideOptions& AutoGuide::options() const { return state_->options; }

const std::vector<AutoLatentSite>& AutoGuide::sites() const {
  return state_->sites;
}

Index AutoGuide::dimension() const { return state_->dimension; }

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
  return state_->SetUp(prototype);
}

bool AutoGuide::has_dynamic_sites() const { return state_->dynamic; }

void AutoGuide::Run() const { state_->Run(); }

Matrix AutoGuide::InitialLocation() const {
  PROVI_CHECK(state_->set_up) << "autoguide: InitialLocation before set-up";
  Matrix loc(1, state_->dimension);
  for (size_t i = 0; i < state_->sites.size(); ++i) {
    loc.middleCols(state_->sites[i].offset, state_->sites[i].size()) =
        autoguide_internal::Flatten(state_->init[i]);
  }
  return loc;
}

void AutoGuide::RunAtUnconstrained(const Tensor& latent) const {
  if (!state_->set_up) {
    ThrowStatus(absl::FailedPreconditionError(
        "autoguide: not set up (call the guide with the model's arguments, "
        "or SetUp(args...))"));
  }
  state_->RunAt(latent);
}

absl::Status AutoGuide::SetJointNormal(ParamStore& store, const Matrix& loc,
                                       const Matrix& scale_tril) const {
  if (!state_->set_up) {
    return absl::FailedPreconditionError(
        "autoguide: not set up (call the guide with the model's arguments, "
        "or SetUp(args...))");
  }
  if (state_->family != autoguide_internal::Family::kMultivariateNormal) {
    return absl::FailedPreconditionError(
        "autoguide: SetJointNormal needs a full-rank normal family "
        "(AutoMultivariateNormal, AutoLaplaceApproximation)");
  }
  const Index d = state_->dimension;
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
  if (!store.Contains(state_->ParamName(state_->joint_loc_name))) {
    const absl::Status created = CatchStatus([&] {
      NoRecordScope no_record;
      ParamStoreScope store_scope(store);
      SeedHandler seeded(0);
      HandlerScope seed_scope(seeded);
      Run();
    });
    if (!created.ok()) return created;
  }
  absl::StatusOr<Parameter*> loc_param =
      store.Unconstrained(state_->ParamName(state_->joint_loc_name));
  if (!loc_param.ok()) return loc_param.status();
  absl::StatusOr<Parameter*> tril_param =
      store.Unconstrained(state_->ParamName(state_->scale_tril_name));
  if (!tril_param.ok()) return tril_param.status();
  NoRecordScope no_record;
  (*loc_param)->value() = loc;
  (*tril_param)->value() = BijectorFor(Support::LowerCholesky())
                               ->Inverse(Tensor(scale_tril))
                               .value();
  return absl::OkStatus();
}

void AutoGuide::RunAlongside(const std::function<void()>& model) const {
  state_->RunAlongside(model);
}

absl::StatusOr<AutoSitePosterior> AutoGuide::Posterior(
    const ParamStore& store, absl::string_view site_name) const {
  absl::StatusOr<const AutoLatentSite*> found = state_->FindSite(site_name);
  if (!found.ok()) return found.status();
  const AutoLatentSite& site = **found;
  const size_t index = static_cast<size_t>(found.value() - &state_->sites[0]);
  AutoSitePosterior posterior;
  if (state_->family == autoguide_internal::Family::kNormal) {
    absl::StatusOr<Matrix> loc =
        state_->GetParam(store, state_->loc_names[index]);
    if (!loc.ok()) return loc.status();
    absl::StatusOr<Matrix> scale =
        state_->GetParam(store, state_->scale_names[index]);
    if (!scale.ok()) return scale.status();
    posterior.loc = *std::move(loc);
    posterior.scale = *std::move(scale);
  } else {
    absl::StatusOr<Matrix> loc = state_->JointLoc(store);
    if (!loc.ok()) return loc.status();
    absl::StatusOr<Matrix> covariance = state_->JointCovariance(store);
    if (!covariance.ok()) return covariance.status();
    const Matrix sd = Matrix(covariance->diagonal().transpose()).cwiseSqrt();
    posterior.loc = autoguide_internal::Unflatten(
        *loc, site.offset, site.unconstrained_rows, site.unconstrained_cols);
    posterior.scale = autoguide_internal::Unflatten(
        sd, site.offset, site.unconstrained_rows, site.unconstrained_cols);
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
  absl::StatusOr<const AutoLatentSite*> found = state_->FindSite(site_name);
  if (!found.ok()) return found.status();
  if ((*found)->dynamic) return autoguide_internal::DynamicSiteError(**found);
  if (!(*found)->support.is_elementwise()) {
    return autoguide_internal::AtSite(
        **found, absl::InvalidArgumentError(absl::StrCat(
                     "the site has the support ", (*found)->support.ToString(),
                     ", whose transform is not elementwise: its elements have "
                     "no quantiles of this form (use ConstrainedMoments)")));
  }
  absl::StatusOr<AutoSitePosterior> posterior = Posterior(store, site_name);
  if (!posterior.ok()) return posterior.status();
  const Real z =
      static_cast<Real>(autoguide_internal::StandardNormalQuantile(p));
  const Matrix u = posterior->loc + z * posterior->scale;
  NoRecordScope no_record;
  return Matrix((*found)->bijector->Forward(Tensor(u)).value());
}

absl::StatusOr<Matrix> AutoGuide::Covariance(const ParamStore& store) const {
  if (!state_->set_up) {
    return absl::FailedPreconditionError(
        "autoguide: not set up (call the guide with the model's arguments, "
        "or SetUp(args...))");
  }
  return state_->JointCovariance(store);
}

absl::StatusOr<AutoMoments> AutoGuide::ConstrainedMoments(
    ParamStore& store, absl::string_view site_name, int num_samples,
    uint64_t seed) const {
  if (num_samples < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "autoguide: ConstrainedMoments needs at least 2 samples, got ",
        num_samples));
  }
  absl::StatusOr<const AutoLatentSite*> found = state_->FindSite(site_name);
  if (!found.ok()) return found.status();
  if (state_->dynamic) {
    return autoguide_internal::DynamicSiteError(**found);
  }
  const AutoLatentSite& site = **found;
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
