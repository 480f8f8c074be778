// Copyright 2026 The provi Authors.
//
// File: vi/internal/autoguide_family.h
// -----------------------------------------------------------------------------
//
// The variational families behind the autoguides (vi/autoguide.h), one class
// per family, and what they share. `AutoGuide` records the model's layout
// (its latent sites, their transforms and plates) and hands it to its
// `Family`, which owns everything that depends on the family: its
// parameters, the guide's program, and how its fitted location and
// covariance are read back from a store.
//
// Two kinds of family, each a base class here:
//
//   SiteFamily    every latent site is its own draw from its own parameters
//                 (MeanFieldFamily: AutoNormal; DeltaFamily: AutoDelta);
//                 sites in subsampled plates get per-point parameters.
//   JointFamily   one auxiliary site draws all unconstrained values jointly,
//                 and each model site is a point mass at its slice of that
//                 draw (FullRankFamily: AutoMultivariateNormal and
//                 AutoLaplaceApproximation; LowRankFamily:
//                 AutoLowRankMultivariateNormal).
//
// Each family lives in its own file (vi/internal/<name>_family.cc) and is
// made by its factory, which vi/autoguide.h declares for the public class
// that names it. A new family derives from one of the bases (or from
// `Family`); nothing else changes.
//
// Example (what AutoGuide does with a family):
//
//   std::unique_ptr<Family> family = MeanFieldFamily();
//   Layout layout(options);
//   ... fill layout.sites from a traced run ...
//   PROVI_RETURN_IF_ERROR(family->SetUp(layout));
//   family->Run(layout);   // inside the caller's handlers: the guide

#ifndef PROVI_VI_INTERNAL_AUTOGUIDE_FAMILY_H_
#define PROVI_VI_INTERNAL_AUTOGUIDE_FAMILY_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ad/tensor.h"
#include "distributions/bijector.h"
#include "distributions/support.h"
#include "runtime/address.h"
#include "runtime/primitives.h"
#include "vi/autoguide.h"
#include "vi/param_store.h"

namespace provi {
namespace autoguide_internal {

// Layout
//
// What set-up records about the model, which every family reads.
struct Layout {
  explicit Layout(AutoGuideOptions options) : options(std::move(options)) {}

  // The full store name of the guide's parameter `name` (joined to the
  // scope the guide was set up in).
  std::string ParamName(absl::string_view name) const;
  // The value of parameter `name` in `store`, or NotFound saying the guide
  // has not run with that store.
  absl::StatusOr<Matrix> GetParam(const ParamStore& store,
                                  absl::string_view name) const;
  // The initial unconstrained values, flattened (1 x D).
  Matrix InitialLocation() const;

  const AutoGuideOptions options;
  bool set_up = false;
  // Whether some site's support depends on other latents.
  bool dynamic = false;
  std::vector<AutoLatentSite> sites;
  // Initial unconstrained values, one per site (its unconstrained shape).
  std::vector<Matrix> init;
  // D, the number of unconstrained elements.
  Index dimension = 0;
  // The scope the guide was set up in.
  Address scope;
};

// Family
//
// One variational family. Set up once per guide (`SetUp`), then shared by
// the guide's copies; its methods are const after set-up.
class Family {
 public:
  virtual ~Family() = default;

  // OK if this family can draw `site`, which has one row per lane of a
  // subsampled plate (`where` describes the plate); else the error, naming
  // the site.
  virtual absl::Status CheckSubsampledSite(const AutoLatentSite& site,
                                           absl::string_view where) const = 0;

  // Prepares the parameters for the complete `layout` (names, initial
  // values).
  virtual absl::Status SetUp(const Layout& layout) = 0;

  // The guide's program for a layout without dynamic sites: draws every
  // latent site inside its plates. Throws StatusError.
  virtual void Run(const Layout& layout) const = 0;

  // The guide's program for a layout with dynamic sites: reads the
  // parameters, then runs `model` and draws each latent site as the model
  // reaches it (RunModelAlongside). Throws StatusError.
  virtual void RunAlongside(const Layout& layout,
                            const std::function<void()>& model) const = 0;

  // The mean of the flattened unconstrained values (1 x D).
  virtual absl::StatusOr<Matrix> Location(const Layout& layout,
                                          const ParamStore& store) const = 0;

  // Their covariance (D x D).
  virtual absl::StatusOr<Matrix> Covariance(const Layout& layout,
                                            const ParamStore& store) const = 0;

  // Site i's unconstrained mean and marginal standard deviations (its
  // unconstrained shape) in `posterior`'s loc and scale. By default, from
  // Location() and Covariance().
  virtual absl::Status Marginal(const Layout& layout, const ParamStore& store,
                                size_t i, AutoSitePosterior& posterior) const;

  // Sets the parameters to the normal N(loc, scale_tril scale_trilᵀ)
  // (vi/autoguide.h's SetJointNormal). FailedPrecondition unless the family
  // is the full-rank normal.
  virtual absl::Status SetJointNormal(const Layout& layout, ParamStore& store,
                                      const Matrix& loc,
                                      const Matrix& scale_tril) const;
};

// SiteFamily
//
// A family that draws each site on its own, from parameters of its own.
class SiteFamily : public Family {
 public:
  absl::Status CheckSubsampledSite(const AutoLatentSite& site,
                                   absl::string_view where) const override;
  void Run(const Layout& layout) const final;
  void RunAlongside(const Layout& layout,
                    const std::function<void()>& model) const final;
  absl::StatusOr<Matrix> Location(const Layout& layout,
                                  const ParamStore& store) const final;

 protected:
  // One site's parameters in one run: its location and, in families that
  // have one, its scale.
  struct SiteParams {
    Tensor loc;
    Tensor scale;
  };

  // Site i's parameters for the rows present in this run (`rows`: the
  // subsample's indices when the site has per-point parameters).
  virtual SiteParams ReadParams(const Layout& layout, size_t i,
                                const std::vector<Index>* rows) const = 0;

  // Samples site i at `name` from `params`, with transform `bijector`.
  // Returns its value.
  virtual Tensor Draw(const Layout& layout, size_t i, const SiteParams& params,
                      const std::shared_ptr<const Bijector>& bijector,
                      absl::string_view name) const = 0;

  // Site i's stored location, unconstrained (its unconstrained shape).
  virtual absl::StatusOr<Matrix> SiteLocation(const Layout& layout,
                                              const ParamStore& store,
                                              size_t i) const = 0;
};

// JointFamily
//
// A family that draws the flattened unconstrained vector in one auxiliary
// site, "_<prefix>_latent", and gives each model site the point mass at its
// slice (DrawAtPoint). Sites in subsampled plates are Unimplemented.
class JointFamily : public Family {
 public:
  absl::Status CheckSubsampledSite(const AutoLatentSite& site,
                                   absl::string_view where) const final;
  void Run(const Layout& layout) const final;
  void RunAlongside(const Layout& layout,
                    const std::function<void()>& model) const final;

 protected:
  // The auxiliary site's name.
  static std::string LatentName(const Layout& layout);

  // Reads the parameters and samples the auxiliary site (1 x D per lane).
  virtual Tensor DrawLatent(const Layout& layout) const = 0;
};

// DrawAtPoint()
//
// Site i as `sample(name, Delta(T(u_i), -log |det ∂T/∂u_i|))`, u_i its slice
// of the flattened unconstrained `latent` and T `bijector`. Returns its
// value. Throws StatusError for a multi-row site under lanes.
Tensor DrawAtPoint(const Layout& layout, size_t i, const Tensor& latent,
                   const std::shared_ptr<const Bijector>& bijector,
                   absl::string_view name);

// RunAtPoint()
//
// Every site as DrawAtPoint inside its plates (AutoGuide's
// RunAtUnconstrained, and the joint families' program). Throws StatusError
// (InvalidArgument for a `latent` that is not D wide, FailedPrecondition for
// a dynamic layout).
void RunAtPoint(const Layout& layout, const Tensor& latent);

// Draws the guide's site i as the model reaches it: `bijector` is the
// model's current transform for a dynamic site, and `name` the site's name
// relative to the scope the model is in. Returns the value.
using AlongsideDraw = std::function<Tensor(
    size_t i, const std::shared_ptr<const Bijector>& bijector,
    absl::string_view name)>;

// RunModelAlongside()
//
// Runs `model` with each of its latent sites drawn by `draw` (the model takes
// that value) and its other sites hidden from the handlers outside; its
// plates and parameters pass. Throws StatusError (FailedPrecondition naming a
// site that is not in the layout, or one the model did not reach).
void RunModelAlongside(const Layout& layout, const std::function<void()>& model,
                       const AlongsideDraw& draw);

// `status` about `site`, prefixed "autoguide: " and annotated with the
// site's address (runtime/site_error.h).
absl::Status AtSite(const AutoLatentSite& site, const absl::Status& status);

// What needs one fixed transform returns for a layout with dynamic sites.
absl::Status DynamicSiteError(const AutoLatentSite& site);

// Whether the support's bijector is the identity (no Jacobian term).
bool IsIdentity(const Support& support);

// `address`'s name relative to `scope` (the scope's prefix removed).
std::string RelativeName(Address address, Address scope);

// A per-point parameter's rows for the data points present in this run.
Tensor PresentRows(const Tensor& full, const AutoLatentSite& site,
                   const std::vector<Index>* subsample);

// A Matrix's elements as a 1 x n row (column-major order).
Matrix Flatten(const Matrix& m);

// `row`'s elements [offset, offset + rows * cols) as a rows x cols matrix.
Matrix Unflatten(const Matrix& row, Index offset, Index rows, Index cols);

// WithPlates()
//
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

}  // namespace autoguide_internal
}  // namespace provi

#endif  // PROVI_VI_INTERNAL_AUTOGUIDE_FAMILY_H_
