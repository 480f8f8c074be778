// Copyright 2026 The provi Authors.
//
// nn layers under a vi::ParamStore: their weights become store parameters,
// created once from the layers' initial values, and gradient steps on the
// store train the network.

#include <string>
#include <vector>

#include "absl/random/distributions.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "ad/tensor.h"
#include "base/random.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nn/activation.h"
#include "nn/mlp.h"
#include "vi/param_store.h"

namespace provi {
namespace nn {
namespace {

Matrix RandomMatrix(Index rows, Index cols, uint64_t seed) {
  Rng rng = MakeRng(seed);
  Matrix m(rows, cols);
  for (Index k = 0; k < m.size(); ++k) {
    m(k) = absl::Gaussian<Real>(rng, Real(0), Real(1));
  }
  return m;
}

TEST(ParamStoreTest, MlpWeightsAreCreatedOnceFromTheirInitialValues) {
  const Mlp mlp("net", {3, 4, 2});
  ParamStore store;
  ParamStoreScope scope(store);
  const Tensor x(RandomMatrix(5, 3, 1));
  const Matrix first = mlp(x).value();
  const Matrix second = mlp(x).value();
  EXPECT_EQ(first, second);
  std::vector<std::string> names;
  for (const NamedParameter& p : store.parameters()) {
    names.push_back(p.address.name());
  }
  EXPECT_THAT(names, ::testing::ElementsAre("net/0/w", "net/0/b", "net/1/w",
                                            "net/1/b"));
  for (const Linear& layer : mlp.layers()) {
    absl::StatusOr<Tensor> w = store.Get(layer.name() + "/w");
    ASSERT_TRUE(w.ok()) << w.status();
    // Unconstrained parameters map through the identity: the same values.
    EXPECT_EQ(Matrix(w->value()), Matrix(layer.InitialWeight().value()));
  }
}

TEST(ParamStoreTest, GradientStepsOnTheStoreTrainTheMlp) {
  MlpOptions options;
  options.hidden_activation = Activation::kTanh;
  const Mlp mlp("net", {3, 8, 2}, options);
  ParamStore store;
  ParamStoreScope scope(store);
  const Tensor x(RandomMatrix(16, 3, 2));
  const Tensor target(RandomMatrix(16, 2, 3));
  auto loss = [&] { return MeanAll(Square(mlp(x) - target)); };
  Real previous = loss().item();
  for (int step = 0; step < 50; ++step) {
    TapeScope tape;
    store.ZeroGrad();
    Backward(loss());
    for (Parameter* p : store.parameter_pointers()) {
      // Every weight and bias of both layers takes part.
      EXPECT_GT(p->grad().squaredNorm(), Real(0)) << "step " << step;
      p->value() -= Real(0.1) * p->grad();
    }
    // The store's values are what the next pass reads: full-batch gradient
    // descent with a small step on a smooth loss goes down every step.
    const Real current = loss().item();
    EXPECT_LT(current, previous) << "step " << step;
    previous = current;
  }
  EXPECT_EQ(store.size(), 4u) << "parameters are created once";
}

}  // namespace
}  // namespace nn
}  // namespace provi
