// Copyright 2026 The provi Authors.
//
// File: ad/tape.h
// -----------------------------------------------------------------------------
//
// The reverse-mode tape. Each thread has one `Tape`: a list of nodes in
// creation order (which is a topological order of the computation) and the
// `Arena` that owns their memory. An operation on tensors that need gradients
// pushes one node whose `Backward()` adds the node's adjoint, multiplied by
// the operation's local derivative, into its operands' adjoints. `Backward()`
// on a loss walks the tape once, last node first.
//
// A `TapeScope` marks the tape and the arena and recovers both when it ends,
// so one gradient step's memory is reused by the next. Scopes nest. Outside
// every scope nothing is recorded: operations compute values only and their
// results are constants.
//
// Most code never touches this header: `ad/tensor.h` and `ad/ops.h` are the
// user-facing API.
//
// Example:
//
//   provi::Parameter w(Matrix::Random(3, 3));
//   for (int step = 0; step < 100; ++step) {
//     provi::TapeScope scope;
//     provi::Tensor loss = provi::SumAll(provi::Square(w.tensor()));
//     w.ZeroGrad();
//     provi::Backward(loss);
//     w.value() -= 0.1 * w.grad();
//   }  // the scope recovers the tape and the arena here

#ifndef PROVI_AD_TAPE_H_
#define PROVI_AD_TAPE_H_

#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "ad/arena.h"

namespace provi {

// Node
//
// One recorded operation. Lives in the arena and is never destroyed.
class Node {
 public:
  // Adds this node's adjoint, times the local derivative, into the operands'
  // adjoints.
  virtual void Backward() = 0;

  // The adjoint buffer of the node's output, zeroed by `Tape::ZeroAdjoints`.
  void* adjoint() const { return adjoint_; }
  size_t adjoint_bytes() const { return adjoint_bytes_; }

 protected:
  Node(void* adjoint, size_t adjoint_bytes)
      : adjoint_(adjoint), adjoint_bytes_(adjoint_bytes) {}
  ~Node() = default;

 private:
  void* adjoint_;
  size_t adjoint_bytes_;
};

// Tape
//
// The calling thread's nodes and arena.
class Tape {
 public:
  // Current()
  //
  // This thread's tape.
  static Tape& Current() {
    thread_local Tape tape;
    return tape;
  }

  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;

  // recording()
  //
  // True inside a `TapeScope` and outside any `NoRecordScope` within it;
  // operations record nodes only then.
  bool recording() const { return depth_ > 0 && paused_ == 0; }

  // in_scope()
  //
  // True inside a `TapeScope`: results of operations live in the arena.
  bool in_scope() const { return depth_ > 0; }

  Arena& arena() { return arena_; }

  // Push()
  //
  // Records a node whose output adjoint is `adjoint` (`adjoint_bytes` long)
  // and whose backward step is `backward()`. `backward` must be trivially
  // destructible (it lives in the arena): capture pointers and sizes, never
  // owning objects.
  template <typename F>
  void Push(void* adjoint, size_t adjoint_bytes, F backward) {
    static_assert(std::is_trivially_destructible_v<F>,
                  "backward closures live in the arena: capture only "
                  "pointers and plain values");
    void* memory = arena_.Allocate(sizeof(CallbackNode<F>));
    nodes_.push_back(new (memory) CallbackNode<F>(adjoint, adjoint_bytes,
                                                  std::move(backward)));
  }

  // KeepAlive()
  //
  // Holds a reference to `storage` until the innermost `TapeScope` ends, so
  // a node may capture pointers into a heap-owned constant that the caller
  // lets go of before the reverse sweep.
  void KeepAlive(std::shared_ptr<const void> storage) {
    keep_alive_.push_back(std::move(storage));
  }

  // size()
  //
  // The number of nodes recorded.
  size_t size() const { return nodes_.size(); }

  // Sweep()
  //
  // Runs `Backward()` of every node, last first.
  void Sweep();

  // ZeroAdjoints()
  //
  // Sets every recorded adjoint to zero, so the tape can be swept again for
  // another loss. Adjoints of `Parameter`s are not on the tape; see
  // `Parameter::ZeroGrad`.
  void ZeroAdjoints();

 private:
  friend class TapeScope;
  friend class NoRecordScope;
  friend class ResumeRecordingScope;

  template <typename F>
  class CallbackNode final : public Node {
   public:
    CallbackNode(void* adjoint, size_t adjoint_bytes, F&& backward)
        : Node(adjoint, adjoint_bytes), backward_(std::move(backward)) {}
    void Backward() override { backward_(); }

   private:
    F backward_;
  };

  Tape() = default;

  std::vector<Node*> nodes_;
  std::vector<std::shared_ptr<const void>> keep_alive_;
  Arena arena_;
  int depth_ = 0;
  int paused_ = 0;
};

// TapeScope
//
// RAII: while alive, operations on this thread record nodes; on destruction
// the tape and arena return to their state at construction. Tensors created
// inside a scope must not be used after it ends. Scopes nest and must be
// destroyed in reverse order of construction (automatic with RAII), also when
// an exception unwinds through them.
class TapeScope {
 public:
  TapeScope();
  ~TapeScope();
  TapeScope(const TapeScope&) = delete;
  TapeScope& operator=(const TapeScope&) = delete;

 private:
  Tape& tape_;
  size_t node_mark_;
  size_t keep_alive_mark_;
  Arena::Mark arena_mark_;
};

// NoRecordScope
//
// RAII: while alive, operations on this thread record nothing, even inside a
// `TapeScope` (values only; results are constants). Results are still
// allocated in the arena when a `TapeScope` is active.
class NoRecordScope {
 public:
  NoRecordScope();
  ~NoRecordScope();
  NoRecordScope(const NoRecordScope&) = delete;
  NoRecordScope& operator=(const NoRecordScope&) = delete;

 private:
  Tape& tape_;
};

// ResumeRecordingScope
//
// RAII: while alive, operations record again even inside `NoRecordScope`s
// opened before it (it must itself be inside a `TapeScope`: a checked
// precondition). For code that must see which values depend on which
// although its caller records nothing (an autoguide's set-up run); what it
// records is recovered by the innermost `TapeScope` as usual. A
// `NoRecordScope` opened inside it pauses recording again.
class ResumeRecordingScope {
 public:
  ResumeRecordingScope();
  ~ResumeRecordingScope();
  ResumeRecordingScope(const ResumeRecordingScope&) = delete;
  ResumeRecordingScope& operator=(const ResumeRecordingScope&) = delete;

 private:
  Tape& tape_;
  int paused_;
};

}  // namespace provi

#endif  // PROVI_AD_TAPE_H_
