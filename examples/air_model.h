// Copyright 2026 The provi Authors.
//
// File: examples/air_model.h
// -----------------------------------------------------------------------------
//
// Attend-Infer-Repeat (Eslami et al., "Attend, Infer, Repeat: Fast Scene
// Understanding with Generative Models", NeurIPS 2016) as two provi
// programs, a model and a guide over canvases of objects, in the two forms
// "Probabilistic Programming with Programmable Variational Inference"
// (Becker et al., PLDI 2024) compares: genjax.vi's (its Figure 7) and
// Pyro's (pyro/examples/air).
//
// The model draws, for each of T = 3 steps t, whether an object is present
// (z_pres_t), where it is (z_where_t = (s, x, y): the window of side
// `canvas / s` pixels centred at normalised canvas coordinates (-x/s, -y/s))
// and what it looks like (z_what_t, 50-D, decoded to a 20 x 20 window), and
// adds the present objects onto the canvas, observed with Normal noise:
//
//   z_pres_t  ~ Bernoulli(prior_t)          (Pyro: prior_t · z_pres_{t-1})
//   z_where_t ~ Normal([3, 0, 0], [0.2, 1, 1])
//   z_what_t  ~ Normal(0, I)
//   x = Σ_t z_pres_t · window_to_image(z_where_t, decoder(z_what_t))
//   image ~ Normal(x, 0.3)
//
// The guide runs an LSTM over the image and the previous step's latents and
// predicts each step's posteriors:
//
//   h_t = LSTM([image, z_where_{t-1}, z_what_{t-1}, z_pres_{t-1}], h_{t-1})
//   p, loc, scale = predict(h_t)
//   z_pres_t  ~ Bernoulli((ε + p · z_pres_{t-1}) / (1 + 1.01 ε))  (Pyro: p ·
//               z_pres_{t-1})
//   z_where_t ~ Normal(loc, scale)     (robust: Normal(loc + [3, 0, 0],
//                                       scale ⊙ [0.2, 1, 1]))
//   z_what_t  ~ Normal(encoder(image_to_window(z_where_t, image)))
//
// Every lane runs all T steps; an object that is absent stops the later
// ones through values, not control flow: the guide's z_pres probability is
// multiplied by the previous z_pres (the per-lane "alive" mask) and the
// model adds z_pres ⊙ window. With `mask_absent` (Pyro), the z_where and
// z_what densities of absent objects are masked out in both programs;
// without it (genjax), they are scored like any other site.
//
// Gradient strategies. The z_where and z_what sites are reparameterised;
// each z_pres site ("z_pres_0", ...) takes its strategy from the caller:
// wrap the guide with `ScoreFunction(guide, {...}, baseline)`, `Mvd(...)`
// or `Enumerate(...)` (estimators/strategies.h), one wrapper per site if
// the strategies differ. Unwrapped, Bernoulli's default applies (the score
// function without baseline).
//
// Networks (`AirNetworks`; all weights are `param` sites):
//
//   lstm     "guide/lstm": canvas² image inputs shared by all steps, 54 step
//            inputs, 256 units (nn::LstmCell). Its image projection can be
//            computed once per minibatch (`AirNetworks::ProjectImages`) and
//            passed in `AirBatch::projection`: every step, particle and
//            re-execution of the guide then reuses it.
//   predict  "guide/predict": 256 -> 7 (Pyro: 256 -> 200 -> 7)
//   encoder  "guide/encoder": window² -> 200 -> 100 (50 locs, 50 scales
//            through softplus)
//   decoder  "model/decoder": 50 -> 200 -> window², sigmoid output after
//            adding `decoder_bias` (Pyro: -2, mostly empty objects at first)
//   initial  "guide/initial/{h,c,where,what}" (Pyro only): the learned
//            initial state and previous latents
//   baseline "baseline": 256 -> 200 -> 1 on the detached LSTM state, a
//            data-dependent baseline for each z_pres site (see AirGuide);
//            -> 2 with `baseline_outputs`, a coefficient per value of z_pres
//
// Hidden layers use leaky ReLU (genjax) or ReLU (Pyro); layers are
// initialised as in PyTorch, U(-1/√in, 1/√in).
//
// Lanes. Both programs take an `AirBatch` of B images and a particle count
// K, and lay out K B lanes particle-major (lane k B + b is particle k of
// image b) inside the plates "particles" and "images".
//
// Example:
//
//   const provi::examples::AirConfig config = provi::examples::GenjaxConfig();
//   const provi::examples::AirNetworks networks(config, /*seed=*/1);
//   const provi::examples::AirModel model(networks);
//   const provi::examples::AirGuide guide(networks);
//   auto reinforce = provi::ScoreFunction(
//       guide, {"z_pres_0", "z_pres_1", "z_pres_2"},
//       provi::MovingAverageBaseline(0.9));
//   auto elbo = provi::Expectation(provi::Elbo(model, reinforce));
//   absl::StatusOr<provi::GradientEstimate> g =
//       elbo.GradEstimate(provi::examples::AirBatch{images}, provi::Index{1});

#ifndef PROVI_EXAMPLES_AIR_MODEL_H_
#define PROVI_EXAMPLES_AIR_MODEL_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "ad/tensor.h"
#include "nn/lstm.h"
#include "nn/mlp.h"
#include "runtime/trace.h"

namespace provi {
namespace examples {

// kAirSteps
//
// T: the most objects a canvas is explained with.
inline constexpr int kAirSteps = 3;

// AirVariant
//
// Whose AIR: genjax.vi's Figure 7 or Pyro's example (see the file comment).
enum class AirVariant { kGenjax, kPyro };

// AirConfig
//
// Sizes, priors and the variant's choices. Start from GenjaxConfig() or
// PyroConfig() and adjust.
struct AirConfig {
  AirVariant variant = AirVariant::kGenjax;
  Index canvas = 50;   // canvas side (pixels)
  Index window = 20;   // object window side (pixels)
  Index what = 50;     // z_what dimension
  Index hidden = 256;  // LSTM units
  Index mlp_hidden = 200;
  // Hidden widths of the predict network (none: one linear layer).
  std::vector<Index> predict_hidden;
  // P(z_pres_t = 1) under the prior, per step.
  std::array<double, kAirSteps> z_pres_prior = {0.05, 1.0e-3, 3.1e-7};
  // Pyro: the prior at step t is z_pres_prior[t] · z_pres_{t-1}.
  bool chain_prior = false;
  // The prior of z_where = (s, x, y): Normal(where_prior_loc, where_prior_sd).
  std::array<double, 3> where_prior_loc = {3, 0, 0};
  std::array<double, 3> where_prior_sd = {0.2, 1, 1};
  // The observation noise.
  double likelihood_sd = 0.3;
  // Added to the decoder's last layer before its sigmoid.
  double decoder_bias = 0;
  // The guide's z_pres floor ε (genjax: 1e-4; 0 for Pyro's p · z_pres_{t-1}).
  double z_pres_floor = 1e-4;
  // The guide's z_where = Normal(loc + where_prior_loc, scale ⊙
  // where_prior_sd) instead of Normal(loc, scale).
  bool robust_where = false;
  // Masks the z_where and z_what densities of absent objects (Pyro).
  bool mask_absent = false;
  // Learned initial LSTM state and previous latents (Pyro); else zeros.
  bool learned_initial_state = false;
  // Leaky ReLU (genjax) or ReLU (Pyro) hidden layers.
  bool leaky_relu = true;
  // Outputs of the baseline network: 1 (a baseline per lane), or 2 (a
  // control-variate coefficient per value of z_pres, for
  // ScoreFunctionWithLearnedControlVariates).
  Index baseline_outputs = 1;
};

// GenjaxConfig(), PyroConfig()
//
// genjax.vi's Figure 7 AIR (20 x 20 windows, as its scripts) and Pyro's
// (masking, prior offset for z_where, decoder bias -2, learned initial
// state, predict 256 -> 200 -> 7, ReLU, 20 x 20 windows unless changed).
AirConfig GenjaxConfig();
AirConfig PyroConfig();

// AirVariantName(), ParseAirVariant(), AbslParseFlag(), AbslUnparseFlag()
//
// "genjax" and "pyro", for flags.
std::string AirVariantName(AirVariant variant);
bool ParseAirVariant(absl::string_view name, AirVariant* variant);
bool AbslParseFlag(absl::string_view text, AirVariant* variant,
                   std::string* error);
std::string AbslUnparseFlag(AirVariant variant);

// AirBatch
//
// A minibatch: the images (B x canvas², pixels in [0, 1], row-major) and,
// optionally, their LSTM image projection (B x 4 hidden, from
// `AirNetworks::ProjectImages` in the same parameter store and tape scope
// as the estimation); when it is empty the guide computes it itself.
struct AirBatch {
  Tensor images;
  Tensor projection;
};

// Site names: "z_pres_t", "z_where_t", "z_what_t" for t = 0, 1, 2; the
// observation is "x".
std::string ZPresSite(int t);
std::string ZWhereSite(int t);
std::string ZWhatSite(int t);
extern const char kObservationSite[];

// AirNetworks
//
// The networks of both programs. Cheap to copy: copies share the layers'
// initial values, and trained values live in the ParamStore.
class AirNetworks {
 public:
  // Networks for `config`, initialised from `seed`. Throws `StatusError`
  // for invalid sizes.
  AirNetworks(const AirConfig& config, uint64_t seed);

  const AirConfig& config() const { return config_; }

  // ProjectImages()
  //
  // The LSTM's image projection of `images` (B x canvas²): B x 4 hidden.
  // Reads the LSTM's shared-input param sites.
  Tensor ProjectImages(const Tensor& images) const;

  // Decode()
  //
  // The windows (R x window², in (0, 1)) of latents z_what (R x what).
  Tensor Decode(const nn::Mlp::Bound& decoder, const Tensor& z_what) const;

  const nn::LstmCell& lstm() const { return lstm_; }
  const nn::Mlp& predict() const { return predict_; }
  const nn::Mlp& encoder() const { return encoder_; }
  const nn::Mlp& decoder() const { return decoder_; }
  const nn::Mlp& baseline() const { return baseline_; }

 private:
  AirConfig config_;
  nn::LstmCell lstm_;
  nn::Mlp predict_;
  nn::Mlp encoder_;
  nn::Mlp decoder_;
  nn::Mlp baseline_;
};

// WindowToImage(), ImageToWindow()
//
// The spatial transformers of AIR: a window (R x window²) placed on a canvas
// (R x canvas²) at z_where (R x 3), and the window that z_where reads from
// a canvas, through the inverse transform (1/s, -x/s, -y/s).
Tensor WindowToImage(const Tensor& z_where, const Tensor& windows, Index window,
                     Index canvas);
Tensor ImageToWindow(const Tensor& z_where, const Tensor& images, Index canvas,
                     Index window);

// AirStepBaselines
//
// Where the guide leaves its data-dependent baseline values: one R x 1
// tensor (R x baseline_outputs) per z_pres site, from the baseline network on
// the detached LSTM state of that step (multiplied by the previous z_pres under
// the Pyro variant). They are valid for the run that computed them, so they
// suit strategies that run the program once (the score function), e.g.
// `ScoreFunction(guide, {ZPresSite(t)}, LearnedBaseline([&] { return
// baselines->values[t]; }))` for each t.
struct AirStepBaselines {
  std::array<Tensor, kAirSteps> values;
};

// AirModel
//
// The model as a program of (batch, K): see the file comment.
class AirModel {
 public:
  explicit AirModel(AirNetworks networks) : networks_(std::move(networks)) {}
  void operator()(const AirBatch& batch, Index particles) const;

 private:
  AirNetworks networks_;
};

// AirGuide
//
// The guide as a program of (batch, K): see the file comment. With a
// `AirStepBaselines` it also evaluates the baseline network and stores its
// values there (the caller keeps it alive).
class AirGuide {
 public:
  explicit AirGuide(AirNetworks networks,
                    std::shared_ptr<AirStepBaselines> baselines = nullptr)
      : networks_(std::move(networks)), baselines_(std::move(baselines)) {}
  void operator()(const AirBatch& batch, Index particles) const;

 private:
  AirNetworks networks_;
  std::shared_ptr<AirStepBaselines> baselines_;
};

// InferredCounts()
//
// Σ_t z_pres_t per lane of a guide trace: the number of objects inferred.
std::vector<int> InferredCounts(const Trace& guide_trace);

// AirBox
//
// An inferred object's window on the canvas, in pixels: the top-left corner
// and the side, from z_where = (s, x, y) (side canvas / s, centre at
// normalised (-x/s, -y/s)).
struct AirBox {
  double top = 0;
  double left = 0;
  double side = 0;
};
AirBox WindowBox(double s, double x, double y, Index canvas);

}  // namespace examples
}  // namespace provi

#endif  // PROVI_EXAMPLES_AIR_MODEL_H_
