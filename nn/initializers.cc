// Copyright 2026 The provi Authors.

#include "nn/initializers.h"

#include <cmath>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "base/status_error.h"

namespace provi {
namespace nn {
namespace {

void CheckPositiveFans(absl::string_view initializer, Index fan_in,
                       Index fan_out) {
  if (fan_in < 1 || fan_out < 1) {
    ThrowStatus(absl::InvalidArgumentError(
        absl::StrCat("nn::", initializer, ": fan_in (", fan_in,
                     ") and fan_out (", fan_out, ") must be positive")));
  }
}

Matrix UniformMatrix(Index fan_in, Index fan_out, double bound,
                     absl::BitGenRef gen) {
  Matrix w(fan_in, fan_out);
  const Real a = static_cast<Real>(bound);
  for (Index k = 0; k < w.size(); ++k) {
    w(k) = absl::Uniform(absl::IntervalClosedClosed, gen, -a, a);
  }
  return w;
}

Matrix NormalMatrix(Index fan_in, Index fan_out, double stddev,
                    absl::BitGenRef gen) {
  Matrix w(fan_in, fan_out);
  const Real sd = static_cast<Real>(stddev);
  for (Index k = 0; k < w.size(); ++k) {
    w(k) = absl::Gaussian<Real>(gen, Real(0), sd);
  }
  return w;
}

double GlorotVariance(Index fan_in, Index fan_out) {
  return 2.0 / static_cast<double>(fan_in + fan_out);
}

double HeVariance(Index fan_in) { return 2.0 / static_cast<double>(fan_in); }

}  // namespace

// A uniform on (-a, a) has variance a² / 3, so a = √(3 Var).

Matrix GlorotUniform(Index fan_in, Index fan_out, absl::BitGenRef gen) {
  CheckPositiveFans("GlorotUniform", fan_in, fan_out);
  return UniformMatrix(fan_in, fan_out,
                       std::sqrt(3.0 * GlorotVariance(fan_in, fan_out)), gen);
}

Matrix GlorotNormal(Index fan_in, Index fan_out, absl::BitGenRef gen) {
  CheckPositiveFans("GlorotNormal", fan_in, fan_out);
  return NormalMatrix(fan_in, fan_out,
                      std::sqrt(GlorotVariance(fan_in, fan_out)), gen);
}

Matrix HeUniform(Index fan_in, Index fan_out, absl::BitGenRef gen) {
  CheckPositiveFans("HeUniform", fan_in, fan_out);
  return UniformMatrix(fan_in, fan_out, std::sqrt(3.0 * HeVariance(fan_in)),
                       gen);
}

Matrix HeNormal(Index fan_in, Index fan_out, absl::BitGenRef gen) {
  CheckPositiveFans("HeNormal", fan_in, fan_out);
  return NormalMatrix(fan_in, fan_out, std::sqrt(HeVariance(fan_in)), gen);
}

Matrix Zeros(Index fan_in, Index fan_out, absl::BitGenRef gen) {
  (void)gen;
  if (fan_in < 0 || fan_out < 0) {
    ThrowStatus(absl::InvalidArgumentError(
        absl::StrCat("nn::Zeros: fan_in (", fan_in, ") and fan_out (", fan_out,
                     ") must not be negative")));
  }
  return Matrix::Zero(fan_in, fan_out);
}

Initializer Uniform(double bound) {
  return [bound](Index fan_in, Index fan_out, absl::BitGenRef gen) {
    CheckPositiveFans("Uniform", fan_in, fan_out);
    if (!(bound >= 0) || !std::isfinite(bound)) {
      ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
          "nn::Uniform: the bound ", bound, " must be finite and >= 0")));
    }
    return UniformMatrix(fan_in, fan_out, bound, gen);
  };
}

}  // namespace nn
}  // namespace provi
