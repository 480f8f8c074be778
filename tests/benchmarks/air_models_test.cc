// Copyright 2026 The provi Authors.
//
// benchmarks/air_models.h: the AIR step through provi's programs and
// estimator and the same step written directly with ad/ operations compute
// the same ELBO and the same gradient of every parameter from the same
// noise, over two successive steps; the hand-written spatial transformer
// agrees with provi's SpatialTransform, values and gradients.

#include "benchmarks/air_models.h"

#include <cmath>
#include <string>

#include "ad/ops.h"
#include "ad/tape.h"
#include "base/random.h"
#include "base/real.h"
#include "examples/air_model.h"
#include "gtest/gtest.h"
#include "vi/param_store.h"

namespace provi {
namespace air_benchmark {
namespace {

double Tolerance() { return kRealIsDouble ? 1e-9 : 2e-3; }

TEST(AirModelsTest, ProviAndDirectAgree) {
  for (const bool genjax : {true, false}) {
    examples::AirConfig config = examples::GenjaxConfig();
    config.robust_where = true;
    if (!genjax) config.z_pres_floor = 0;  // the Pyro guide's probability
    const Matrix images = Canvases(16, 1);
    ProviAirStep provi(config, images, 2);
    DirectAirStep direct(config, images, 2);
    for (int step = 0; step < 2; ++step) {
      const double a = provi.Step();
      const double b = direct.Step();
      EXPECT_NEAR(a, b, Tolerance() * std::abs(b)) << "step " << step;
      ASSERT_EQ(provi.store().size(), direct.store().size());
      for (const NamedParameter& p : provi.store().parameters()) {
        const std::string& name = p.address.name();
        absl::StatusOr<Parameter*> q = direct.store().Unconstrained(name);
        ASSERT_TRUE(q.ok()) << name;
        const Matrix& g = p.parameter->grad();
        const Matrix& h = (*q)->grad();
        EXPECT_GT(g.norm(), 0) << name;
        EXPECT_LE((g - h).norm(), Tolerance() * (1 + h.norm()))
            << name << " at step " << step;
      }
    }
  }
}

TEST(AirModelsTest, HandWrittenSpatialTransformAgrees) {
  Rng rng = MakeRng(3);
  auto gaussian = [&](Index rows, Index cols) {
    Matrix m(rows, cols);
    for (Index k = 0; k < m.size(); ++k) {
      m(k) = static_cast<Real>(absl::Gaussian<double>(rng, 0, 1));
    }
    return m;
  };
  const Matrix src = gaussian(4, 36);
  Matrix where = gaussian(4, 3);
  where.col(0) = where.col(0).cwiseAbs().array() + Real(0.5);
  const Matrix grad = gaussian(4, 121);
  const HandWrittenSpatialTransform stn{6, 11};
  Matrix out, src_grad = Matrix::Zero(4, 36), where_grad = Matrix::Zero(4, 3);
  stn.Forward(src, where, &out);
  stn.Backward(src, where, grad, &src_grad, &where_grad);
  TapeScope scope;
  const Tensor s = Variable(src);
  const Tensor w = Variable(where);
  const Tensor y = SpatialTransform(s, w, 6, 6, 11, 11);
  Backward(SumAll(y * Tensor(grad)));
  const double tol = kRealIsDouble ? 1e-10 : 1e-4;
  EXPECT_LE((Matrix(y.value()) - out).norm(), tol * (1 + out.norm()));
  EXPECT_LE((Matrix(s.adjoint()) - src_grad).norm(),
            tol * (1 + src_grad.norm()));
  EXPECT_LE((Matrix(w.adjoint()) - where_grad).norm(),
            tol * (1 + where_grad.norm()));
}

}  // namespace
}  // namespace air_benchmark
}  // namespace provi
