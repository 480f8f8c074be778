// Copyright 2026 The provi Authors.

#include "vi/optimizers.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace provi {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Written so that NaN fails them.
bool InHalfOpenUnit(double x) { return x >= 0 && x < 1; }
bool Positive(double x) { return x > 0; }
bool PositiveFinite(double x) { return x > 0 && std::isfinite(x); }
bool NonNegativeFinite(double x) { return x >= 0 && std::isfinite(x); }

// One argument or option, whether it is acceptable, and what it must be.
struct Requirement {
  const char* name;
  double value;
  bool ok;
  const char* must_be;
};

// InvalidArgument "<owner>: <name> = <value> must be <must_be>" for the first
// requirement not met, else OK.
absl::Status Check(absl::string_view owner,
                   std::initializer_list<Requirement> requirements) {
  for (const Requirement& r : requirements) {
    if (!r.ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          owner, ": ", r.name, " = ", r.value, " must be ", r.must_be));
    }
  }
  return absl::OkStatus();
}

Requirement InitialRate(double initial) {
  return {"initial", initial, NonNegativeFinite(initial), "finite and >= 0"};
}

Requirement StepCount(const char* name, int64_t steps) {
  return {name, static_cast<double>(steps), steps > 0, "> 0"};
}

}  // namespace

// -----------------------------------------------------------------------------
// Schedules
// -----------------------------------------------------------------------------

Schedule::Schedule(double learning_rate)
    : function_([learning_rate](int64_t) { return learning_rate; }) {}

Schedule::Schedule(std::function<double(int64_t step)> function)
    : function_(std::move(function)) {
  if (function_ == nullptr) {
    status_ = absl::InvalidArgumentError("the schedule's function is empty");
  }
}

Schedule Schedule::Invalid(absl::Status error) {
  Schedule schedule(0.0);
  schedule.status_ =
      error.ok() ? absl::UnknownError("invalid schedule") : std::move(error);
  return schedule;
}

double Schedule::operator()(int64_t step) const {
  if (!status_.ok()) return std::numeric_limits<double>::quiet_NaN();
  return function_(step);
}

Schedule ConstantSchedule(double learning_rate) {
  const absl::Status status =
      Check("ConstantSchedule",
            {{"learning_rate", learning_rate, NonNegativeFinite(learning_rate),
              "finite and >= 0"}});
  if (!status.ok()) return Schedule::Invalid(status);
  return Schedule(learning_rate);
}

Schedule ExponentialDecay(double initial, double decay_rate,
                          int64_t decay_steps) {
  const absl::Status status = Check(
      "ExponentialDecay",
      {InitialRate(initial),
       {"decay_rate", decay_rate, PositiveFinite(decay_rate), "finite and > 0"},
       StepCount("decay_steps", decay_steps)});
  if (!status.ok()) return Schedule::Invalid(status);
  return Schedule([=](int64_t t) {
    return initial * std::pow(decay_rate, static_cast<double>(t) /
                                              static_cast<double>(decay_steps));
  });
}

Schedule StepDecay(double initial, double factor, int64_t step_size) {
  const absl::Status status =
      Check("StepDecay",
            {InitialRate(initial),
             {"factor", factor, PositiveFinite(factor), "finite and > 0"},
             StepCount("step_size", step_size)});
  if (!status.ok()) return Schedule::Invalid(status);
  return Schedule([=](int64_t t) {
    return initial * std::pow(factor, static_cast<double>(t / step_size));
  });
}

Schedule InverseTimeDecay(double initial, double decay_rate,
                          int64_t decay_steps) {
  const absl::Status status = Check(
      "InverseTimeDecay", {InitialRate(initial),
                           {"decay_rate", decay_rate,
                            NonNegativeFinite(decay_rate), "finite and >= 0"},
                           StepCount("decay_steps", decay_steps)});
  if (!status.ok()) return Schedule::Invalid(status);
  return Schedule([=](int64_t t) {
    return initial / (1 + decay_rate * static_cast<double>(t) /
                              static_cast<double>(decay_steps));
  });
}

Schedule CosineDecay(double initial, int64_t decay_steps, double final) {
  const absl::Status status =
      Check("CosineDecay",
            {InitialRate(initial),
             {"final", final, NonNegativeFinite(final), "finite and >= 0"},
             StepCount("decay_steps", decay_steps)});
  if (!status.ok()) return Schedule::Invalid(status);
  return Schedule([=](int64_t t) {
    const double progress = static_cast<double>(std::min(t, decay_steps)) /
                            static_cast<double>(decay_steps);
    return final + (initial - final) * 0.5 * (1 + std::cos(kPi * progress));
  });
}

// -----------------------------------------------------------------------------
// Optimizer
// -----------------------------------------------------------------------------

Optimizer::Optimizer(Schedule learning_rate, GradientClipping clipping)
    : learning_rate_(std::move(learning_rate)), clipping_(clipping) {}

Optimizer::~Optimizer() = default;

void Optimizer::Reset() {
  states_.clear();
  steps_ = 0;
}

absl::Status Optimizer::Validate(absl::Span<Parameter* const> parameters,
                                 const ParameterNames& names) const {
  const auto label = [&](size_t i) {
    return names ? absl::StrCat("parameter '", names(i), "'")
                 : absl::StrCat("parameter ", i);
  };
  if (!learning_rate_.status().ok()) return learning_rate_.status();
  if (absl::Status status =
          Check("GradientClipping", {{"max_value", clipping_.max_value,
                                      Positive(clipping_.max_value), "> 0"},
                                     {"max_norm", clipping_.max_norm,
                                      Positive(clipping_.max_norm), "> 0"}});
      !status.ok()) {
    return status;
  }
  if (absl::Status status = ValidateOptions(); !status.ok()) return status;
  const double lr = learning_rate_(steps_);
  if (!NonNegativeFinite(lr)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the learning-rate schedule gives ", lr, " at step ",
                     steps_, "; it must be finite and >= 0"));
  }
  // A few parameters are compared pairwise; a hash set (which allocates)
  // pays off only for more.
  constexpr size_t kPairwiseUpTo = 16;
  const bool pairwise = parameters.size() <= kPairwiseUpTo;
  absl::flat_hash_set<const Parameter*> seen;
  for (size_t i = 0; i < parameters.size(); ++i) {
    const Parameter* parameter = parameters[i];
    if (parameter == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(label(i), " is null"));
    }
    const bool repeated =
        pairwise ? std::find(parameters.begin(), parameters.begin() + i,
                             parameter) != parameters.begin() + i
                 : !seen.insert(parameter).second;
    if (repeated) {
      return absl::InvalidArgumentError(
          absl::StrCat(label(i), " appears more than once in the same step"));
    }
    const Matrix& grad = parameter->grad();
    if (grad.rows() != parameter->rows() || grad.cols() != parameter->cols()) {
      return absl::InvalidArgumentError(
          absl::StrCat(label(i), " has a ", grad.rows(), "x", grad.cols(),
                       " gradient for a ", parameter->rows(), "x",
                       parameter->cols(), " value"));
    }
    // One vectorised pass; the element is looked for only on failure.
    if (AllFinite(grad)) continue;
    for (Index c = 0; c < grad.cols(); ++c) {
      for (Index r = 0; r < grad.rows(); ++r) {
        if (!std::isfinite(grad(r, c))) {
          return absl::InvalidArgumentError(absl::StrCat(
              label(i), " has a non-finite gradient: element (", r, ", ", c,
              ") is ", grad(r, c), "; nothing was updated"));
        }
      }
    }
  }
  return absl::OkStatus();
}

Optimizer::State& Optimizer::StateFor(const Parameter& parameter) {
  State& state = states_[&parameter];
  // New, or the parameter was reshaped (e.g. by ParamStore::Load): start
  // afresh.
  if (state.rows != parameter.rows() || state.cols != parameter.cols()) {
    state = State();
    state.rows = parameter.rows();
    state.cols = parameter.cols();
    InitState(state, parameter.rows(), parameter.cols());
  }
  return state;
}

OptimizerState Optimizer::GetState(
    absl::Span<Parameter* const> parameters) const {
  OptimizerState state;
  state.steps = steps_;
  state.parameters.resize(parameters.size());
  for (size_t i = 0; i < parameters.size(); ++i) {
    auto it = states_.find(parameters[i]);
    if (it == states_.end() || it->second.rows != parameters[i]->rows() ||
        it->second.cols != parameters[i]->cols()) {
      continue;  // StateFor would start this parameter afresh
    }
    state.parameters[i] = {it->second.updates, it->second.first,
                           it->second.second};
  }
  return state;
}

absl::Status Optimizer::SetState(const OptimizerState& state,
                                 absl::Span<Parameter* const> parameters) {
  if (state.parameters.size() != parameters.size() || state.steps < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "optimizer state for ", state.parameters.size(), " parameters after ",
        state.steps, " steps, restored onto ", parameters.size(),
        " parameters"));
  }
  absl::flat_hash_map<const Parameter*, State> states;
  for (size_t i = 0; i < parameters.size(); ++i) {
    const OptimizerState::PerParameter& p = state.parameters[i];
    if (p.updates == 0) continue;
    State restored;
    restored.rows = parameters[i]->rows();
    restored.cols = parameters[i]->cols();
    InitState(restored, restored.rows, restored.cols);
    if (p.updates < 0 || p.first.rows() != restored.first.rows() ||
        p.first.cols() != restored.first.cols() ||
        p.second.rows() != restored.second.rows() ||
        p.second.cols() != restored.second.cols()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "optimizer state of parameter ", i, " (", p.updates,
          " updates, buffers ", p.first.rows(), "x", p.first.cols(), " and ",
          p.second.rows(), "x", p.second.cols(), ") does not fit a ",
          restored.rows, "x", restored.cols, " parameter"));
    }
    restored.updates = p.updates;
    restored.first = p.first;
    restored.second = p.second;
    states.emplace(parameters[i], std::move(restored));
  }
  states_ = std::move(states);
  steps_ = state.steps;
  return absl::OkStatus();
}

absl::Status Optimizer::Step(absl::Span<Parameter* const> parameters,
                             const ParameterNames& names) {
  if (absl::Status status = Validate(parameters, names); !status.ok()) {
    return status;
  }
  const Real lr = static_cast<Real>(learning_rate_(steps_));

  // Clipping works on copies: the gradients stay as Backward left them.
  const bool clip_values = std::isfinite(clipping_.max_value);
  const bool clip_norm = std::isfinite(clipping_.max_norm);
  std::vector<const Matrix*> grads(parameters.size());
  if (clip_values || clip_norm) {
    clipped_.resize(parameters.size());
    const Real bound = static_cast<Real>(clipping_.max_value);
    double squared_norm = 0;
    for (size_t i = 0; i < parameters.size(); ++i) {
      clipped_[i] = parameters[i]->grad();
      if (clip_values) {
        clipped_[i] = clipped_[i].cwiseMax(-bound).cwiseMin(bound);
      }
      squared_norm += clipped_[i].cast<double>().squaredNorm();
      grads[i] = &clipped_[i];
    }
    const double norm = std::sqrt(squared_norm);
    if (clip_norm && norm > clipping_.max_norm) {
      const Real scale = static_cast<Real>(clipping_.max_norm / norm);
      for (Matrix& grad : clipped_) grad *= scale;
    }
  } else {
    for (size_t i = 0; i < parameters.size(); ++i) {
      grads[i] = &parameters[i]->grad();
    }
  }

  for (size_t i = 0; i < parameters.size(); ++i) {
    State& state = StateFor(*parameters[i]);
    ++state.updates;
    Update(state, parameters[i]->value(), *grads[i], lr);
  }
  ++steps_;
  return absl::OkStatus();
}

// -----------------------------------------------------------------------------
// Sgd
// -----------------------------------------------------------------------------

Sgd::Sgd(SgdOptions options)
    : Optimizer(options.learning_rate, options.clipping),
      options_(std::move(options)) {}

absl::Status Sgd::ValidateOptions() const {
  if (options_.nesterov && options_.momentum == 0) {
    return absl::InvalidArgumentError("Sgd: Nesterov needs momentum > 0");
  }
  return Check(
      "Sgd", {{"momentum", options_.momentum, InHalfOpenUnit(options_.momentum),
               "in [0, 1)"},
              {"weight_decay", options_.weight_decay,
               NonNegativeFinite(options_.weight_decay), "finite and >= 0"}});
}

void Sgd::InitState(State& state, Index rows, Index cols) const {
  if (options_.momentum > 0) state.first = Matrix::Zero(rows, cols);
}

void Sgd::Update(State& state, Matrix& value, const Matrix& grad,
                 Real lr) const {
  Matrix g = grad;
  if (options_.weight_decay > 0) {
    g += static_cast<Real>(options_.weight_decay) * value;
  }
  if (options_.momentum == 0) {
    value -= lr * g;
    return;
  }
  const Real mu = static_cast<Real>(options_.momentum);
  Matrix& velocity = state.first;
  velocity = mu * velocity + g;
  if (options_.nesterov) {
    value -= lr * (g + mu * velocity);
  } else {
    value -= lr * velocity;
  }
}

// -----------------------------------------------------------------------------
// Adam
// -----------------------------------------------------------------------------

Adam::Adam(AdamOptions options)
    : Optimizer(options.learning_rate, options.clipping),
      options_(std::move(options)) {}

absl::Status Adam::ValidateOptions() const {
  return Check(
      "Adam",
      {{"beta1", options_.beta1, InHalfOpenUnit(options_.beta1), "in [0, 1)"},
       {"beta2", options_.beta2, InHalfOpenUnit(options_.beta2), "in [0, 1)"},
       {"epsilon", options_.epsilon, PositiveFinite(options_.epsilon),
        "finite and > 0"}});
}

void Adam::InitState(State& state, Index rows, Index cols) const {
  state.first = Matrix::Zero(rows, cols);
  state.second = Matrix::Zero(rows, cols);
}

namespace {

// Adam's bias corrections 1 - β1^t and 1 - β2^t. Every parameter of one step
// has the same t, so the thread keeps the last pair and computes std::pow
// once per step instead of twice per parameter.
struct BiasCorrections {
  double beta1 = -1;
  double beta2 = -1;
  int64_t t = -1;
  double first = 1;
  double second = 1;
};

const BiasCorrections& BiasCorrectionsAt(double beta1, double beta2,
                                         int64_t t) {
  thread_local BiasCorrections cached;
  if (cached.t != t || cached.beta1 != beta1 || cached.beta2 != beta2) {
    const double steps = static_cast<double>(t);
    cached = {beta1, beta2, t, 1 - std::pow(beta1, steps),
              1 - std::pow(beta2, steps)};
  }
  return cached;
}

}  // namespace

void Adam::Update(State& state, Matrix& value, const Matrix& grad,
                  Real lr) const {
  const double beta1 = options_.beta1;
  const double beta2 = options_.beta2;
  double step = lr;
  double v_correction = 1;
  if (options_.bias_correction) {
    const BiasCorrections& corrections =
        BiasCorrectionsAt(beta1, beta2, state.updates);
    step /= corrections.first;
    v_correction = corrections.second;
  }
  const Real b1 = static_cast<Real>(beta1);
  const Real c1 = static_cast<Real>(1 - beta1);
  const Real b2 = static_cast<Real>(beta2);
  const Real c2 = static_cast<Real>(1 - beta2);
  const Real rate = static_cast<Real>(step);
  const Real inverse_sqrt_correction =
      static_cast<Real>(1 / std::sqrt(v_correction));
  const Real epsilon = static_cast<Real>(options_.epsilon);
  // The three updates run chunk by chunk, so that each chunk of the moments,
  // the gradient and the value is read from memory once (the arithmetic,
  // and so every bit of the result, is that of three whole-array passes).
  ForEachChunk(
      value.size(),
      [&](auto m, auto v, auto x, auto g) {
        m = b1 * m + c1 * g;
        v = b2 * v + c2 * g.square();
        x -= rate * m / ((v.sqrt() * inverse_sqrt_correction) + epsilon);
      },
      state.first.data(), state.second.data(), value.data(),
      static_cast<const Real*>(grad.data()));
}

// -----------------------------------------------------------------------------
// AdaGrad
// -----------------------------------------------------------------------------

AdaGrad::AdaGrad(AdaGradOptions options)
    : Optimizer(options.learning_rate, options.clipping),
      options_(std::move(options)) {}

absl::Status AdaGrad::ValidateOptions() const {
  return Check("AdaGrad", {{"epsilon", options_.epsilon,
                            PositiveFinite(options_.epsilon), "finite and > 0"},
                           {"initial_accumulator", options_.initial_accumulator,
                            NonNegativeFinite(options_.initial_accumulator),
                            "finite and >= 0"}});
}

void AdaGrad::InitState(State& state, Index rows, Index cols) const {
  state.first = Matrix::Constant(
      rows, cols, static_cast<Real>(options_.initial_accumulator));
}

void AdaGrad::Update(State& state, Matrix& value, const Matrix& grad,
                     Real lr) const {
  Matrix& sum_squares = state.first;
  sum_squares += grad.cwiseProduct(grad);
  const Real epsilon = static_cast<Real>(options_.epsilon);
  value.array() -= lr * grad.array() / (sum_squares.array().sqrt() + epsilon);
}

// -----------------------------------------------------------------------------
// RmsProp
// -----------------------------------------------------------------------------

RmsProp::RmsProp(RmsPropOptions options)
    : Optimizer(options.learning_rate, options.clipping),
      options_(std::move(options)) {}

absl::Status RmsProp::ValidateOptions() const {
  return Check("RmsProp", {{"decay", options_.decay,
                            InHalfOpenUnit(options_.decay), "in [0, 1)"},
                           {"epsilon", options_.epsilon,
                            PositiveFinite(options_.epsilon), "finite and > 0"},
                           {"momentum", options_.momentum,
                            InHalfOpenUnit(options_.momentum), "in [0, 1)"}});
}

void RmsProp::InitState(State& state, Index rows, Index cols) const {
  state.first = Matrix::Zero(rows, cols);
  if (options_.momentum > 0) state.second = Matrix::Zero(rows, cols);
}

void RmsProp::Update(State& state, Matrix& value, const Matrix& grad,
                     Real lr) const {
  const Real rho = static_cast<Real>(options_.decay);
  Matrix& mean_square = state.first;
  mean_square = rho * mean_square + (1 - rho) * grad.cwiseProduct(grad);
  const Real epsilon = static_cast<Real>(options_.epsilon);
  const Matrix direction =
      (grad.array() / (mean_square.array().sqrt() + epsilon)).matrix();
  if (options_.momentum == 0) {
    value -= lr * direction;
    return;
  }
  Matrix& buffer = state.second;
  buffer = static_cast<Real>(options_.momentum) * buffer + direction;
  value -= lr * buffer;
}

}  // namespace provi
