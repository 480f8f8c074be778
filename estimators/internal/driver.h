// Copyright 2026 The provi Authors.
//
// File: estimators/internal/driver.h
// -----------------------------------------------------------------------------
//
// The estimator interpreter behind `Expectation` (estimators/expectation.h).
//
// A *run* executes the program once under a `RunHandler`, which gives every
// latent sample site its strategy: pathwise sites draw with RSample;
// score-function sites draw with Sample and record their score
// log q - Detach(log q); enumerated sites take the first support value and
// schedule one sibling run per other value; MVD sites draw with Sample and
// schedule two value-only runs per coupling term. Sibling and value runs
// *replay* the sites before the branching site (same values, same tape
// nodes, so pathwise gradients still flow) and force the branching site.
// This is re-execution: direct-style C++ has no first-class continuation,
// so "the rest of the program" is obtained by running it again. A
// subsampled plate's indices are a choice of the run too: drawn from the
// estimation's generator and replayed with the prefix.
//
// Each surrogate run r then contributes
//
//   w_r ⊙ [ Σ_k c_k + Σ_s Detach(C_s - b_s) ⊙ score_s
//           + Σ_mvd Σ_j (θ_j - Detach θ_j) c_j Detach(L⁺_j - L⁻_j)
//           + baseline losses ],
//
// where c_k are the run's costs (`AddCost` and the return value), C_s the
// costs after site s, and w_r = Π over the run's forced enumerated sites of
// p(v) (on the tape). Σ_r of these is the surrogate: its value is the
// estimate and its gradient ADEV's. All products are per lane (R x 1);
// 1x1 terms broadcast.

#ifndef PROVI_ESTIMATORS_INTERNAL_DRIVER_H_
#define PROVI_ESTIMATORS_INTERNAL_DRIVER_H_

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/random/bit_gen_ref.h"
#include "ad/tensor.h"
#include "distributions/distribution.h"
#include "estimators/baselines.h"
#include "runtime/address.h"
#include "runtime/handler.h"

namespace provi {
namespace estimators_internal {

// Results of one MVD draw, shared by the run that drew it and every run that
// replays it.
struct MvdRecord {
  Address site;
  std::vector<MvdTerm> terms;
  std::vector<std::optional<Tensor>> plus;   // L⁺_j, filled by value runs
  std::vector<std::optional<Tensor>> minus;  // L⁻_j (absent: zero measure)
};

// One latent site (or subsampled plate) of a run, as later runs replay it.
struct ReplayEntry {
  Address address;
  Tensor value;
  bool enumerated = false;         // a forced branch value: weighs the run
  std::shared_ptr<MvdRecord> mvd;  // for MVD draws
};

enum class RunMode {
  kSurrogate,  // contributes to the surrogate
  kValue,      // only its value is needed (MVD's L±): all new sites sample
};

struct RunSpec {
  RunMode mode = RunMode::kSurrogate;
  std::vector<ReplayEntry> prefix;
  // kValue runs: where the result goes.
  std::shared_ptr<MvdRecord> target;
  size_t term = 0;
  bool positive = true;
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
  // The run's total cost, detached. Value runs.
  Tensor TotalCost() const;

 private:
  struct ScoreTerm {
    Address site;
    Tensor score;  // log q - Detach(log q), per lane
    size_t first_cost;
    std::shared_ptr<const Baseline> baseline;
  };
  struct Enumerated {
    Address site;
    Index lanes;
  };

  void Subsample(Message& msg);
  void ReplaySite(Message& msg, const ReplayEntry& entry);
  void NewSite(Message& msg);
  void AddScore(const Message& msg, const Tensor& value,
                std::shared_ptr<const Baseline> baseline);
  SiteEstimator::Kind Resolve(const Message& msg) const;

  Driver& driver_;
  const RunSpec& spec_;
  size_t position_ = 0;
  std::vector<ReplayEntry> record_;
  std::vector<Tensor> costs_;
  std::vector<ScoreTerm> scores_;
  std::vector<std::shared_ptr<MvdRecord>> mvds_;
  std::vector<Enumerated> enumerated_;
  absl::flat_hash_set<Address> drawn_;  // latent sites drawn or replayed
  Tensor log_weight_ = Tensor(0.0);
};

// Runs a program to completion under the estimator: the first run, its
// branches and its value runs.
class Driver {
 public:
  using Program = std::function<Tensor()>;

  Driver(Program program, absl::BitGenRef gen);

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
  void Schedule(RunSpec spec) { pending_.push_back(std::move(spec)); }

 private:
  Program program_;
  absl::BitGenRef gen_;
  std::deque<RunSpec> pending_;
  RunHandler* current_run_ = nullptr;
};

}  // namespace estimators_internal
}  // namespace provi

#endif  // PROVI_ESTIMATORS_INTERNAL_DRIVER_H_
