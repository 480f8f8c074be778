// Copyright 2026 The provi Authors.

#include "benchmarks/vae_models.h"

#include <cmath>
#include <utility>

#include "absl/random/distributions.h"
#include "absl/status/statusor.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/check.h"
#include "distributions/bernoulli.h"
#include "distributions/normal.h"
#include "nn/activation.h"
#include "runtime/primitives.h"
#include "vi/objectives.h"

namespace provi {
namespace vae_benchmark {
namespace {

// ½ log 2π.
constexpr double kHalfLog2Pi = 0.91893853320467274178;

// The lanes of the innermost broadcasting plate (the particles of
// `Particles`, hence of `Iwelbo`), or 1 outside one: how many copies of the
// batch the program lays out.
Index ParticleCopies() {
  const PlateStack& plates = CurrentPlates();
  for (auto it = plates.rbegin(); it != plates.rend(); ++it) {
    if (it->broadcast) return it->subsample_size;
  }
  return 1;
}

nn::MlpOptions LeakyReluMlp() {
  nn::MlpOptions options;
  options.hidden_activation = nn::Activation::kLeakyRelu;
  options.output_activation = nn::Activation::kIdentity;
  options.leaky_relu_slope = kLeakyReluSlope;
  return options;
}

std::function<Tensor(const Tensor&)> MakeObjective(const ProviVae* vae,
                                                   int particles,
                                                   Estimator estimator) {
  auto guide = [vae](const Tensor& x) { vae->Guide(x); };
  auto model = [vae](const Tensor& x) { vae->Model(x); };
  if (particles == 1) return Elbo(model, guide);
  switch (estimator) {
    case Estimator::kVimco:
      return Vimco(model, guide, particles);
    case Estimator::kIwelboDreg:
      return IwelboDreg(model, guide, particles);
    case Estimator::kIwelbo:
      break;
  }
  return Iwelbo(model, guide, particles);
}

// Softplus and its derivative, the sigmoid, sharing one exponential.
template <typename Raw, typename Value, typename Slope>
void SoftplusWithSlope(const Eigen::ArrayBase<Raw>& raw,
                       Eigen::ArrayBase<Value>& value,
                       Eigen::ArrayBase<Slope>& slope) {
  const auto e = (-raw.abs()).exp().eval();
  value = raw.max(Real(0)) + e.log1p();
  slope = (raw >= Real(0)).select(Real(1), e) / (Real(1) + e);
}

// LeakyReLU in place.
template <typename M>
void LeakyReluInPlace(Eigen::MatrixBase<M>& h) {
  h = (h.array() > Real(0)).select(h.array(), kLeakyReluSlope * h.array());
}

// d, times the LeakyReLU derivative at the layer whose output is `h`.
template <typename D, typename H>
void LeakyReluBackward(Eigen::MatrixBase<D>& d, const Eigen::MatrixBase<H>& h) {
  d = (h.array() > Real(0)).select(d.array(), kLeakyReluSlope * d.array());
}

}  // namespace

VaeWeights RandomWeights(const VaeArchitecture& architecture, uint64_t seed) {
  Rng rng = MakeRng(seed);
  const Index p = architecture.pixels;
  const Index h = architecture.hidden;
  const Index l = architecture.latent;
  const Index shapes[8][2] = {{p, h}, {1, h}, {h, 2 * l}, {1, 2 * l},
                              {l, h}, {1, h}, {h, p},     {1, p}};
  VaeWeights weights;
  for (const auto& shape : shapes) {
    const bool bias = shape[0] == 1;
    const double bound =
        bias ? 0.1 : std::sqrt(6.0 / static_cast<double>(shape[0] + shape[1]));
    Matrix m(shape[0], shape[1]);
    for (Index i = 0; i < m.size(); ++i) {
      m(i) = static_cast<Real>(absl::Uniform<double>(rng, -bound, bound));
    }
    weights.push_back(std::move(m));
  }
  return weights;
}

Matrix RandomImages(Index batch, Index pixels, uint64_t seed) {
  Rng rng = MakeRng(seed);
  Matrix images(batch, pixels);
  for (Index i = 0; i < images.size(); ++i) {
    images(i) = absl::Bernoulli(rng, 0.5) ? Real(1) : Real(0);
  }
  return images;
}

void FillNoise(Real* data, Index n, absl::BitGenRef gen) {
  for (Index i = 0; i < n; ++i) data[i] = absl::Gaussian<Real>(gen);
}

// -----------------------------------------------------------------------------
// provi: programs, Elbo / Iwelbo, Expectation.
// -----------------------------------------------------------------------------

ProviVae::ProviVae(const VaeArchitecture& architecture,
                   const VaeWeights& weights, const Matrix& images,
                   int particles, uint64_t seed, Estimator estimator)
    : architecture_(architecture),
      encoder_(
          "encoder",
          {architecture.pixels, architecture.hidden, 2 * architecture.latent},
          LeakyReluMlp()),
      decoder_("decoder",
               {architecture.latent, architecture.hidden, architecture.pixels},
               LeakyReluMlp()),
      images_(images),
      objective_(MakeObjective(this, particles, estimator)) {
  objective_.Seed(seed);
  // Creates the parameters (from the layers' initialisers), then sets them.
  {
    ParamStoreScope scope(store_);
    encoder_(Tensor(Matrix::Zero(1, architecture.pixels)));
    decoder_(Tensor(Matrix::Zero(1, architecture.latent)));
  }
  PROVI_CHECK(weights.size() == kParameterNames.size());
  for (size_t i = 0; i < kParameterNames.size(); ++i) {
    const absl::StatusOr<Parameter*> parameter =
        store_.Unconstrained(kParameterNames[i]);
    PROVI_CHECK(parameter.ok()) << parameter.status();
    PROVI_CHECK((*parameter)->rows() == weights[i].rows() &&
                (*parameter)->cols() == weights[i].cols())
        << kParameterNames[i];
    (*parameter)->value() = weights[i];
    parameters_[i] = *parameter;
  }
}

void ProviVae::Guide(const Tensor& x) const {
  const Index copies = ParticleCopies();
  const Index latent = architecture_.latent;
  Plate data("data", x.rows());
  const Tensor out = encoder_(x);
  Tensor loc = SliceCols(out, 0, latent);
  Tensor scale = Softplus(SliceCols(out, latent, latent));
  if (copies > 1) {
    loc = Tile(loc, copies, 1);
    scale = Tile(scale, copies, 1);
  }
  sample("z", Normal(loc, scale));
}

void ProviVae::Model(const Tensor& x) const {
  const Index copies = ParticleCopies();
  Plate data("data", x.rows());
  const Tensor z = sample(
      "z", Normal(0.0, 1.0).Expand(copies * x.rows(), architecture_.latent));
  const Tensor logits = decoder_(z);
  observe("x", Bernoulli::FromLogits(logits),
          copies > 1 ? Tile(x, copies, 1) : x);
}

double ProviVae::Step() {
  store_.ZeroGrad();
  ParamStoreScope scope(store_);
  const absl::StatusOr<GradientEstimate> estimate =
      objective_.GradEstimate(images_);
  PROVI_CHECK(estimate.ok()) << estimate.status();
  return static_cast<double>(estimate->value.sum());
}

VaeWeights ProviVae::Gradients() const {
  VaeWeights gradients;
  for (const Parameter* p : parameters_) gradients.push_back(p->grad());
  return gradients;
}

// -----------------------------------------------------------------------------
// Direct: the objective with ad/ operations.
// -----------------------------------------------------------------------------

DirectVae::DirectVae(const VaeArchitecture& architecture,
                     const VaeWeights& weights, const Matrix& images,
                     int particles, uint64_t seed)
    : architecture_(architecture),
      images_(images),
      particles_(particles),
      rng_(MakeRng(seed)) {
  parameters_.reserve(weights.size());
  for (const Matrix& w : weights) parameters_.emplace_back(w);
}

double DirectVae::Step() {
  for (Parameter& p : parameters_) p.ZeroGrad();
  TapeScope scope;
  auto w = [this](int i) {
    return parameters_[static_cast<size_t>(i)].tensor();
  };
  const Index batch = images_.rows();
  const Index copies = particles_;
  const Index lanes = copies * batch;
  const Index latent = architecture_.latent;

  const Tensor hidden =
      LeakyRelu(MatMul(images_, w(0)) + w(1), kLeakyReluSlope);
  const Tensor out = MatMul(hidden, w(2)) + w(3);
  Tensor loc = SliceCols(out, 0, latent);
  Tensor scale = Softplus(SliceCols(out, latent, latent));
  if (copies > 1) {
    loc = Tile(loc, copies, 1);
    scale = Tile(scale, copies, 1);
  }
  Real* noise = nullptr;
  const Tensor eps = NewConstant(lanes, latent, &noise);
  FillNoise(noise, lanes * latent, rng_);
  const Tensor z = loc + scale * eps;

  const Tensor decoded = LeakyRelu(MatMul(z, w(4)) + w(5), kLeakyReluSlope);
  const Tensor logits = MatMul(decoded, w(6)) + w(7);
  const Tensor x = copies > 1 ? Tile(images_, copies, 1) : images_;

  const Real normalizer = static_cast<Real>(latent * kHalfLog2Pi);
  const Tensor log_likelihood = RowSum(x * logits - Softplus(logits));
  const Tensor log_prior = RowSum(Square(z)) * Real(-0.5) - normalizer;
  const Tensor log_q =
      RowSum(Square(eps)) * Real(-0.5) - RowSum(Log(scale)) - normalizer;
  const Tensor log_w = log_likelihood + log_prior - log_q;
  const Tensor objective =
      copies == 1
          ? SumAll(log_w)
          : SumAll(RowLogSumExp(Reshape(log_w, batch, copies))) -
                static_cast<Real>(batch) * std::log(static_cast<Real>(copies));
  Backward(objective);
  return static_cast<double>(objective.item());
}

VaeWeights DirectVae::Gradients() const {
  VaeWeights gradients;
  for (const Parameter& p : parameters_) gradients.push_back(p.grad());
  return gradients;
}

// -----------------------------------------------------------------------------
// Hand-written: Eigen, gradients derived by hand.
// -----------------------------------------------------------------------------

HandWrittenVae::HandWrittenVae(const VaeArchitecture& architecture,
                               const VaeWeights& weights, const Matrix& images,
                               int particles, uint64_t seed,
                               Estimator estimator)
    : architecture_(architecture),
      weights_(weights),
      gradients_(weights),
      images_(images),
      particles_(particles),
      estimator_(estimator),
      rng_(MakeRng(seed)) {
  const Index batch = images.rows();
  const Index lanes = particles * batch;
  const Index hidden = architecture.hidden;
  const Index latent = architecture.latent;
  encoder_hidden_.resize(batch, hidden);
  encoder_out_.resize(batch, 2 * latent);
  scale_.resize(batch, latent);
  scale_slope_.resize(batch, latent);
  noise_.resize(lanes, latent);
  z_.resize(lanes, latent);
  decoder_hidden_.resize(lanes, hidden);
  logits_.resize(lanes, architecture.pixels);
  log_weight_.resize(lanes, 1);
  lane_weight_.resize(lanes, 1);
  score_weight_.resize(lanes, 1);
  d_logits_.resize(lanes, architecture.pixels);
  d_decoder_hidden_.resize(lanes, hidden);
  d_z_.resize(lanes, latent);
  d_encoder_out_.resize(batch, 2 * latent);
  d_encoder_hidden_.resize(batch, hidden);
}

double HandWrittenVae::Step() {
  const Index batch = images_.rows();
  const Index copies = particles_;
  const Index latent = architecture_.latent;
  const VaeWeights& w = weights_;
  VaeWeights& g = gradients_;

  // Encoder.
  encoder_hidden_.noalias() = images_ * w[0];
  encoder_hidden_.rowwise() += w[1].row(0);
  LeakyReluInPlace(encoder_hidden_);
  encoder_out_.noalias() = encoder_hidden_ * w[2];
  encoder_out_.rowwise() += w[3].row(0);
  const auto loc = encoder_out_.leftCols(latent);
  SoftplusWithSlope(encoder_out_.rightCols(latent).array(), scale_,
                    scale_slope_);

  // z = loc + scale ε, particle-major.
  FillNoise(noise_.data(), noise_.size(), rng_);
  for (Index k = 0; k < copies; ++k) {
    z_.middleRows(k * batch, batch) =
        loc + (scale_ * noise_.middleRows(k * batch, batch).array()).matrix();
  }

  // Decoder.
  decoder_hidden_.noalias() = z_ * w[4];
  decoder_hidden_.rowwise() += w[5].row(0);
  LeakyReluInPlace(decoder_hidden_);
  logits_.noalias() = decoder_hidden_ * w[6];
  logits_.rowwise() += w[7].row(0);

  // log w = log p(x | z) + log p(z) - log q(z | x); the ½ log 2π terms of
  // the prior and the guide cancel. log p(x | z) = Σ x l - softplus(l).
  d_logits_.array() = (-logits_.array().abs()).exp();
  const Array log_scale_sum = scale_.log().rowwise().sum();
  for (Index k = 0; k < copies; ++k) {
    const auto l = logits_.middleRows(k * batch, batch).array();
    const auto e = d_logits_.middleRows(k * batch, batch).array();
    log_weight_.middleRows(k * batch, batch) =
        (images_.array() * l - l.max(Real(0)) - e.log1p()).rowwise().sum() +
        log_scale_sum;
  }
  log_weight_ += Real(0.5) * (noise_.array().square().rowwise().sum() -
                              z_.array().square().rowwise().sum());

  // The objective and d objective / d log w per lane. VIMCO's score
  // coefficient of particle k of image b is (L_b - L_{-k,b}) - w̃_kb: its
  // learning signal with the leave-one-out control variate, and the
  // -∇ log q that log w carries at fixed z.
  double objective = 0;
  const Estimator estimator = copies == 1 ? Estimator::kIwelbo : estimator_;
  if (copies == 1) {
    objective = static_cast<double>(log_weight_.sum());
  } else {
    const Real log_copies = std::log(static_cast<Real>(copies));
    for (Index b = 0; b < batch; ++b) {
      Real max = log_weight_(b);
      for (Index k = 1; k < copies; ++k) {
        max = std::max(max, log_weight_(k * batch + b));
      }
      Real sum = 0;
      for (Index k = 0; k < copies; ++k) {
        const Real e = std::exp(log_weight_(k * batch + b) - max);
        lane_weight_(k * batch + b) = e;
        sum += e;
      }
      for (Index k = 0; k < copies; ++k) lane_weight_(k * batch + b) /= sum;
      const Real bound = max + std::log(sum) - log_copies;
      objective += static_cast<double>(bound);
      if (estimator != Estimator::kVimco) continue;
      // L_{-k}: log w_k replaced by the mean of the others (O(K²) per
      // image, as in the library's).
      double total = 0;
      for (Index k = 0; k < copies; ++k) total += log_weight_(k * batch + b);
      for (Index k = 0; k < copies; ++k) {
        const Real mean = static_cast<Real>(
            (total - log_weight_(k * batch + b)) / (copies - 1));
        Real m = mean;
        for (Index j = 0; j < copies; ++j) {
          if (j != k) m = std::max(m, log_weight_(j * batch + b));
        }
        Real loo_sum = std::exp(mean - m);
        for (Index j = 0; j < copies; ++j) {
          if (j != k) loo_sum += std::exp(log_weight_(j * batch + b) - m);
        }
        const Real leave_one_out = m + std::log(loo_sum) - log_copies;
        score_weight_(k * batch + b) =
            (bound - leave_one_out) - lane_weight_(k * batch + b);
      }
    }
  }

  // d / d logits = x - sigmoid(l), sigmoid from e = exp(-|l|).
  for (Index k = 0; k < copies; ++k) {
    const auto l = logits_.middleRows(k * batch, batch).array();
    auto d = d_logits_.middleRows(k * batch, batch).array();
    d = images_.array() - (l >= Real(0)).select(Real(1), d) / (Real(1) + d);
  }
  auto d_loc = d_encoder_out_.leftCols(latent);
  auto d_raw = d_encoder_out_.rightCols(latent);
  // z = loc + scale ε per copy: d_loc = Σ_k d_z, d_raw = Σ_k d_z ε (times
  // the scale's slope, applied by the caller).
  auto sum_over_copies = [&] {
    d_loc = d_z_.topRows(batch);
    d_raw =
        (d_z_.topRows(batch).array() * noise_.topRows(batch).array()).matrix();
    for (Index k = 1; k < copies; ++k) {
      d_loc += d_z_.middleRows(k * batch, batch);
      d_raw.array() += d_z_.middleRows(k * batch, batch).array() *
                       noise_.middleRows(k * batch, batch).array();
    }
  };

  if (estimator == Estimator::kIwelboDreg) {
    // DReG: the decoder's weights get w̃ (x - sigmoid(l)) backpropagated, z
    // gets w̃² ∇_z log w. Both are the same backward pass per lane scaled
    // differently, so it runs unweighted and the lanes are scaled after.
    d_decoder_hidden_.noalias() = d_logits_ * w[6].transpose();
    LeakyReluBackward(d_decoder_hidden_, decoder_hidden_);
    d_z_.noalias() = d_decoder_hidden_ * w[4].transpose();
    d_logits_.array().colwise() *= lane_weight_.col(0);
    g[6].noalias() = decoder_hidden_.transpose() * d_logits_;
    g[7] = d_logits_.colwise().sum();
    d_decoder_hidden_.array().colwise() *= lane_weight_.col(0);
    g[4].noalias() = z_.transpose() * d_decoder_hidden_;
    g[5] = d_decoder_hidden_.colwise().sum();
    // ∇_z log w at fixed parameters: the decoder's, -z from the prior and
    // +(z - loc) / scale² = ε / scale from -log q; then times w̃².
    for (Index k = 0; k < copies; ++k) {
      auto d = d_z_.middleRows(k * batch, batch).array();
      d += noise_.middleRows(k * batch, batch).array() / scale_ -
           z_.middleRows(k * batch, batch).array();
    }
    d_z_.array().colwise() *= lane_weight_.col(0).square();
    // z = loc + scale ε; log q's own dependence on the parameters is not
    // differentiated.
    sum_over_copies();
    d_raw.array() *= scale_slope_;
  } else {
    if (copies > 1) d_logits_.array().colwise() *= lane_weight_.col(0);
    // Decoder backward.
    g[6].noalias() = decoder_hidden_.transpose() * d_logits_;
    g[7] = d_logits_.colwise().sum();
    d_decoder_hidden_.noalias() = d_logits_ * w[6].transpose();
    LeakyReluBackward(d_decoder_hidden_, decoder_hidden_);
    g[4].noalias() = z_.transpose() * d_decoder_hidden_;
    g[5] = d_decoder_hidden_.colwise().sum();
  }
  if (estimator == Estimator::kVimco) {
    // z is held fixed: the encoder's gradient is Σ_k c_k ∇ log q(z_k), with
    // ∂ log q / ∂ loc = ε / scale and ∂ log q / ∂ scale = (ε² - 1) / scale.
    d_loc.setZero();
    d_raw.setZero();
    for (Index k = 0; k < copies; ++k) {
      const auto eps = noise_.middleRows(k * batch, batch).array();
      const auto c = score_weight_.middleRows(k * batch, batch);
      d_loc.array() += eps.colwise() * c.col(0);
      d_raw.array() += (eps.square() - Real(1)).colwise() * c.col(0);
    }
    d_loc.array() /= scale_;
    d_raw.array() *= scale_slope_ / scale_;
  } else if (estimator == Estimator::kIwelbo) {
    // d / dz: through the decoder, and -z from the prior (the guide's log q
    // at fixed ε depends on z only through scale).
    d_z_.noalias() = d_decoder_hidden_ * w[4].transpose();
    if (copies == 1) {
      d_z_ -= z_;
    } else {
      d_z_.array() -= z_.array().colwise() * lane_weight_.col(0);
    }
    // Into loc and scale: z = loc + scale ε, and log w has + Σ log scale
    // (weights sum to one per image).
    sum_over_copies();
    d_raw.array() = (d_raw.array() + scale_.inverse()) * scale_slope_;
  }

  // Encoder backward.
  g[2].noalias() = encoder_hidden_.transpose() * d_encoder_out_;
  g[3] = d_encoder_out_.colwise().sum();
  d_encoder_hidden_.noalias() = d_encoder_out_ * w[2].transpose();
  LeakyReluBackward(d_encoder_hidden_, encoder_hidden_);
  g[0].noalias() = images_.transpose() * d_encoder_hidden_;
  g[1] = d_encoder_hidden_.colwise().sum();
  return objective;
}

}  // namespace vae_benchmark
}  // namespace provi
