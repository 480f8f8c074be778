// Copyright 2026 The provi Authors.

#include "estimators/enumerate.h"

#include <vector>

#include "base/check.h"

namespace provi {
namespace {

class EnumerateStrategy final : public SiteStrategy {
 public:
  absl::string_view name() const override { return "enumeration"; }

  Tensor Draw(SiteRun& run) const override {
    const Distribution& dist = run.distribution();
    if (!dist.has_enumerate_support()) {
      ThrowUnsupported(dist, "a finite support");
    }
    const std::vector<Tensor> support = dist.EnumerateSupport();
    PROVI_CHECK(!support.empty()) << dist.name() << ": empty support";
    // This run takes the first value; every other value is a branch.
    for (size_t k = 1; k < support.size(); ++k) {
      run.ScheduleBranch(support[k]);
    }
    Replay(run, support[0]);
    return support[0];
  }

  // A run that takes `value` is weighted by its probability, lane by lane.
  void Replay(SiteRun& run, const Tensor& value) const override {
    run.Weigh(run.distribution().LogProb(value));
  }
};

}  // namespace

std::shared_ptr<const SiteStrategy> Enumerate() {
  static const std::shared_ptr<const SiteStrategy>* const strategy =
      new std::shared_ptr<const SiteStrategy>(
          std::make_shared<EnumerateStrategy>());
  return *strategy;
}

}  // namespace provi
