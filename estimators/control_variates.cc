// Copyright 2026 The provi Authors.

#include "estimators/control_variates.h"

#include <cmath>
#include <functional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/status_error.h"

namespace provi {

std::vector<Real> ControlVariateTable::Coefficients(size_t support_size) const {
  std::vector<Real> beta(support_size, Real(0));
  absl::MutexLock lock(&mutex_);
  for (size_t k = 0; k < support_size && k < beta_.size(); ++k) {
    if (beta_[k].has_value()) beta[k] = *beta_[k];
  }
  return beta;
}

void ControlVariateTable::Update(const std::vector<Real>& sums,
                                 const std::vector<Index>& counts) {
  absl::MutexLock lock(&mutex_);
  if (beta_.size() < sums.size()) beta_.resize(sums.size());
  for (size_t k = 0; k < sums.size(); ++k) {
    if (counts[k] == 0) continue;
    const Real mean = sums[k] / static_cast<Real>(counts[k]);
    beta_[k] =
        beta_[k].has_value() ? decay_ * *beta_[k] + (1 - decay_) * mean : mean;
  }
}

namespace {

// The site's term in one run: (C - β(x)) times its score, plus the
// correction Σ_k β_k q(k) - Detach(Σ_k β_k q(k)), whose gradient is
// ∇ E_q[β(x)] and whose value is 0.
class ControlVariateTerm final : public SurrogateTerm {
 public:
  ControlVariateTerm(Tensor score, std::vector<Tensor> probs,
                     std::vector<size_t> drawn, std::vector<Real> beta,
                     size_t mark, std::shared_ptr<ControlVariateTable> table)
      : score_(std::move(score)),
        probs_(std::move(probs)),
        drawn_(std::move(drawn)),
        beta_(std::move(beta)),
        mark_(mark),
        table_(std::move(table)) {}

  Tensor Evaluate(const RunCosts& costs) const override {
    const Index lanes = score_.rows();
    const Tensor downstream = SiteLaneCosts(costs.DetachedAfter(mark_), lanes);
    const size_t support = probs_.size();
    const std::vector<Real>& beta = beta_;
    Real* h_data = nullptr;
    const Tensor h = NewConstant(lanes, 1, &h_data);
    for (Index r = 0; r < lanes; ++r) {
      h_data[r] = beta[drawn_[static_cast<size_t>(r)]];
    }
    // E_q[h] per lane, on the tape through q's parameters.
    Tensor expectation = probs_[0] * beta[0];
    for (size_t k = 1; k < support; ++k) {
      expectation = expectation + probs_[k] * beta[k];
    }
    const Tensor term =
        Detach(downstream - h) * score_ + (expectation - Detach(expectation));
    // The cost each lane saw, for the table (a 1x1 cost is every lane's).
    std::vector<Real> sums(support, Real(0));
    std::vector<Index> counts(support, 0);
    if (lanes == 1) {
      // One value for every lane of the program: it faces their mean cost.
      sums[drawn_[0]] =
          SumAll(downstream).item() / static_cast<Real>(downstream.rows());
      counts[drawn_[0]] = 1;
    } else {
      for (Index r = 0; r < lanes; ++r) {
        const size_t k = drawn_[static_cast<size_t>(r)];
        sums[k] += downstream.rows() == 1 ? downstream(0, 0) : downstream(r, 0);
        ++counts[k];
      }
    }
    seen_sums_ = std::move(sums);
    seen_counts_ = std::move(counts);
    return term;
  }

  // The table learns from this run once the whole estimate is evaluated
  // (see SurrogateTerm::Finish).
  void Finish() const override {
    if (!seen_counts_.empty()) table_->Update(seen_sums_, seen_counts_);
  }

 private:
  Tensor score_;               // log q - Detach(log q), per lane
  std::vector<Tensor> probs_;  // q(k) per lane, on the tape
  std::vector<size_t> drawn_;  // per lane: the support value drawn
  // The coefficients as they were when the run drew: every run of an
  // estimate draws before any term is evaluated (and updates the table), so
  // β never depends on the draws it multiplies.
  std::vector<Real> beta_;
  size_t mark_;
  std::shared_ptr<ControlVariateTable> table_;
  // What Evaluate saw, for Finish (a run evaluates its terms once, on one
  // thread).
  mutable std::vector<Real> seen_sums_;
  mutable std::vector<Index> seen_counts_;
};

// A finite site's value in one run: which support value each lane drew,
// and q(k) per lane for every support value k, on the tape.
struct FiniteValue {
  std::vector<size_t> drawn;
  std::vector<Tensor> probs;
};

FiniteValue Classify(const Distribution& q, const Tensor& value) {
  const std::vector<Tensor> support = q.EnumerateSupport();
  const Index lanes = value.rows();
  const Index cols = value.cols();
  FiniteValue v;
  // Support values are the same in every lane.
  v.drawn.resize(static_cast<size_t>(lanes));
  for (Index r = 0; r < lanes; ++r) {
    size_t k = 0;
    for (; k < support.size(); ++k) {
      const Tensor& s = support[k];
      if (s.rows() != lanes || s.cols() != cols) {
        ThrowStatus(absl::InvalidArgumentError(
            absl::StrCat("the value has shape ", value.ShapeString(),
                         " but the distribution's support values have shape ",
                         s.ShapeString())));
      }
      bool equal = true;
      for (Index c = 0; c < cols && equal; ++c) {
        equal = s(r, c) == value(r, c);
      }
      if (equal) break;
    }
    if (k == support.size()) {
      ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
          "lane ", r, " of the value is not in the distribution's support (",
          value(r, 0), " in its first column)")));
    }
    v.drawn[static_cast<size_t>(r)] = k;
  }
  v.probs.reserve(support.size());
  for (const Tensor& s : support) v.probs.push_back(Exp(q.LogProb(s)));
  return v;
}

// What both strategies share: a finite support, a draw that is replayed,
// and at each replay the values drawn and the score; `AddTerm` adds the
// strategy's term.
class FiniteScoreStrategy : public SiteStrategy {
 public:
  Tensor Draw(SiteRun& run) const override {
    CheckFinite(run.distribution());
    Tensor value = run.distribution().Sample(run.gen());
    Replay(run, value);
    return value;
  }

  void Replay(SiteRun& run, const Tensor& value) const final {
    const Distribution& q = run.distribution();
    CheckFinite(q);
    FiniteValue v = Classify(q, value);
    const Tensor log_q = q.LogProb(value);
    AddTerm(run, std::move(v), log_q - Detach(log_q));
  }

 protected:
  virtual void AddTerm(SiteRun& run, FiniteValue v, Tensor score) const = 0;

 private:
  void CheckFinite(const Distribution& q) const {
    if (!q.has_enumerate_support()) {
      ThrowUnsupported(q, "a finite support (EnumerateSupport)");
    }
  }
};

class ControlVariateStrategy final : public FiniteScoreStrategy {
 public:
  explicit ControlVariateStrategy(Real decay)
      : decay_(decay), kind_(absl::StrCat("control variates ", decay)) {}

  bool learns() const override { return true; }
  absl::string_view name() const override {
    return "score function + control variates";
  }

  void AddTerm(SiteRun& run, FiniteValue v, Tensor score) const override {
    const Address site = run.message().address;
    // The objective's table for this site (this object may be new in every
    // run).
    std::shared_ptr<ControlVariateTable> table =
        run.state().Find<ControlVariateTable>(site, kind_, [this] {
          return std::make_shared<ControlVariateTable>(decay_);
        });
    std::vector<Real> beta = table->Coefficients(v.probs.size());
    run.AddTerm(std::make_shared<ControlVariateTerm>(
        std::move(score), std::move(v.probs), std::move(v.drawn),
        std::move(beta), run.cost_mark(), std::move(table)));
  }

 private:
  Real decay_;
  std::string kind_;
};

// The learned variant's term: h_r(x) = β_r(x) from the user's tensor B (R x
// K or 1 x K, on the tape), read when the run is evaluated:
//
//   Detach(C - h) ⊙ score + Σ_k Detach(B_k) ⊙ (q_k - Detach(q_k))
//     - (B(x) - Detach(C))²
//
// The first two parts carry q's gradient (unbiased: B does not depend on
// x); the last trains B, and only B, towards the cost of the value drawn.
class LearnedControlVariateTerm final : public SurrogateTerm {
 public:
  LearnedControlVariateTerm(Tensor score, FiniteValue v, size_t mark,
                            std::function<Tensor()> coefficients)
      : score_(std::move(score)),
        v_(std::move(v)),
        mark_(mark),
        coefficients_(std::move(coefficients)) {}

  Tensor Evaluate(const RunCosts& costs) const override {
    const Index lanes = score_.rows();
    const Tensor downstream = SiteLaneCosts(costs.DetachedAfter(mark_), lanes);
    const Tensor b = coefficients_();
    const Index support = static_cast<Index>(v_.probs.size());
    if (b.cols() != support || (b.rows() != lanes && b.rows() != 1)) {
      ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
          "learned control variates: the coefficients have shape ",
          b.ShapeString(), "; expected one column per support value (", support,
          ") and one row per lane (", lanes, ") or one row")));
    }
    // One-hot of the drawn values: x ↦ B(x) as B ⊙ onehot summed by row.
    Real* onehot_data = nullptr;
    const Tensor onehot = NewConstant(lanes, support, &onehot_data);
    for (Index r = 0; r < lanes; ++r) {
      for (Index k = 0; k < support; ++k) {
        onehot_data[r + k * lanes] =
            v_.drawn[static_cast<size_t>(r)] == static_cast<size_t>(k)
                ? Real(1)
                : Real(0);
      }
    }
    const Tensor chosen = RowSum(b * onehot);
    const Tensor fixed = Detach(b);
    Tensor expectation = v_.probs[0] * SliceCols(fixed, 0, 1);
    for (Index k = 1; k < support; ++k) {
      expectation = expectation +
                    v_.probs[static_cast<size_t>(k)] * SliceCols(fixed, k, 1);
    }
    return Detach(downstream - chosen) * score_ +
           (expectation - Detach(expectation)) -
           Square(chosen - Detach(downstream));
  }

 private:
  Tensor score_;
  FiniteValue v_;
  size_t mark_;
  std::function<Tensor()> coefficients_;
};

class LearnedControlVariateStrategy final : public FiniteScoreStrategy {
 public:
  explicit LearnedControlVariateStrategy(std::function<Tensor()> coefficients)
      : coefficients_(std::move(coefficients)) {}

  absl::string_view name() const override {
    return "score function + learned control variates";
  }

  void AddTerm(SiteRun& run, FiniteValue v, Tensor score) const override {
    run.AddTerm(std::make_shared<LearnedControlVariateTerm>(
        std::move(score), std::move(v), run.cost_mark(), coefficients_));
  }

 private:
  std::function<Tensor()> coefficients_;
};

}  // namespace

std::shared_ptr<const SiteStrategy> ScoreFunctionWithControlVariates(
    Real decay) {
  if (!(decay >= 0 && decay < 1)) {
    ThrowStatus(absl::InvalidArgumentError(
        absl::StrCat("ScoreFunctionWithControlVariates: decay ", decay,
                     " must be in [0, 1)")));
  }
  return std::make_shared<ControlVariateStrategy>(decay);
}

std::shared_ptr<const SiteStrategy> ScoreFunctionWithLearnedControlVariates(
    std::function<Tensor()> coefficients) {
  if (coefficients == nullptr) {
    ThrowStatus(absl::InvalidArgumentError(
        "ScoreFunctionWithLearnedControlVariates: no coefficients"));
  }
  return std::make_shared<LearnedControlVariateStrategy>(
      std::move(coefficients));
}

}  // namespace provi
