// Copyright 2026 The provi Authors.
//
// File: benchmarks/air_models.h
// -----------------------------------------------------------------------------
//
// One REINFORCE gradient step of AIR (examples/air_model.h) written two
// ways, for benchmarks/air_benchmark.cc and its equivalence test, and a
// spatial transformer written by hand:
//
//   ProviAirStep   `Expectation(Elbo(model, ScoreFunction(guide, z_pres
//                  sites)))` over the AirModel and AirGuide programs, with
//                  the image projection computed once per minibatch;
//   DirectAirStep  the same objective written out with ad/ operations, the
//                  same networks and distributions: no programs, handlers,
//                  traces or estimator. Provi's time minus this is the cost
//                  of the programs and the estimator.
//
// Both compute, for B canvases and one guide sample each, the ELBO per lane
// f = log p(x, z) - log q(z | x) and the surrogate Σ_b [f_b + Detach(f_b)
// Σ_t (log q(z_pres_t) - Detach(log q(z_pres_t)))] (no baseline), sweep it,
// and leave the gradients in their ParamStore (no optimiser update). They
// draw from generators seeded alike in the same order, so with equal seeds
// they compute the same numbers.
//
//   HandWrittenSpatialTransform  PyTorch's grid_sample (bilinear,
//                  align_corners=False, zero padding) for scale-and-shift
//                  transforms, forward and backward, as plain loops: per
//                  lane, the sampling positions of each output row and
//                  column, then the output pixels whose row and column touch
//                  the source, with a bounds check per corner.
//
// Example:
//
//   const provi::Matrix images = provi::air_benchmark::Canvases(64, 1);
//   provi::air_benchmark::ProviAirStep step(provi::examples::GenjaxConfig(),
//                                           images, /*seed=*/2);
//   double elbo = step.Step();   // gradients in step.store()

#ifndef PROVI_BENCHMARKS_AIR_MODELS_H_
#define PROVI_BENCHMARKS_AIR_MODELS_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "ad/tensor.h"
#include "base/random.h"
#include "examples/air_model.h"
#include "vi/param_store.h"

namespace provi {
namespace air_benchmark {

// Canvases()
//
// `n` 50 x 50 canvases of 0 to 2 objects (data/multi_object.h) cut from
// random blob images, so that no data set is needed; seeded.
Matrix Canvases(Index n, uint64_t seed);

// ProviAirStep
class ProviAirStep {
 public:
  ProviAirStep(const examples::AirConfig& config, Matrix images, uint64_t seed);
  // One gradient step; returns the mean ELBO per image.
  double Step();
  ParamStore& store() { return store_; }

 private:
  examples::AirNetworks networks_;
  Tensor images_;
  ParamStore store_;
  std::function<double(const examples::AirBatch&)> estimate_;
};

// DirectAirStep
class DirectAirStep {
 public:
  DirectAirStep(const examples::AirConfig& config, Matrix images,
                uint64_t seed);
  // One gradient step; returns the mean ELBO per image.
  double Step();
  ParamStore& store() { return store_; }

 private:
  examples::AirNetworks networks_;
  Tensor images_;
  ParamStore store_;
  Rng rng_;
};

// HandWrittenSpatialTransform
//
// Forward: out (R x out²) from src (R x src²) and where (R x 3), all
// column-major like provi's tensors. Backward: from the output's adjoint,
// adds into src_grad (if not null) and where_grad.
struct HandWrittenSpatialTransform {
  Index src_side;
  Index out_side;
  void Forward(const Matrix& src, const Matrix& where, Matrix* out) const;
  void Backward(const Matrix& src, const Matrix& where, const Matrix& out_grad,
                Matrix* src_grad, Matrix* where_grad) const;
};

}  // namespace air_benchmark
}  // namespace provi

#endif  // PROVI_BENCHMARKS_AIR_MODELS_H_
