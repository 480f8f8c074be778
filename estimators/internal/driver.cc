// Copyright 2026 The provi Authors.

#include "estimators/internal/driver.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/check.h"
#include "base/status_error.h"
#include "estimators/strategies.h"
#include "runtime/primitives.h"
#include "runtime/site_error.h"

namespace provi {
namespace estimators_internal {
namespace {

thread_local Driver* active_driver = nullptr;

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

// The SiteRun a strategy sees at one site of a surrogate run.
class RunHandler::SiteContext final : public SiteRun {
 public:
  SiteContext(RunHandler& run, const Message& msg,
              const std::shared_ptr<const SiteStrategy>& strategy)
      : run_(run), msg_(msg), strategy_(strategy) {}

  const Message& message() const override { return msg_; }
  absl::BitGenRef gen() const override { return run_.driver_.gen(); }
  StrategyState& state() const override { return run_.driver_.state(); }
  size_t cost_mark() const override { return run_.costs_.size(); }

  void Weigh(const Tensor& log_weight) override {
    run_.log_weight_ = run_.log_weight_ + log_weight;
    run_.weights_.push_back(
        Weight{msg_.address, strategy_.get(), log_weight.rows()});
  }

  void AddTerm(std::shared_ptr<const SurrogateTerm> term) override {
    run_.terms_.push_back(Term{msg_.address, std::move(term)});
  }

  void AddSharedTerm(std::shared_ptr<const SurrogateTerm> term) override {
    PROVI_CHECK(drawing_ && shared_term_ == nullptr)
        << "a site adds at most one shared term, when it is drawn";
    shared_term_ = term;
    AddTerm(std::move(term));
  }

  void ScheduleBranch(const Tensor& value) override {
    run_.driver_.Schedule(Fork(value, RunMode::kSurrogate));
  }

  void ScheduleValueRun(const Tensor& value,
                        std::function<void(const Tensor&)> on_cost) override {
    RunSpec spec = Fork(value, RunMode::kValue);
    spec.on_cost = std::move(on_cost);
    run_.driver_.Schedule(std::move(spec));
  }

  void ScheduleValueRuns(
      std::function<std::vector<Tensor>(Index rows)> values,
      std::function<void(size_t, const Tensor&)> on_cost) override {
    RunSpec spec = Fork(Tensor(), RunMode::kValue);
    spec.expand = std::move(values);
    spec.on_expanded_cost = std::move(on_cost);
    spec.scheduler = &run_;
    run_.driver_.Schedule(std::move(spec));
  }

  void set_drawing() { drawing_ = true; }
  std::shared_ptr<const SurrogateTerm>& shared_term() { return shared_term_; }

 private:
  // A run replaying the sites before this one, with this one forced to
  // `value`.
  RunSpec Fork(const Tensor& value, RunMode mode) const {
    PROVI_CHECK(drawing_) << "runs are scheduled when a site is drawn";
    RunSpec spec;
    spec.mode = mode;
    ReplayEntry forced{msg_.address, value, strategy_, nullptr};
    forced.block_call = run_.current_call_;
    forced.block = run_.current_block_;
    if (mode == RunMode::kValue && run_.current_call_ >= 0) {
      // Inside a block of independent blocks: the value run executes that
      // block alone, so it replays no site of the others.
      spec.keep_call = run_.current_call_;
      spec.keep_block = run_.current_block_;
      spec.block_source = &run_;
      for (const ReplayEntry& entry : run_.record_) {
        if (entry.block_call == spec.keep_call &&
            entry.block != spec.keep_block) {
          continue;
        }
        spec.prefix.push_back(entry);
      }
    } else {
      spec.prefix.reserve(run_.record_.size() + 1);
      spec.prefix = run_.record_;
    }
    spec.prefix.push_back(std::move(forced));
    return spec;
  }

  RunHandler& run_;
  const Message& msg_;
  const std::shared_ptr<const SiteStrategy>& strategy_;
  bool drawing_ = false;
  std::shared_ptr<const SurrogateTerm> shared_term_;
};

RunHandler::RunHandler(Driver& driver, const RunSpec& spec)
    : driver_(driver), spec_(spec) {}

void RunHandler::AddCost(const Tensor& cost) {
  if (cost.cols() != 1 || cost.rows() == 0) {
    ThrowStatus(absl::InvalidArgumentError(
        absl::StrCat("an expectation's program must return (and AddCost "
                     "take) a 1x1 value or one value per lane (R x 1); got ",
                     cost.ShapeString())));
  }
  for (Index k = 0; k < cost.size(); ++k) {
    if (std::isnan(cost.value_data()[k])) {
      ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
          "an expectation's program returned (or AddCost took) NaN in lane ", k,
          " of ", cost.ShapeString(),
          "; no site reported a NaN (check the computation after the "
          "sites)")));
    }
  }
  costs_.push_back(cost);
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
  // A handler inside may have substituted the distribution (lift).
  ValidateSite(msg);
  // Two draws at one address would replay each other's values (without a
  // trace handler nothing else notices).
  if (!drawn_.insert(msg.address).second) {
    ThrowAtSite(absl::InvalidArgumentError(
                    "the address is drawn twice in one run of the program "
                    "(a site name must be unique)"),
                msg.kind, msg.address);
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
    Record(entry);
  } else {
    msg.value = DrawSubsample(msg.plate, driver_.gen());
    Record(ReplayEntry{msg.address, *msg.value, nullptr, nullptr});
  }
  ++position_;
}

void RunHandler::ReplaySite(Message& msg, const ReplayEntry& entry) {
  CheckReplayOrder(msg, entry);
  msg.value = entry.value;
  Record(entry);
  if (spec_.mode == RunMode::kValue) return;
  PROVI_CHECK(entry.strategy != nullptr) << "replaying a value run's site";
  SiteContext site(*this, msg, entry.strategy);
  entry.strategy->Replay(site, entry.value);
  if (entry.shared_term != nullptr) {
    terms_.push_back(Term{msg.address, entry.shared_term});
  }
}

void RunHandler::NewSite(Message& msg) {
  const Distribution& dist = *msg.dist();
  if (spec_.mode == RunMode::kValue) {
    msg.value = dist.Sample(driver_.gen());
    Record(ReplayEntry{msg.address, *msg.value, nullptr, nullptr});
    return;
  }
  const std::shared_ptr<const SiteStrategy>& strategy =
      msg.strategy != nullptr ? msg.strategy : DefaultStrategy(dist);
  SiteContext site(*this, msg, strategy);
  site.set_drawing();
  msg.value = strategy->Draw(site);
  Record(ReplayEntry{msg.address, *msg.value, strategy,
                     std::move(site.shared_term())});
}

void RunHandler::Record(ReplayEntry entry) {
  entry.block_call = current_call_;
  entry.block = current_block_;
  record_.push_back(std::move(entry));
}

int RunHandler::BeginBlocks(int blocks) {
  if (current_call_ >= 0) return -1;
  const int call = static_cast<int>(blocks_.size());
  if (call == spec_.keep_call) {
    const size_t source_blocks =
        spec_.block_source->blocks_[static_cast<size_t>(call)].values.size();
    if (source_blocks != static_cast<size_t>(blocks)) {
      ThrowStatus(absl::FailedPreconditionError(absl::StrCat(
          "re-executing the program reached call ", call,
          " of IndependentBlocks with ", blocks,
          " blocks where the first execution had ", source_blocks,
          ": a program must make the same choices when its random values are "
          "replayed")));
    }
  }
  BlocksRecord record;
  record.values.resize(static_cast<size_t>(blocks));
  record.costs.resize(static_cast<size_t>(blocks));
  record.done.resize(static_cast<size_t>(blocks), 0);
  blocks_.push_back(std::move(record));
  return call;
}

bool RunHandler::SkipsBlock(int call, int block) const {
  return call >= 0 && call == spec_.keep_call && block != spec_.keep_block;
}

Tensor RunHandler::TakeBlock(int call, int block) {
  const BlocksRecord& source =
      spec_.block_source->blocks_[static_cast<size_t>(call)];
  const size_t j = static_cast<size_t>(block);
  if (!source.done[j]) {
    // The scheduling run left the call early (a block threw, and the
    // program caught the error outside the call).
    ThrowStatus(absl::FailedPreconditionError(absl::StrCat(
        "IndependentBlocks: block ", block, " of call ", call,
        " did not return in the run that scheduled this one, so its value "
        "cannot be reused")));
  }
  BlocksRecord& record = blocks_[static_cast<size_t>(call)];
  record.values[j] = source.values[j];
  record.costs[j] = source.costs[j];
  record.done[j] = 1;
  if (source.costs[j].rows() > 0) costs_.push_back(source.costs[j]);
  return source.values[j];
}

void RunHandler::EnterBlock(int call, int block) {
  if (call < 0) return;
  current_call_ = call;
  current_block_ = block;
  block_cost_mark_ = costs_.size();
}

void RunHandler::ExitBlock(int call, int block, const Tensor* value) {
  if (call < 0) return;
  current_call_ = -1;
  current_block_ = -1;
  if (value == nullptr) return;
  BlocksRecord& record = blocks_[static_cast<size_t>(call)];
  const size_t j = static_cast<size_t>(block);
  record.values[j] = Detach(*value);
  Tensor added;
  for (size_t i = block_cost_mark_; i < costs_.size(); ++i) {
    added = Accumulate(added, Detach(costs_[i]));
  }
  record.costs[j] = added;
  record.done[j] = 1;
}

void RunHandler::CheckBlocksReached() const {
  if (spec_.keep_call >= 0 &&
      blocks_.size() <= static_cast<size_t>(spec_.keep_call)) {
    ThrowStatus(absl::FailedPreconditionError(absl::StrCat(
        "re-executing the program reached ", blocks_.size(),
        " calls of IndependentBlocks where the first execution had at least ",
        spec_.keep_call + 1,
        ": a program must make the same choices when its random values are "
        "replayed")));
  }
}

Tensor RunHandler::TotalCost() const {
  Tensor total;
  for (const Tensor& c : costs_) total = Accumulate(total, Detach(c));
  return total;
}

Index RunHandler::ValueRows() const {
  PROVI_CHECK(!costs_.empty()) << "the run has not returned";
  return costs_.back().rows();
}

void RunHandler::FinishTerms() const {
  for (const Term& t : terms_) {
    try {
      t.term->Finish();
    } catch (const StatusError& error) {
      ThrowAtSite(error.status(), SiteKind::kSample, t.site);
    }
  }
}

Tensor RunHandler::AssembleSurrogate(Tensor* value) const {
  PROVI_CHECK(!costs_.empty()) << "a run without costs";
  Tensor total;
  for (const Tensor& c : costs_) total = Accumulate(total, c);
  const Index lanes = total.rows();
  // A per-lane weight is only sound when the program keeps lanes apart.
  for (const Weight& w : weights_) {
    if (w.lanes > 1 && w.lanes != lanes) {
      ThrowAtSite(
          absl::InvalidArgumentError(absl::StrCat(
              "the ", w.strategy->name(),
              " strategy weighs each of the site's ", w.lanes,
              " lanes separately, which needs the program to return one value "
              "per lane (",
              w.lanes, " x 1), but it returned ", total.ShapeString())),
          SiteKind::kSample, w.site);
    }
  }
  const RunCosts costs(costs_, total);
  Tensor surrogate = total;
  for (const Term& t : terms_) {
    Tensor part;
    try {
      part = t.term->Evaluate(costs);
    } catch (const StatusError& error) {
      ThrowAtSite(error.status(), SiteKind::kSample, t.site);
    }
    if (part.size() == 0) continue;
    // A term over K particles of each lane (site lane k R + r): summed
    // into lane r.
    if (lanes > 1 && part.rows() > lanes && part.rows() % lanes == 0) {
      part = RowSum(Reshape(part, lanes, part.rows() / lanes));
    }
    surrogate = surrogate + part;
  }
  if (weights_.empty()) {
    *value = Detach(total);
    return surrogate;
  }
  const Tensor weight = Exp(log_weight_);
  // A lane of weight zero (a branch of probability zero, say) contributes
  // nothing, whatever its cost: 0 x inf is NaN in floating point, in the
  // value and in the product's gradient, so such lanes' costs are set to
  // zero before they are weighed.
  const Matrix& w = weight.value();
  Tensor cost = Detach(total);
  if ((w.array() == 0).any()) {
    const Tensor possible(Matrix((w.array() != 0).cast<Real>().matrix()));
    const Tensor zero(0.0);
    cost = Where(possible, cost, zero);
    surrogate = Where(possible, surrogate, zero);
  }
  *value = cost * Detach(weight);
  return surrogate * weight;
}

Driver::Driver(Program program, absl::BitGenRef gen, StrategyState& state)
    : program_(std::move(program)), gen_(gen), state_(state) {}

Driver* Driver::Active() { return active_driver; }

void Driver::Schedule(RunSpec spec) {
  const size_t needed = started_ + pending_.size() + 1;
  if (max_runs_ > 0 && needed > static_cast<size_t>(max_runs_)) {
    ThrowRunLimit(needed, spec);
  }
  pending_.push_back(std::move(spec));
}

void Driver::ThrowRunLimit(size_t needed, const RunSpec& spec) const {
  absl::Status status = absl::ResourceExhaustedError(
      absl::StrCat("the estimate needs at least ", needed,
                   " program runs, more than its limit of ", max_runs_));
  if (spec.prefix.empty()) ThrowStatus(std::move(status));
  ThrowAtSite(std::move(status), SiteKind::kSample, spec.prefix.back().address);
}

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
    if (pending_.front().expand) {
      // The scheduling run has returned: one value run per forced value.
      RunSpec group = std::move(pending_.front());
      pending_.pop_front();
      const std::vector<Tensor> values =
          group.expand(group.scheduler->ValueRows());
      const size_t needed = started_ + pending_.size() + values.size();
      if (max_runs_ > 0 && needed > static_cast<size_t>(max_runs_)) {
        ThrowRunLimit(needed, group);
      }
      for (size_t k = values.size(); k-- > 0;) {
        RunSpec spec;
        spec.mode = RunMode::kValue;
        spec.prefix = group.prefix;
        spec.prefix.back().value = values[k];
        spec.keep_call = group.keep_call;
        spec.keep_block = group.keep_block;
        spec.block_source = group.block_source;
        spec.on_cost = [on_cost = group.on_expanded_cost, k](const Tensor& c) {
          on_cost(k, c);
        };
        pending_.push_front(std::move(spec));
      }
      continue;
    }
    executed.push_back(Executed{std::move(pending_.front()), nullptr});
    pending_.pop_front();
    ++started_;
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
      run.handler->CheckBlocksReached();
      run.spec.on_cost(run.handler->TotalCost());
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
  // Stateful terms record what they saw only now, so that no run of this
  // estimate saw a state its own draws had changed.
  for (const Executed& run : executed) {
    if (run.spec.mode == RunMode::kSurrogate) run.handler->FinishTerms();
  }
  result.surrogate = SumAll(surrogate);
  result.value = value;
  return result;
}

}  // namespace estimators_internal
}  // namespace provi
