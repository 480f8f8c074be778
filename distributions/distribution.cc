// Copyright 2026 The provi Authors.

#include "distributions/distribution.h"

#include <atomic>

#include "absl/strings/str_cat.h"
#include "base/status_error.h"

namespace provi {
namespace distribution_internal {

std::atomic<bool> validation_enabled{true};

}  // namespace distribution_internal

void SetDistributionValidation(bool enabled) {
  distribution_internal::validation_enabled.store(enabled,
                                                  std::memory_order_relaxed);
}

Tensor Distribution::RSample(absl::BitGenRef) const {
  ThrowStatus(absl::UnimplementedError(
      absl::StrCat(name(),
                   ": no reparameterised sampler (RSample); use a "
                   "score-function, enumeration or MVD estimator")));
}

std::vector<Tensor> Distribution::EnumerateSupport() const {
  ThrowStatus(absl::UnimplementedError(
      absl::StrCat(name(), ": the support is not finite; cannot enumerate")));
}

std::vector<MvdTerm> Distribution::MvdTerms(const Tensor&,
                                            absl::BitGenRef) const {
  ThrowStatus(absl::UnimplementedError(absl::StrCat(
      name(), ": no measure-valued derivative couplings for this family")));
}

}  // namespace provi
