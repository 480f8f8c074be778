// Copyright 2026 The provi Authors.
//
// The conjugate model of the depending workspace's programs (my_model.cc,
// in one process and over threads; my_mpi_model.cc, over MPI ranks), its
// exact posterior, the training every fit of it shares and the check of a
// fit against the posterior:
//
//   μ ~ N(m0, s0²),  x_i | μ ~ N(μ, σ²) with σ known, i = 1..n (a plate);
//   μ | x ~ N(m, s²),  P = 1/s² = 1/s0² + n/σ²,  m = (m0/s0² + Σx/σ²) / P.
//
// Why the tolerances of Check are what they are. The guide draws μ = loc +
// scale ε with ε ~ N(0, 1), and for this model the ELBO's reparameterised
// gradient is exactly (u = log scale, the stored unconstrained value)
//
//   ∂/∂loc = -P (loc - m) - P scale ε
//   ∂/∂u   = 1 - P scale² ε² - P scale ε (loc - m).
//
// Over the averaging window of T steps, Adam's steps (momentum and a slowly
// varying normalisation) add up to the parameter's net change, so the mean
// gradient over the window is O(1/T). Averaging the two lines over the
// window therefore gives
//
//   mean(loc) - m       = -mean(scale ε) + bias,          sd s / √T,
//   P mean(scale²) - 1  = -P mean(scale² (ε² - 1)) + bias, sd √(2 / T),
//
// so m̂ = mean(loc) and ŝ = √mean(scale²) have standard errors s / √T and
// s / √(2T): pure Monte Carlo error, whatever the learning rate. ("bias":
// the net change divided by the window's total step, O(1/(η T)), and Adam's
// normalisation correlating with the gradient it divides, O(1 - β2); both
// are below 0.2% of s here, and kBiasAllowance = 0.5% of s covers them.)
// Each comparison allows kZ = 4.5 standard errors, which a correct library
// exceeds with probability 6.8e-6: my_model.cc makes eight (three fits'
// means and sds, and the posterior predictive's), 5.4e-5 in all, and
// my_mpi_model.cc two.
//
// Fitted data-parallel (FitReplica), each replica's model observes its
// shard of the data in a plate of all n points, so its estimate is of the
// whole data set's ELBO, and the replicas' gradients are combined by
// `Combine::kWeightedMean` with weights the shard sizes N_r. The
// combination's expectation is the one-process gradient; each replica
// draws its own μ, so its noise is a weighted sum of the replicas' draws,
// with weights c_r = N_r (1 / (n s0²) + 1 / σ²) that sum to P: since
// Σ c_r² < P², its variance is below one draw's and the tolerances above
// stay valid (conservative). Equal weights would weight the points of the
// smaller shards more and move the optimum.

#ifndef PROVI_TESTS_DOWNSTREAM_CONJUGATE_MODEL_H_
#define PROVI_TESTS_DOWNSTREAM_CONJUGATE_MODEL_H_

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ad/tensor.h"
#include "base/real.h"
#include "distributed/communicator.h"
#include "distributed/data_parallel.h"
#include "distributions/normal.h"
#include "estimators/expectation.h"
#include "runtime/plate.h"
#include "runtime/primitives.h"
#include "vi/objectives.h"
#include "vi/optimizers.h"
#include "vi/param_store.h"
#include "vi/svi_options.h"

namespace conjugate {

using provi::Matrix;
using provi::Real;
using provi::Tensor;

// The prior, the known noise and the data.
inline constexpr double kPriorMean = 1.0;
inline constexpr double kPriorSd = 2.0;
inline constexpr double kNoiseSd = 0.5;
inline constexpr double kData[] = {2.31, 1.87, 2.95, 2.12, 1.64,
                                   2.48, 2.76, 1.93, 2.20, 2.57};
inline constexpr int kN = sizeof(kData) / sizeof(kData[0]);

// Training: kBurnIn steps at a large rate to get close, then kAveraged
// steps at a small one whose iterates are averaged.
inline constexpr int64_t kBurnIn = 2000;
inline constexpr int64_t kAveraged = 20000;
inline constexpr double kBurnInRate = 0.05;
inline constexpr double kAveragingRate = 0.005;

// See the comment at the top.
inline constexpr double kZ = 4.5;
inline constexpr double kBiasAllowance = 0.005;

// The exact posterior N(m, s²).
struct Posterior {
  double mean;
  double sd;
};

inline Posterior ExactPosterior() {
  double sum = 0;
  for (double x : kData) sum += x;
  const double precision =
      1 / (kPriorSd * kPriorSd) + kN / (kNoiseSd * kNoiseSd);
  return {(kPriorMean / (kPriorSd * kPriorSd) + sum / (kNoiseSd * kNoiseSd)) /
              precision,
          1 / std::sqrt(precision)};
}

// The names of a guide's location and (positive) scale parameters.
struct GuideParameters {
  std::string loc;
  std::string scale;
};

// The learning rates of every fit: kBurnInRate for kBurnIn steps, then
// kAveragingRate.
inline provi::Adam MakeAdam() {
  return provi::Adam(provi::AdamOptions{provi::Schedule([](int64_t step) {
    return step < kBurnIn ? kBurnInRate : kAveragingRate;
  })});
}

// Takes kBurnIn + kAveraged steps with `step()` and replaces the guide's
// parameters in `store` by their averages over the last kAveraged: loc by
// its mean, scale by the root of its mean square (see the file comment).
template <typename Step>
absl::Status TrainAndAverage(Step step, const GuideParameters& names,
                             provi::ParamStore& store) {
  for (int64_t k = 0; k < kBurnIn; ++k) {
    if (absl::Status status = step(); !status.ok()) return status;
  }
  absl::StatusOr<provi::Parameter*> loc = store.Unconstrained(names.loc);
  if (!loc.ok()) return loc.status();
  absl::StatusOr<provi::Parameter*> log_scale =
      store.Unconstrained(names.scale);
  if (!log_scale.ok()) return log_scale.status();
  double sum_loc = 0;
  double sum_scale_squared = 0;
  for (int64_t k = 0; k < kAveraged; ++k) {
    if (absl::Status status = step(); !status.ok()) return status;
    sum_loc += (*loc)->value()(0, 0);
    sum_scale_squared += std::exp(2 * double{(*log_scale)->value()(0, 0)});
  }
  (*loc)->value()(0, 0) = static_cast<Real>(sum_loc / kAveraged);
  (*log_scale)->value()(0, 0) =
      static_cast<Real>(0.5 * std::log(sum_scale_squared / kAveraged));
  return absl::OkStatus();
}

// The model on the data points `x` of a plate of all kN points: the
// whole data set (x of kN rows), or one replica's shard of it, whose log
// densities the plate scales by kN / rows.
inline provi::Plate PointsPlate(const Tensor& x) {
  return provi::Plate("points", kN, x.rows() < kN ? x.rows() : -1);
}

// The model on the data points `x` (kN x 1, or a shard of them).
inline auto Model(Tensor x) {
  return [x] {
    const Tensor mu = provi::sample(
        "mu", provi::Normal(Tensor(kPriorMean), Tensor(kPriorSd)));
    provi::Plate points = PointsPlate(x);
    provi::observe("x", provi::Normal(mu, Tensor(kNoiseSd)).Expand(x.rows(), 1),
                   x);
  };
}

// The data, kN x 1.
inline Matrix Data() {
  Matrix data(kN, 1);
  for (int i = 0; i < kN; ++i) data(i, 0) = static_cast<Real>(kData[i]);
  return data;
}

// The guide N(loc, scale) written by hand.
inline void HandWrittenGuide() {
  const Tensor loc = provi::param("loc", Tensor(0.0));
  const Tensor scale =
      provi::param("scale", Tensor(1.0), provi::Support::Positive());
  provi::sample("mu", provi::Normal(loc, scale));
}

// Fits the hand-written guide as one replica of a data-parallel fit over
// `comm` (collective: every member calls it), on this replica's shard of
// the data (ShardOf), averaged into `store` (see the comment at the top).
inline absl::Status FitReplica(provi::Communicator& comm, uint64_t seed,
                               provi::ParamStore& store) {
  const provi::Shard mine = provi::ShardOf(kN, comm.rank(), comm.size());
  auto elbo = provi::Expectation(provi::Elbo(
      Model(Tensor(Matrix(Data().middleRows(mine.begin, mine.size())))),
      HandWrittenGuide));
  provi::Adam adam = MakeAdam();
  provi::DataParallelOptions options;
  options.combine = provi::Combine::kWeightedMean;
  options.weight = static_cast<double>(mine.size());
  options.seed = seed;
  provi::SviOptions quiet;
  quiet.progress = false;
  provi::DataParallelSvi svi(comm, elbo, adam, store, options, quiet);
  return TrainAndAverage([&] { return svi.Step().status(); }, {"loc", "scale"},
                         store);
}

// Compares a fitted (mean, sd) with the exact posterior; prints one line
// and returns whether both are within tolerance.
inline bool Check(const char* guide, double mean, double sd) {
  const Posterior exact = ExactPosterior();
  const double mean_tolerance =
      kZ * exact.sd / std::sqrt(static_cast<double>(kAveraged)) +
      kBiasAllowance * exact.sd;
  const double sd_tolerance =
      kZ * exact.sd / std::sqrt(2.0 * static_cast<double>(kAveraged)) +
      kBiasAllowance * exact.sd;
  const bool ok = std::abs(mean - exact.mean) <= mean_tolerance &&
                  std::abs(sd - exact.sd) <= sd_tolerance;
  std::printf(
      "%-12s mean %.5f (exact %.5f, tolerance %.5f)  sd %.5f (exact %.5f, "
      "tolerance %.5f)  %s\n",
      guide, mean, exact.mean, mean_tolerance, sd, exact.sd, sd_tolerance,
      ok ? "ok" : "WRONG");
  return ok;
}

}  // namespace conjugate

#endif  // PROVI_TESTS_DOWNSTREAM_CONJUGATE_MODEL_H_
