// Copyright 2026 The provi Authors.

#include "estimators/strategy_state.h"

namespace provi {

size_t StrategyState::size() const {
  absl::MutexLock lock(&mutex_);
  size_t n = 0;
  for (const auto& [site, entries] : objects_) n += entries.size();
  return n;
}

}  // namespace provi
