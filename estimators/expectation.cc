// Copyright 2026 The provi Authors.

#include "estimators/expectation.h"

namespace provi {

void AddCost(const Tensor& cost) {
  estimators_internal::Driver* driver = estimators_internal::Driver::Active();
  if (driver == nullptr || driver->current_run() == nullptr) {
    ThrowStatus(absl::FailedPreconditionError(
        "AddCost outside an Expectation's estimation"));
  }
  driver->current_run()->AddCost(cost);
}

absl::BitGenRef EstimationRng() {
  estimators_internal::Driver* driver = estimators_internal::Driver::Active();
  return driver != nullptr ? driver->gen() : ThreadRng();
}

}  // namespace provi
