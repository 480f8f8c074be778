// Copyright 2026 The provi Authors.

#include "examples/air_model.h"

#include <cmath>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/status_error.h"
#include "distributions/bernoulli.h"
#include "distributions/normal.h"
#include "handlers/mask.h"
#include "nn/initializers.h"
#include "runtime/handler.h"
#include "runtime/primitives.h"

namespace provi {
namespace examples {
namespace {

// Hidden layers with (leaky) ReLU; every layer initialised as PyTorch's
// Linear, weights and bias from U(-1/√in, 1/√in).
nn::Mlp MakeMlp(const std::string& name, std::vector<Index> widths,
                const AirConfig& config, uint64_t seed) {
  nn::MlpOptions options;
  options.hidden_activation =
      config.leaky_relu ? nn::Activation::kLeakyRelu : nn::Activation::kRelu;
  options.output_activation = nn::Activation::kIdentity;
  options.layer_options = [seed](Index in, Index) {
    nn::LinearOptions linear;
    const double bound = 1 / std::sqrt(static_cast<double>(in));
    linear.weight_init = nn::Uniform(bound);
    linear.bias_init = nn::Uniform(bound);
    linear.seed = seed;
    return linear;
  };
  return nn::Mlp(name, std::move(widths), std::move(options));
}

std::vector<Index> Widths(Index in, const std::vector<Index>& hidden,
                          Index out) {
  std::vector<Index> widths = {in};
  widths.insert(widths.end(), hidden.begin(), hidden.end());
  widths.push_back(out);
  return widths;
}

// A 1 x n constant.
Tensor Row(std::initializer_list<double> values) {
  Matrix m(1, static_cast<Index>(values.size()));
  Index j = 0;
  for (const double v : values) m(0, j++) = static_cast<Real>(v);
  return Tensor(m);
}
Tensor Row(const std::array<double, 3>& v) { return Row({v[0], v[1], v[2]}); }

// The lanes of K particles of B images: image index per lane.
std::vector<Index> ParticleLanes(Index images, Index particles) {
  std::vector<Index> lanes;
  lanes.reserve(static_cast<size_t>(images * particles));
  for (Index k = 0; k < particles; ++k) {
    for (Index b = 0; b < images; ++b) lanes.push_back(b);
  }
  return lanes;
}

void CheckBatch(const AirConfig& config, const AirBatch& batch,
                Index particles) {
  if (batch.images.cols() != config.canvas * config.canvas || particles < 1) {
    ThrowStatus(absl::InvalidArgumentError(
        absl::StrCat("AIR: images must be B x ", config.canvas * config.canvas,
                     " and particles >= 1; got ", batch.images.ShapeString(),
                     " and ", particles)));
  }
  if (batch.projection.size() != 0 &&
      (batch.projection.rows() != batch.images.rows() ||
       batch.projection.cols() != 4 * config.hidden)) {
    ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
        "AIR: the image projection is ", batch.projection.ShapeString(),
        " for ", batch.images.rows(), " images; expected ", batch.images.rows(),
        "x", 4 * config.hidden)));
  }
}

// Samples at `address` with the densities of lanes whose `present` is 0
// masked out when `mask` (Pyro's masking by z_pres).
Tensor MaskedSample(const std::string& address, const Distribution& dist,
                    bool mask, const Tensor& present) {
  if (!mask) return sample(address, dist);
  MaskHandler handler(present);
  HandlerScope scope(handler);
  return sample(address, dist);
}

// A learned 1 x n row (Pyro's initial state), broadcast to `lanes` rows.
Tensor LearnedRow(const std::string& name, Index n, Index lanes) {
  const Tensor row = param(name, Tensor(Matrix::Zero(1, n)));
  return BroadcastTo(row, lanes, n);
}

}  // namespace

const char kObservationSite[] = "x";

std::string ZPresSite(int t) { return absl::StrCat("z_pres_", t); }
std::string ZWhereSite(int t) { return absl::StrCat("z_where_", t); }
std::string ZWhatSite(int t) { return absl::StrCat("z_what_", t); }

AirConfig GenjaxConfig() { return AirConfig(); }

AirConfig PyroConfig() {
  AirConfig config;
  config.variant = AirVariant::kPyro;
  config.predict_hidden = {200};
  config.chain_prior = true;
  config.decoder_bias = -2;
  config.z_pres_floor = 0;
  config.robust_where = true;
  config.mask_absent = true;
  config.learned_initial_state = true;
  config.leaky_relu = false;
  return config;
}

std::string AirVariantName(AirVariant variant) {
  return variant == AirVariant::kGenjax ? "genjax" : "pyro";
}

bool ParseAirVariant(absl::string_view name, AirVariant* variant) {
  if (name == "genjax") {
    *variant = AirVariant::kGenjax;
    return true;
  }
  if (name == "pyro") {
    *variant = AirVariant::kPyro;
    return true;
  }
  return false;
}

bool AbslParseFlag(absl::string_view text, AirVariant* variant,
                   std::string* error) {
  if (ParseAirVariant(text, variant)) return true;
  *error =
      absl::StrCat("unknown AIR variant '", text, "'; expected genjax or pyro");
  return false;
}

std::string AbslUnparseFlag(AirVariant variant) {
  return AirVariantName(variant);
}

AirNetworks::AirNetworks(const AirConfig& config, uint64_t seed)
    : config_(config),
      lstm_("guide/lstm", config.canvas * config.canvas, 3 + config.what + 1,
            config.hidden, nn::LstmOptions{seed}),
      predict_(MakeMlp("guide/predict",
                       Widths(config.hidden, config.predict_hidden, 7), config,
                       seed)),
      encoder_(MakeMlp(
          "guide/encoder",
          {config.window * config.window, config.mlp_hidden, 2 * config.what},
          config, seed)),
      decoder_(MakeMlp(
          "model/decoder",
          {config.what, config.mlp_hidden, config.window * config.window},
          config, seed)),
      baseline_(
          MakeMlp("baseline",
                  {config.hidden, config.mlp_hidden, config.baseline_outputs},
                  config, seed)) {
  if (config.baseline_outputs != 1 && config.baseline_outputs != 2) {
    ThrowStatus(absl::InvalidArgumentError(
        absl::StrCat("AIR: baseline_outputs is ", config.baseline_outputs,
                     "; expected 1 or 2")));
  }
  if (config.canvas < 2 || config.window < 2) {
    ThrowStatus(absl::InvalidArgumentError(
        absl::StrCat("AIR: canvas (", config.canvas, ") and window (",
                     config.window, ") must be at least 2 pixels")));
  }
}

Tensor AirNetworks::ProjectImages(const Tensor& images) const {
  return lstm_.ProjectShared(images);
}

Tensor AirNetworks::Decode(const nn::Mlp::Bound& decoder,
                           const Tensor& z_what) const {
  const Tensor logits = decoder(z_what);
  return Sigmoid(config_.decoder_bias == 0
                     ? logits
                     : logits + static_cast<Real>(config_.decoder_bias));
}

Tensor WindowToImage(const Tensor& z_where, const Tensor& windows, Index window,
                     Index canvas) {
  return SpatialTransform(windows, z_where, window, window, canvas, canvas);
}

Tensor ImageToWindow(const Tensor& z_where, const Tensor& images, Index canvas,
                     Index window) {
  const Tensor s = SliceCols(z_where, 0, 1);
  const Tensor inverse_s = Real(1) / s;
  const Tensor shift = SliceCols(z_where, 1, 2) * -inverse_s;
  return SpatialTransform(images, ConcatCols<Real>({inverse_s, shift}), canvas,
                          canvas, window, window);
}

void AirModel::operator()(const AirBatch& batch, Index particles) const {
  const AirConfig& config = networks_.config();
  CheckBatch(config, batch, particles);
  const Index images = batch.images.rows();
  const Index lanes = images * particles;
  Plate particle_plate("particles", particles);
  Plate image_plate("images", images);
  const nn::Mlp::Bound decoder = networks_.decoder().Bind();
  const Normal where_prior =
      Normal(Row(config.where_prior_loc), Row(config.where_prior_sd))
          .Expand(lanes, 3);
  const Normal what_prior =
      Normal(Tensor(0.0), Tensor(1.0)).Expand(lanes, config.what);
  Tensor canvas;
  Tensor present = Tensor(1.0);
  for (int t = 0; t < kAirSteps; ++t) {
    const Real prior = static_cast<Real>(config.z_pres_prior[t]);
    const Tensor z_pres =
        config.chain_prior
            ? sample(ZPresSite(t), Bernoulli::FromProbs(
                                       BroadcastTo(present * prior, lanes, 1)))
            : sample(ZPresSite(t),
                     Bernoulli::FromProbs(Tensor(prior)).Expand(lanes, 1));
    const Tensor z_where =
        MaskedSample(ZWhereSite(t), where_prior, config.mask_absent, z_pres);
    const Tensor z_what =
        MaskedSample(ZWhatSite(t), what_prior, config.mask_absent, z_pres);
    const Tensor object =
        z_pres * WindowToImage(z_where, networks_.Decode(decoder, z_what),
                               config.window, config.canvas);
    canvas = t == 0 ? object : canvas + object;
    present = z_pres;
  }
  const Tensor observed =
      particles == 1
          ? batch.images
          : GatherRows(batch.images, ParticleLanes(images, particles));
  observe(kObservationSite,
          Normal(canvas, Tensor(static_cast<Real>(config.likelihood_sd))),
          observed);
}

void AirGuide::operator()(const AirBatch& batch, Index particles) const {
  const AirConfig& config = networks_.config();
  CheckBatch(config, batch, particles);
  const Index images = batch.images.rows();
  const Index lanes = images * particles;
  Plate particle_plate("particles", particles);
  Plate image_plate("images", images);
  const nn::LstmCell::Bound lstm = networks_.lstm().Bind();
  const nn::Mlp::Bound predict = networks_.predict().Bind();
  const nn::Mlp::Bound encoder = networks_.encoder().Bind();
  std::optional<nn::Mlp::Bound> baseline;
  if (baselines_ != nullptr) baseline.emplace(networks_.baseline().Bind());

  Tensor projection = batch.projection.size() != 0
                          ? batch.projection
                          : lstm.ProjectShared(batch.images);
  Tensor pixels = batch.images;
  if (particles > 1) {
    const std::vector<Index> rows = ParticleLanes(images, particles);
    projection = GatherRows(projection, rows);
    pixels = GatherRows(pixels, rows);
  }

  nn::LstmState state;
  Tensor where, what;
  if (config.learned_initial_state) {
    Scope scope("guide/initial");
    state.h = LearnedRow("h", config.hidden, lanes);
    state.c = LearnedRow("c", config.hidden, lanes);
    where = LearnedRow("where", 3, lanes);
    what = LearnedRow("what", config.what, lanes);
  } else {
    where = Tensor(Matrix::Zero(lanes, 3));
    what = Tensor(Matrix::Zero(lanes, config.what));
  }
  Tensor present = Tensor(Matrix::Ones(lanes, 1));
  const Real floor = static_cast<Real>(config.z_pres_floor);
  const Tensor where_offset = Row(config.where_prior_loc);
  const Tensor where_sd = Row(config.where_prior_sd);
  for (int t = 0; t < kAirSteps; ++t) {
    state =
        lstm.Step(projection, ConcatCols<Real>({where, what, present}), state);
    const Tensor out = predict(state.h);
    const Tensor p = Sigmoid(SliceCols(out, 0, 1)) * present;
    const Tensor p_t =
        floor == 0 ? p : (p + floor) * (Real(1) / (1 + Real(1.01) * floor));
    if (baseline.has_value()) {
      const Tensor b = (*baseline)(Detach(state.h));
      baselines_->values[t] = config.mask_absent ? b * present : b;
    }
    const Tensor z_pres = sample(ZPresSite(t), Bernoulli::FromProbs(p_t));
    Tensor loc = SliceCols(out, 1, 3);
    Tensor scale = Softplus(SliceCols(out, 4, 3));
    if (config.robust_where) {
      loc = loc + where_offset;
      scale = scale * where_sd;
    }
    where = MaskedSample(ZWhereSite(t), Normal(loc, scale), config.mask_absent,
                         z_pres);
    const Tensor code =
        encoder(ImageToWindow(where, pixels, config.canvas, config.window));
    what = MaskedSample(
        ZWhatSite(t),
        Normal(SliceCols(code, 0, config.what),
               Softplus(SliceCols(code, config.what, config.what))),
        config.mask_absent, z_pres);
    present = z_pres;
  }
}

std::vector<int> InferredCounts(const Trace& guide_trace) {
  std::vector<int> counts;
  for (int t = 0; t < kAirSteps; ++t) {
    const Site* site = guide_trace.Find(ZPresSite(t));
    PROVI_CHECK(site != nullptr && site->value.has_value())
        << "a guide trace without " << ZPresSite(t);
    const auto values = site->value->value();
    if (counts.empty()) counts.assign(static_cast<size_t>(values.rows()), 0);
    for (Index i = 0; i < values.rows(); ++i) {
      counts[static_cast<size_t>(i)] += values(i, 0) > Real(0.5) ? 1 : 0;
    }
  }
  return counts;
}

AirBox WindowBox(double s, double x, double y, Index canvas) {
  const double half = 1 / s;
  const double pixels = static_cast<double>(canvas) / 2;
  AirBox box;
  box.side = 2 * half * pixels;
  box.left = (-x / s - half + 1) * pixels;
  box.top = (-y / s - half + 1) * pixels;
  return box;
}

}  // namespace examples
}  // namespace provi
