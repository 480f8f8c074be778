// Copyright 2026 The provi Authors.

#include "estimators/pathwise.h"

namespace provi {
namespace {

class PathwiseStrategy final : public SiteStrategy {
 public:
  absl::string_view name() const override { return "pathwise"; }

  Tensor Draw(SiteRun& run) const override {
    const Distribution& dist = run.distribution();
    if (!dist.has_rsample())
      ThrowUnsupported(dist, "a reparameterised sampler");
    return dist.RSample(run.gen());
  }
};

}  // namespace

std::shared_ptr<const SiteStrategy> Pathwise() {
  static const std::shared_ptr<const SiteStrategy>* const strategy =
      new std::shared_ptr<const SiteStrategy>(
          std::make_shared<PathwiseStrategy>());
  return *strategy;
}

}  // namespace provi
