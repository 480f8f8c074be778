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

// One MVD draw: its coupling terms and the costs of their value runs. Shared
// by the run that drew it and every branch that replays it.
class MvdDraw final : public SurrogateTerm {
 public:
  explicit MvdDraw(std::vector<MvdTerm> terms)
      : terms_(std::move(terms)), plus_(terms_.size()), minus_(terms_.size()) {}

  const std::vector<MvdTerm>& terms() const { return terms_; }
  // L⁺_j and L⁻_j, set by the value runs.
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
      const Tensor difference =
          minus_[j].has_value() ? *plus_[j] - *minus_[j] : *plus_[j];
      const Tensor part = (term.parameter - Detach(term.parameter)) *
                          term.constant * Detach(difference);
      sum = j == 0 ? part : sum + part;
    }
    return sum;
  }

 private:
  std::vector<MvdTerm> terms_;
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
