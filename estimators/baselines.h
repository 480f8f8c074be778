// Copyright 2026 The provi Authors.
//
// File: estimators/baselines.h
// -----------------------------------------------------------------------------
//
// Baselines (control variates) for score-function sites. A score-function
// site s contributes Detach(C_s - b_s) * (log q(x_s) - Detach(log q(x_s)))
// to the surrogate, where C_s is the cost downstream of s (per lane) and
// b_s a baseline that does not depend on x_s; any such b_s keeps the
// gradient unbiased and a good one lowers its variance.
//
//   NoBaseline()                 b = 0
//   ConstantBaseline(b)          a fixed number
//   MovingAverageBaseline(decay) an exponential moving average of the site's
//                                mean downstream cost, kept across steps
//   LearnedBaseline(b)           a trainable tensor (a Parameter, or the
//                                output of a small network, per lane or
//                                1x1), trained by its own squared-error loss:
//                                -(b - Detach(C_s))² is added to the
//                                surrogate, which is maximised, so ascent
//                                pulls b towards the cost
//   LeaveOneOutBaseline()        per lane, the mean cost of the other lanes
//                                (VIMCO-style, when lanes are particles)
//
// Example:
//
//   auto guide_sf = provi::ScoreFunction(guide, {"c"},
//                                        provi::MovingAverageBaseline(0.9));

#ifndef PROVI_ESTIMATORS_BASELINES_H_
#define PROVI_ESTIMATORS_BASELINES_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "ad/tensor.h"
#include "runtime/address.h"

namespace provi {

// Baseline
//
// The interface. `Value` is called once per score-function site per run
// with the site's downstream cost (R x 1 or 1x1, a constant); `Loss` may add
// a training term to the surrogate; `Update` sees the same cost after the
// surrogate is built (for stateful baselines).
class Baseline {
 public:
  virtual ~Baseline() = default;

  // b for this site; must not depend on the site's value. A constant, or,
  // for learned baselines, a tensor on the tape.
  virtual Tensor Value(Address site, const Tensor& cost) const = 0;

  // An extra term for the surrogate, which gradient ascent maximises (e.g. a
  // negated squared-error loss training the
  // baseline), or an empty (0x0) tensor.
  virtual Tensor Loss(Address site, const Tensor& cost,
                      const Tensor& value) const {
    (void)site;
    (void)cost;
    (void)value;
    return Tensor();
  }

  // Records the observed cost (stateful baselines).
  virtual void Update(Address site, const Tensor& cost) const {
    (void)site;
    (void)cost;
  }

  // StateKind()
  //
  // Empty for a baseline without state learned across estimates. Otherwise
  // the kind of its state and every setting it depends on (e.g. "moving
  // average 0.9"): within one objective, a site's score function then uses
  // one baseline of that kind, kept by the Expectation
  // (estimators/strategy_state.h), so a baseline made inside the program
  // at every run still learns. Such a baseline starts its state for an
  // objective with `Fresh()`.
  virtual std::string StateKind() const { return std::string(); }

  // A new baseline of this kind with nothing learned yet (stateful
  // baselines; null for the others).
  virtual std::shared_ptr<const Baseline> Fresh() const { return nullptr; }
};

std::shared_ptr<const Baseline> NoBaseline();
std::shared_ptr<const Baseline> ConstantBaseline(Real b);
std::shared_ptr<const Baseline> MovingAverageBaseline(Real decay);
std::shared_ptr<const Baseline> LearnedBaseline(std::function<Tensor()> b);
std::shared_ptr<const Baseline> LeaveOneOutBaseline();

// MovingAverage
//
// The class behind MovingAverageBaseline: one average per site address,
// initialised by the first cost seen, then b ← decay b + (1 - decay) mean(C).
// Thread-safe.
class MovingAverage : public Baseline {
 public:
  explicit MovingAverage(Real decay) : decay_(decay) {}
  Tensor Value(Address site, const Tensor& cost) const override;
  void Update(Address site, const Tensor& cost) const override;
  std::string StateKind() const override;
  std::shared_ptr<const Baseline> Fresh() const override;

  // The current average for a site (0 before any update). Under an
  // Expectation the averages live in the objective's own fresh copy (see
  // StateKind), not in the object given to ScoreFunction.
  Real average(Address site) const;

 private:
  Real decay_;
  mutable absl::Mutex mutex_;
  mutable absl::flat_hash_map<Address, Real> averages_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace provi

#endif  // PROVI_ESTIMATORS_BASELINES_H_
