// Copyright 2026 The provi Authors.
//
// File: estimators/control_variates.h
// -----------------------------------------------------------------------------
//
// The score-function strategy sharpened by control variates whose
// expectation is known in closed form, for sites of finite families
// (Bernoulli, Categorical, Binomial, ...: `has_enumerate_support()`). A
// control variate is any h(x) whose expectation under the site's
// distribution q_θ can be computed exactly; then
//
//   (C - h(x)) ∇ log q(x) + ∇ E_q[h]
//
// is an unbiased estimate of ∇ E_q[C] for every h that does not depend on
// the draw, since E_q[h(x) ∇ log q(x)] = ∇ E_q[h]. Here h is a table, one
// coefficient β_k per support value k (the site's value, across its
// columns), so E_q[h] = Σ_k β_k q(k) is exact with one log density per
// support value: no re-run of the program. The coefficients are fitted
// online: β_k is an exponential moving average (weight `decay` on the past)
// of the downstream cost C of the lanes that drew k, i.e. an estimate of
// E[C | x = k]. That is the choice that removes from the score's weight the
// part of the cost explained by the site's own value, which a constant
// baseline cannot: for a Bernoulli site whose cost changes by Δ between its
// two values, the moving-average baseline leaves a term in Δ, the table
// removes it.
//
// Per lane: each lane's score multiplies its own cost minus its own β; the
// correction Σ_k β_k q_r(k) is per lane too. Cost per site: one log density
// per support value (forward and backward), so small supports are cheap;
// a support too large to enumerate is an error naming the site. The table
// starts at 0 (the plain score function) and is kept per site by the
// objective's Expectation across its estimates (estimators/strategy_state.h),
// so a strategy made inside the program at every run still learns; the
// strategy is thread-safe.
//
// Example:
//
//   provi::sample("z_pres", provi::Bernoulli(p),
//                 provi::ScoreFunctionWithControlVariates(0.9));
//   auto guide_cv = provi::ScoreFunctionWithControlVariates(guide, {"c"});

#ifndef PROVI_ESTIMATORS_CONTROL_VARIATES_H_
#define PROVI_ESTIMATORS_CONTROL_VARIATES_H_

#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "ad/tensor.h"
#include "base/real.h"
#include "estimators/site_strategy.h"
#include "estimators/with_strategy.h"
#include "runtime/address.h"

namespace provi {

// ControlVariateTable
//
// The fitted coefficients of one site (the objective keeps one table per
// site, estimators/strategy_state.h): one β per support value, updated as
// β_k ← decay β_k + (1 - decay) mean(C over the lanes that drew k),
// starting from the first such mean. Thread-safe.
class ControlVariateTable {
 public:
  explicit ControlVariateTable(Real decay) : decay_(decay) {}

  // The coefficients of the site's `support_size` values (0 for values no
  // lane has drawn yet).
  std::vector<Real> Coefficients(size_t support_size) const;

  // Folds in one evaluation: `sums[k]` is the total cost of the `counts[k]`
  // lanes that drew value k (values with a count of 0 are left as they are).
  void Update(const std::vector<Real>& sums, const std::vector<Index>& counts);

  Real decay() const { return decay_; }

 private:
  Real decay_;
  mutable absl::Mutex mutex_;
  std::vector<std::optional<Real>> beta_ ABSL_GUARDED_BY(mutex_);
};

// ScoreFunctionWithControlVariates()
//
// The strategy (`decay` in [0, 1): the weight of the past; the table
// lives in the objective, see the file comment), for `sample`'s third
// argument; or `program` with the named sites (or those matching
// `predicate`) estimated by it. An invalid decay is reported when the
// strategy is created, as InvalidArgument (thrown as StatusError).
std::shared_ptr<const SiteStrategy> ScoreFunctionWithControlVariates(
    Real decay = Real(0.9));

template <typename F>
auto ScoreFunctionWithControlVariates(
    F program, std::initializer_list<absl::string_view> sites,
    Real decay = Real(0.9)) {
  return WithStrategy(std::move(program), sites,
                      ScoreFunctionWithControlVariates(decay));
}
template <typename F>
auto ScoreFunctionWithControlVariates(F program, SitePredicate predicate,
                                      Real decay = Real(0.9)) {
  return WithStrategy(std::move(program), std::move(predicate),
                      ScoreFunctionWithControlVariates(decay));
}

// ScoreFunctionWithLearnedControlVariates()
//
// The same control variate with data-dependent coefficients: `coefficients`
// returns, when the run is evaluated, a tensor of one column per support
// value (in EnumerateSupport's order) and one row per lane (or one row for
// all), on the tape: e.g. a small network's output on features that do not
// depend on the site's value (a detached state computed before the site).
// Per lane r, h_r(x) = B(r, x) and E_q[h_r] = Σ_k B(r, k) q_r(k) exactly; B
// is trained by its own squared error (B(r, x_r) - C_r)², subtracted from
// the surrogate (which is maximised) as LearnedBaseline's: gradient ascent
// on the parameters behind B pulls each lane's coefficient of the value
// drawn towards its cost, so B learns E[C | x = k, data], which a table
// shared by all lanes cannot. Unbiased whatever B is, provided it does not
// depend on the site's value. A tensor of another shape is an error
// naming the site.
std::shared_ptr<const SiteStrategy> ScoreFunctionWithLearnedControlVariates(
    std::function<Tensor()> coefficients);

template <typename F>
auto ScoreFunctionWithLearnedControlVariates(
    F program, std::initializer_list<absl::string_view> sites,
    std::function<Tensor()> coefficients) {
  return WithStrategy(
      std::move(program), sites,
      ScoreFunctionWithLearnedControlVariates(std::move(coefficients)));
}

}  // namespace provi

#endif  // PROVI_ESTIMATORS_CONTROL_VARIATES_H_
