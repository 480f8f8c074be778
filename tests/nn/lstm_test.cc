// Copyright 2026 The provi Authors.
//
// nn::LstmCell: values against PyTorch's LSTMCell equations written out in
// double, gradients against an unsplit reference cell whose own gradients
// are checked by finite differences (expect_ad.h), the shared projection
// reused across steps and lanes (exactly the same values and gradients as
// recomputing it), the zero state, the parameter sites and their initial
// values, the cost on the tape, and errors.

#include "nn/lstm.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/random/distributions.h"
#include "absl/status/status.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "ad/tensor.h"
#include "base/random.h"
#include "base/status_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "handlers/substitute.h"
#include "handlers/trace.h"
#include "handlers/value_map.h"
#include "runtime/handler.h"
#include "runtime/primitives.h"
#include "tests/testing/expect_ad.h"

namespace provi {
namespace nn {
namespace {

using ::provi::testing::ExpectAd;
using ::testing::HasSubstr;

constexpr Index kShared = 5, kStep = 3, kHidden = 4, kRows = 3;

Eigen::MatrixXd Random(Index rows, Index cols, uint64_t seed,
                       double scale = 0.5) {
  Rng rng = MakeRng(seed);
  Eigen::MatrixXd m(rows, cols);
  for (Index k = 0; k < m.size(); ++k) {
    m(k) = scale * absl::Gaussian<double>(rng, 0.0, 1.0);
  }
  return m;
}

// The inputs and weights of one test step, in double.
struct StepData {
  Eigen::MatrixXd s = Random(kRows, kShared, 1);
  Eigen::MatrixXd u = Random(kRows, kStep, 2);
  Eigen::MatrixXd h = Random(kRows, kHidden, 3);
  Eigen::MatrixXd c = Random(kRows, kHidden, 4);
  Eigen::MatrixXd ws = Random(kShared, 4 * kHidden, 5);
  Eigen::MatrixXd wu = Random(kStep, 4 * kHidden, 6);
  Eigen::MatrixXd wh = Random(kHidden, 4 * kHidden, 7);
  Eigen::MatrixXd b = Random(1, 4 * kHidden, 8);
};

Tensor Real(const Eigen::MatrixXd& m) {
  return Tensor(m.cast<provi::Real>().eval());
}

// PyTorch's LSTMCell, written out: gates of x = [s, u] in the order
// i, f, g, o.
void PyTorchStep(const StepData& d, Eigen::MatrixXd* h_out,
                 Eigen::MatrixXd* c_out) {
  Eigen::MatrixXd x(kRows, kShared + kStep);
  x << d.s, d.u;
  Eigen::MatrixXd w_ih(kShared + kStep, 4 * kHidden);
  w_ih << d.ws, d.wu;
  const Eigen::MatrixXd g = (x * w_ih + d.h * d.wh).rowwise() + d.b.row(0);
  auto sigmoid = [](double v) { return 1 / (1 + std::exp(-v)); };
  h_out->resize(kRows, kHidden);
  c_out->resize(kRows, kHidden);
  for (Index r = 0; r < kRows; ++r) {
    for (Index k = 0; k < kHidden; ++k) {
      const double in = sigmoid(g(r, k));
      const double forget = sigmoid(g(r, kHidden + k));
      const double cell = std::tanh(g(r, 2 * kHidden + k));
      const double out = sigmoid(g(r, 3 * kHidden + k));
      (*c_out)(r, k) = forget * d.c(r, k) + in * cell;
      (*h_out)(r, k) = out * std::tanh((*c_out)(r, k));
    }
  }
}

// The same step with ad operations and an unsplit input weight, templated
// for ExpectAd; returns [h', c'].
template <typename T>
BasicTensor<T> ReferenceStep(const BasicTensor<T>& s, const BasicTensor<T>& u,
                             const BasicTensor<T>& h, const BasicTensor<T>& c,
                             const BasicTensor<T>& ws, const BasicTensor<T>& wu,
                             const BasicTensor<T>& wh,
                             const BasicTensor<T>& b) {
  const BasicTensor<T> x = ConcatCols<T>({s, u});
  const BasicTensor<T> w = ConcatRows<T>({ws, wu});
  const BasicTensor<T> g = MatMul(x, w) + MatMul(h, wh) + b;
  const BasicTensor<T> i = Sigmoid(SliceCols(g, 0, kHidden));
  const BasicTensor<T> f = Sigmoid(SliceCols(g, kHidden, kHidden));
  const BasicTensor<T> cell = Tanh(SliceCols(g, 2 * kHidden, kHidden));
  const BasicTensor<T> o = Sigmoid(SliceCols(g, 3 * kHidden, kHidden));
  const BasicTensor<T> c_next = f * c + i * cell;
  return ConcatCols<T>({o * Tanh(c_next), c_next});
}

SubstituteHandler Weights(const StepData& d, Parameter* ws, Parameter* wu,
                          Parameter* wh, Parameter* b) {
  ws->Reset(d.ws.cast<provi::Real>());
  wu->Reset(d.wu.cast<provi::Real>());
  wh->Reset(d.wh.cast<provi::Real>());
  b->Reset(d.b.cast<provi::Real>());
  return SubstituteHandler(Values({{"lstm/shared/w", ws->tensor()},
                                   {"lstm/shared/b", b->tensor()},
                                   {"lstm/step/w", wu->tensor()},
                                   {"lstm/hidden/w", wh->tensor()}}));
}

double Tolerance() { return kRealIsDouble ? 1e-12 : 2e-6; }

TEST(LstmCellTest, FollowsPyTorchsEquationsAndGateOrder) {
  const StepData d;
  Eigen::MatrixXd h_expected, c_expected;
  PyTorchStep(d, &h_expected, &c_expected);
  const LstmCell lstm("lstm", kShared, kStep, kHidden);
  Parameter ws, wu, wh, b;
  SubstituteHandler weights = Weights(d, &ws, &wu, &wh, &b);
  HandlerScope scope(weights);
  const LstmState next =
      lstm(Real(d.s), Real(d.u), LstmState{Real(d.h), Real(d.c)});
  ASSERT_EQ(next.h.ShapeString(), "3x4");
  ASSERT_EQ(next.c.ShapeString(), "3x4");
  for (Index k = 0; k < kRows * kHidden; ++k) {
    EXPECT_NEAR(next.h.value()(k), h_expected(k), 10 * Tolerance());
    EXPECT_NEAR(next.c.value()(k), c_expected(k), 10 * Tolerance());
  }
}

TEST(LstmCellTest, TheZeroStateIsAnExplicitZeroState) {
  const StepData d;
  const LstmCell lstm("lstm", kShared, kStep, kHidden);
  const Tensor p = lstm.ProjectShared(Real(d.s));
  const LstmState implicit = lstm.Step(p, Real(d.u), LstmState());
  const Eigen::MatrixXd zeros = Eigen::MatrixXd::Zero(kRows, kHidden);
  const LstmState explicit_zero =
      lstm.Step(p, Real(d.u), LstmState{Real(zeros), Real(zeros)});
  EXPECT_TRUE(implicit.h.value().isApprox(explicit_zero.h.value()));
  EXPECT_TRUE(implicit.c.value().isApprox(explicit_zero.c.value()));
}

// The reference's gradients are right (finite differences), and the cell's
// equal them: to every input, the state and each weight.
TEST(LstmCellTest, GradientsMatchTheCheckedReference) {
  const StepData d;
  ExpectAd([](const auto&... t) { return ReferenceStep(t...); }, d.s, d.u, d.h,
           d.c, d.ws, d.wu, d.wh, d.b);

  const Eigen::MatrixXd weights = Random(kRows, 2 * kHidden, 9, 1.0);
  std::vector<Matrix> reference;
  {
    TapeScope scope;
    std::vector<Tensor> v;
    for (const Eigen::MatrixXd* m :
         {&d.s, &d.u, &d.h, &d.c, &d.ws, &d.wu, &d.wh, &d.b}) {
      v.push_back(Variable(Matrix(m->cast<provi::Real>())));
    }
    Backward(
        SumAll(ReferenceStep(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]) *
               Real(weights)));
    for (const Tensor& t : v) reference.push_back(t.adjoint());
  }
  const LstmCell lstm("lstm", kShared, kStep, kHidden);
  Parameter ws, wu, wh, b;
  TapeScope scope;
  SubstituteHandler substitute = Weights(d, &ws, &wu, &wh, &b);
  HandlerScope handler_scope(substitute);
  const Tensor s = Variable(Matrix(d.s.cast<provi::Real>()));
  const Tensor u = Variable(Matrix(d.u.cast<provi::Real>()));
  const Tensor h = Variable(Matrix(d.h.cast<provi::Real>()));
  const Tensor c = Variable(Matrix(d.c.cast<provi::Real>()));
  const LstmState next = lstm(s, u, LstmState{h, c});
  Backward(SumAll(ConcatCols<provi::Real>({next.h, next.c}) * Real(weights)));
  const std::vector<Matrix> got = {s.adjoint(), u.adjoint(), h.adjoint(),
                                   c.adjoint(), ws.grad(),   wu.grad(),
                                   wh.grad(),   b.grad()};
  for (size_t k = 0; k < got.size(); ++k) {
    ASSERT_EQ(got[k].rows(), reference[k].rows()) << "input " << k;
    ASSERT_EQ(got[k].cols(), reference[k].cols()) << "input " << k;
    for (Index e = 0; e < got[k].size(); ++e) {
      EXPECT_NEAR(got[k](e), reference[k](e),
                  100 * Tolerance() * (1 + std::abs(reference[k](e))))
          << "input " << k << " element " << e;
    }
  }
}

// Three steps of K = 2 particles of B = 3 rows: one projection gathered to
// the K B lanes gives the same values and gradients as projecting the tiled
// inputs at every step.
TEST(LstmCellTest, OneProjectionServesEveryStepAndLane) {
  const StepData d;
  const Index particles = 2;
  std::vector<Index> lanes;
  for (Index k = 0; k < particles; ++k) {
    for (Index r = 0; r < kRows; ++r) lanes.push_back(r);
  }
  const Eigen::MatrixXd u0 = Random(particles * kRows, kStep, 10);
  auto run = [&](bool reuse, Matrix* h_out, std::vector<Matrix>* grads) {
    const LstmCell lstm("lstm", kShared, kStep, kHidden);
    Parameter ws, wu, wh, b;
    TapeScope scope;
    SubstituteHandler substitute = Weights(d, &ws, &wu, &wh, &b);
    HandlerScope handler_scope(substitute);
    const LstmCell::Bound cell = lstm.Bind();
    const Tensor s = Real(d.s);
    const Tensor p =
        reuse ? GatherRows(cell.ProjectShared(s), lanes) : Tensor();
    LstmState state;
    Tensor u = Real(u0);
    for (int t = 0; t < 3; ++t) {
      state =
          reuse ? cell.Step(p, u, state) : cell(GatherRows(s, lanes), u, state);
      u = SliceCols(state.h, 0, kStep);
    }
    Backward(SumAll(state.h * state.c));
    *h_out = state.h.value();
    *grads = {ws.grad(), wu.grad(), wh.grad(), b.grad()};
  };
  Matrix h_reused, h_recomputed;
  std::vector<Matrix> g_reused, g_recomputed;
  run(true, &h_reused, &g_reused);
  run(false, &h_recomputed, &g_recomputed);
  EXPECT_TRUE(h_reused.isApprox(h_recomputed, 10 * Tolerance()));
  for (size_t k = 0; k < g_reused.size(); ++k) {
    EXPECT_GT(g_reused[k].norm(), 0) << "weight " << k;
    EXPECT_TRUE(g_reused[k].isApprox(g_recomputed[k], 100 * Tolerance()))
        << "weight " << k;
  }
}

TEST(LstmCellTest, ParamSitesAndInitialValues) {
  const LstmCell lstm("guide/lstm", kShared, kStep, kHidden);
  auto run = handlers::Trace([&](const Tensor& s, const Tensor& u) {
    const LstmCell::Bound cell = lstm.Bind();
    const LstmState first = cell(s, u, LstmState());
    return cell(s, u, first).h;
  })(Real(Random(2, kShared, 11)), Real(Random(2, kStep, 12)));
  ASSERT_TRUE(run.ok()) << run.status();
  std::vector<std::string> names;
  for (const Site& site : run->trace.sites()) {
    EXPECT_EQ(site.kind, SiteKind::kParam);
    names.push_back(site.address.name());
    // PyTorch's initialisation: U(-1/√H, 1/√H) for weights and bias.
    EXPECT_LE(site.value->value().cwiseAbs().maxCoeff(),
              1 / std::sqrt(static_cast<double>(kHidden)));
  }
  EXPECT_THAT(names, ::testing::ElementsAre(
                         "guide/lstm/shared/w", "guide/lstm/shared/b",
                         "guide/lstm/step/w", "guide/lstm/hidden/w"));
  // Without binding, the second step reads the sites again: a trace
  // rejects that.
  auto unbound = handlers::Trace([&](const Tensor& s, const Tensor& u) {
    const LstmState first = lstm(s, u, LstmState());
    return lstm(s, u, first).h;
  })(Real(Random(2, kShared, 11)), Real(Random(2, kStep, 12)));
  EXPECT_EQ(unbound.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(lstm.shared().InitialWeight().ShapeString(), "5x16");
  EXPECT_EQ(lstm.hidden_layer().InitialWeight().ShapeString(), "4x16");
  EXPECT_EQ(lstm.hidden_layer().InitialBias().size(), 0);
}

TEST(LstmCellTest, AStepRecordsElevenNodesOrSevenFromZero) {
  const LstmCell lstm("lstm", kShared, kStep, kHidden);
  TapeScope scope;
  const Tensor p =
      Variable(Matrix(Random(kRows, 4 * kHidden, 13).cast<provi::Real>()));
  const Tensor u =
      Variable(Matrix(Random(kRows, kStep, 14).cast<provi::Real>()));
  size_t before = Tape::Current().size();
  const LstmState first = lstm.Step(p, u, LstmState());
  EXPECT_EQ(Tape::Current().size() - before, 7u);
  before = Tape::Current().size();
  lstm.Step(p, u, first);
  EXPECT_EQ(Tape::Current().size() - before, 11u);
}

TEST(LstmCellTest, BadSizesAndShapesAreErrors) {
  EXPECT_EQ(CatchStatus([] { LstmCell("lstm", 0, 1, 1); }).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CatchStatus([] { LstmCell("lstm", 1, -1, 1); }).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CatchStatus([] { LstmCell("", 1, 1, 1); }).code(),
            absl::StatusCode::kInvalidArgument);
  const LstmCell lstm("cell", kShared, kStep, kHidden);
  const Tensor u = Real(Random(kRows, kStep, 15));
  absl::Status status = CatchStatus(
      [&] { lstm.Step(Real(Random(kRows, 4 * kHidden - 1, 16)), u, {}); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("'cell'"));
  const Tensor p = Real(Random(kRows, 4 * kHidden, 17));
  status = CatchStatus([&] {
    lstm.Step(p, u,
              LstmState{Real(Random(kRows, kHidden, 18)),
                        Real(Random(kRows, kHidden + 1, 19))});
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("3x5"));
  // A step input of the wrong width is the step layer's error.
  EXPECT_EQ(CatchStatus([&] {
              lstm.Step(p, Real(Random(kRows, kStep + 1, 20)), {});
            }).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nn
}  // namespace provi
