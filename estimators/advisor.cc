// Copyright 2026 The provi Authors.

#include "estimators/advisor.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/random.h"
#include "base/status_error.h"
#include "estimators/expectation.h"
#include "estimators/internal/driver.h"
#include "estimators/strategies.h"
#include "runtime/address.h"
#include "runtime/site_error.h"

namespace provi {
namespace {

using Program = std::function<Tensor()>;

// What the discovery run learns about a latent site.
struct DiscoveredSite {
  Address address;
  std::string family;
  Index lanes = 0;
  bool has_rsample = false;
  size_t support_size = 0;  // 0: not enumerable
  bool has_mvd = false;
  // Σ log q(value) with the value detached, on the discovery run's tape:
  // its gradient reaches exactly the parameters the distribution reads.
  Tensor log_prob;
};

// Records the first draw of every latent site of a run, delegating to the
// site's strategy.
class RecordingStrategy final : public SiteStrategy {
 public:
  RecordingStrategy(std::shared_ptr<const SiteStrategy> inner,
                    std::vector<DiscoveredSite>* sites,
                    absl::flat_hash_set<Address>* seen)
      : inner_(std::move(inner)), sites_(sites), seen_(seen) {}

  absl::string_view name() const override { return inner_->name(); }
  bool biased() const override { return inner_->biased(); }
  bool learns() const override { return inner_->learns(); }

  Tensor Draw(SiteRun& run) const override {
    Tensor value = inner_->Draw(run);
    const Address address = run.message().address;
    if (seen_->insert(address).second) {
      const Distribution& dist = run.distribution();
      DiscoveredSite site;
      site.address = address;
      site.family = std::string(dist.name());
      site.lanes = value.rows();
      site.has_rsample = dist.has_rsample();
      if (dist.has_enumerate_support()) {
        site.support_size = dist.EnumerateSupport().size();
      }
      site.has_mvd = dist.has_mvd();
      site.log_prob = SumAll(dist.LogProb(Detach(value)));
      sites_->push_back(std::move(site));
    }
    return value;
  }

  void Replay(SiteRun& run, const Tensor& value) const override {
    inner_->Replay(run, value);
  }

 private:
  std::shared_ptr<const SiteStrategy> inner_;
  std::vector<DiscoveredSite>* sites_;
  absl::flat_hash_set<Address>* seen_;
};

// A strategy to try at a site.
struct Candidate {
  std::string label;
  std::shared_ptr<const SiteStrategy> strategy;
};

std::vector<Candidate> CandidatesFor(const DiscoveredSite& site,
                                     const AdvisorOptions& options) {
  std::vector<Candidate> out;
  if (site.has_rsample) out.push_back({"pathwise", Pathwise()});
  out.push_back({"score function", ScoreFunction()});
  out.push_back({"score function + moving average",
                 ScoreFunction(MovingAverageBaseline(options.baseline_decay))});
  if (site.support_size > 0 && site.support_size <= options.max_support) {
    out.push_back({"score function + control variates",
                   ScoreFunctionWithControlVariates(options.baseline_decay)});
    out.push_back({"enumeration", Enumerate()});
  }
  if (site.has_mvd) out.push_back({"measure-valued derivative", Mvd()});
  if (options.allow_biased &&
      (site.family == "Bernoulli" || site.family == "OneHotCategorical")) {
    out.push_back({"straight-through", StraightThrough()});
    out.push_back(
        {absl::StrCat("Gumbel-softmax (temperature ", options.temperature, ")"),
         GumbelSoftmax(options.temperature)});
  }
  for (const auto& strategy : options.candidates) {
    if (strategy->biased() && !options.allow_biased) continue;
    out.push_back({std::string(strategy->name()), strategy});
  }
  return out;
}

// Runs the program once, recording its latent sites and which of `params`
// each site's distribution reads.
std::vector<DiscoveredSite> Discover(
    const Program& program, const std::vector<ReportedParameter>& params,
    uint64_t seed, std::vector<std::vector<std::string>>* affected, int* runs) {
  std::vector<DiscoveredSite> sites;
  absl::flat_hash_set<Address> seen;
  auto recorded = handlers::InferConfig(
      program, [&sites, &seen](const Message& msg,
                               std::shared_ptr<const SiteStrategy>& strategy) {
        std::shared_ptr<const SiteStrategy> inner =
            strategy != nullptr ? strategy : DefaultStrategy(*msg.dist());
        strategy = std::make_shared<RecordingStrategy>(std::move(inner), &sites,
                                                       &seen);
      });
  TapeScope scope;
  Rng rng = MakeRng(seed);
  StrategyState state;
  estimators_internal::Driver driver([&recorded] { return recorded(); }, rng,
                                     state);
  *runs = driver.Run().runs;
  for (const DiscoveredSite& site : sites) {
    Tape::Current().ZeroAdjoints();
    for (const ReportedParameter& p : params) p.parameter->ZeroGrad();
    Backward(site.log_prob);
    std::vector<std::string> names;
    for (const ReportedParameter& p : params) {
      if ((p.parameter->grad().array() != 0).any()) names.push_back(p.name);
    }
    affected->push_back(std::move(names));
  }
  for (const ReportedParameter& p : params) p.parameter->ZeroGrad();
  return sites;
}

// Draws the `warmup` unmeasured estimates of a strategy that learns across
// estimates. Counts them in the trial and the pilot, and zeroes the
// gradients they accumulated.
absl::Status WarmUp(Expectation<Program>& objective, int warmup,
                    const std::vector<ReportedParameter>& params,
                    StrategyTrial* trial, Advice* advice) {
  for (int i = 0; i < warmup; ++i) {
    absl::StatusOr<GradientEstimate> estimate = objective.GradEstimate();
    for (const ReportedParameter& p : params) p.parameter->ZeroGrad();
    if (!estimate.ok()) return estimate.status();
    ++trial->warmup_estimates;
    ++advice->pilot_estimates;
    advice->pilot_runs += estimate->runs;
  }
  return absl::OkStatus();
}

double TotalVariance(const VarianceReport& report) {
  double total = 0;
  for (const ParameterStatistics& p : report.parameters) {
    total += p.variance.cast<double>().sum();
  }
  return total;
}

// Whether trial a beats trial b: lower variance × time; between equal
// products (two zero-variance strategies), the faster.
bool Better(const StrategyTrial& a, const StrategyTrial& b) {
  const double wa = a.work_normalised_variance();
  const double wb = b.work_normalised_variance();
  if (wa != wb) return wa < wb;
  return a.seconds_per_estimate < b.seconds_per_estimate;
}

}  // namespace

std::string Advice::ToString() const {
  // The site column fits the longest "site (family)".
  auto head_of = [](const SiteAdvice& site) {
    return absl::StrCat(site.site, " (", site.family, ")");
  };
  size_t width = 18;
  for (const SiteAdvice& site : sites) {
    width = std::max(width, head_of(site).size());
  }
  auto pad = [width](std::string text) {
    text.resize(std::max(width, text.size()), ' ');
    return text;
  };
  std::string out = absl::StrCat(
      pad("site"), absl::StrFormat(" %-34s %12s %12s %12s  \n", "strategy",
                                   "variance", "cpu us/est.", "var x ms"));
  for (const SiteAdvice& site : sites) {
    const std::string head = head_of(site);
    if (site.trials.empty()) {
      absl::StrAppend(&out, pad(head), " reads no parameter: kept\n");
      continue;
    }
    for (size_t i = 0; i < site.trials.size(); ++i) {
      const StrategyTrial& t = site.trials[i];
      const std::string first = pad(i == 0 ? head : "");
      std::string note = static_cast<int>(i) == site.chosen ? "<- chosen" : "";
      if (t.biased) note = absl::StrCat("biased ", note);
      if (!t.status.ok()) {
        absl::StrAppend(&out, first,
                        absl::StrFormat(" %-34s failed: %s\n", t.label,
                                        t.status.message()));
        continue;
      }
      absl::StrAppend(
          &out, first,
          absl::StrFormat(" %-34s %12.4g %12.1f %12.4g  %s\n", t.label,
                          t.variance, t.seconds_per_estimate * 1e6,
                          t.work_normalised_variance() * 1e3, note));
    }
  }
  absl::StrAppend(
      &out,
      absl::StrFormat("pilot: %d estimates, %.0f runs, %.1f ms (%.1f ms CPU)\n",
                      pilot_estimates, pilot_runs, pilot_seconds * 1e3,
                      pilot_cpu_seconds * 1e3));
  return out;
}

absl::StatusOr<Advice> Advise(const std::function<Tensor()>& program,
                              const std::vector<ReportedParameter>& params,
                              const AdvisorOptions& options) {
  if (params.empty()) {
    return absl::InvalidArgumentError("Advise: no parameters to measure");
  }
  for (const ReportedParameter& p : params) {
    if (p.parameter == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("Advise: parameter '", p.name, "' is null"));
    }
  }
  if (options.estimates < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("Advise: estimates = ", options.estimates,
                     " per strategy; the variance needs at least 2"));
  }
  if (options.warmup_estimates < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("Advise: warmup_estimates = ", options.warmup_estimates,
                     "; it must be at least 0"));
  }
  if (options.max_runs_per_estimate < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Advise: max_runs_per_estimate = ", options.max_runs_per_estimate,
        "; it must be at least 1"));
  }
  if (estimators_internal::Driver::Active() != nullptr) {
    return absl::FailedPreconditionError(
        "Advise inside an estimation: advise outside the program");
  }
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  std::vector<std::vector<std::string>> affected;
  int discovery_runs = 0;
  absl::StatusOr<std::vector<DiscoveredSite>> discovered = CatchStatusOr([&] {
    return Discover(program, params, options.seed, &affected, &discovery_runs);
  });
  if (!discovered.ok()) return discovered.status();

  auto index_of = [&discovered](const std::string& name) -> int {
    for (size_t s = 0; s < discovered->size(); ++s) {
      if ((*discovered)[s].address.name() == name) return static_cast<int>(s);
    }
    return -1;
  };
  auto not_a_site = [](const std::string& name) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Advise: '", name, "' is not a latent sample site of the program"));
  };
  absl::flat_hash_set<std::string> wanted(options.sites.begin(),
                                          options.sites.end());
  for (const std::string& name : options.sites) {
    if (index_of(name) < 0) return not_a_site(name);
  }
  // The group of each grouped site (by discovery index).
  std::vector<int> group_of(discovered->size(), -1);
  for (size_t g = 0; g < options.groups.size(); ++g) {
    if (options.groups[g].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("Advise: group ", g, " is empty"));
    }
    for (const std::string& name : options.groups[g]) {
      const int s = index_of(name);
      if (s < 0) return not_a_site(name);
      if (group_of[s] >= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("Advise: '", name, "' is in group ", group_of[s],
                         " and again in group ", g));
      }
      group_of[s] = static_cast<int>(g);
    }
  }

  Advice advice;
  advice.pilot_runs = discovery_runs;
  uint64_t trial_seed = options.seed;
  std::vector<bool> done(discovered->size(), false);
  for (size_t s = 0; s < discovered->size(); ++s) {
    if (done[s]) continue;
    // The unit advised: the site, or its whole group (in discovery order).
    std::vector<size_t> unit;
    if (group_of[s] >= 0) {
      for (size_t u = s; u < discovered->size(); ++u) {
        if (group_of[u] == group_of[s]) unit.push_back(u);
      }
    } else if (wanted.empty() ||
               wanted.contains((*discovered)[s].address.name())) {
      unit.push_back(s);
    } else {
      continue;
    }
    for (size_t u : unit) done[u] = true;
    const DiscoveredSite& site = (*discovered)[unit.front()];
    SiteAdvice site_advice;
    std::vector<std::string> families;
    absl::flat_hash_set<std::string> reads;
    for (size_t u : unit) {
      const DiscoveredSite& member = (*discovered)[u];
      site_advice.sites.push_back(member.address.name());
      if (std::find(families.begin(), families.end(), member.family) ==
          families.end()) {
        families.push_back(member.family);
      }
      reads.insert(affected[u].begin(), affected[u].end());
    }
    site_advice.site = absl::StrJoin(site_advice.sites, " + ");
    site_advice.family = absl::StrJoin(families, "/");
    site_advice.lanes = site.lanes;
    std::vector<ReportedParameter> measured;
    for (const ReportedParameter& p : params) {
      if (reads.contains(p.name)) {
        site_advice.parameters.push_back(p.name);
        measured.push_back(p);
      }
    }
    if (site_advice.parameters.empty()) {
      advice.sites.push_back(std::move(site_advice));
      continue;
    }
    // The strategies every site of the unit supports (by label).
    std::vector<Candidate> candidates = CandidatesFor(site, options);
    for (size_t k = 1; k < unit.size(); ++k) {
      const std::vector<Candidate> others =
          CandidatesFor((*discovered)[unit[k]], options);
      candidates.erase(std::remove_if(candidates.begin(), candidates.end(),
                                      [&others](const Candidate& c) {
                                        return std::none_of(
                                            others.begin(), others.end(),
                                            [&c](const Candidate& o) {
                                              return o.label == c.label;
                                            });
                                      }),
                       candidates.end());
    }
    for (Candidate& candidate : candidates) {
      StrategyTrial trial;
      trial.label = std::move(candidate.label);
      trial.strategy = candidate.strategy;
      trial.biased = candidate.strategy->biased();
      StrategyMap configured = advice.choice;
      for (const std::string& name : site_advice.sites) {
        configured[name] = candidate.strategy;
      }
      Expectation<Program> objective(WithStrategies(program, configured));
      objective.Seed(++trial_seed).LimitRuns(options.max_runs_per_estimate);
      absl::Status warmed =
          WarmUp(objective,
                 candidate.strategy->learns() ? options.warmup_estimates : 0,
                 params, &trial, &advice);
      absl::StatusOr<VarianceReport> report =
          !warmed.ok() ? absl::StatusOr<VarianceReport>(warmed)
                       : MeasureGradientVariance(
                             trial.label,
                             [&objective] { return objective.GradEstimate(); },
                             measured, options.estimates);
      advice.pilot_estimates += options.estimates;
      if (report.ok()) {
        trial.variance = TotalVariance(*report);
        trial.seconds_per_estimate = report->cpu_seconds_per_estimate;
        trial.runs_per_estimate = report->runs_per_estimate;
        advice.pilot_runs += report->runs_per_estimate * options.estimates;
        if (!std::isfinite(trial.variance)) {
          trial.status = absl::InvalidArgumentError(
              absl::StrCat("gradient variance ", trial.variance));
        }
      } else {
        trial.status = report.status();
      }
      site_advice.trials.push_back(std::move(trial));
    }
    for (size_t i = 0; i < site_advice.trials.size(); ++i) {
      const StrategyTrial& t = site_advice.trials[i];
      if (!t.status.ok()) continue;
      if (site_advice.chosen < 0 ||
          Better(t, site_advice.trials[site_advice.chosen])) {
        site_advice.chosen = static_cast<int>(i);
      }
    }
    if (site_advice.chosen < 0) {
      return AnnotateSite(
          absl::InvalidArgumentError(absl::StrCat(
              "Advise: every strategy failed; the first: ",
              site_advice.trials.empty()
                  ? std::string("no strategy applies to every site of ") +
                        site_advice.site
                  : std::string(site_advice.trials[0].status.message()))),
          SiteKind::kSample, site.address);
    }
    for (const std::string& name : site_advice.sites) {
      advice.choice[name] = site_advice.trials[site_advice.chosen].strategy;
    }
    advice.sites.push_back(std::move(site_advice));
  }
  for (const ReportedParameter& p : params) p.parameter->ZeroGrad();
  advice.pilot_cpu_seconds =
      static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  advice.pilot_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return advice;
}

bool AutoStrategy::biased() const {
  absl::MutexLock lock(&mutex_);
  for (const auto& [name, strategy] : choice_) {
    if (strategy->biased()) return true;
  }
  return false;
}

bool AutoStrategy::learns() const {
  absl::MutexLock lock(&mutex_);
  for (const auto& [name, strategy] : choice_) {
    if (strategy->learns()) return true;
  }
  return false;
}

const SiteStrategy& AutoStrategy::For(const SiteRun& run) const {
  {
    absl::MutexLock lock(&mutex_);
    const auto it = choice_.find(run.message().address.name());
    if (it != choice_.end()) return *it->second;
  }
  return *DefaultStrategy(run.distribution());
}

Tensor AutoStrategy::Draw(SiteRun& run) const { return For(run).Draw(run); }

void AutoStrategy::Replay(SiteRun& run, const Tensor& value) const {
  For(run).Replay(run, value);
}

void AutoStrategy::Adopt(const Advice& advice) {
  absl::MutexLock lock(&mutex_);
  for (const auto& [name, strategy] : advice.choice) choice_[name] = strategy;
}

StrategyMap AutoStrategy::choice() const {
  absl::MutexLock lock(&mutex_);
  return choice_;
}

std::shared_ptr<AutoStrategy> Auto() {
  return std::make_shared<AutoStrategy>();
}

}  // namespace provi
