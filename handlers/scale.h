// Copyright 2026 The provi Authors.
//
// File: handlers/scale.h
// -----------------------------------------------------------------------------
//
// scale: multiplies the log density of every site inside by a positive
// factor (e.g. N / B for a hand-made minibatch, or an annealing weight).
// A non-positive or non-finite factor is an InvalidArgument error.
//
// Example:
//
//   auto annealed = provi::handlers::Scale(model, 0.1);

#ifndef PROVI_HANDLERS_SCALE_H_
#define PROVI_HANDLERS_SCALE_H_

#include <utility>

#include "base/real.h"
#include "handlers/internal/with_handler.h"
#include "runtime/handler.h"

namespace provi {

// ScaleHandler
class ScaleHandler : public Handler {
 public:
  explicit ScaleHandler(Real factor);
  void Process(Message& msg) override { msg.scale *= factor_; }

 private:
  Real factor_;
};

namespace handlers {

template <typename F>
auto Scale(F program, Real factor) {
  return handlers_internal::WithHandler(
      std::move(program), [factor] { return ScaleHandler(factor); });
}

}  // namespace handlers
}  // namespace provi

#endif  // PROVI_HANDLERS_SCALE_H_
