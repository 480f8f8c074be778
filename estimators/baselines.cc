// Copyright 2026 The provi Authors.

#include "estimators/baselines.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/status_error.h"

namespace provi {
namespace {

class Zero final : public Baseline {
 public:
  Tensor Value(Address, const Tensor&) const override { return Tensor(0.0); }
};

class Constant final : public Baseline {
 public:
  explicit Constant(Real b) : b_(b) {}
  Tensor Value(Address, const Tensor&) const override { return Tensor(b_); }

 private:
  Real b_;
};

class Learned final : public Baseline {
 public:
  explicit Learned(std::function<Tensor()> b) : b_(std::move(b)) {}
  Tensor Value(Address, const Tensor&) const override { return b_(); }
  Tensor Loss(Address, const Tensor& cost, const Tensor& value) const override {
    // Negated: the surrogate is maximised, the squared error minimised.
    return -SumAll(Square(value - Detach(cost)));
  }

 private:
  std::function<Tensor()> b_;
};

class LeaveOneOut final : public Baseline {
 public:
  Tensor Value(Address, const Tensor& cost) const override {
    const Index n = cost.rows();
    if (n < 2) {
      ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
          "a leave-one-out baseline needs at least two lanes, got ", n)));
    }
    // b_i = (Σ_j C_j - C_i) / (n - 1).
    const Tensor c = Detach(cost);
    return (SumAll(c) - c) * (Real(1) / static_cast<Real>(n - 1));
  }
};

}  // namespace

Tensor MovingAverage::Value(Address site, const Tensor&) const {
  absl::MutexLock lock(&mutex_);
  auto it = averages_.find(site);
  return Tensor(it == averages_.end() ? Real(0) : it->second);
}

void MovingAverage::Update(Address site, const Tensor& cost) const {
  const Real mean = static_cast<Real>(cost.value().mean());
  if (!std::isfinite(mean)) return;
  absl::MutexLock lock(&mutex_);
  auto [it, inserted] = averages_.emplace(site, mean);
  if (!inserted) it->second = decay_ * it->second + (1 - decay_) * mean;
}

std::string MovingAverage::StateKind() const {
  return absl::StrCat("moving average ", decay_);
}

std::shared_ptr<const Baseline> MovingAverage::Fresh() const {
  return std::make_shared<MovingAverage>(decay_);
}

Real MovingAverage::average(Address site) const {
  absl::MutexLock lock(&mutex_);
  auto it = averages_.find(site);
  return it == averages_.end() ? Real(0) : it->second;
}

std::shared_ptr<const Baseline> NoBaseline() {
  return std::make_shared<Zero>();
}

std::shared_ptr<const Baseline> ConstantBaseline(Real b) {
  return std::make_shared<Constant>(b);
}

std::shared_ptr<const Baseline> MovingAverageBaseline(Real decay) {
  if (!(decay >= 0 && decay < 1)) {
    ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
        "MovingAverageBaseline: decay ", decay, " must be in [0, 1)")));
  }
  return std::make_shared<MovingAverage>(decay);
}

std::shared_ptr<const Baseline> LearnedBaseline(std::function<Tensor()> b) {
  return std::make_shared<Learned>(std::move(b));
}

std::shared_ptr<const Baseline> LeaveOneOutBaseline() {
  return std::make_shared<LeaveOneOut>();
}

}  // namespace provi
