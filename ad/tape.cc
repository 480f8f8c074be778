// Copyright 2026 The provi Authors.

#include "ad/tape.h"

#include <cstring>

#include "base/check.h"

namespace provi {

void Tape::Sweep() {
  for (size_t i = nodes_.size(); i-- > 0;) nodes_[i]->Backward();
}

void Tape::ZeroAdjoints() {
  for (Node* node : nodes_) {
    std::memset(node->adjoint(), 0, node->adjoint_bytes());
  }
}

TapeScope::TapeScope()
    : tape_(Tape::Current()),
      node_mark_(tape_.nodes_.size()),
      keep_alive_mark_(tape_.keep_alive_.size()),
      arena_mark_(tape_.arena_.GetMark()) {
  ++tape_.depth_;
}

TapeScope::~TapeScope() {
  PROVI_CHECK(tape_.nodes_.size() >= node_mark_)
      << "TapeScopes destroyed out of order";
  --tape_.depth_;
  tape_.nodes_.resize(node_mark_);
  tape_.keep_alive_.resize(keep_alive_mark_);
  tape_.arena_.Recover(arena_mark_);
}

NoRecordScope::NoRecordScope() : tape_(Tape::Current()) { ++tape_.paused_; }

NoRecordScope::~NoRecordScope() { --tape_.paused_; }

ResumeRecordingScope::ResumeRecordingScope()
    : tape_(Tape::Current()), paused_(tape_.paused_) {
  PROVI_CHECK(tape_.in_scope()) << "ResumeRecordingScope outside a TapeScope";
  tape_.paused_ = 0;
}

ResumeRecordingScope::~ResumeRecordingScope() {
  PROVI_CHECK(tape_.paused_ == 0)
      << "a NoRecordScope outlived the ResumeRecordingScope it was opened in";
  tape_.paused_ = paused_;
}

}  // namespace provi
