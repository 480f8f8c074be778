// Copyright 2026 The provi Authors.
//
// nn::Linear: the forward value, its param sites (addresses, shapes, lazy and
// deterministic initial values, one call per site), its cost on the tape,
// and its errors.

#include "nn/linear.h"

#include <cmath>
#include <string>

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
#include "nn/initializers.h"
#include "runtime/handler.h"
#include "runtime/primitives.h"

namespace provi {
namespace nn {
namespace {

using ::testing::HasSubstr;

Matrix RandomMatrix(Index rows, Index cols, uint64_t seed) {
  Rng rng = MakeRng(seed);
  Matrix m(rows, cols);
  for (Index k = 0; k < m.size(); ++k) {
    m(k) = absl::Gaussian<Real>(rng, Real(0), Real(1));
  }
  return m;
}

// Expects y == x w + b (b broadcast over rows) up to the rounding of Real:
// each entry is a dot product of length x.cols() plus one addition, whose
// error is at most (x.cols() + 1) u times the sum of the magnitudes of the
// terms (Higham, "Accuracy and Stability of Numerical Algorithms", 3.1),
// u = epsilon / 2; twice that allows for either summation order.
void ExpectAffine(const Tensor& y, const Matrix& x, const Matrix& w,
                  const Matrix& b) {
  ASSERT_EQ(y.rows(), x.rows());
  ASSERT_EQ(y.cols(), w.cols());
  const Eigen::MatrixXd xd = x.cast<double>();
  const Eigen::MatrixXd wd = w.cast<double>();
  const Eigen::MatrixXd bd = b.cast<double>();
  const Eigen::MatrixXd expected = (xd * wd).rowwise() + bd.row(0);
  const Eigen::MatrixXd magnitude =
      (xd.cwiseAbs() * wd.cwiseAbs()).rowwise() + bd.cwiseAbs().row(0);
  const double n = static_cast<double>(x.cols()) + 1;
  for (Index i = 0; i < y.rows(); ++i) {
    for (Index j = 0; j < y.cols(); ++j) {
      EXPECT_NEAR(y(i, j), expected(i, j), n * kRealEpsilon * magnitude(i, j))
          << "at (" << i << ", " << j << ")";
    }
  }
}

// Counts the param messages it sees.
class ParamCounter : public Handler {
 public:
  void Process(Message& msg) override {
    if (msg.kind == SiteKind::kParam) ++count;
  }
  int count = 0;
};

TEST(LinearTest, ComputesXWPlusBWithBroadcastBias) {
  const Linear layer("dense", 3, 4);
  const Matrix x = RandomMatrix(5, 3, 1);
  const Tensor y = layer(Tensor(x));
  ASSERT_EQ(y.rows(), 5);
  ASSERT_EQ(y.cols(), 4);
  // A bias that is not zero, so the broadcast is visible.
  const Matrix w = RandomMatrix(3, 4, 2);
  const Matrix b = RandomMatrix(1, 4, 3);
  SubstituteHandler values(
      Values({{"dense/w", Tensor(w)}, {"dense/b", Tensor(b)}}));
  HandlerScope scope(values);
  ExpectAffine(layer(Tensor(x)), x, w, b);
}

TEST(LinearTest, WithoutAStoreUsesTheInitialValues) {
  const Linear layer("dense", 3, 2);
  const Matrix x = RandomMatrix(4, 3, 4);
  const Tensor y = layer(Tensor(x));
  const Matrix w = layer.InitialWeight().value();
  const Matrix b = layer.InitialBias().value();
  EXPECT_TRUE(b.isZero(0)) << "the default bias initialiser is Zeros";
  ExpectAffine(y, x, w, b);
  // Glorot uniform: |w| <= √(6 / (3 + 2)).
  EXPECT_LE(w.cwiseAbs().maxCoeff(), static_cast<Real>(std::sqrt(6.0 / 5.0)));
}

TEST(LinearTest, InitialValuesAreDeterministicAndDependOnSeedAndName) {
  LinearOptions options;
  options.seed = 7;
  const Linear a("dense", 6, 5, options);
  const Linear same("dense", 6, 5, options);
  const Linear other_name("dense2", 6, 5, options);
  options.seed = 8;
  const Linear other_seed("dense", 6, 5, options);
  const Matrix wa = a.InitialWeight().value();
  EXPECT_EQ(wa, Matrix(same.InitialWeight().value()));
  EXPECT_NE(wa, Matrix(other_name.InitialWeight().value()));
  EXPECT_NE(wa, Matrix(other_seed.InitialWeight().value()));
  // Repeated passes without a store see the same weight, computed once.
  const Matrix x = RandomMatrix(2, 6, 5);
  const Matrix y1 = a(Tensor(x)).value();
  const Matrix y2 = a(Tensor(x)).value();
  EXPECT_EQ(y1, y2);
  EXPECT_EQ(a.InitialWeight().value_data(), a.InitialWeight().value_data());
}

TEST(LinearTest, InitialisersRunLazilyAndOnce) {
  int weight_calls = 0;
  int bias_calls = 0;
  LinearOptions options;
  options.weight_init = [&](Index in, Index out, absl::BitGenRef gen) {
    ++weight_calls;
    return GlorotNormal(in, out, gen);
  };
  options.bias_init = [&](Index in, Index out, absl::BitGenRef gen) {
    ++bias_calls;
    return Zeros(in, out, gen);
  };
  const Linear layer("lazy", 2, 3, options);
  const Tensor x(RandomMatrix(4, 2, 6));
  {
    // A store (here: substitute) supplies both values: nothing is drawn.
    SubstituteHandler values(
        Values({{"lazy/w", Tensor(RandomMatrix(2, 3, 7))},
                {"lazy/b", Tensor(RandomMatrix(1, 3, 8))}}));
    HandlerScope scope(values);
    layer(x);
  }
  EXPECT_EQ(weight_calls, 0);
  EXPECT_EQ(bias_calls, 0);
  layer(x);
  layer(x);
  EXPECT_EQ(weight_calls, 1);
  EXPECT_EQ(bias_calls, 1);
}

TEST(LinearTest, ParamSitesAreScopedAndShaped) {
  const Linear layer("dense", 3, 4);
  auto run = handlers::Trace([&](const Tensor& x) {
    Scope scope("model");
    return layer(x);
  })(Tensor(RandomMatrix(2, 3, 9)));
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_EQ(run->trace.size(), 2u);
  const Site& w = run->trace.sites()[0];
  const Site& b = run->trace.sites()[1];
  EXPECT_EQ(w.kind, SiteKind::kParam);
  EXPECT_EQ(w.address.name(), "model/dense/w");
  ASSERT_TRUE(w.value.has_value());
  EXPECT_EQ(w.value->ShapeString(), "3x4");
  EXPECT_EQ(b.kind, SiteKind::kParam);
  EXPECT_EQ(b.address.name(), "model/dense/b");
  ASSERT_TRUE(b.value.has_value());
  EXPECT_EQ(b.value->ShapeString(), "1x4");
  EXPECT_EQ(run->value.ShapeString(), "2x4");
}

TEST(LinearTest, ForwardPassCallsParamOncePerSiteAndRecordsTwoNodes) {
  const Linear layer("dense", 3, 4);
  ParamCounter counter;
  HandlerScope handler_scope(counter);
  TapeScope tape_scope;
  const Tensor x = Variable(RandomMatrix(5, 3, 10));
  const size_t before = Tape::Current().size();
  const Tensor y = layer(x);
  EXPECT_EQ(counter.count, 2);
  EXPECT_EQ(Tape::Current().size() - before, 2u) << "one MatMul, one Add";
  EXPECT_TRUE(y.requires_grad());
}

TEST(LinearTest, GradientReachesInputWeightAndBias) {
  const Linear layer("dense", 3, 2);
  const Matrix x = RandomMatrix(4, 3, 11);
  const Matrix w = RandomMatrix(3, 2, 12);
  const Matrix b = RandomMatrix(1, 2, 13);
  Parameter pw(w), pb(b);
  TapeScope scope;
  const Tensor xt = Variable(x);
  SubstituteHandler values(
      Values({{"dense/w", pw.tensor()}, {"dense/b", pb.tensor()}}));
  HandlerScope handler_scope(values);
  // d/dθ of sum(y) for y = x W + b: x̄ = 1 Wᵀ, W̄ = xᵀ 1, b̄ = 1ᵀ 1.
  Backward(SumAll(layer(xt)));
  const Matrix ones = Matrix::Ones(4, 2);
  const Matrix expected_x = ones * w.transpose();
  const Matrix expected_w = x.transpose() * ones;
  // Sums of at most 4 terms: 4 epsilon times their magnitudes.
  const Matrix bound_x = ones * w.cwiseAbs().transpose();
  const Matrix bound_w = x.cwiseAbs().transpose() * ones;
  for (Index k = 0; k < x.size(); ++k) {
    EXPECT_NEAR(xt.adjoint()(k), expected_x(k), 4 * kRealEpsilon * bound_x(k));
  }
  for (Index k = 0; k < w.size(); ++k) {
    EXPECT_NEAR(pw.grad()(k), expected_w(k), 4 * kRealEpsilon * bound_w(k));
  }
  EXPECT_EQ(pb.grad(), Matrix::Constant(1, 2, Real(4)));
}

TEST(LinearTest, InputWidthMismatchNamesLayerAndShapes) {
  const Linear layer("encoder/0", 3, 4);
  const absl::Status status =
      CatchStatus([&] { layer(Tensor(RandomMatrix(5, 2, 14))); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("'encoder/0'"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("5x2"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("3x4"));
  // Through an entry point, the same status.
  auto run = handlers::Trace([&](const Tensor& x) { return layer(x); })(
      Tensor(RandomMatrix(5, 2, 14)));
  EXPECT_EQ(run.status(), status);
}

TEST(LinearTest, ParameterOfTheWrongShapeIsInvalidArgument) {
  const Linear layer("dense", 3, 4);
  SubstituteHandler values(
      Values({{"dense/w", Tensor(RandomMatrix(4, 3, 15))}}));
  HandlerScope scope(values);
  const absl::Status status =
      CatchStatus([&] { layer(Tensor(RandomMatrix(2, 3, 16))); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("'dense/w'"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("4x3"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("expected 3x4"));
}

TEST(LinearTest, InitialiserOfTheWrongShapeIsInvalidArgument) {
  LinearOptions options;
  options.weight_init = [](Index, Index, absl::BitGenRef) {
    return Matrix(Matrix::Zero(2, 2));
  };
  const Linear layer("dense", 3, 4, options);
  const absl::Status status =
      CatchStatus([&] { layer(Tensor(RandomMatrix(2, 3, 17))); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("weight_init"));
}

TEST(LinearTest, InvalidConstructionIsInvalidArgument) {
  EXPECT_EQ(CatchStatus([] { Linear("dense", 0, 3); }).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CatchStatus([] { Linear("dense", 3, -1); }).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CatchStatus([] { Linear("", 3, 3); }).code(),
            absl::StatusCode::kInvalidArgument);
  LinearOptions options;
  options.bias_init = nullptr;
  EXPECT_EQ(CatchStatus([&] { Linear("dense", 3, 3, options); }).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nn
}  // namespace provi
