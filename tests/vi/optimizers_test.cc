// Copyright 2026 The provi Authors.
//
// Optimizers: each minimises a quadratic; Adam's first step has magnitude
// lr; clipping bounds the update; schedules give their documented values;
// invalid gradients and options are statuses and change nothing.

#include "vi/optimizers.h"

#include <cmath>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "Eigen/Dense"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace provi {
namespace {

using ::testing::HasSubstr;

// f(x) = ½ (x − a)ᵀ H (x − a) over x in R³, held as two parameters (x0, x1
// in a 2x1 one, x2 in a 1x1 one) so that every optimizer also has to keep
// state per parameter. H is symmetric with eigenvalues in [0.5, 4]
// (Gershgorin), so plain gradient descent converges for lr < 0.5.
class Quadratic {
 public:
  Quadratic() {
    h_ << 3.0, 1.0, 0.0,  //
        1.0, 2.0, 0.5,    //
        0.0, 0.5, 1.5;
    a_ << 1.0, -2.0, 0.5;
  }

  Eigen::Vector3d X() const {
    return Eigen::Vector3d(head_.value()(0, 0), head_.value()(1, 0),
                           tail_.value()(0, 0));
  }

  // Writes ∇f = H (x − a) into the gradients.
  void SetGradients() {
    const Eigen::Vector3d g = h_ * (X() - a_);
    head_.grad()(0, 0) = static_cast<Real>(g(0));
    head_.grad()(1, 0) = static_cast<Real>(g(1));
    tail_.grad()(0, 0) = static_cast<Real>(g(2));
  }

  // Runs `steps` steps from x = 0 and returns max |x − minimiser|.
  double Minimise(Optimizer& optimizer, int steps,
                  const Eigen::Vector3d& minimiser) {
    for (int step = 0; step < steps; ++step) {
      SetGradients();
      const absl::Status status = optimizer.Step({&head_, &tail_});
      EXPECT_TRUE(status.ok()) << status;
      if (!status.ok()) break;
    }
    return (X() - minimiser).cwiseAbs().maxCoeff();
  }
  double Minimise(Optimizer& optimizer, int steps) {
    return Minimise(optimizer, steps, a_);
  }

  const Eigen::Matrix3d& h() const { return h_; }
  const Eigen::Vector3d& a() const { return a_; }

 private:
  Eigen::Matrix3d h_;
  Eigen::Vector3d a_;
  Parameter head_{Matrix::Zero(2, 1)};
  Parameter tail_{Matrix::Zero(1, 1)};
};

// Tolerance on the minimiser: far above rounding in either precision, far
// below the initial distance (2).
constexpr double kTolerance = 1e-4;

struct Case {
  std::string name;
  std::function<std::unique_ptr<Optimizer>()> make;
  int steps;
};

template <typename O, typename Options>
Case Make(std::string name, Options options, int steps) {
  return {std::move(name), [options] { return std::make_unique<O>(options); },
          steps};
}

TEST(OptimizersTest, EachMinimisesAQuadratic) {
  const std::vector<Case> cases = {
      Make<Sgd>("sgd", SgdOptions{.learning_rate = 0.2}, 200),
      Make<Sgd>("sgd_momentum",
                SgdOptions{.learning_rate = 0.05, .momentum = 0.9}, 500),
      Make<Sgd>(
          "sgd_nesterov",
          SgdOptions{.learning_rate = 0.05, .momentum = 0.9, .nesterov = true},
          500),
      Make<Adam>("adam", AdamOptions{.learning_rate = 0.02}, 3000),
      Make<AdaGrad>("adagrad", AdaGradOptions{.learning_rate = 0.5}, 1000),
      Make<RmsProp>(
          "rmsprop",
          RmsPropOptions{.learning_rate = ExponentialDecay(0.01, 0.5, 200)},
          3000),
      Make<RmsProp>(
          "rmsprop_momentum",
          RmsPropOptions{.learning_rate = ExponentialDecay(0.01, 0.5, 200),
                         .momentum = 0.5},
          3000),
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Quadratic f;
    std::unique_ptr<Optimizer> optimizer = c.make();
    EXPECT_LT(f.Minimise(*optimizer, c.steps), kTolerance);
    EXPECT_EQ(optimizer->steps(), c.steps);
  }
}

// With weight decay λ the minimiser is that of f + λ/2 |x|²:
// (H + λ I) x = H a.
TEST(OptimizersTest, SgdWeightDecayMovesTheMinimiser) {
  Quadratic f;
  SgdOptions options;
  options.learning_rate = 0.2;
  options.weight_decay = 0.5;
  Sgd sgd(options);
  const Eigen::Vector3d minimiser =
      (f.h() + 0.5 * Eigen::Matrix3d::Identity()).ldlt().solve(f.h() * f.a());
  EXPECT_LT(f.Minimise(sgd, 300, minimiser), kTolerance);
}

// Adam's first update is lr · g / (|g| + ε) in every element: magnitude lr
// up to the relative ε / |g|; elements with zero gradient do not move. The
// second update with the same gradient is the same (m̂ = g, v̂ = g²).
TEST(OptimizersTest, AdamFirstStepHasMagnitudeLearningRate) {
  const double lr = 0.003;
  AdamOptions options;
  options.learning_rate = lr;
  Adam adam(options);
  Parameter x(Matrix::Zero(4, 1));
  const double grads[4] = {3.7, -0.2, 1e-3, 0.0};
  for (Index i = 0; i < 4; ++i) x.grad()(i, 0) = static_cast<Real>(grads[i]);
  const double tol = kRealIsDouble ? 1e-12 : 1e-8;
  for (int step = 1; step <= 2; ++step) {
    ASSERT_TRUE(adam.Step({&x}).ok());
    for (Index i = 0; i < 4; ++i) {
      const double g = grads[i];
      const double expected =
          g == 0 ? 0 : -step * lr * g / (std::abs(g) + options.epsilon);
      EXPECT_NEAR(x.value()(i, 0), expected, tol) << "element " << i;
      if (g != 0) {
        // Magnitude lr per step, less the relative ε / |g| (and rounding).
        EXPECT_NEAR(std::abs(x.value()(i, 0)), step * lr,
                    step * lr * (options.epsilon / std::abs(g) + 1e-6));
      }
    }
  }
}

// GetState / SetState: an optimizer restored from another's state continues
// exactly as the other would (the checkpoints of distributed/ rely on it).
TEST(OptimizersTest, RestoredStateContinuesExactly) {
  auto run = [](Optimizer& optimizer, Parameter& x, int steps) {
    for (int k = 0; k < steps; ++k) {
      x.grad() = x.value().array().sin().matrix() + Matrix::Constant(3, 1, 0.1);
      ASSERT_TRUE(optimizer.Step({&x}).ok());
    }
  };
  Matrix init(3, 1);
  init << 0.5, -1.0, 2.0;
  Adam first(AdamOptions{0.05});
  Parameter a(init);
  run(first, a, 5);
  const OptimizerState state = first.GetState({&a});
  EXPECT_EQ(state.steps, 5);
  ASSERT_EQ(state.parameters.size(), 1u);
  EXPECT_EQ(state.parameters[0].updates, 5);

  Adam second(AdamOptions{0.05});
  Parameter b(a.value());
  ASSERT_TRUE(second.SetState(state, {&b}).ok());
  run(first, a, 7);
  run(second, b, 7);
  EXPECT_EQ(a.value(), b.value());
  // A fresh optimizer (no state) would have gone elsewhere.
  Adam fresh(AdamOptions{0.05});
  Parameter c(init);
  run(fresh, c, 5);
  Adam restarted(AdamOptions{0.05});
  run(restarted, c, 7);
  EXPECT_NE(a.value(), c.value());
}

TEST(OptimizersTest, SetStateRejectsStateThatDoesNotFit) {
  Adam adam;
  Parameter x(Matrix::Zero(2, 1));
  OptimizerState state;
  state.steps = 1;
  state.parameters.resize(2);
  absl::Status status = adam.SetState(state, {&x});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("optimizer state for 2 parameters"));
  state.parameters.resize(1);
  state.parameters[0].updates = 1;
  state.parameters[0].first = Matrix::Zero(3, 1);
  state.parameters[0].second = Matrix::Zero(2, 1);
  status = adam.SetState(state, {&x});
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("does not fit a 2x1 parameter"));
  EXPECT_EQ(adam.steps(), 0);  // nothing changed
}

// Without bias correction the first update is lr (1 − β1) g / (√(1 − β2) |g|
// + ε) ≈ 3.16 lr for the defaults.
TEST(OptimizersTest, AdamWithoutBiasCorrection) {
  AdamOptions options;
  options.bias_correction = false;
  Adam adam(options);
  EXPECT_EQ(options.learning_rate(0), 1e-3);  // the documented defaults
  EXPECT_EQ(options.beta1, 0.9);
  EXPECT_EQ(options.beta2, 0.999);
  EXPECT_EQ(options.epsilon, 1e-8);
  Parameter x(Matrix::Zero(1, 1));
  x.grad()(0, 0) = 2;
  ASSERT_TRUE(adam.Step({&x}).ok());
  const double expected = -1e-3 * 0.1 * 2 / (std::sqrt(0.001) * 2 + 1e-8);
  EXPECT_NEAR(x.value()(0, 0), expected, 1e-6 * std::abs(expected));
}

TEST(OptimizersTest, ClippingByValueLimitsEachElement) {
  SgdOptions options;
  options.learning_rate = 1.0;
  options.clipping.max_value = 1.0;
  Sgd sgd(options);
  Parameter x(Matrix::Zero(3, 1));
  x.grad() << 10, -0.5, -3;
  ASSERT_TRUE(sgd.Step({&x}).ok());
  EXPECT_EQ(x.value()(0, 0), Real(-1));
  EXPECT_EQ(x.value()(1, 0), Real(0.5));
  EXPECT_EQ(x.value()(2, 0), Real(1));
  // The gradient itself is left as it was.
  EXPECT_EQ(x.grad()(0, 0), Real(10));
}

TEST(OptimizersTest, ClippingByGlobalNormScalesAllParametersTogether) {
  SgdOptions options;
  options.learning_rate = 1.0;
  options.clipping.max_norm = 1.0;
  Sgd sgd(options);
  Parameter x(Matrix::Zero(1, 1));
  Parameter y(Matrix::Zero(1, 1));
  x.grad()(0, 0) = 3;
  y.grad()(0, 0) = 4;  // global norm 5
  ASSERT_TRUE(sgd.Step({&x, &y}).ok());
  const double tol = kRealIsDouble ? 1e-15 : 1e-7;
  EXPECT_NEAR(x.value()(0, 0), -0.6, tol);
  EXPECT_NEAR(y.value()(0, 0), -0.8, tol);
  // Below the bound nothing is scaled.
  x.value().setZero();
  y.value().setZero();
  x.grad()(0, 0) = 0.3;
  y.grad()(0, 0) = 0.4;
  ASSERT_TRUE(sgd.Step({&x, &y}).ok());
  EXPECT_NEAR(x.value()(0, 0), -0.3, tol);
  EXPECT_NEAR(y.value()(0, 0), -0.4, tol);
}

// Adam's update is bounded by lr anyway; clipping by value also applies to
// AdaGrad's accumulator: with the gradient clamped to 1, the first step is
// lr · 1 / (1 + ε), not lr · 10 / 10.
TEST(OptimizersTest, ClippingAppliesToEveryOptimizer) {
  AdaGradOptions options;
  options.learning_rate = 0.1;
  options.clipping.max_value = 1.0;
  AdaGrad adagrad(options);
  Parameter x(Matrix::Zero(1, 1));
  x.grad()(0, 0) = 10;
  ASSERT_TRUE(adagrad.Step({&x}).ok());
  ASSERT_TRUE(adagrad.Step({&x}).ok());
  // Accumulator 1 + 1 = 2 at the second step (it would be 200 unclipped).
  const double expected = -0.1 - 0.1 / std::sqrt(2.0);
  EXPECT_NEAR(x.value()(0, 0), expected, 1e-6);
}

TEST(SchedulesTest, GiveTheirDocumentedValues) {
  const double tol = 1e-15;
  const Schedule constant = ConstantSchedule(0.1);
  EXPECT_EQ(constant(0), 0.1);
  EXPECT_EQ(constant(12345), 0.1);

  const Schedule exponential = ExponentialDecay(1.0, 0.5, 10);
  EXPECT_NEAR(exponential(0), 1.0, tol);
  EXPECT_NEAR(exponential(5), std::sqrt(0.5), tol);
  EXPECT_NEAR(exponential(10), 0.5, tol);
  EXPECT_NEAR(exponential(20), 0.25, tol);

  const Schedule step = StepDecay(1.0, 0.1, 100);
  EXPECT_NEAR(step(0), 1.0, tol);
  EXPECT_NEAR(step(99), 1.0, tol);
  EXPECT_NEAR(step(100), 0.1, tol);
  EXPECT_NEAR(step(250), 0.01, tol);

  const Schedule inverse = InverseTimeDecay(1.0, 2.0, 10);
  EXPECT_NEAR(inverse(0), 1.0, tol);
  EXPECT_NEAR(inverse(5), 0.5, tol);
  EXPECT_NEAR(inverse(10), 1.0 / 3, tol);

  const Schedule cosine = CosineDecay(1.0, 100, 0.1);
  EXPECT_NEAR(cosine(0), 1.0, tol);
  EXPECT_NEAR(cosine(50), 0.55, tol);
  EXPECT_NEAR(cosine(100), 0.1, tol);
  EXPECT_NEAR(cosine(400), 0.1, tol);

  const Schedule custom([](int64_t t) { return 1.0 / (1 + t); });
  EXPECT_EQ(custom(3), 0.25);
}

TEST(SchedulesTest, OptimizersFollowTheirSchedule) {
  SgdOptions options;
  options.learning_rate = StepDecay(1.0, 0.5, 1);  // 1, 0.5, 0.25, ...
  Sgd sgd(options);
  Parameter x(Matrix::Zero(1, 1));
  x.grad()(0, 0) = 1;
  EXPECT_EQ(sgd.learning_rate(), 1.0);
  ASSERT_TRUE(sgd.Step({&x}).ok());
  EXPECT_EQ(sgd.learning_rate(), 0.5);
  ASSERT_TRUE(sgd.Step({&x}).ok());
  ASSERT_TRUE(sgd.Step({&x}).ok());
  EXPECT_EQ(x.value()(0, 0), Real(-1.75));
  sgd.Reset();
  EXPECT_EQ(sgd.steps(), 0);
  EXPECT_EQ(sgd.learning_rate(), 1.0);
}

TEST(SchedulesTest, InvalidSchedulesAreStatusesFromStep) {
  const std::vector<Schedule> invalid = {
      ConstantSchedule(-1),
      ExponentialDecay(1, 0, 10),
      StepDecay(1, 0.5, 0),
      InverseTimeDecay(1, -1, 10),
      CosineDecay(1, 0),
      Schedule(std::function<double(int64_t)>()),
      Schedule([](int64_t) { return std::nan(""); }),
  };
  for (size_t i = 0; i < invalid.size(); ++i) {
    SCOPED_TRACE(i);
    SgdOptions options;
    options.learning_rate = invalid[i];
    Sgd sgd(options);
    Parameter x(Matrix::Ones(1, 1));
    x.grad()(0, 0) = 1;
    EXPECT_EQ(sgd.Step({&x}).code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(x.value()(0, 0), Real(1));
  }
}

// A NaN (or infinite) gradient anywhere: a status naming the parameter's
// index, and no parameter nor any optimizer state changes.
TEST(OptimizersTest, NonFiniteGradientIsAStatusAndChangesNothing) {
  for (const double bad : {std::numeric_limits<double>::quiet_NaN(),
                           std::numeric_limits<double>::infinity()}) {
    SCOPED_TRACE(bad);
    AdamOptions options;
    options.learning_rate = 0.1;
    Adam adam(options);
    Parameter x(Matrix::Ones(2, 1));
    Parameter y(Matrix::Ones(1, 3));
    x.grad().setConstant(1);
    y.grad().setConstant(1);
    y.grad()(0, 2) = static_cast<Real>(bad);
    const absl::Status status = adam.Step({&x, &y});
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr("parameter 1"));
    EXPECT_THAT(status.message(), HasSubstr("(0, 2)"));
    EXPECT_TRUE(x.value().isOnes());
    EXPECT_TRUE(y.value().isOnes());
    EXPECT_EQ(adam.steps(), 0);
    // The next good step is still a first step: magnitude lr.
    y.grad().setConstant(1);
    ASSERT_TRUE(adam.Step({&x, &y}).ok());
    EXPECT_NEAR(x.value()(0, 0), 0.9, 1e-6);
    EXPECT_NEAR(y.value()(0, 2), 0.9, 1e-6);
  }
}

TEST(OptimizersTest, InvalidOptionsAndArgumentsAreStatuses) {
  Parameter x(Matrix::Ones(1, 1));
  x.grad()(0, 0) = 1;
  std::vector<std::unique_ptr<Optimizer>> invalid;
  {
    AdamOptions options;
    options.beta2 = 1;
    invalid.push_back(std::make_unique<Adam>(options));
  }
  {
    AdamOptions options;
    options.epsilon = 0;
    invalid.push_back(std::make_unique<Adam>(options));
  }
  {
    SgdOptions options;
    options.nesterov = true;
    invalid.push_back(std::make_unique<Sgd>(options));
  }
  {
    SgdOptions options;
    options.momentum = std::nan("");
    invalid.push_back(std::make_unique<Sgd>(options));
  }
  {
    RmsPropOptions options;
    options.decay = -0.1;
    invalid.push_back(std::make_unique<RmsProp>(options));
  }
  {
    AdaGradOptions options;
    options.initial_accumulator = -1;
    invalid.push_back(std::make_unique<AdaGrad>(options));
  }
  {
    SgdOptions options;
    options.clipping.max_norm = 0;
    invalid.push_back(std::make_unique<Sgd>(options));
  }
  for (size_t i = 0; i < invalid.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(invalid[i]->Step({&x}).code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(x.value()(0, 0), Real(1));
  }

  Sgd sgd;
  EXPECT_THAT(sgd.Step({&x, nullptr}).message(), HasSubstr("parameter 1"));
  EXPECT_THAT(sgd.Step({&x, &x}).message(), HasSubstr("more than once"));
  {
    // Past a few parameters the repeat is found by hashing.
    std::deque<Parameter> many;
    std::vector<Parameter*> step;
    for (int i = 0; i < 20; ++i) {
      many.emplace_back(Matrix::Ones(1, 1));
      step.push_back(&many.back());
    }
    step.push_back(&many[3]);
    EXPECT_THAT(sgd.Step(step).message(),
                HasSubstr("parameter 20 appears more than once"));
  }
  Parameter mismatched(Matrix::Ones(2, 2));
  mismatched.grad() = Matrix::Zero(1, 1);
  EXPECT_EQ(sgd.Step({&mismatched}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(x.value()(0, 0), Real(1));
}

// A parameter reshaped between steps (as ParamStore::Load may do) gets
// fresh state instead of mismatched buffers.
TEST(OptimizersTest, ReshapedParameterStartsFromFreshState) {
  AdamOptions options;
  options.learning_rate = 0.1;
  Adam adam(options);
  Parameter x(Matrix::Zero(1, 1));
  x.grad()(0, 0) = 1;
  ASSERT_TRUE(adam.Step({&x}).ok());
  x.Reset(Matrix::Zero(2, 3));
  x.grad().setConstant(-4);
  ASSERT_TRUE(adam.Step({&x}).ok());
  EXPECT_NEAR(x.value()(1, 2), 0.1, 1e-6);
}

}  // namespace
}  // namespace provi
