// Copyright 2026 The provi Authors.
//
// File: benchmarks/vae_models.h
// -----------------------------------------------------------------------------
//
// One gradient step of a variational autoencoder's objective, written three
// ways, for benchmarks/vae_benchmark.cc (and its equivalence test):
//
//   ProviVae        the model and the guide as programs (nn::Mlp layers whose
//                   weights live in a ParamStore, `sample` / `observe` in a
//                   plate over the batch), the objective `Elbo(model, guide)`,
//                   `Iwelbo`, `Vimco` or `IwelboDreg(model, guide, K)` of
//                   vi/objectives.h, and `Expectation::GradEstimate`;
//   DirectVae       the ELBO or IWELBO written out with ad/ operations and
//                   `Parameter`s: no handlers, no estimator;
//   HandWrittenVae  plain Eigen with hand-derived gradients (no AD).
//
// The VAE: encoder x -> LeakyReLU(x W + b) -> [loc, raw] with
// scale = softplus(raw), guide q(z | x) = N(loc, scale²); decoder
// z -> LeakyReLU(z W + b) -> logits, likelihood Bernoulli(logits), prior
// N(0, I). Each step returns the objective summed over the batch,
//
//   ELBO:        Σ_b [log p(x_b | z_b) + log p(z_b) - log q(z_b | x_b)],
//   IWELBO(K):   Σ_b log (1/K) Σ_k w_kb,  w_kb = p(x_b, z_kb) / q(z_kb | x_b),
//
// with z = loc + scale ε, and leaves the gradient estimate of that sum with
// respect to every weight in `Gradients()` (computed afresh each step, no
// optimiser update). The K-particle estimators (`Estimator`) share the
// value and differ in the gradient: IWELBO's reparameterised one, VIMCO's
// score-function one with leave-one-out control variates (z held fixed,
// Σ_k [(L - L_{-k}) - w̃_k] ∇_φ log q(z_k | x) for the encoder), and DReG's
// (Σ_k w̃_k² ∇_z log w_k ∂z_k/∂φ for the encoder); the decoder's is
// Σ_k w̃_k ∇_θ log p(x, z_k) in all three. Particles are laid out
// particle-major: lane k B + b is particle k of image b (the layout `Iwelbo`
// reduces per image).
//
// All three draw ε from a generator seeded by the same seed in the same
// order (`FillNoise`), so with equal seeds they compute the same numbers.
//
// Example:
//
//   const VaeWeights weights = RandomWeights(kCommonVae, /*seed=*/1);
//   const Matrix images = RandomImages(64, kCommonVae.pixels, /*seed=*/2);
//   ProviVae provi(kCommonVae, weights, images, /*particles=*/1, /*seed=*/3);
//   const double elbo = provi.Step();   // gradients in provi.Gradients()

#ifndef PROVI_BENCHMARKS_VAE_MODELS_H_
#define PROVI_BENCHMARKS_VAE_MODELS_H_

#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "absl/random/bit_gen_ref.h"
#include "ad/tensor.h"
#include "base/random.h"
#include "base/real.h"
#include "estimators/expectation.h"
#include "nn/mlp.h"
#include "vi/param_store.h"

namespace provi {
namespace vae_benchmark {

// VaeArchitecture
//
// Widths: pixels -> hidden -> 2 latent (loc, raw scale) for the encoder,
// latent -> hidden -> pixels for the decoder.
struct VaeArchitecture {
  Index pixels;
  Index hidden;
  Index latent;
};

// The network of the provi paper (784-200-(10, 10) / 10-200-784) and the
// common one (784-400-(20, 20) / 20-400-784).
inline constexpr VaeArchitecture kPaperVae{784, 200, 10};
inline constexpr VaeArchitecture kCommonVae{784, 400, 20};

// The negative-side slope of every hidden LeakyReLU.
inline constexpr Real kLeakyReluSlope = Real(0.01);

// kParameterNames
//
// The weights, in the order `VaeWeights` holds them: the param sites of the
// two nn::Mlp networks "encoder" and "decoder".
inline constexpr std::array<const char*, 8> kParameterNames = {
    "encoder/0/w", "encoder/0/b", "encoder/1/w", "encoder/1/b",
    "decoder/0/w", "decoder/0/b", "decoder/1/w", "decoder/1/b"};

// VaeWeights
//
// One matrix per entry of kParameterNames: w is in x out, b is 1 x out.
using VaeWeights = std::vector<Matrix>;

// RandomWeights()
//
// Glorot-uniform weights and small random biases (nonzero, so that bias
// gradients are compared on generic values), from `seed`.
VaeWeights RandomWeights(const VaeArchitecture& architecture, uint64_t seed);

// RandomImages()
//
// `batch` binarised images: each pixel 0 or 1 with probability 1/2.
Matrix RandomImages(Index batch, Index pixels, uint64_t seed);

// Estimator
//
// The gradient estimator of a K-particle step (K > 1): `Iwelbo`, `Vimco`
// or `IwelboDreg` of vi/objectives.h.
enum class Estimator { kIwelbo, kVimco, kIwelboDreg };

// FillNoise()
//
// Writes n standard normal draws to `data`, in the order the Normal
// family's reparameterised sampler draws its ε.
void FillNoise(Real* data, Index n, absl::BitGenRef gen);

// ProviVae
//
// See the file comment. `particles` = 1 runs the ELBO, K > 1 `estimator`
// with K particles.
class ProviVae {
 public:
  ProviVae(const VaeArchitecture& architecture, const VaeWeights& weights,
           const Matrix& images, int particles, uint64_t seed,
           Estimator estimator = Estimator::kIwelbo);
  ProviVae(const ProviVae&) = delete;
  ProviVae& operator=(const ProviVae&) = delete;

  // Step()
  //
  // Zeroes the gradients, runs `GradEstimate` with the store installed and
  // returns the objective summed over the batch.
  double Step();

  // Gradients()
  //
  // The gradient of the last step, in kParameterNames order.
  VaeWeights Gradients() const;

  // The guide and the model, as programs of the images.
  void Guide(const Tensor& x) const;
  void Model(const Tensor& x) const;

 private:
  VaeArchitecture architecture_;
  nn::Mlp encoder_;
  nn::Mlp decoder_;
  ParamStore store_;
  std::array<Parameter*, kParameterNames.size()> parameters_ = {};
  Tensor images_;
  Expectation<std::function<Tensor(const Tensor&)>> objective_;
};

// DirectVae
//
// See the file comment.
class DirectVae {
 public:
  DirectVae(const VaeArchitecture& architecture, const VaeWeights& weights,
            const Matrix& images, int particles, uint64_t seed);

  double Step();
  VaeWeights Gradients() const;

 private:
  VaeArchitecture architecture_;
  std::vector<Parameter> parameters_;
  Tensor images_;
  int particles_;
  Rng rng_;
};

// HandWrittenVae
//
// See the file comment. Every buffer is allocated once, at construction.
class HandWrittenVae {
 public:
  HandWrittenVae(const VaeArchitecture& architecture, const VaeWeights& weights,
                 const Matrix& images, int particles, uint64_t seed,
                 Estimator estimator = Estimator::kIwelbo);

  double Step();
  VaeWeights Gradients() const { return gradients_; }

 private:
  using Array = Eigen::Array<Real, Eigen::Dynamic, Eigen::Dynamic>;

  VaeArchitecture architecture_;
  VaeWeights weights_;
  VaeWeights gradients_;
  Matrix images_;
  int particles_;
  Estimator estimator_;
  Rng rng_;
  // Forward values (B = batch, R = particles * batch lanes). A LeakyReLU's
  // output has the sign of its input, so the hidden layers keep only it.
  Matrix encoder_hidden_;  // B x hidden
  Matrix encoder_out_;     // B x 2 latent: loc, raw scale
  Array scale_;            // B x latent
  Array scale_slope_;      // B x latent: softplus'(raw) = sigmoid(raw)
  Matrix noise_;           // R x latent
  Matrix z_;               // R x latent
  Matrix decoder_hidden_;  // R x hidden
  Matrix logits_;          // R x pixels
  Array log_weight_;       // R x 1
  Array lane_weight_;      // R x 1: d objective / d log w
  Array score_weight_;     // R x 1: VIMCO's coefficient of ∇ log q
  // Backward values. d_logits_ first holds exp(-|logits|), which the
  // forward pass shares with the backward one.
  Matrix d_logits_;          // R x pixels
  Matrix d_decoder_hidden_;  // R x hidden
  Matrix d_z_;               // R x latent
  Matrix d_encoder_out_;     // B x 2 latent
  Matrix d_encoder_hidden_;  // B x hidden
};

}  // namespace vae_benchmark
}  // namespace provi

#endif  // PROVI_BENCHMARKS_VAE_MODELS_H_
