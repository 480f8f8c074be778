// Copyright 2026 The provi Authors.
//
// File: estimators/strategy_state.h
// -----------------------------------------------------------------------------
//
// `StrategyState`: what stateful strategies learn across the estimates of
// one objective (a moving-average baseline's average, fitted control
// variates' coefficients), kept by the objective's `Expectation`, one
// object per site address and kind.
//
// Why the objective and not the strategy object: a strategy is often made
// where the site is written,
//
//   provi::sample("c", provi::Categorical::FromLogits(logits),
//                 provi::ScoreFunction(provi::MovingAverageBaseline(0.9)));
//
// which makes a new strategy object every time the program runs. State
// held by that object would start afresh at every estimate and never
// learn, silently. Keyed by the objective, site and kind, the state
// survives: every run of every estimate of one `Expectation` finds the
// object the first run made. Two objectives keep separate states (their
// costs differ); copies of an `Expectation` share theirs.
//
// Strategies reach it through `SiteRun::state()`:
//
//   std::shared_ptr<MyTable> table = run.state().Find<MyTable>(
//       run.message().address, "my table, decay 0.9",
//       [] { return std::make_shared<MyTable>(0.9); });

#ifndef PROVI_ESTIMATORS_STRATEGY_STATE_H_
#define PROVI_ESTIMATORS_STRATEGY_STATE_H_

#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "runtime/address.h"

namespace provi {

// StrategyState
//
// See the file comment. Thread-safe; objects are never removed.
class StrategyState {
 public:
  StrategyState() = default;
  StrategyState(const StrategyState&) = delete;
  StrategyState& operator=(const StrategyState&) = delete;

  // Find()
  //
  // The object kept for `site` under `kind`, made by `make()` (which
  // returns std::shared_ptr<T>) the first time. `kind` names the type and
  // every setting the state depends on (e.g. "moving average 0.9"): two
  // strategies share an object exactly when their kinds are equal, and a
  // kind must always be used with the same T.
  template <typename T, typename Make>
  std::shared_ptr<T> Find(Address site, absl::string_view kind, Make make) {
    absl::MutexLock lock(&mutex_);
    std::vector<Entry>& entries = objects_[site];
    for (const Entry& e : entries) {
      if (e.kind == kind) return std::static_pointer_cast<T>(e.object);
    }
    std::shared_ptr<T> made = make();
    entries.push_back(
        Entry{std::string(kind),
              std::const_pointer_cast<std::remove_const_t<T>>(made)});
    return made;
  }

  // The number of objects kept (all sites and kinds).
  size_t size() const;

 private:
  struct Entry {
    std::string kind;
    std::shared_ptr<void> object;
  };
  mutable absl::Mutex mutex_;
  absl::flat_hash_map<Address, std::vector<Entry>> objects_
      ABSL_GUARDED_BY(mutex_);
};

}  // namespace provi

#endif  // PROVI_ESTIMATORS_STRATEGY_STATE_H_
