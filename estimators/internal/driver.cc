// Copyright 2026 The provi Authors.

#include "estimators/internal/driver.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/check.h"
#include "base/status_error.h"
#include "runtime/primitives.h"
#include "runtime/site_error.h"

namespace provi {
namespace estimators_internal {
namespace {

thread_local Driver* active_driver = nullptr;

[[noreturn]] void ThrowInvalidAtSite(Address site, const std::string& message) {
  ThrowAtSite(absl::InvalidArgumentError(message), SiteKind::kSample, site);
}

// A re-execution must reach the sites of its prefix in the first run's
// order.
void CheckReplayOrder(const Message& msg, const ReplayEntry& entry) {
  if (entry.address != msg.address) {
    ThrowAtSite(absl::FailedPreconditionError(absl::StrCat(
                    "re-executing the program reached this site where the "
                    "first execution had '",
                    entry.address.name(),
                    "': a program must make the same choices when its random "
                    "values are replayed")),
                msg.kind, msg.address);
  }
}

// a + b where either may be "nothing yet" (empty 0x0).
Tensor Accumulate(const Tensor& a, const Tensor& b) {
  if (a.size() == 0 && a.rows() == 0) return b;
  return a + b;
}

}  // namespace

RunHandler::RunHandler(Driver& driver, const RunSpec& spec)
    : driver_(driver), spec_(spec) {}

SiteEstimator::Kind RunHandler::Resolve(const Message& msg) const {
  const Distribution& dist = *msg.dist();
  SiteEstimator::Kind kind = msg.estimator.kind;
  if (kind == SiteEstimator::Kind::kDefault) {
    kind = dist.has_rsample() ? SiteEstimator::Kind::kPathwise
                              : SiteEstimator::Kind::kScoreFunction;
  }
  const char* missing = nullptr;
  switch (kind) {
    case SiteEstimator::Kind::kPathwise:
      if (!dist.has_rsample()) missing = "a reparameterised sampler";
      break;
    case SiteEstimator::Kind::kEnumerate:
      if (!dist.has_enumerate_support()) missing = "a finite support";
      break;
    case SiteEstimator::Kind::kMvd:
      if (!dist.has_mvd()) missing = "measure-valued derivative couplings";
      break;
    default:
      break;
  }
  if (missing != nullptr) {
    ThrowInvalidAtSite(
        msg.address,
        absl::StrCat("the ", EstimatorKindName(kind), " estimator needs ",
                     missing, ", which ", dist.name(), " does not have"));
  }
  return kind;
}

void RunHandler::AddScore(const Message& msg, const Tensor& value,
                          std::shared_ptr<const Baseline> baseline) {
  const Tensor log_q = msg.dist()->LogProb(value);
  scores_.push_back(ScoreTerm{msg.address, log_q - Detach(log_q), costs_.size(),
                              std::move(baseline)});
}

void RunHandler::Process(Message& msg) {
  if (msg.kind == SiteKind::kPlate) {
    Subsample(msg);
    return;
  }
  if (msg.kind != SiteKind::kSample || msg.is_observed || msg.is_intervened ||
      msg.value.has_value()) {
    return;
  }
  try {
    if (position_ < spec_.prefix.size()) {
      ReplaySite(msg, spec_.prefix[position_]);
    } else {
      NewSite(msg);
    }
  } catch (const StatusError& error) {
    ThrowAtSite(error.status(), msg.kind, msg.address);
  }
  ++position_;
}

// A subsample no inner handler supplied is a choice of the run: drawn from
// the estimation's generator, and replayed by the runs that re-execute the
// prefix, so their lanes are the same data points.
void RunHandler::Subsample(Message& msg) {
  if (msg.value.has_value() || msg.plate.subsample_size == msg.plate.size) {
    return;
  }
  if (position_ < spec_.prefix.size()) {
    const ReplayEntry& entry = spec_.prefix[position_];
    CheckReplayOrder(msg, entry);
    msg.value = entry.value;
    record_.push_back(entry);
  } else {
    msg.value = DrawSubsample(msg.plate, driver_.gen());
    record_.push_back(ReplayEntry{msg.address, *msg.value, false, nullptr});
  }
  ++position_;
}

void RunHandler::ReplaySite(Message& msg, const ReplayEntry& entry) {
  CheckReplayOrder(msg, entry);
  msg.value = entry.value;
  record_.push_back(entry);
  if (spec_.mode == RunMode::kValue) return;
  if (entry.enumerated) {
    // A forced branch: weigh the run by p(v), lane by lane.
    log_weight_ = log_weight_ + msg.dist()->LogProb(entry.value);
    enumerated_.push_back(Enumerated{msg.address, entry.value.rows()});
    return;
  }
  switch (Resolve(msg)) {
    case SiteEstimator::Kind::kScoreFunction:
      AddScore(
          msg, entry.value,
          std::dynamic_pointer_cast<const Baseline>(msg.estimator.options));
      break;
    case SiteEstimator::Kind::kMvd:
      mvds_.push_back(entry.mvd);
      break;
    default:
      break;
  }
}

void RunHandler::NewSite(Message& msg) {
  const Distribution& dist = *msg.dist();
  absl::BitGenRef gen = driver_.gen();
  if (spec_.mode == RunMode::kValue) {
    msg.value = dist.Sample(gen);
    record_.push_back(ReplayEntry{msg.address, *msg.value, false, nullptr});
    return;
  }
  switch (Resolve(msg)) {
    case SiteEstimator::Kind::kPathwise:
      msg.value = dist.RSample(gen);
      record_.push_back(ReplayEntry{msg.address, *msg.value, false, nullptr});
      break;
    case SiteEstimator::Kind::kScoreFunction:
      msg.value = dist.Sample(gen);
      record_.push_back(ReplayEntry{msg.address, *msg.value, false, nullptr});
      AddScore(
          msg, *msg.value,
          std::dynamic_pointer_cast<const Baseline>(msg.estimator.options));
      break;
    case SiteEstimator::Kind::kEnumerate: {
      const std::vector<Tensor> support = dist.EnumerateSupport();
      PROVI_CHECK(!support.empty()) << dist.name() << ": empty support";
      // This run takes the first value; one sibling run per other value
      // replays everything before this site.
      for (size_t k = 1; k < support.size(); ++k) {
        RunSpec sibling;
        sibling.prefix = record_;
        sibling.prefix.push_back(
            ReplayEntry{msg.address, support[k], true, nullptr});
        driver_.Schedule(std::move(sibling));
      }
      msg.value = support[0];
      record_.push_back(ReplayEntry{msg.address, support[0], true, nullptr});
      log_weight_ = log_weight_ + dist.LogProb(support[0]);
      enumerated_.push_back(Enumerated{msg.address, support[0].rows()});
      break;
    }
    case SiteEstimator::Kind::kMvd: {
      const Tensor value = dist.Sample(gen);
      auto record = std::make_shared<MvdRecord>();
      record->site = msg.address;
      record->terms = dist.MvdTerms(value, gen);
      record->plus.resize(record->terms.size());
      record->minus.resize(record->terms.size());
      for (size_t j = 0; j < record->terms.size(); ++j) {
        for (bool positive : {true, false}) {
          const MvdTerm& term = record->terms[j];
          if (!positive && !term.negative.has_value()) continue;
          RunSpec run;
          run.mode = RunMode::kValue;
          run.prefix = record_;
          run.prefix.push_back(ReplayEntry{
              msg.address, positive ? term.positive : *term.negative, false,
              nullptr});
          run.target = record;
          run.term = j;
          run.positive = positive;
          driver_.Schedule(std::move(run));
        }
      }
      msg.value = value;
      record_.push_back(ReplayEntry{msg.address, value, false, record});
      mvds_.push_back(record);
      break;
    }
    case SiteEstimator::Kind::kDefault:
      PROVI_CHECK(false) << "unresolved estimator";
  }
}

Tensor RunHandler::TotalCost() const {
  Tensor total;
  for (const Tensor& c : costs_) total = Accumulate(total, Detach(c));
  return total;
}

Tensor RunHandler::AssembleSurrogate(Tensor* value) const {
  PROVI_CHECK(!costs_.empty()) << "a run without costs";
  const Tensor total = [&] {
    Tensor t;
    for (const Tensor& c : costs_) t = Accumulate(t, c);
    return t;
  }();
  const Index lanes = total.rows();
  // Lane-wise branching is only sound when the program keeps lanes apart.
  for (const Enumerated& e : enumerated_) {
    if (e.lanes > 1 && e.lanes != lanes) {
      ThrowInvalidAtSite(
          e.site, absl::StrCat(
                      "enumerating a site with ", e.lanes,
                      " lanes needs the program to return one value per "
                      "lane (",
                      e.lanes, " x 1), but it returned ", total.ShapeString()));
    }
  }
  Tensor surrogate = total;
  for (const ScoreTerm& s : scores_) {
    if (s.score.rows() > 1 && lanes > 1 && s.score.rows() != lanes) {
      ThrowInvalidAtSite(
          s.site,
          absl::StrCat("a score-function site with ", s.score.rows(),
                       " lanes in a program returning ", total.ShapeString()));
    }
    Tensor downstream;
    for (size_t k = s.first_cost; k < costs_.size(); ++k) {
      downstream = Accumulate(downstream, Detach(costs_[k]));
    }
    const Tensor b = s.baseline != nullptr
                         ? s.baseline->Value(s.site, downstream)
                         : Tensor(0.0);
    surrogate = surrogate + Detach(downstream - b) * s.score;
    if (s.baseline != nullptr) {
      const Tensor loss = s.baseline->Loss(s.site, downstream, b);
      if (loss.size() > 0) surrogate = surrogate + loss;
      s.baseline->Update(s.site, downstream);
    }
  }
  for (const std::shared_ptr<MvdRecord>& record : mvds_) {
    for (size_t j = 0; j < record->terms.size(); ++j) {
      const MvdTerm& term = record->terms[j];
      if (term.parameter.rows() > 1 && term.parameter.rows() != lanes) {
        ThrowInvalidAtSite(
            record->site,
            absl::StrCat("measure-valued derivatives of a site with ",
                         term.parameter.rows(),
                         " lanes need the program to return one value per "
                         "lane, but it returned ",
                         total.ShapeString()));
      }
      PROVI_CHECK(record->plus[j].has_value()) << "MVD value run missing";
      const Tensor difference = record->minus[j].has_value()
                                    ? *record->plus[j] - *record->minus[j]
                                    : *record->plus[j];
      surrogate = surrogate + (term.parameter - Detach(term.parameter)) *
                                  term.constant * Detach(difference);
    }
  }
  if (enumerated_.empty()) {
    *value = Detach(total);
    return surrogate;
  }
  const Tensor weight = Exp(log_weight_);
  *value = Detach(total) * Detach(weight);
  return surrogate * weight;
}

Driver::Driver(Program program, absl::BitGenRef gen)
    : program_(std::move(program)), gen_(gen) {}

Driver* Driver::Active() { return active_driver; }

Driver::Result Driver::Run() {
  struct Executed {
    RunSpec spec;
    std::unique_ptr<RunHandler> handler;
  };
  std::deque<Executed> executed;
  Driver* const saved_driver = active_driver;
  active_driver = this;
  struct Restore {
    Driver* driver;
    Driver* saved;
    ~Restore() {
      active_driver = saved;
      driver->current_run_ = nullptr;
    }
  } restore{this, saved_driver};

  pending_.push_back(RunSpec());
  while (!pending_.empty()) {
    executed.push_back(Executed{std::move(pending_.front()), nullptr});
    pending_.pop_front();
    Executed& run = executed.back();
    run.handler = std::make_unique<RunHandler>(*this, run.spec);
    RunHandler* const saved_run = current_run_;
    current_run_ = run.handler.get();
    {
      std::optional<NoRecordScope> no_record;
      if (run.spec.mode == RunMode::kValue) no_record.emplace();
      HandlerScope scope(*run.handler);
      const Tensor out = program_();
      run.handler->AddCost(out);
    }
    current_run_ = saved_run;
    if (run.spec.mode == RunMode::kValue) {
      const Tensor total = run.handler->TotalCost();
      auto& slot = run.spec.positive ? run.spec.target->plus[run.spec.term]
                                     : run.spec.target->minus[run.spec.term];
      slot = total;
    }
  }

  Result result;
  result.runs = static_cast<int>(executed.size());
  Tensor surrogate;
  Tensor value;
  for (const Executed& run : executed) {
    if (run.spec.mode != RunMode::kSurrogate) continue;
    Tensor run_value;
    const Tensor run_surrogate = run.handler->AssembleSurrogate(&run_value);
    surrogate = Accumulate(surrogate, run_surrogate);
    value = Accumulate(value, run_value);
  }
  result.surrogate = SumAll(surrogate);
  result.value = value;
  return result;
}

}  // namespace estimators_internal
}  // namespace provi
