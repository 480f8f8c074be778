// Copyright 2026 The provi Authors.
//
// File: vi/internal/detach.h
// -----------------------------------------------------------------------------
//
// Two small handlers the gradient-variant objectives use:
//
//   DetachParamsHandler: param sites inside return their values with the
//     gradient stopped (sticking the landing, DReG: "the same density with
//     its parameters held fixed").
//   DetachedSamplingHandler: latent sample sites inside draw with Sample()
//     before any estimator sees them, so they carry no gradient and get no
//     estimator terms (reweighted wake-sleep's proposals).

#ifndef PROVI_VI_INTERNAL_DETACH_H_
#define PROVI_VI_INTERNAL_DETACH_H_

#include <utility>

#include "ad/ops.h"
#include "estimators/expectation.h"
#include "handlers/internal/with_handler.h"
#include "runtime/handler.h"

namespace provi {
namespace vi_internal {

class DetachParamsHandler : public Handler {
 public:
  void Postprocess(Message& msg) override {
    if (msg.kind == SiteKind::kParam && msg.value.has_value()) {
      msg.value = Detach(*msg.value);
    }
  }
};

class DetachedSamplingHandler : public Handler {
 public:
  void Process(Message& msg) override {
    if (msg.kind != SiteKind::kSample || msg.is_observed ||
        msg.value.has_value()) {
      return;
    }
    msg.value = msg.dist()->Sample(EstimationRng());
  }
};

template <typename F>
auto DetachParams(F program) {
  return handlers_internal::WithHandler(std::move(program),
                                        [] { return DetachParamsHandler(); });
}

template <typename F>
auto DetachedSampling(F program) {
  return handlers_internal::WithHandler(
      std::move(program), [] { return DetachedSamplingHandler(); });
}

}  // namespace vi_internal
}  // namespace provi

#endif  // PROVI_VI_INTERNAL_DETACH_H_
