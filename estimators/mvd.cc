// Copyright 2026 The provi Authors.

#include "estimators/mvd.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/check.h"
#include "base/status_error.h"

namespace provi {
namespace {

// The lanes (rows) of `value` that the coupling draws `positive` and
// `negative` reproduce: +1 where the positive draw equals the value, -1
// where the negative one does, as an R x 1 constant; nullopt if some lane
// matches neither (then both sides need their own runs).
std::optional<Matrix> SampledSides(const Tensor& value, const Tensor& positive,
                                   const Tensor& negative) {
  const auto v = value.value();
  const auto plus = positive.value();
  const auto minus = negative.value();
  if (plus.rows() != v.rows() || minus.rows() != v.rows() ||
      plus.cols() != v.cols() || minus.cols() != v.cols()) {
    return std::nullopt;
  }
  Matrix sides(v.rows(), 1);
  for (Index i = 0; i < v.rows(); ++i) {
    if (plus.row(i) == v.row(i)) {
      sides(i, 0) = 1;
    } else if (minus.row(i) == v.row(i)) {
      sides(i, 0) = -1;
    } else {
      return std::nullopt;
    }
  }
  return sides;
}

// The coupling draw of the side each lane did not sample (the negative
// draw where `sides` is +1, the positive one where it is -1) in the lanes
// [begin, end), the drawn value elsewhere.
Tensor OtherSide(const Tensor& value, const Matrix& sides,
                 const Tensor& positive, const Tensor& negative, Index begin,
                 Index end) {
  Matrix other = value.value();
  const auto plus = positive.value();
  const auto minus = negative.value();
  for (Index i = begin; i < end; ++i) {
    other.row(i) = sides(i, 0) > 0 ? minus.row(i) : plus.row(i);
  }
  return Tensor(other);
}

// The forced values of the counterfactual runs of a site with `lanes`
// lanes in a program whose value has `rows` lanes: all lanes flipped in one
// run, or, with K particles per program lane (lanes = K rows), one run per
// particle, flipping that particle's lanes only (the program's value mixes
// the particles of a lane, so each needs its own counterfactual).
std::vector<Tensor> Counterfactuals(const Tensor& value, const Matrix& sides,
                                    const Tensor& positive,
                                    const Tensor& negative, Index rows) {
  const Index lanes = value.rows();
  if (rows == lanes || rows <= 1 || lanes == 1 || lanes % rows != 0) {
    return {OtherSide(value, sides, positive, negative, 0, lanes)};
  }
  std::vector<Tensor> values;
  for (Index begin = 0; begin < lanes; begin += rows) {
    values.push_back(
        OtherSide(value, sides, positive, negative, begin, begin + rows));
  }
  return values;
}

// One MVD draw: its coupling terms and the costs of their value runs. Shared
// by the run that drew it and every branch that replays it.
//
// When every lane's value is one side of the coupling (a Bernoulli's: the
// sides are 1 and 0), that side's cost is the cost of the run evaluating
// the term itself, and one value run, forced to the other side lane by
// lane, supplies the rest: L⁺ - L⁻ = s ⊙ (L - L_other), s = ±1 per lane.
// Both are unbiased samples of the side's cost given the sites before, so
// the estimator keeps its expectation with one run per coupling term
// instead of two.
class MvdDraw final : public SurrogateTerm {
 public:
  explicit MvdDraw(std::vector<MvdTerm> terms)
      : terms_(std::move(terms)),
        sides_(terms_.size()),
        others_(terms_.size()),
        plus_(terms_.size()),
        minus_(terms_.size()) {}

  const std::vector<MvdTerm>& terms() const { return terms_; }
  // s for term j, when its sampled side is the evaluating run's (above).
  std::optional<Matrix>& sides(size_t j) { return sides_[j]; }
  // The costs of term j's counterfactual runs (one per particle).
  std::vector<Tensor>& others(size_t j) { return others_[j]; }
  // L⁺_j and L⁻_j, set by the value runs (without `sides`).
  std::optional<Tensor>& cost(size_t j, bool positive) {
    return positive ? plus_[j] : minus_[j];
  }

  Tensor Evaluate(const RunCosts& costs) const override {
    const Tensor& total = costs.total();
    Tensor sum;
    for (size_t j = 0; j < terms_.size(); ++j) {
      const MvdTerm& term = terms_[j];
      const Index lanes = term.parameter.rows();
      const bool particles =
          sides_[j].has_value() && others_[j].size() > 1 &&
          total.rows() * static_cast<Index>(others_[j].size()) == lanes;
      if (lanes > 1 && lanes != total.rows() && !particles) {
        ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
            "measure-valued derivatives of a site with ", term.parameter.rows(),
            " lanes need the program to return one value per lane, but it "
            "returned ",
            total.ShapeString())));
      }
      Tensor difference;
      if (sides_[j].has_value()) {
        PROVI_CHECK(!others_[j].empty()) << "MVD value run missing";
        difference = Differences(*sides_[j], Detach(total), others_[j]);
      } else {
        PROVI_CHECK(plus_[j].has_value()) << "MVD value run missing";
        difference = minus_[j].has_value() ? *plus_[j] - *minus_[j] : *plus_[j];
      }
      const Tensor part = (term.parameter - Detach(term.parameter)) *
                          term.constant * Detach(difference);
      sum = j == 0 ? part : sum + part;
    }
    return sum;
  }

 private:
  // s ⊙ (L - L_other) per site lane, from the evaluating run's cost and the
  // counterfactual runs' (one, or one per particle: site lane k R + r then
  // compares program lane r of the run and of counterfactual k).
  static Tensor Differences(const Matrix& sides, const Tensor& cost,
                            const std::vector<Tensor>& others) {
    if (others.size() == 1) return Tensor(sides) * (cost - others[0]);
    const auto main = cost.value();
    const Index rows = main.rows();
    Matrix difference(sides.rows(), 1);
    for (size_t k = 0; k < others.size(); ++k) {
      const auto other = others[k].value();
      const Index begin = static_cast<Index>(k) * rows;
      difference.middleRows(begin, rows) =
          sides.middleRows(begin, rows).cwiseProduct(main - other);
    }
    return Tensor(difference);
  }

  std::vector<MvdTerm> terms_;
  std::vector<std::optional<Matrix>> sides_;
  std::vector<std::vector<Tensor>> others_;
  std::vector<std::optional<Tensor>> plus_;
  std::vector<std::optional<Tensor>> minus_;  // absent: zero measure
};

class MvdStrategy final : public SiteStrategy {
 public:
  absl::string_view name() const override {
    return "measure-valued derivative";
  }

  Tensor Draw(SiteRun& run) const override {
    const Distribution& dist = run.distribution();
    if (!dist.has_mvd()) {
      ThrowUnsupported(dist, "measure-valued derivative couplings");
    }
    Tensor value = dist.Sample(run.gen());
    auto draw = std::make_shared<MvdDraw>(dist.MvdTerms(value, run.gen()));
    for (size_t j = 0; j < draw->terms().size(); ++j) {
      const MvdTerm& term = draw->terms()[j];
      std::optional<Matrix> sides;
      if (term.negative.has_value() && term.parameter.rows() == value.rows()) {
        sides = SampledSides(value, term.positive, *term.negative);
      }
      if (sides.has_value()) {
        draw->sides(j) = sides;
        run.ScheduleValueRuns(
            [draw, j, value](Index rows) {
              const MvdTerm& term = draw->terms()[j];
              const std::vector<Tensor> values = Counterfactuals(
                  value, *draw->sides(j), term.positive, *term.negative, rows);
              draw->others(j).resize(values.size());
              return values;
            },
            [draw, j](size_t k, const Tensor& cost) {
              draw->others(j)[k] = cost;
            });
        continue;
      }
      for (bool positive : {true, false}) {
        if (!positive && !term.negative.has_value()) continue;
        run.ScheduleValueRun(positive ? term.positive : *term.negative,
                             [draw, j, positive](const Tensor& cost) {
                               draw->cost(j, positive) = cost;
                             });
      }
    }
    run.AddSharedTerm(std::move(draw));
    return value;
  }
};

}  // namespace

std::shared_ptr<const SiteStrategy> Mvd() {
  static const std::shared_ptr<const SiteStrategy>* const strategy =
      new std::shared_ptr<const SiteStrategy>(std::make_shared<MvdStrategy>());
  return *strategy;
}

}  // namespace provi
