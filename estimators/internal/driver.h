// Copyright 2026 The provi Authors.
//
// File: estimators/internal/driver.h
// -----------------------------------------------------------------------------
//
// The estimator interpreter behind `Expectation` (estimators/expectation.h).
//
// A *run* executes the program once under a `RunHandler`, which hands every
// latent sample site to its strategy (estimators/site_strategy.h): the
// site's own, or the distribution's default. The strategy draws the value
// and, through a `SiteRun`, adds surrogate terms, weighs the run, or
// schedules more runs: *branches* (surrogate runs, e.g. one per other value
// of an enumerated site) and *value runs* (only their cost is needed, e.g.
// an MVD site's coupled draws; their new sites draw with `Sample` and add
// nothing, and they run forward-only, recording nothing on the tape). A
// group of value runs may wait for its scheduling run's result to choose
// their forced values (one per particle of an importance-weighted lane). Both
// *replay* the sites before the site that scheduled them (same values, same
// tape nodes, so pathwise gradients still flow) and force that site's value.
// This is re-execution: direct-style C++ has no first-class continuation, so
// "the rest of the program" is obtained by running it again. A value run
// forked inside one of a call's `IndependentBlocks` re-executes that block
// alone and takes the others' values and costs from its scheduling run
// (estimators/independent_blocks.h). A subsampled
// plate's indices are a choice of the run too: drawn from the estimation's
// generator and replayed with the prefix.
//
// Each surrogate run r then contributes
//
//   w_r ⊙ [ Σ_k c_k + Σ_terms term(costs) ],
//
// where c_k are the run's costs (`AddCost` and the return value) and w_r the
// product of the weights its sites put on it (on the tape). Σ_r of these is
// the surrogate: its value is the estimate and its gradient ADEV's. All
// products are per lane (R x 1); 1x1 terms broadcast.

#ifndef PROVI_ESTIMATORS_INTERNAL_DRIVER_H_
#define PROVI_ESTIMATORS_INTERNAL_DRIVER_H_

#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/random/bit_gen_ref.h"
#include "ad/tensor.h"
#include "estimators/site_strategy.h"
#include "estimators/strategy_state.h"
#include "runtime/address.h"
#include "runtime/handler.h"

namespace provi {
namespace estimators_internal {

// One latent site (or subsampled plate) of a run, as later runs replay it.
struct ReplayEntry {
  Address address;
  Tensor value;
  // Replays the site in surrogate runs (null for a subsampled plate, which
  // only takes its value back, and for a value run's site).
  std::shared_ptr<const SiteStrategy> strategy;
  // Added to every surrogate run that replays the site.
  std::shared_ptr<const SurrogateTerm> shared_term;
  // The outermost `IndependentBlocks` call (its index among the run's) and
  // block the site ran in, or -1 outside any.
  int block_call = -1;
  int block = -1;
};

enum class RunMode {
  kSurrogate,  // contributes to the surrogate
  kValue,      // only its cost is needed: all new sites sample
};

class RunHandler;

struct RunSpec {
  RunMode mode = RunMode::kSurrogate;
  std::vector<ReplayEntry> prefix;
  // kValue runs: receives the run's total cost, detached.
  std::function<void(const Tensor&)> on_cost;
  // Set for a group of value runs whose forced values wait for the
  // scheduling run's result (`SiteRun::ScheduleValueRuns`): the driver
  // expands it into one kValue run per value, forcing the prefix's last
  // site, before running any of them.
  std::function<std::vector<Tensor>(Index rows)> expand;
  std::function<void(size_t, const Tensor&)> on_expanded_cost;
  const RunHandler* scheduler = nullptr;
  // kValue runs forked inside block `keep_block` of the `IndependentBlocks`
  // call `keep_call`: that call executes only the kept block and takes the
  // others' values and costs from `block_source` (the scheduling run, which
  // has returned by the time this run executes). The prefix then holds no
  // site of the other blocks.
  int keep_call = -1;
  int keep_block = -1;
  const RunHandler* block_source = nullptr;
};

class Driver;

// The handler of one run. See the file comment.
class RunHandler : public Handler {
 public:
  RunHandler(Driver& driver, const RunSpec& spec);
  void Process(Message& msg) override;

  // Adds a cost (the program's value or `AddCost`'s argument); throws
  // InvalidArgument unless it is 1x1 or one value per lane (R x 1, R > 0)
  // with no NaN.
  void AddCost(const Tensor& cost);

  // After the program returned: the run's surrogate term and value (both
  // per lane or 1x1). Surrogate runs only.
  Tensor AssembleSurrogate(Tensor* value) const;
  // Once every run's surrogate is assembled: SurrogateTerm::Finish of
  // each of this run's terms.
  void FinishTerms() const;
  // The run's total cost, detached. Value runs.
  Tensor TotalCost() const;
  // The rows of the program's value, once it has returned.
  Index ValueRows() const;
  // Throws FailedPrecondition if a value run kept a block of an
  // `IndependentBlocks` call that the program did not reach.
  void CheckBlocksReached() const;

  // `IndependentBlocks` (estimators/independent_blocks.h). BeginBlocks
  // returns the call's index among the run's outermost calls, or -1 for a
  // call inside a block (then it is a plain loop and the others are not
  // called); it throws FailedPrecondition when a value run's kept call has
  // a different number of blocks than the scheduling run's.
  int BeginBlocks(int blocks);
  bool SkipsBlock(int call, int block) const;
  Tensor TakeBlock(int call, int block);
  void EnterBlock(int call, int block);
  // `value` null: the block threw; nothing is recorded.
  void ExitBlock(int call, int block, const Tensor* value);

 private:
  class SiteContext;  // the SiteRun of one site
  struct Term {
    Address site;
    std::shared_ptr<const SurrogateTerm> term;
  };
  struct Weight {
    Address site;
    const SiteStrategy* strategy;
    Index lanes;
  };

  struct BlocksRecord {
    std::vector<Tensor> values;  // detached
    std::vector<Tensor> costs;   // the costs each block added, detached
    std::vector<char> done;      // whether the block returned
  };

  void Subsample(Message& msg);
  void ReplaySite(Message& msg, const ReplayEntry& entry);
  void NewSite(Message& msg);
  // Appends to record_, tagged with the current block.
  void Record(ReplayEntry entry);

  Driver& driver_;
  const RunSpec& spec_;
  size_t position_ = 0;
  std::vector<ReplayEntry> record_;
  std::vector<Tensor> costs_;
  std::vector<Term> terms_;
  std::vector<Weight> weights_;
  absl::flat_hash_set<Address> drawn_;  // latent sites drawn or replayed
  Tensor log_weight_ = Tensor(0.0);
  std::vector<BlocksRecord> blocks_;
  int current_call_ = -1;  // inside a block of this call, or -1
  int current_block_ = -1;
  size_t block_cost_mark_ = 0;
};

// Runs a program to completion under the estimator: the first run, its
// branches and its value runs.
class Driver {
 public:
  using Program = std::function<Tensor()>;

  // `state` (which must outlive the driver) is the objective's strategy
  // state, kept across its estimates.
  Driver(Program program, absl::BitGenRef gen, StrategyState& state);

  struct Result {
    Tensor surrogate;  // 1x1: Σ over lanes and runs
    Tensor value;      // the estimate, per lane (R x 1) or 1x1
    int runs = 0;      // program executions
  };
  Result Run();

  // The driver and run active on this thread (innermost), or null.
  static Driver* Active();
  RunHandler* current_run() { return current_run_; }

  absl::BitGenRef gen() { return gen_; }
  StrategyState& state() { return state_; }
  // Queues a run. Throws ResourceExhausted, naming the scheduling site (the
  // prefix's last), if the estimate would then exceed `max_runs`.
  void Schedule(RunSpec spec);

  // At most this many program executions per estimate (0: no limit);
  // checked as runs are scheduled, before any of them executes.
  void set_max_runs(int max_runs) { max_runs_ = max_runs; }

 private:
  Program program_;
  absl::BitGenRef gen_;
  StrategyState& state_;
  // Throws the ResourceExhausted error of `Schedule` for `needed` runs.
  [[noreturn]] void ThrowRunLimit(size_t needed, const RunSpec& spec) const;

  std::deque<RunSpec> pending_;
  RunHandler* current_run_ = nullptr;
  int max_runs_ = 0;
  size_t started_ = 0;  // runs executed or executing
};

}  // namespace estimators_internal
}  // namespace provi

#endif  // PROVI_ESTIMATORS_INTERNAL_DRIVER_H_
