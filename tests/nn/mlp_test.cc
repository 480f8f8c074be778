// Copyright 2026 The provi Authors.
//
// nn::Mlp: shapes, layer names and param sites, that the forward pass is the
// composition of its layers and activations, gradients through the whole
// network against finite differences, its cost on the tape, and its errors.

#include "nn/mlp.h"

#include <string>
#include <type_traits>
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
#include "nn/activation.h"
#include "runtime/handler.h"
#include "runtime/primitives.h"
#include "tests/testing/expect_ad.h"

namespace provi {
namespace nn {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Eigen::MatrixXd RandomMatrix(Index rows, Index cols, uint64_t seed) {
  Rng rng = MakeRng(seed);
  Eigen::MatrixXd m(rows, cols);
  for (Index k = 0; k < m.size(); ++k) m(k) = absl::Gaussian<double>(rng);
  return m;
}

Tensor RandomTensor(Index rows, Index cols, uint64_t seed) {
  return Tensor(RandomMatrix(rows, cols, seed));
}

Matrix Output(const Mlp& mlp, const Tensor& x) { return mlp(x).value(); }

TEST(MlpTest, OutputShapeAndLayers) {
  const Mlp mlp("net", {5, 4, 3, 2});
  EXPECT_EQ(mlp.in(), 5);
  EXPECT_EQ(mlp.out(), 2);
  ASSERT_EQ(mlp.layers().size(), 3u);
  std::vector<std::string> names;
  for (const Linear& layer : mlp.layers()) names.push_back(layer.name());
  EXPECT_THAT(names, ElementsAre("net/0", "net/1", "net/2"));
  EXPECT_EQ(mlp.layers()[1].in(), 4);
  EXPECT_EQ(mlp.layers()[1].out(), 3);
  const Tensor y = mlp(RandomTensor(7, 5, 1));
  EXPECT_EQ(y.rows(), 7);
  EXPECT_EQ(y.cols(), 2);
}

TEST(MlpTest, ParamSitesHaveScopedAddressesAndShapesInOrder) {
  const Mlp mlp("encoder", {5, 4, 2});
  auto run = handlers::Trace([&](const Tensor& x) {
    Scope scope("vae");
    return mlp(x);
  })(RandomTensor(3, 5, 2));
  ASSERT_TRUE(run.ok()) << run.status();
  std::vector<std::string> sites;
  for (const Site& site : run->trace.sites()) {
    EXPECT_EQ(site.kind, SiteKind::kParam);
    ASSERT_TRUE(site.value.has_value());
    sites.push_back(site.address.name() + " " + site.value->ShapeString());
  }
  EXPECT_THAT(sites, ElementsAre("vae/encoder/0/w 5x4", "vae/encoder/0/b 1x4",
                                 "vae/encoder/1/w 4x2", "vae/encoder/1/b 1x2"));
}

TEST(MlpTest, ForwardIsTheCompositionOfLayersAndActivations) {
  MlpOptions options;
  options.hidden_activation = Activation::kLeakyRelu;
  options.output_activation = Activation::kSigmoid;
  options.leaky_relu_slope = Real(0.2);
  const Mlp mlp("net", {3, 6, 4, 2}, options);
  const Tensor x = RandomTensor(5, 3, 3);
  const auto& layers = mlp.layers();
  const Tensor h1 = Apply(Activation::kLeakyRelu, layers[0](x), Real(0.2));
  const Tensor h2 = Apply(Activation::kLeakyRelu, layers[1](h1), Real(0.2));
  const Tensor expected = Apply(Activation::kSigmoid, layers[2](h2));
  const Tensor y = mlp(x);
  // The same operations on the same values: bit-identical.
  EXPECT_EQ(Matrix(y.value()), Matrix(expected.value()));
  // And repeated passes without a store reuse the same initial weights.
  EXPECT_EQ(Matrix(mlp(x).value()), Matrix(y.value()));
}

TEST(MlpTest, SeedAndNameDetermineTheInitialNetwork) {
  MlpOptions options;
  options.linear.seed = 3;
  const Tensor x = RandomTensor(2, 4, 4);
  const Matrix a = Output(Mlp("net", {4, 3, 2}, options), x);
  EXPECT_EQ(a, Output(Mlp("net", {4, 3, 2}, options), x));
  EXPECT_NE(a, Output(Mlp("other", {4, 3, 2}, options), x));
  options.linear.seed = 4;
  EXPECT_NE(a, Output(Mlp("net", {4, 3, 2}, options), x));
}

// f(x, w0, b0, w1, b1): the Mlp with its parameters substituted when called
// with Tensors; the same network written out with the operations when
// called with double tensors in a float build, an independent reference.
template <typename T>
BasicTensor<T> TwoLayerNetwork(const Mlp& mlp, const BasicTensor<T>& x,
                               const BasicTensor<T>& w0,
                               const BasicTensor<T>& b0,
                               const BasicTensor<T>& w1,
                               const BasicTensor<T>& b1) {
  if constexpr (std::is_same_v<T, Real>) {
    SubstituteHandler values(Values({{mlp.name() + "/0/w", w0},
                                     {mlp.name() + "/0/b", b0},
                                     {mlp.name() + "/1/w", w1},
                                     {mlp.name() + "/1/b", b1}}));
    HandlerScope scope(values);
    return mlp(x);
  } else {
    const MlpOptions& o = mlp.options();
    const BasicTensor<T> h =
        Apply(o.hidden_activation, MatMul(x, w0) + b0, o.leaky_relu_slope);
    return Apply(o.output_activation, MatMul(h, w1) + b1, o.leaky_relu_slope);
  }
}

void ExpectGradientsMatchFiniteDifferences(const MlpOptions& options) {
  const Mlp mlp("net", {3, 4, 2}, options);
  testing::ExpectAd(
      [&](const auto& x, const auto& w0, const auto& b0, const auto& w1,
          const auto& b1) { return TwoLayerNetwork(mlp, x, w0, b0, w1, b1); },
      RandomMatrix(2, 3, 5), RandomMatrix(3, 4, 6), RandomMatrix(1, 4, 7),
      RandomMatrix(4, 2, 8), RandomMatrix(1, 2, 9));
}

TEST(MlpTest, GradientsFlowThroughTanhAndSigmoid) {
  MlpOptions options;
  options.hidden_activation = Activation::kTanh;
  options.output_activation = Activation::kSigmoid;
  ExpectGradientsMatchFiniteDifferences(options);
}

TEST(MlpTest, GradientsFlowThroughLeakyReluAndSoftplus) {
  MlpOptions options;
  options.hidden_activation = Activation::kLeakyRelu;
  options.leaky_relu_slope = Real(0.2);
  options.output_activation = Activation::kSoftplus;
  ExpectGradientsMatchFiniteDifferences(options);
}

TEST(MlpTest, ForwardPassIsTwoNodesPerLayerPlusActivations) {
  MlpOptions options;
  options.hidden_activation = Activation::kRelu;
  options.output_activation = Activation::kIdentity;
  const Mlp mlp("net", {3, 5, 4, 2}, options);
  TapeScope scope;
  const Tensor x = Variable(RandomMatrix(6, 3, 10).cast<Real>());
  const size_t before = Tape::Current().size();
  mlp(x);
  // Three layers of MatMul + Add, two hidden ReLUs, no node for identity.
  EXPECT_EQ(Tape::Current().size() - before, 3u * 2u + 2u);
}

TEST(MlpTest, InputWidthMismatchNamesTheFirstLayer) {
  const Mlp mlp("encoder", {784, 400, 20});
  auto run = handlers::Trace([&](const Tensor& x) { return mlp(x); })(
      RandomTensor(8, 28, 11));
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(run.status().message()), HasSubstr("'encoder/0'"));
  EXPECT_THAT(std::string(run.status().message()), HasSubstr("8x28"));
  EXPECT_THAT(std::string(run.status().message()), HasSubstr("784x400"));
}

TEST(MlpTest, InvalidWidthsAreInvalidArgument) {
  const absl::Status one = CatchStatus([] { Mlp("net", {3}); });
  EXPECT_EQ(one.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(one.message()), HasSubstr("{3}"));
  const absl::Status zero = CatchStatus([] { Mlp("net", {3, 0, 2}); });
  EXPECT_EQ(zero.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(zero.message()), HasSubstr("{3, 0, 2}"));
  EXPECT_EQ(CatchStatus([] {
              Mlp("", {3, 2});
            }).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nn
}  // namespace provi
