// Copyright 2026 The provi Authors.

#include "estimators/strategies.h"

namespace provi {

const std::shared_ptr<const SiteStrategy>& DefaultStrategy(
    const Distribution& dist) {
  static const std::shared_ptr<const SiteStrategy>* const pathwise =
      new std::shared_ptr<const SiteStrategy>(Pathwise());
  static const std::shared_ptr<const SiteStrategy>* const score_function =
      new std::shared_ptr<const SiteStrategy>(ScoreFunction());
  return dist.has_rsample() ? *pathwise : *score_function;
}

}  // namespace provi
