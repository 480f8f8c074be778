// Copyright 2026 The provi Authors.
//
// File: examples/vae_model.h
// -----------------------------------------------------------------------------
//
// A variational autoencoder (Kingma and Welling, ICLR 2014) for binarised
// images, written as provi programs, and the objectives examples/vae.cc
// trains it with.
//
//   model:  z ~ N(0, I),  x ~ Bernoulli(logits = decoder(z))
//   guide:  z ~ N(loc, scale²),  [loc, raw] = encoder(x),
//           scale = softplus(raw)
//
// The encoder is an nn::Mlp pixels -> hidden -> 2 latent, the decoder one
// latent -> hidden -> pixels, both with ReLU hidden layers and He-uniform
// initial weights. The weights are `param` sites "encoder/..." and
// "decoder/...", so a ParamStore trains them.
//
// Lanes. Both programs take the images x (B x pixels, one image per row) and
// a particle count K, and draw K latents per image laid out particle-major:
// lane k B + b holds particle k of image b (K B lanes, inside the plates
// "particles" and "images"). K = 1 is the usual one latent per image.
//
// Objectives. Each returns one value per image (B x 1), which `Svi` sums:
//
//   kElbo        the ELBO, log p(x, z) - log q(z | x), averaged over the K
//                particles: `Elbo` of vi/objectives.h
//   kElboStl     the same value with the sticking-the-landing gradient:
//                `ElboStl` of vi/objectives.h
//   kIwelbo      the importance-weighted bound (Burda, Grosse and
//                Salakhutdinov, ICLR 2016), log (1/K) Σ_k w_k with
//                w_k = p(x, z_k) / q(z_k | x)
//   kIwelboDreg  the IWELBO with the doubly reparameterised guide gradient
//                (Tucker, Lawson, Gu and Maddison, ICLR 2019)
//   kRenyi       the variational Rényi bound (Li and Turner, NeurIPS 2016),
//                (1 / (1 - α)) log (1/K) Σ_k w_k^(1-α)
//
// The three multi-particle objectives are the formulas of vi/objectives.h's
// Iwelbo, IwelboDreg and Renyi, written with Simulate and Density as any
// user objective is, reduced per image of the layout above, and taking K
// per call, so that training with K particles and evaluating with N share
// one program. VIMCO is not offered: it is a score-function estimator for
// guides that cannot be reparameterised, and with 20 Gaussian latents per
// image its gradient is far noisier than the pathwise ones above.
//
// Example:
//
//   provi::examples::VaeNetworks networks({.hidden = 400, .latent = 20},
//                                         /*seed=*/1);
//   auto iwelbo = provi::Expectation(provi::examples::MakeVaeObjective(
//       provi::examples::VaeObjective::kIwelbo, networks));
//   provi::Svi svi(iwelbo, adam, store);
//   absl::StatusOr<provi::Real> value = svi.Step(batch, /*particles=*/5);

#ifndef PROVI_EXAMPLES_VAE_MODEL_H_
#define PROVI_EXAMPLES_VAE_MODEL_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "ad/tensor.h"
#include "nn/mlp.h"

namespace provi {
namespace examples {

// VaeArchitecture
//
// The widths of the networks (see the file comment).
struct VaeArchitecture {
  Index pixels = 784;
  Index hidden = 400;
  Index latent = 20;
};

// VaeNetworks
//
// The encoder and the decoder. Cheap to copy: copies share the layers'
// initial values, and the trained values live in the ParamStore.
class VaeNetworks {
 public:
  // Networks of `architecture` (every width positive, else `StatusError`),
  // initialised from `seed`.
  VaeNetworks(const VaeArchitecture& architecture, uint64_t seed);

  // Posterior
  //
  // The guide's q(z | x) for each image: loc and scale, B x latent each.
  struct Posterior {
    Tensor loc;
    Tensor scale;
  };

  // Encode()
  //
  // q(z | x) for the images x (B x pixels).
  Posterior Encode(const Tensor& x) const;

  // DecodeLogits()
  //
  // The Bernoulli logits of p(x | z) for latents z (R x latent): R x pixels.
  Tensor DecodeLogits(const Tensor& z) const;

  const VaeArchitecture& architecture() const { return architecture_; }

 private:
  VaeArchitecture architecture_;
  nn::Mlp encoder_;
  nn::Mlp decoder_;
};

// VaeModel, VaeGuide
//
// The model and the guide as programs of (x, K); see the file comment.
class VaeModel {
 public:
  explicit VaeModel(VaeNetworks networks) : networks_(std::move(networks)) {}
  void operator()(const Tensor& x, Index particles) const;

 private:
  VaeNetworks networks_;
};

class VaeGuide {
 public:
  explicit VaeGuide(VaeNetworks networks) : networks_(std::move(networks)) {}
  void operator()(const Tensor& x, Index particles) const;

 private:
  VaeNetworks networks_;
};

// VaeObjective
//
// The objectives of the file comment.
enum class VaeObjective { kElbo, kElboStl, kIwelbo, kIwelboDreg, kRenyi };

// VaeObjectiveName(), ParseVaeObjective()
//
// The names the --objective flag uses: "elbo", "elbo_stl", "iwelbo",
// "iwelbo_dreg", "renyi". `ParseVaeObjective` returns false for any other.
std::string VaeObjectiveName(VaeObjective objective);
bool ParseVaeObjective(absl::string_view name, VaeObjective* objective);

// AbslParseFlag(), AbslUnparseFlag()
//
// Let `VaeObjective` be the type of an absl flag.
bool AbslParseFlag(absl::string_view text, VaeObjective* objective,
                   std::string* error);
std::string AbslUnparseFlag(VaeObjective objective);

// DefaultParticles()
//
// A sensible K for `objective`: 1 for the ELBOs, 5 for the others.
int DefaultParticles(VaeObjective objective);

// VaeObjectiveProgram
//
// An objective as a program of the images (B x pixels) and K, returning one
// value per image (B x 1); wrap it in `Expectation`.
using VaeObjectiveProgram =
    std::function<Tensor(const Tensor& x, Index particles)>;

// MakeVaeObjective()
//
// The program of `objective` for the VAE of `networks`. `renyi_alpha` is the
// α of kRenyi (not 1; ignored by the others).
VaeObjectiveProgram MakeVaeObjective(VaeObjective objective,
                                     const VaeNetworks& networks,
                                     Real renyi_alpha = Real(0.5));

// LogMeanExpPerImage()
//
// For values v of K B particle-major lanes (K B x 1), log (1/K) Σ_k e^v(kB+b)
// for each image b: B x 1.
Tensor LogMeanExpPerImage(const Tensor& v, Index images);

}  // namespace examples
}  // namespace provi

#endif  // PROVI_EXAMPLES_VAE_MODEL_H_
