// Copyright 2026 The provi Authors.

#include "benchmarks/air_models.h"

#include <cmath>
#include <utility>
#include <vector>

#include "absl/random/distributions.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/check.h"
#include "base/status_error.h"
#include "data/multi_object.h"
#include "distributions/bernoulli.h"
#include "distributions/normal.h"
#include "estimators/expectation.h"
#include "estimators/strategies.h"
#include "nn/lstm.h"
#include "nn/mlp.h"
#include "vi/objectives.h"

namespace provi {
namespace air_benchmark {

using examples::AirBatch;
using examples::AirConfig;
using examples::AirGuide;
using examples::AirModel;
using examples::kAirSteps;

Matrix Canvases(Index n, uint64_t seed) {
  Rng rng = MakeRng(seed);
  ObjectImages source;
  source.count = 16;
  source.height = source.width = 28;
  source.pixels.resize(16 * 28 * 28);
  // Soft blobs: a bright disc of random radius, dimmer towards its edge.
  for (Index k = 0; k < source.count; ++k) {
    const double radius = absl::Uniform(rng, 6.0, 13.0);
    for (int r = 0; r < 28; ++r) {
      for (int c = 0; c < 28; ++c) {
        const double d = std::hypot(r - 13.5, c - 13.5) / radius;
        source.pixels[static_cast<size_t>(k * 784 + r * 28 + c)] =
            static_cast<uint8_t>(d < 1 ? 120 * (1 - d * d) : 0);
      }
    }
  }
  MultiObjectOptions options;
  options.count = n;
  options.seed = seed;
  const MultiObjectDataset data = *GenerateMultiObject(source, options);
  return data.Images(0, n);
}

ProviAirStep::ProviAirStep(const AirConfig& config, Matrix images,
                           uint64_t seed)
    : networks_(config, seed), images_(std::move(images)) {
  const AirModel model(networks_);
  const AirGuide guide(networks_);
  auto reinforce =
      ScoreFunction(guide, {"z_pres_0", "z_pres_1", "z_pres_2"}, NoBaseline());
  auto objective =
      std::make_shared<Expectation<decltype(Elbo(model, reinforce))>>(
          Elbo(model, reinforce));
  objective->Seed(seed);
  estimate_ = [objective](const AirBatch& batch) {
    const absl::StatusOr<GradientEstimate> g =
        objective->GradEstimate(batch, Index{1});
    PROVI_CHECK(g.ok()) << g.status();
    return g->value.cast<double>().mean();
  };
}

double ProviAirStep::Step() {
  store_.ZeroGrad();
  ParamStoreScope store_scope(store_);
  TapeScope tape;
  return estimate_(AirBatch{images_, networks_.ProjectImages(images_)});
}

DirectAirStep::DirectAirStep(const AirConfig& config, Matrix images,
                             uint64_t seed)
    : networks_(config, seed),
      images_(std::move(images)),
      rng_(MakeRng(seed)) {}

double DirectAirStep::Step() {
  const AirConfig& config = networks_.config();
  const Index lanes = images_.rows();
  store_.ZeroGrad();
  ParamStoreScope store_scope(store_);
  TapeScope tape;
  const Tensor projection = networks_.ProjectImages(images_);
  const nn::LstmCell::Bound lstm = networks_.lstm().Bind();
  const nn::Mlp::Bound predict = networks_.predict().Bind();
  const nn::Mlp::Bound encoder = networks_.encoder().Bind();
  const nn::Mlp::Bound decoder = networks_.decoder().Bind();

  auto row = [](const std::array<double, 3>& v) {
    Matrix m(1, 3);
    for (Index j = 0; j < 3; ++j) m(0, j) = static_cast<Real>(v[j]);
    return Tensor(m);
  };
  const Tensor where_loc = row(config.where_prior_loc);
  const Tensor where_sd = row(config.where_prior_sd);
  const Normal where_prior = Normal(where_loc, where_sd).Expand(lanes, 3);
  const Normal what_prior =
      Normal(Tensor(0.0), Tensor(1.0)).Expand(lanes, config.what);
  const Real floor = static_cast<Real>(config.z_pres_floor);

  nn::LstmState state;
  Tensor where(Matrix::Zero(lanes, 3));
  Tensor what(Matrix::Zero(lanes, config.what));
  Tensor present(Matrix::Ones(lanes, 1));
  Tensor log_q, log_p, score, canvas;
  auto add = [](Tensor& sum, const Tensor& term) {
    sum = sum.size() == 0 ? term : sum + term;
  };
  for (int t = 0; t < kAirSteps; ++t) {
    state =
        lstm.Step(projection, ConcatCols<Real>({where, what, present}), state);
    const Tensor out = predict(state.h);
    const Tensor p = Sigmoid(SliceCols(out, 0, 1)) * present;
    const Tensor p_t =
        floor == 0 ? p : (p + floor) * (Real(1) / (1 + Real(1.01) * floor));
    const Bernoulli q_pres = Bernoulli::FromProbs(p_t);
    const Tensor z_pres = q_pres.Sample(rng_);
    const Tensor lq_pres = q_pres.LogProb(z_pres);
    add(log_q, lq_pres);
    add(score, lq_pres - Detach(lq_pres));
    Tensor loc = SliceCols(out, 1, 3);
    Tensor scale = Softplus(SliceCols(out, 4, 3));
    if (config.robust_where) {
      loc = loc + where_loc;
      scale = scale * where_sd;
    }
    const Normal q_where(loc, scale);
    where = q_where.RSample(rng_);
    add(log_q, q_where.LogProb(where));
    const Tensor code = encoder(
        examples::ImageToWindow(where, images_, config.canvas, config.window));
    const Normal q_what(SliceCols(code, 0, config.what),
                        Softplus(SliceCols(code, config.what, config.what)));
    what = q_what.RSample(rng_);
    add(log_q, q_what.LogProb(what));

    add(log_p,
        Bernoulli::FromProbs(Tensor(static_cast<Real>(config.z_pres_prior[t])))
            .Expand(lanes, 1)
            .LogProb(z_pres));
    add(log_p, where_prior.LogProb(where));
    add(log_p, what_prior.LogProb(what));
    add(canvas,
        z_pres * examples::WindowToImage(where, networks_.Decode(decoder, what),
                                         config.window, config.canvas));
    present = z_pres;
  }
  add(log_p, Normal(canvas, Tensor(static_cast<Real>(config.likelihood_sd)))
                 .LogProb(images_));
  const Tensor f = log_p - log_q;
  Backward(SumAll(f + Detach(f) * score));
  return f.value().cast<double>().mean();
}

namespace {

// The sampling positions along one axis, for a scale-and-shift transform:
// position k of `out` samples the source between floor[k] and floor[k] + 1
// with weight frac[k] on the second.
void Positions(Real scale, Real shift, Index in, Index out,
               std::vector<Real>* floor, std::vector<Real>* frac,
               std::vector<Real>* base) {
  floor->resize(static_cast<size_t>(out));
  frac->resize(static_cast<size_t>(out));
  base->resize(static_cast<size_t>(out));
  for (Index k = 0; k < out; ++k) {
    const Real t = Real(2 * k + 1) / out - 1;
    const Real position = ((scale * t + shift + 1) * in - 1) / 2;
    (*base)[k] = t;
    (*floor)[k] = std::floor(position);
    (*frac)[k] = position - (*floor)[k];
  }
}

// Whether a position's two neighbours touch the source at all.
bool Touches(Real floor, Index in) { return floor >= -1 && floor <= in - 1; }

}  // namespace

void HandWrittenSpatialTransform::Forward(const Matrix& src,
                                          const Matrix& where,
                                          Matrix* out) const {
  const Index rows = src.rows();
  const Index hs = src_side, ws = src_side, ho = out_side, wo = out_side;
  out->setZero(rows, ho * wo);
  std::vector<Real> y0, ay, yt, x0, ax, xt;
  for (Index n = 0; n < rows; ++n) {
    Positions(where(n, 0), where(n, 2), hs, ho, &y0, &ay, &yt);
    Positions(where(n, 0), where(n, 1), ws, wo, &x0, &ax, &xt);
    for (Index i = 0; i < ho; ++i) {
      if (!Touches(y0[i], hs)) continue;
      for (Index j = 0; j < wo; ++j) {
        if (!Touches(x0[j], ws)) continue;
        Real v = 0;
        for (int dy = 0; dy < 2; ++dy) {
          for (int dx = 0; dx < 2; ++dx) {
            const Real y = y0[i] + dy, x = x0[j] + dx;
            if (y < 0 || y >= hs || x < 0 || x >= ws) continue;
            const Real w = (dy ? ay[i] : 1 - ay[i]) * (dx ? ax[j] : 1 - ax[j]);
            v += w * src(n, static_cast<Index>(y) * ws + static_cast<Index>(x));
          }
        }
        (*out)(n, i * wo + j) = v;
      }
    }
  }
}

void HandWrittenSpatialTransform::Backward(const Matrix& src,
                                           const Matrix& where,
                                           const Matrix& out_grad,
                                           Matrix* src_grad,
                                           Matrix* where_grad) const {
  const Index rows = src.rows();
  const Index hs = src_side, ws = src_side, ho = out_side, wo = out_side;
  std::vector<Real> y0, ay, yt, x0, ax, xt;
  for (Index n = 0; n < rows; ++n) {
    Positions(where(n, 0), where(n, 2), hs, ho, &y0, &ay, &yt);
    Positions(where(n, 0), where(n, 1), ws, wo, &x0, &ax, &xt);
    Real ds = 0, dtx = 0, dty = 0;
    for (Index i = 0; i < ho; ++i) {
      if (!Touches(y0[i], hs)) continue;
      for (Index j = 0; j < wo; ++j) {
        if (!Touches(x0[j], ws)) continue;
        const Real g = out_grad(n, i * wo + j);
        Real v[2][2];
        for (int dy = 0; dy < 2; ++dy) {
          for (int dx = 0; dx < 2; ++dx) {
            const Real y = y0[i] + dy, x = x0[j] + dx;
            const bool inside = y >= 0 && y < hs && x >= 0 && x < ws;
            const Index k =
                inside ? static_cast<Index>(y) * ws + static_cast<Index>(x) : 0;
            v[dy][dx] = inside ? src(n, k) : 0;
            if (inside && src_grad != nullptr) {
              (*src_grad)(n, k) +=
                  g * (dy ? ay[i] : 1 - ay[i]) * (dx ? ax[j] : 1 - ax[j]);
            }
          }
        }
        const Real dix =
            (1 - ay[i]) * (v[0][1] - v[0][0]) + ay[i] * (v[1][1] - v[1][0]);
        const Real diy =
            (1 - ax[j]) * (v[1][0] - v[0][0]) + ax[j] * (v[1][1] - v[0][1]);
        const Real dx = g * dix * ws / 2, dy = g * diy * hs / 2;
        ds += dx * xt[j] + dy * yt[i];
        dtx += dx;
        dty += dy;
      }
    }
    (*where_grad)(n, 0) += ds;
    (*where_grad)(n, 1) += dtx;
    (*where_grad)(n, 2) += dty;
  }
}

}  // namespace air_benchmark
}  // namespace provi
