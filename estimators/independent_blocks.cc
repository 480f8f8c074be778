// Copyright 2026 The provi Authors.

#include "estimators/independent_blocks.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_error.h"
#include "estimators/internal/driver.h"

namespace provi {
namespace estimators_internal {

BlocksCall::BlocksCall(int blocks) : blocks_(blocks) {
  if (blocks < 0) {
    ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
        "IndependentBlocks: the number of blocks must be >= 0, got ", blocks)));
  }
  Driver* driver = Driver::Active();
  RunHandler* run = driver != nullptr ? driver->current_run() : nullptr;
  if (run == nullptr) return;
  call_ = run->BeginBlocks(blocks);
  if (call_ >= 0) run_ = run;
}

BlocksCall::~BlocksCall() {
  if (run_ != nullptr && entered_ >= 0) {
    run_->ExitBlock(call_, entered_, nullptr);
  }
}

bool BlocksCall::Skips(int j) const {
  return run_ != nullptr && run_->SkipsBlock(call_, j);
}

Tensor BlocksCall::Taken(int j) { return run_->TakeBlock(call_, j); }

void BlocksCall::Enter(int j) {
  if (run_ == nullptr) return;
  run_->EnterBlock(call_, j);
  entered_ = j;
}

void BlocksCall::Exit(int j, const Tensor& value) {
  if (run_ == nullptr) return;
  entered_ = -1;
  run_->ExitBlock(call_, j, &value);
}

}  // namespace estimators_internal
}  // namespace provi
