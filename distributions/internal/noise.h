// Copyright 2026 The provi Authors.
//
// File: distributions/internal/noise.h
// -----------------------------------------------------------------------------
//
// Constant tensors of standard noise for the pathwise samplers that are not
// location-scale transforms of a normal: each family draws its standard
// variable here and moves it with its parameters on the tape, so gradients
// flow to the parameters and never to the noise. Draws are made in double
// and rounded to `Real`, so float builds see correctly rounded noise even in
// the tails. Internal to distributions/ (the normal and uniform noises live
// in family_support.h).

#ifndef PROVI_DISTRIBUTIONS_INTERNAL_NOISE_H_
#define PROVI_DISTRIBUTIONS_INTERNAL_NOISE_H_

#include "absl/random/bit_gen_ref.h"
#include "ad/tensor.h"

namespace provi {
namespace distributions_internal {

// Exp(1): -log U, U uniform on (0, 1).
Tensor StandardExponentialNoise(Index rows, Index cols, absl::BitGenRef gen);

// Cauchy(0, 1) by inversion: tan(π (U - ½)).
Tensor StandardCauchyNoise(Index rows, Index cols, absl::BitGenRef gen);

// Laplace(0, 1) by inversion: -sign(V) log(1 - 2|V|), V uniform on
// (-½, ½).
Tensor StandardLaplaceNoise(Index rows, Index cols, absl::BitGenRef gen);

}  // namespace distributions_internal
}  // namespace provi

#endif  // PROVI_DISTRIBUTIONS_INTERNAL_NOISE_H_
