// Copyright 2026 The provi Authors.
//
// The tape, the arena, scopes, leaves, stop-gradient, per-lane gradient
// scaling and error reporting.

#include "ad/tape.h"

#include <cmath>
#include <stdexcept>
#include <thread>
#include <vector>

#include "ad/arena.h"
#include "ad/ops.h"
#include "ad/tensor.h"
#include "base/status_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace provi {
namespace {

using ::testing::HasSubstr;

TEST(ArenaTest, AllocationsAreAlignedAndDistinct) {
  Arena arena(256);
  std::vector<char*> blocks;
  for (size_t bytes : {1, 7, 16, 64, 100, 1000, 5000}) {
    char* p = static_cast<char*>(arena.Allocate(bytes));
    const size_t alignment = bytes >= Arena::kCacheLineAlignedBytes ? 64 : 16;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % alignment, 0u);
    std::fill(p, p + bytes, static_cast<char>(bytes));
    blocks.push_back(p);
  }
  // Nothing overwrote an earlier allocation.
  size_t k = 0;
  for (size_t bytes : {1, 7, 16, 64, 100, 1000, 5000}) {
    EXPECT_EQ(blocks[k][bytes - 1], static_cast<char>(bytes));
    ++k;
  }
}

TEST(ArenaTest, RecoverReusesBlocksWithoutNewAllocations) {
  Arena arena(1024);
  const Arena::Mark mark = arena.GetMark();
  for (int i = 0; i < 100; ++i) arena.Allocate(500);
  const size_t grown = arena.BlockAllocations();
  EXPECT_GT(grown, 1u);
  EXPECT_GE(arena.BytesInUse(), 100u * 500u);
  for (int round = 0; round < 10; ++round) {
    arena.Recover(mark);
    EXPECT_EQ(arena.BytesInUse(), 0u);
    for (int i = 0; i < 100; ++i) arena.Allocate(500);
  }
  EXPECT_EQ(arena.BlockAllocations(), grown);
}

TEST(TapeTest, OutsideAScopeNothingIsRecorded) {
  Parameter w(Matrix::Constant(2, 2, 1.5));
  const size_t before = Tape::Current().size();
  Tensor y = Exp(w.tensor());
  EXPECT_FALSE(w.tensor().requires_grad());
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(Tape::Current().size(), before);
  EXPECT_NEAR(y(1, 1), std::exp(1.5), 1e-5);
}

TEST(TapeTest, ScopeRecoversTapeAndArena) {
  Tape& tape = Tape::Current();
  const size_t nodes = tape.size();
  const size_t bytes = tape.arena().BytesInUse();
  {
    TapeScope scope;
    Tensor x = Variable(Matrix::Ones(10, 10));
    Tensor y = SumAll(Exp(x) * x);
    EXPECT_GT(tape.size(), nodes);
    EXPECT_GT(tape.arena().BytesInUse(), bytes);
  }
  EXPECT_EQ(tape.size(), nodes);
  EXPECT_EQ(tape.arena().BytesInUse(), bytes);
}

TEST(TapeTest, ScopeIsRecoveredWhenAnExceptionUnwinds) {
  Tape& tape = Tape::Current();
  const size_t nodes = tape.size();
  EXPECT_THROW(
      {
        TapeScope scope;
        Tensor x = Variable(Matrix::Ones(2, 3));
        Tensor y = x + Variable(Matrix::Ones(3, 2));  // throws
      },
      StatusError);
  EXPECT_EQ(tape.size(), nodes);
  EXPECT_FALSE(tape.recording());
}

TEST(TapeTest, NestedScopesRecoverOnlyTheirOwnWork) {
  TapeScope outer;
  Tensor x = Variable(Matrix::Constant(1, 1, 2.0));
  Tensor y = Square(x);
  const size_t nodes = Tape::Current().size();
  {
    TapeScope inner;
    Tensor z = Exp(y);
    Backward(z);
    // dz/dx = exp(x^2) 2x.
    EXPECT_NEAR(x.adjoint()(0, 0), std::exp(4.0) * 4.0, 1e-2);
  }
  EXPECT_EQ(Tape::Current().size(), nodes);
  Tape::Current().ZeroAdjoints();
  EXPECT_EQ(x.adjoint()(0, 0), 0);
  Backward(y);
  EXPECT_NEAR(x.adjoint()(0, 0), 4.0, 1e-6);
}

TEST(TapeTest, ParameterGradientsAccumulateUntilZeroed) {
  Parameter w(Matrix::Constant(1, 3, 2.0));
  for (int step = 0; step < 2; ++step) {
    TapeScope scope;
    Backward(SumAll(Square(w.tensor())));
  }
  EXPECT_TRUE(w.grad().isApprox(Matrix::Constant(1, 3, 8.0)));
  w.ZeroGrad();
  {
    TapeScope scope;
    // Used twice in one expression: both uses accumulate.
    Tensor t = w.tensor();
    Backward(SumAll(t * t + t));
  }
  EXPECT_TRUE(w.grad().isApprox(Matrix::Constant(1, 3, 5.0)));
}

TEST(TapeTest, DetachStopsTheGradient) {
  TapeScope scope;
  Tensor x = Variable(Matrix::Constant(1, 1, 3.0));
  // d/dx [x * detach(x)] = detach(x) = 3, not 2x = 6.
  Tensor y = x * Detach(x);
  EXPECT_FALSE(Detach(x).requires_grad());
  EXPECT_EQ(Detach(x).value_data(), x.value_data());  // no copy
  Backward(y);
  EXPECT_NEAR(x.adjoint()(0, 0), 3.0, 1e-6);
}

TEST(TapeTest, ScaleLaneGradientScalesEachRowsAdjointByItsFactor) {
  TapeScope scope;
  const Matrix value = (Matrix(3, 2) << 1, -2, 0.5, 4, -3, 6).finished();
  Tensor x = Variable(value);
  LaneGradientScale scale(3);
  EXPECT_EQ(scale.lanes(), 3);
  EXPECT_EQ(scale.factor(1), 1);
  const Tensor y = ScaleLaneGradient(x, scale);
  EXPECT_EQ(y.rows(), 3);
  EXPECT_EQ(y.cols(), 2);
  EXPECT_EQ(y.value(), value);
  // d/dx Σ x² is 2x; the factors, set after the forward pass (from a value
  // that depends on y), scale it row by row.
  const Tensor loss = SumAll(Square(y));
  scale.Set(Tensor((Matrix(3, 1) << 0.5, loss.item(), -2).finished()));
  Backward(loss);
  const Real sum_of_squares = value.squaredNorm();
  EXPECT_EQ(scale.factor(1), sum_of_squares);
  const Matrix expected =
      (Matrix(3, 2) << 0.5 * 2 * 1, 0.5 * 2 * -2, sum_of_squares * 2 * 0.5,
       sum_of_squares * 2 * 4, -2 * 2 * -3, -2 * 2 * 6)
          .finished();
  EXPECT_TRUE(x.adjoint().isApprox(expected)) << x.adjoint();
}

TEST(TapeTest, ScaleLaneGradientOfAConstantIsTheConstant) {
  TapeScope scope;
  const Tensor c(Matrix::Ones(2, 2));
  LaneGradientScale scale(2);
  const Tensor y = ScaleLaneGradient(c, scale);
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(y.value(), c.value());
}

TEST(TapeTest, ScaleLaneGradientShapeErrorsNameTheOperationAndShapes) {
  TapeScope scope;
  const Tensor x = Variable(Matrix::Ones(2, 3));
  LaneGradientScale scale(4);
  const absl::Status status =
      CatchStatus([&] { Tensor y = ScaleLaneGradient(x, scale); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("ScaleLaneGradient"));
  EXPECT_THAT(status.message(), HasSubstr("2x3"));
  EXPECT_THAT(status.message(), HasSubstr("4 lanes"));
  const absl::Status set =
      CatchStatus([&] { scale.Set(Tensor(Matrix::Ones(3, 1))); });
  EXPECT_EQ(set.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(set.message(), HasSubstr("LaneGradientScale::Set"));
  EXPECT_THAT(set.message(), HasSubstr("3x1"));
  EXPECT_THAT(set.message(), HasSubstr("4x1"));
  const absl::Status none = CatchStatus([&] { LaneGradientScale empty(0); });
  EXPECT_EQ(none.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(none.message(), HasSubstr("LaneGradientScale"));
}

TEST(TapeTest, ConstantsDyingBeforeTheSweepAreKeptAlive) {
  TapeScope scope;
  Tensor x = Variable(Matrix::Constant(2, 3, 1.0));
  Tensor y;
  {
    const Tensor heap(Matrix::Constant(2, 3, 4.0));
    const Tensor inline_scalar(5.0);
    y = SumAll(x * heap + x * inline_scalar);
  }  // both constants are gone before Backward
  Backward(y);
  EXPECT_TRUE(x.adjoint().isApprox(Matrix::Constant(2, 3, 9.0)));
}

TEST(TapeTest, BackwardNeedsAScalarLoss) {
  TapeScope scope;
  Tensor x = Variable(Matrix::Ones(2, 2));
  const absl::Status status = CatchStatus([&] { Backward(Exp(x)); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("2x2"));
}

TEST(TapeTest, ShapeErrorsNameTheOperationAndBothShapes) {
  const Tensor a(Matrix::Ones(2, 3));
  const Tensor b(Matrix::Ones(4, 5));
  const absl::Status status = CatchStatus([&] { Tensor c = a * b; });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("Multiply"));
  EXPECT_THAT(status.message(), HasSubstr("2x3"));
  EXPECT_THAT(status.message(), HasSubstr("4x5"));
  const absl::StatusOr<Tensor> product =
      CatchStatusOr([&] { return MatMul(a, b); });
  EXPECT_THAT(product.status().message(), HasSubstr("MatMul"));
}

TEST(TapeTest, NoRecordScopeComputesValuesOnly) {
  TapeScope scope;
  Tensor x = Variable(Matrix::Ones(2, 2));
  NoRecordScope no_record;
  const size_t nodes = Tape::Current().size();
  Tensor y = Exp(x);
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(Tape::Current().size(), nodes);
}

TEST(TapeTest, ResumeRecordingScopeRecordsInsideNoRecordScopes) {
  TapeScope scope;
  Tensor x = Variable(Matrix::Ones(2, 2));
  NoRecordScope outer;
  EXPECT_FALSE(Tape::Current().recording());
  {
    ResumeRecordingScope resume;
    EXPECT_TRUE(Tape::Current().recording());
    const Tensor y = Exp(x);
    EXPECT_TRUE(y.requires_grad());
    Backward(SumAll(y));
    EXPECT_NEAR(x.adjoint()(1, 1), std::exp(Real(1)), 1e-5);
    {
      NoRecordScope inner;
      EXPECT_FALSE(Exp(x).requires_grad());
    }
    EXPECT_TRUE(Tape::Current().recording());
  }
  EXPECT_FALSE(Tape::Current().recording());
  EXPECT_FALSE(Exp(x).requires_grad());
}

TEST(TapeTest, ViewsShareStorageAndAdjoints) {
  TapeScope scope;
  Tensor x = Variable(Matrix::Ones(3, 4));
  Tensor cols = SliceCols(x, 1, 2);
  Tensor reshaped = Reshape(x, 6, 2);
  EXPECT_EQ(cols.value_data(), x.value_data() + 3);
  EXPECT_EQ(reshaped.value_data(), x.value_data());
  Backward(SumAll(cols) + SumAll(reshaped));
  Matrix expected = Matrix::Ones(3, 4);
  expected.middleCols(1, 2).array() += 1;
  EXPECT_TRUE(x.adjoint().isApprox(expected));
}

TEST(TapeTest, ScalarConstantsOwnTheirValueWhenCopied) {
  std::vector<Tensor> scalars;
  for (int i = 0; i < 100; ++i) scalars.push_back(Tensor(i));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(scalars[i].item(), Real(i));
  const Tensor sum = scalars[3] + scalars[4];
  EXPECT_EQ(sum.item(), Real(7));
}

TEST(TapeTest, ThreadsHaveIndependentTapes) {
  auto work = [](double scale, double* gradient) {
    Parameter w(Matrix::Constant(1, 1, scale));
    for (int i = 0; i < 200; ++i) {
      TapeScope scope;
      w.ZeroGrad();
      Backward(SumAll(Square(w.tensor())));
    }
    *gradient = w.grad()(0, 0);
  };
  double g1 = 0;
  double g2 = 0;
  std::thread t1(work, 1.0, &g1);
  std::thread t2(work, 3.0, &g2);
  t1.join();
  t2.join();
  EXPECT_NEAR(g1, 2.0, 1e-6);
  EXPECT_NEAR(g2, 6.0, 1e-6);
}

TEST(TapeDeathTest, VariableOutsideAScopeIsAProgrammingError) {
  EXPECT_DEATH(Variable(Matrix::Ones(1, 1)), "TapeScope");
}

}  // namespace
}  // namespace provi
