// Copyright 2026 The provi Authors.

#include "estimators/score_function.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/status_error.h"

namespace provi {
namespace {

// The site's term in one run: its score times the cost downstream of it.
class ScoreTerm final : public SurrogateTerm {
 public:
  ScoreTerm(Address site, Tensor score, size_t mark,
            std::shared_ptr<const Baseline> baseline)
      : site_(site),
        score_(std::move(score)),
        mark_(mark),
        baseline_(std::move(baseline)) {}

  Tensor Evaluate(const RunCosts& costs) const override {
    // With K particles per lane, each particle's score multiplies its own
    // lane's cost.
    const Tensor downstream =
        SiteLaneCosts(costs.DetachedAfter(mark_), score_.rows());
    if (baseline_ == nullptr) return downstream * score_;
    const Tensor b = baseline_->Value(site_, downstream);
    Tensor term = Detach(downstream - b) * score_;
    const Tensor loss = baseline_->Loss(site_, downstream, b);
    if (loss.size() > 0) term = term + loss;
    seen_ = downstream;
    return term;
  }

  // The baseline records the cost once the whole estimate is evaluated
  // (see SurrogateTerm::Finish).
  void Finish() const override {
    if (baseline_ != nullptr && seen_.has_value()) {
      baseline_->Update(site_, *seen_);
    }
  }

 private:
  Address site_;
  Tensor score_;  // log q - Detach(log q), per lane
  size_t mark_;
  std::shared_ptr<const Baseline> baseline_;  // null: none
  // The downstream cost Evaluate saw, for Finish. A run evaluates its terms
  // once, on one thread.
  mutable std::optional<Tensor> seen_;
};

class ScoreFunctionStrategy final : public SiteStrategy {
 public:
  explicit ScoreFunctionStrategy(std::shared_ptr<const Baseline> baseline)
      : baseline_(std::move(baseline)),
        state_kind_(baseline_ != nullptr ? baseline_->StateKind() : "") {}

  absl::string_view name() const override { return "score function"; }
  bool learns() const override { return !state_kind_.empty(); }

  Tensor Draw(SiteRun& run) const override {
    Tensor value = run.distribution().Sample(run.gen());
    Replay(run, value);
    return value;
  }

  void Replay(SiteRun& run, const Tensor& value) const override {
    const Tensor log_q = run.distribution().LogProb(value);
    const Address site = run.message().address;
    // A stateful baseline: the objective's, for this site (this object may
    // be new in every run).
    std::shared_ptr<const Baseline> baseline =
        state_kind_.empty()
            ? baseline_
            : run.state().Find<const Baseline>(
                  site, state_kind_, [this] { return baseline_->Fresh(); });
    run.AddTerm(std::make_shared<ScoreTerm>(
        site, log_q - Detach(log_q), run.cost_mark(), std::move(baseline)));
  }

 private:
  std::shared_ptr<const Baseline> baseline_;
  std::string state_kind_;
};

}  // namespace

std::shared_ptr<const SiteStrategy> ScoreFunction(
    std::shared_ptr<const Baseline> baseline) {
  if (baseline == nullptr) {
    static const std::shared_ptr<const SiteStrategy>* const plain =
        new std::shared_ptr<const SiteStrategy>(
            std::make_shared<ScoreFunctionStrategy>(nullptr));
    return *plain;
  }
  return std::make_shared<ScoreFunctionStrategy>(std::move(baseline));
}

}  // namespace provi
