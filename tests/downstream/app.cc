// Copyright 2026 The provi Authors.
//
// A program outside provi's workspace, built against `@provi//:provi` by
// tests/downstream/check.sh. It prints "provi ok" when it links and runs.

#include <cstdio>

#include "base/random.h"
#include "base/real.h"

int main() {
  provi::Rng rng = provi::MakeRng(7);
  const provi::Real u = absl::Uniform<provi::Real>(rng, 0, 1);
  if (!(u >= 0 && u < 1)) return 1;
  std::printf("provi ok (Real = %s)\n", provi::kRealName);
  return 0;
}
