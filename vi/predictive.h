// Copyright 2026 The provi Authors.
//
// File: vi/predictive.h
// -----------------------------------------------------------------------------
//
// Predictive draws (Pyro's and NumPyro's `Predictive`): joint draws of a
// model's sites with its latents from a fitted guide (the posterior
// predictive) or from the prior, replayed through the model so that its
// `deterministic` sites and its observations come out too, and a summary of
// them per element (mean, sd, 5%, 50% and 95% quantiles) printed like
// NumPyro's `print_summary`.
//
// Each of `num_samples` draws
//
//   * with a guide (`Predictive`): runs the guide with the parameter store
//     installed, then runs the model with the guide's latent values at the
//     model's latent sites;
//   * without one (`PriorPredictive`): runs the model, its latents drawn
//     from their priors;
//
// and in both, the model's observed sites are resampled from their
// distributions given the latents (their data are dropped, as by
// `handlers::Uncondition`): the draws of an observed site are replicated
// data. Draws run without gradients and from a generator seeded by
// `seed`, so two calls with the same seed give the same draws.
//
// Importance weights. With `log_weights` set, `Predictive` also scores
// each draw: log p(z, x) - log q(z), the model's density at the guide's
// latents and the data (`Density`, vi/generative.h) minus the guide's,
// summed over lanes; the ratios Diagnose (vi/fit_diagnostics.h) smooths,
// here for the same draws as the returned sites, so PSIS-weighted
// expectations (vi/psis.h) of any returned site, deterministic ones
// included, come from one call.
//
// Which sites. `return_sites` names sample sites (latent or observed) and
// deterministic sites of the model; empty means all of them, in the order
// the model ran them. (NumPyro leaves the guide's latents out by default;
// here they are in, so one call summarises everything.) Sites only the
// guide has (an autoguide's "_auto_latent") are not returned.
//
// Errors are statuses: InvalidArgument for num_samples < 1, for a site
// whose shape changes between draws and for one missing from some draws;
// NotFound for a name in return_sites
// that no draw had; the status of the guide's or the model's run otherwise
// (naming the site), prefixed with the draw's index.
//
// Example:
//
//   provi::AutoNormal guide(model);
//   ...   // fit it with Svi on a ParamStore `store`
//   absl::StatusOr<provi::PredictiveSamples> draws = provi::Predictive(
//       model, guide, store, {.num_samples = 1000, .seed = 1}, y);
//   if (!draws.ok()) return draws.status();
//   std::cout << provi::Summarize(*draws).ToString();
//   //                 mean       std    median      5.0%     95.0%
//   //         mu      4.41      3.31      4.40     -0.91      9.82
//   //   theta[0]      6.23      5.61      5.83     -2.14     16.05 ...

#ifndef PROVI_VI_PREDICTIVE_H_
#define PROVI_VI_PREDICTIVE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/status_error.h"
#include "handlers/seed.h"
#include "handlers/substitute.h"
#include "handlers/trace.h"
#include "handlers/uncondition.h"
#include "runtime/handler.h"
#include "runtime/trace.h"
#include "vi/generative.h"
#include "vi/param_store.h"

namespace provi {

// PredictiveOptions
struct PredictiveOptions {
  // Draws, >= 1.
  int num_samples = 1000;
  // Sites to keep (see the file comment); empty keeps every sample and
  // deterministic site of the model.
  std::vector<std::string> return_sites = {};
  // Seeds every draw of the guide and the model.
  uint64_t seed = 0;
  // Predictive only: also return each draw's log p(z, x) - log q(z) (see
  // the file comment).
  bool log_weights = false;
};

// PredictiveSite
//
// The draws of one site: row s of `draws` is draw s, its columns the
// site's rows x cols elements in column-major order (element (i, j) is
// column j * rows + i).
struct PredictiveSite {
  std::string name;
  Index rows = 0;
  Index cols = 0;
  Eigen::MatrixXd draws;
};

// PredictiveSamples
struct PredictiveSamples {
  int num_samples = 0;
  // In the order the model ran them (or of return_sites, when given).
  std::vector<PredictiveSite> sites;
  // log p(z_s, x) - log q(z_s) per draw, when PredictiveOptions::log_weights
  // was set; else empty.
  std::vector<double> log_weights;

  // Find()
  //
  // The site named `name`, or null.
  const PredictiveSite* Find(absl::string_view name) const;
};

// ElementSummary
//
// The summary of one element of a site's draws. Quantiles are type 7
// (linear interpolation between order statistics, numpy's and R's
// default); sd divides by the number of draws minus one.
struct ElementSummary {
  std::string site;
  // The element's position in the site's value, and its flattened index
  // j * rows + i.
  Index row = 0;
  Index col = 0;
  Index index = 0;
  // "mu" for a 1x1 site, "theta[3]" for a vector (0-based, like NumPyro),
  // "L[1,0]" for a matrix.
  std::string label;
  double mean = 0;
  double sd = 0;
  double q05 = 0;
  double median = 0;
  double q95 = 0;
};

// PredictiveSummary
struct PredictiveSummary {
  int num_samples = 0;
  // Site by site, each site's elements in column-major order.
  std::vector<ElementSummary> elements;

  // Find()
  //
  // The element `index` (flattened, see ElementSummary) of `site`, or
  // null.
  const ElementSummary* Find(absl::string_view site, Index index = 0) const;

  // ToString()
  //
  // A table like NumPyro's print_summary: one row per element with its
  // label, mean, std, median, 5.0% and 95.0%, with `digits` digits after
  // the point.
  std::string ToString(int digits = 2) const;
};

// Summarize()
//
// The per-element summary of every site of `samples`.
PredictiveSummary Summarize(const PredictiveSamples& samples);

namespace predictive_internal {

// Collects the kept sites of each draw's model trace.
class Collector {
 public:
  explicit Collector(const PredictiveOptions& options);
  // InvalidArgument for invalid options.
  absl::Status Validate() const;
  // Records draw `index`'s model trace (throws StatusError for a shape
  // that changed).
  void Add(const Trace& model_trace, int index);
  // Records the next draw's log importance weight.
  void AddLogWeight(double log_weight) { log_weights_.push_back(log_weight); }
  // NotFound for a requested site no draw had.
  absl::StatusOr<PredictiveSamples> Finish();

 private:
  const PredictiveOptions& options_;
  std::vector<PredictiveSite> sites_;
  // How many draws had each site.
  std::vector<int> draws_;
  std::vector<double> log_weights_;
};

// The latent sample sites of a guide's trace, as substitute takes them.
ValueMap LatentValues(const Trace& guide_trace);

// Runs `body(draw)` for each draw with the seed handler, the store (if
// any) and no gradients, each draw in a tape scope of its own; statuses
// prefixed with the draw's index.
absl::Status ForEachDraw(const PredictiveOptions& options, ParamStore* store,
                         const std::function<void(int draw)>& body);

}  // namespace predictive_internal

// Predictive()
//
// Posterior predictive draws: the guide's latents replayed through the
// model, observations resampled. See the file comment.
template <typename M, typename G, typename... Args>
absl::StatusOr<PredictiveSamples> Predictive(const M& model, const G& guide,
                                             ParamStore& store,
                                             const PredictiveOptions& options,
                                             const Args&... args) {
  predictive_internal::Collector collector(options);
  if (absl::Status status = collector.Validate(); !status.ok()) return status;
  const absl::Status status =
      predictive_internal::ForEachDraw(options, &store, [&](int draw) {
        const Simulation q = Simulate(guide, args...);
        if (options.log_weights) {
          const Tensor log_p = Density(model, q.choices, args...);
          collector.AddLogWeight(
              static_cast<double>(SumAll(log_p).item()) -
              static_cast<double>(SumAll(q.log_density).item()));
        }
        SubstituteHandler latents(predictive_internal::LatentValues(q.choices));
        UnconditionHandler resample;
        TraceHandler model_trace;
        {
          HandlerScope trace_scope(model_trace);
          HandlerScope latents_scope(latents);
          HandlerScope resample_scope(resample);
          model(args...);
        }
        collector.Add(model_trace.trace(), draw);
      });
  if (!status.ok()) return status;
  return collector.Finish();
}

// PriorPredictive()
//
// Prior predictive draws: the model run with its latents from their priors
// and its observations resampled. See the file comment.
template <typename M, typename... Args>
absl::StatusOr<PredictiveSamples> PriorPredictive(
    const M& model, const PredictiveOptions& options, const Args&... args) {
  predictive_internal::Collector collector(options);
  if (absl::Status status = collector.Validate(); !status.ok()) return status;
  const absl::Status status =
      predictive_internal::ForEachDraw(options, nullptr, [&](int draw) {
        UnconditionHandler resample;
        TraceHandler model_trace;
        {
          HandlerScope trace_scope(model_trace);
          HandlerScope resample_scope(resample);
          model(args...);
        }
        collector.Add(model_trace.trace(), draw);
      });
  if (!status.ok()) return status;
  return collector.Finish();
}

}  // namespace provi

#endif  // PROVI_VI_PREDICTIVE_H_
