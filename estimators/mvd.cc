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

// The coupling draw of the side each lane did not sample: the negative
// draw where `sides` is +1, the positive one where it is -1.
Tensor OtherSide(const Matrix& sides, const Tensor& positive,
                 const Tensor& negative) {
  Matrix other = positive.value();
  const auto minus = negative.value();
  for (Index i = 0; i < sides.rows(); ++i) {
    if (sides(i, 0) > 0) other.row(i) = minus.row(i);
  }
  return Tensor(other);
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
        plus_(terms_.size()),
        minus_(terms_.size()) {}

  const std::vector<MvdTerm>& terms() const { return terms_; }
  // s for term j, when its sampled side is the evaluating run's (above).
  std::optional<Tensor>& sides(size_t j) { return sides_[j]; }
  // L⁺_j and L⁻_j, set by the value runs (with `sides`, L⁺_j holds the
  // other side's cost).
  std::optional<Tensor>& cost(size_t j, bool positive) {
    return positive ? plus_[j] : minus_[j];
  }

  Tensor Evaluate(const RunCosts& costs) const override {
    const Tensor& total = costs.total();
    Tensor sum;
    for (size_t j = 0; j < terms_.size(); ++j) {
      const MvdTerm& term = terms_[j];
      if (term.parameter.rows() > 1 && term.parameter.rows() != total.rows()) {
        ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
            "measure-valued derivatives of a site with ", term.parameter.rows(),
            " lanes need the program to return one value per lane, but it "
            "returned ",
            total.ShapeString())));
      }
      PROVI_CHECK(plus_[j].has_value()) << "MVD value run missing";
      Tensor difference;
      if (sides_[j].has_value()) {
        difference = *sides_[j] * (Detach(total) - *plus_[j]);
      } else {
        difference = minus_[j].has_value() ? *plus_[j] - *minus_[j] : *plus_[j];
      }
      const Tensor part = (term.parameter - Detach(term.parameter)) *
                          term.constant * Detach(difference);
      sum = j == 0 ? part : sum + part;
    }
    return sum;
  }

 private:
  std::vector<MvdTerm> terms_;
  std::vector<std::optional<Tensor>> sides_;
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
      if (term.negative.has_value() &&
          term.parameter.rows() == value.rows()) {
        sides = SampledSides(value, term.positive, *term.negative);
      }
      if (sides.has_value()) {
        draw->sides(j) = Tensor(*sides);
        run.ScheduleValueRun(
            OtherSide(*sides, term.positive, *term.negative),
            [draw, j](const Tensor& cost) { draw->cost(j, true) = cost; });
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
