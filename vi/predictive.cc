// Copyright 2026 The provi Authors.

#include "vi/predictive.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "runtime/site_error.h"

namespace provi {
namespace {

// Whether a predictive draw reports this site.
bool Reportable(const Site& site) {
  return (site.kind == SiteKind::kSample ||
          site.kind == SiteKind::kDeterministic) &&
         site.value.has_value();
}

// The type-7 quantile of sorted `x` (linear interpolation between order
// statistics at position p (n - 1)).
double Quantile(const std::vector<double>& sorted, double p) {
  const double position = p * static_cast<double>(sorted.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return sorted[below] + fraction * (sorted[above] - sorted[below]);
}

std::string Label(const PredictiveSite& site, Index row, Index col) {
  if (site.rows * site.cols == 1) return site.name;
  if (site.rows == 1) return absl::StrCat(site.name, "[", col, "]");
  if (site.cols == 1) return absl::StrCat(site.name, "[", row, "]");
  return absl::StrCat(site.name, "[", row, ",", col, "]");
}

}  // namespace

const PredictiveSite* PredictiveSamples::Find(absl::string_view name) const {
  for (const PredictiveSite& site : sites) {
    if (site.name == name) return &site;
  }
  return nullptr;
}

const ElementSummary* PredictiveSummary::Find(absl::string_view site,
                                              Index index) const {
  for (const ElementSummary& element : elements) {
    if (element.site == site && element.index == index) return &element;
  }
  return nullptr;
}

std::string PredictiveSummary::ToString(int digits) const {
  size_t width = 8;
  for (const ElementSummary& e : elements) {
    width = std::max(width, e.label.size() + 2);
  }
  std::string out =
      absl::StrFormat("%*s %9s %9s %9s %9s %9s\n", static_cast<int>(width), "",
                      "mean", "std", "median", "5.0%", "95.0%");
  for (const ElementSummary& e : elements) {
    absl::StrAppendFormat(&out, "%*s %9.*f %9.*f %9.*f %9.*f %9.*f\n",
                          static_cast<int>(width), e.label, digits, e.mean,
                          digits, e.sd, digits, e.median, digits, e.q05, digits,
                          e.q95);
  }
  return out;
}

PredictiveSummary Summarize(const PredictiveSamples& samples) {
  PredictiveSummary summary;
  summary.num_samples = samples.num_samples;
  std::vector<double> column;
  for (const PredictiveSite& site : samples.sites) {
    const Index n = site.draws.rows();
    for (Index k = 0; k < site.draws.cols(); ++k) {
      ElementSummary e;
      e.site = site.name;
      e.row = site.rows > 0 ? k % site.rows : 0;
      e.col = site.rows > 0 ? k / site.rows : 0;
      e.index = k;
      e.label = Label(site, e.row, e.col);
      column.assign(site.draws.col(k).data(), site.draws.col(k).data() + n);
      if (n > 0) {
        e.mean = site.draws.col(k).mean();
        double squares = 0;
        for (double x : column) squares += (x - e.mean) * (x - e.mean);
        e.sd = n > 1 ? std::sqrt(squares / static_cast<double>(n - 1)) : 0.0;
        std::sort(column.begin(), column.end());
        e.q05 = Quantile(column, 0.05);
        e.median = Quantile(column, 0.5);
        e.q95 = Quantile(column, 0.95);
      }
      summary.elements.push_back(std::move(e));
    }
  }
  return summary;
}

namespace predictive_internal {

Collector::Collector(const PredictiveOptions& options) : options_(options) {
  for (const std::string& name : options_.return_sites) {
    PredictiveSite site;
    site.name = name;
    sites_.push_back(std::move(site));
    draws_.push_back(0);
  }
}

absl::Status Collector::Validate() const {
  if (options_.num_samples < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Predictive: num_samples = ", options_.num_samples, " must be >= 1"));
  }
  absl::flat_hash_set<std::string> seen;
  for (const std::string& name : options_.return_sites) {
    if (!seen.insert(name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("Predictive: return_sites names '", name, "' twice"));
    }
  }
  return absl::OkStatus();
}

void Collector::Add(const Trace& model_trace, int index) {
  const bool all = options_.return_sites.empty();
  for (const Site& traced : model_trace.sites()) {
    if (!Reportable(traced)) continue;
    const std::string& name = traced.address.name();
    PredictiveSite* site = nullptr;
    for (PredictiveSite& kept : sites_) {
      if (kept.name == name) site = &kept;
    }
    if (site == nullptr) {
      if (!all) continue;
      sites_.push_back(PredictiveSite{name, 0, 0, Eigen::MatrixXd()});
      draws_.push_back(0);
      site = &sites_.back();
    }
    const Tensor& value = *traced.value;
    int& draws = draws_[static_cast<size_t>(site - sites_.data())];
    if (draws++ == 0) {
      site->rows = value.rows();
      site->cols = value.cols();
      site->draws =
          Eigen::MatrixXd::Constant(options_.num_samples, value.size(), NAN);
    } else if (site->rows != value.rows() || site->cols != value.cols()) {
      ThrowStatus(AnnotateSite(
          absl::InvalidArgumentError(absl::StrCat(
              "the value is ", value.ShapeString(), " in this draw but ",
              site->rows, "x", site->cols, " in an earlier one")),
          traced.kind, traced.address));
    }
    const auto values = value.value();
    for (Index k = 0; k < value.size(); ++k) {
      site->draws(index, k) = static_cast<double>(values(k));
    }
  }
}

absl::StatusOr<PredictiveSamples> Collector::Finish() {
  for (size_t i = 0; i < sites_.size(); ++i) {
    if (draws_[i] == 0) {
      return absl::NotFoundError(absl::StrCat(
          "Predictive: no sample or deterministic site of the model is named "
          "'",
          sites_[i].name, "'"));
    }
    if (draws_[i] != options_.num_samples) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Predictive: the site named '", sites_[i].name, "' appears in ",
          draws_[i], " of the ", options_.num_samples,
          " draws; the model's sites must not change from draw to draw"));
    }
  }
  PredictiveSamples samples;
  samples.num_samples = options_.num_samples;
  samples.sites = std::move(sites_);
  samples.log_weights = std::move(log_weights_);
  return samples;
}

ValueMap LatentValues(const Trace& guide_trace) {
  ValueMap values;
  for (const Site& site : guide_trace.sites()) {
    if (site.kind == SiteKind::kSample && !site.is_observed &&
        site.value.has_value()) {
      values.insert_or_assign(site.address, *site.value);
    }
  }
  return values;
}

absl::Status ForEachDraw(const PredictiveOptions& options, ParamStore* store,
                         const std::function<void(int draw)>& body) {
  std::optional<ParamStoreScope> store_scope;
  if (store != nullptr) store_scope.emplace(*store);
  SeedHandler seeded(options.seed);
  HandlerScope seed_scope(seeded);
  for (int draw = 0; draw < options.num_samples; ++draw) {
    const absl::Status status = CatchStatus([&] {
      TapeScope tape_scope;
      NoRecordScope no_record;
      body(draw);
    });
    if (!status.ok()) {
      return absl::Status(status.code(), absl::StrCat("Predictive, draw ", draw,
                                                      ": ", status.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace predictive_internal
}  // namespace provi
