// Copyright 2026 The provi Authors.
//
// File: vi/optimizers.h
// -----------------------------------------------------------------------------
//
// First-order optimizers over `Parameter`s (ad/tensor.h). `Step(parameters)`
// applies one update computed from the parameters' gradients, which are the
// gradient of a loss to MINIMISE (SVI negates the gradient of the objective
// it maximises; see vi/svi.h). Each optimizer keeps its state (momenta,
// accumulated squares) per parameter, keyed by the `Parameter*`, across
// steps; a parameter seen for the first time starts from fresh state, so
// parameters created lazily by a `ParamStore` join in when they appear.
//
//   Sgd      x -= lr (g + wd x), optionally with (Nesterov) momentum
//   Adam     Kingma & Ba (2015), with bias correction
//   AdaGrad  Duchi, Hazan & Singer (2011)
//   RmsProp  Tieleman & Hinton (2012), optionally with momentum
//
// Every optimizer takes, through its options struct:
//
//   * a learning rate, a `Schedule`: a plain number, or a function of the
//     number of completed steps (ConstantSchedule, ExponentialDecay,
//     StepDecay, InverseTimeDecay, CosineDecay, or any function);
//   * gradient clipping (`GradientClipping`): each gradient element clamped
//     to [-max_value, max_value], then all gradients of the step scaled
//     together so that their global L2 norm is at most max_norm.
//
// Errors are statuses from `Step`, and nothing is updated when it fails:
// InvalidArgument for invalid options (a negative learning rate, beta2 >= 1,
// ...), a null or repeated parameter, a gradient whose shape differs from
// its value's, a non-finite gradient element (the message names the
// parameter, by the name `names` gives it or else by its index in the span,
// and the element), or a schedule that gives
// a negative or non-finite learning rate.
//
// Thread-safety: an optimizer is used by one thread at a time.
//
// Example:
//
//   provi::Parameter w(provi::Matrix::Zero(3, 1));
//   provi::Adam adam({.learning_rate = provi::CosineDecay(0.05, 1000)});
//   for (int step = 0; step < 1000; ++step) {
//     provi::TapeScope scope;
//     w.ZeroGrad();
//     provi::Backward(Loss(w.tensor()));
//     PROVI_RETURN_IF_ERROR(adam.Step({&w}));
//   }

#ifndef PROVI_VI_OPTIMIZERS_H_
#define PROVI_VI_OPTIMIZERS_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/types/span.h"
#include "ad/tensor.h"

namespace provi {

// Schedule
//
// A learning rate as a function of the number of steps an optimizer has
// completed (0 for its first step). Implicitly constructible from a number
// (a constant rate), so options read `{.learning_rate = 1e-3}`. A schedule
// made by a factory below from invalid arguments is invalid: `status()`
// says why, and `Optimizer::Step` returns that status.
class Schedule {
 public:
  // A constant learning rate.
  Schedule(double learning_rate);  // NOLINT(google-explicit-constructor)

  // The rate `function(step)`.
  explicit Schedule(std::function<double(int64_t step)> function);

  // An invalid schedule carrying `error` (not OK).
  static Schedule Invalid(absl::Status error);

  // The learning rate for the step with this 0-based index (NaN when
  // invalid).
  double operator()(int64_t step) const;

  // OK, or why the schedule is invalid.
  const absl::Status& status() const { return status_; }

 private:
  std::function<double(int64_t)> function_;
  absl::Status status_;
};

// ConstantSchedule()
//
// lr(t) = learning_rate.
Schedule ConstantSchedule(double learning_rate);

// ExponentialDecay()
//
// lr(t) = initial · decay_rate^(t / decay_steps) (smooth: the exponent is
// fractional between multiples of decay_steps). Needs initial >= 0,
// decay_rate > 0, decay_steps > 0.
Schedule ExponentialDecay(double initial, double decay_rate,
                          int64_t decay_steps);

// StepDecay()
//
// lr(t) = initial · factor^⌊t / step_size⌋ (piecewise constant). Needs
// initial >= 0, factor > 0, step_size > 0.
Schedule StepDecay(double initial, double factor, int64_t step_size);

// InverseTimeDecay()
//
// lr(t) = initial / (1 + decay_rate · t / decay_steps). Needs initial >= 0,
// decay_rate >= 0, decay_steps > 0.
Schedule InverseTimeDecay(double initial, double decay_rate,
                          int64_t decay_steps);

// CosineDecay()
//
// lr(t) = final + (initial - final) · (1 + cos(π · min(t, decay_steps) /
// decay_steps)) / 2: from `initial` at t = 0 down to `final` at t =
// decay_steps, constant afterwards. Needs initial >= 0, final >= 0,
// decay_steps > 0.
Schedule CosineDecay(double initial, int64_t decay_steps, double final = 0);

// GradientClipping
//
// Applied to the gradients before every update (weight decay, where an
// optimizer has it, is added after clipping). Infinity turns a bound off.
struct GradientClipping {
  // Each element is clamped to [-max_value, max_value]. Must be > 0.
  double max_value = std::numeric_limits<double>::infinity();
  // Then, if the L2 norm of all the step's gradients together exceeds
  // max_norm, every gradient is multiplied by max_norm / norm. Must be > 0.
  double max_norm = std::numeric_limits<double>::infinity();
};

// OptimizerState
//
// What an optimizer keeps between steps, in a form a checkpoint can hold
// (distributed/checkpoint.h writes it): the step count and, for each
// parameter of a span, in the span's order, its update count and buffers.
// A parameter the optimizer has not updated yet has `updates` = 0 and empty
// buffers.
struct OptimizerState {
  struct PerParameter {
    int64_t updates = 0;
    Matrix first;
    Matrix second;
  };
  int64_t steps = 0;
  std::vector<PerParameter> parameters;
};

// ParameterNames
//
// The name of the i-th parameter of a step, for error messages.
using ParameterNames = std::function<std::string(size_t i)>;

// Optimizer
//
// The interface; see the file comment.
class Optimizer {
 public:
  virtual ~Optimizer();
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // Step()
  //
  // One update of every parameter in `parameters` from its gradient (see
  // the file comment for the errors). Gradients are read, not modified.
  // `names`, if set, names parameter i in error messages (Svi passes the
  // store's names); they are called only when a step fails.
  absl::Status Step(absl::Span<Parameter* const> parameters,
                    const ParameterNames& names = nullptr);

  // Reset()
  //
  // Forgets all per-parameter state and the step count: the next step is
  // a first step.
  void Reset();

  // steps()
  //
  // The number of successful steps so far (the schedule's argument for the
  // next one).
  int64_t steps() const { return steps_; }

  // learning_rate()
  //
  // The learning rate the next step will use.
  double learning_rate() const { return learning_rate_(steps_); }

  // GetState(), SetState()
  //
  // The state kept for `parameters` (see `OptimizerState`), and its
  // restoration: after `SetState(GetState(p), q)` on an optimizer of the
  // same kind and options, steps on q continue exactly as steps on p would
  // have. `SetState` forgets the state of every other parameter; it returns
  // InvalidArgument, changing nothing, when the state has another number of
  // parameters than `parameters` or a buffer whose shape is not its
  // parameter's.
  OptimizerState GetState(absl::Span<Parameter* const> parameters) const;
  absl::Status SetState(const OptimizerState& state,
                        absl::Span<Parameter* const> parameters);

 protected:
  // The state an optimizer keeps for one parameter: up to two buffers the
  // shape of the parameter, and the number of updates it has had.
  struct State {
    Index rows = -1;  // the parameter's shape when the state was made
    Index cols = -1;
    int64_t updates = 0;
    Matrix first;
    Matrix second;
  };

  Optimizer(Schedule learning_rate, GradientClipping clipping);

  // Checks the optimizer's own options (called by Step before anything
  // else).
  virtual absl::Status ValidateOptions() const = 0;

  // Allocates a fresh state for a parameter of this shape.
  virtual void InitState(State& state, Index rows, Index cols) const = 0;

  // Updates `value` in place from the clipped gradient `grad` with learning
  // rate `lr`; `state.updates` already counts this update.
  virtual void Update(State& state, Matrix& value, const Matrix& grad,
                      Real lr) const = 0;

 private:
  absl::Status Validate(absl::Span<Parameter* const> parameters,
                        const ParameterNames& names) const;
  State& StateFor(const Parameter& parameter);

  Schedule learning_rate_;
  GradientClipping clipping_;
  int64_t steps_ = 0;
  absl::flat_hash_map<const Parameter*, State> states_;
  std::vector<Matrix> clipped_;  // scratch, reused across steps
};

// SgdOptions
struct SgdOptions {
  Schedule learning_rate = 1e-2;
  // μ in [0, 1): v = μ v + g; the update is v (or g + μ v with Nesterov).
  double momentum = 0;
  // Nesterov momentum; needs momentum > 0.
  bool nesterov = false;
  // λ >= 0: the gradient gets + λ x (L2 regularisation), after clipping.
  double weight_decay = 0;
  GradientClipping clipping = {};
};

// Sgd
//
// Stochastic gradient descent: with g' = g + λ x,
//   no momentum:  x -= lr g'
//   momentum:     v = μ v + g' (v starts at 0);  x -= lr v
//   Nesterov:     v = μ v + g';                  x -= lr (g' + μ v)
class Sgd final : public Optimizer {
 public:
  explicit Sgd(SgdOptions options = {});
  const SgdOptions& options() const { return options_; }

 private:
  absl::Status ValidateOptions() const override;
  void InitState(State& state, Index rows, Index cols) const override;
  void Update(State& state, Matrix& value, const Matrix& grad,
              Real lr) const override;

  SgdOptions options_;
};

// AdamOptions
struct AdamOptions {
  Schedule learning_rate = 1e-3;
  double beta1 = 0.9;     // in [0, 1)
  double beta2 = 0.999;   // in [0, 1)
  double epsilon = 1e-8;  // > 0
  bool bias_correction = true;
  GradientClipping clipping = {};
};

// Adam
//
// With t the parameter's update count (from 1):
//   m = β1 m + (1 - β1) g;  v = β2 v + (1 - β2) g²   (both start at 0)
//   x -= lr m̂ / (√v̂ + ε),  m̂ = m / (1 - β1^t),  v̂ = v / (1 - β2^t)
// (m̂ = m and v̂ = v without bias correction). The first update is therefore
// lr · g / (|g| + ε): magnitude lr (less a relative ε / |g|) in every
// element with a nonzero gradient.
class Adam final : public Optimizer {
 public:
  explicit Adam(AdamOptions options = {});
  const AdamOptions& options() const { return options_; }

 private:
  absl::Status ValidateOptions() const override;
  void InitState(State& state, Index rows, Index cols) const override;
  void Update(State& state, Matrix& value, const Matrix& grad,
              Real lr) const override;

  AdamOptions options_;
};

// AdaGradOptions
struct AdaGradOptions {
  Schedule learning_rate = 1e-2;
  double epsilon = 1e-10;  // > 0
  // The accumulator's starting value, >= 0.
  double initial_accumulator = 0;
  GradientClipping clipping = {};
};

// AdaGrad
//
//   G += g²;  x -= lr g / (√G + ε)
class AdaGrad final : public Optimizer {
 public:
  explicit AdaGrad(AdaGradOptions options = {});
  const AdaGradOptions& options() const { return options_; }

 private:
  absl::Status ValidateOptions() const override;
  void InitState(State& state, Index rows, Index cols) const override;
  void Update(State& state, Matrix& value, const Matrix& grad,
              Real lr) const override;

  AdaGradOptions options_;
};

// RmsPropOptions
struct RmsPropOptions {
  Schedule learning_rate = 1e-2;
  double decay = 0.99;    // ρ in [0, 1)
  double epsilon = 1e-8;  // > 0
  double momentum = 0;    // μ in [0, 1)
  GradientClipping clipping = {};
};

// RmsProp
//
//   s = ρ s + (1 - ρ) g²  (s starts at 0);  d = g / (√s + ε)
//   no momentum: x -= lr d;  momentum: b = μ b + d, x -= lr b
class RmsProp final : public Optimizer {
 public:
  explicit RmsProp(RmsPropOptions options = {});
  const RmsPropOptions& options() const { return options_; }

 private:
  absl::Status ValidateOptions() const override;
  void InitState(State& state, Index rows, Index cols) const override;
  void Update(State& state, Matrix& value, const Matrix& grad,
              Real lr) const override;

  RmsPropOptions options_;
};

}  // namespace provi

#endif  // PROVI_VI_OPTIMIZERS_H_
