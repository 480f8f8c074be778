// Copyright 2026 The provi Authors.
//
// File: handlers/mask.h
// -----------------------------------------------------------------------------
//
// mask: multiplies the per-lane log densities of the sites inside by a 0/1
// mask (rows x 1, or 1x1), so masked lanes (padding, missing data)
// contribute nothing. Nested masks multiply.
//
// Example:
//
//   auto observed_only = provi::handlers::Mask(model, present);  // R x 1

#ifndef PROVI_HANDLERS_MASK_H_
#define PROVI_HANDLERS_MASK_H_

#include <utility>

#include "ad/ops.h"
#include "handlers/internal/with_handler.h"
#include "runtime/handler.h"

namespace provi {

// MaskHandler
class MaskHandler : public Handler {
 public:
  // `mask` must be a column (R x 1) or 1x1 of zeros and ones.
  explicit MaskHandler(Tensor mask);
  void Process(Message& msg) override {
    msg.mask = msg.mask.has_value() ? *msg.mask * mask_ : mask_;
  }

 private:
  Tensor mask_;
};

namespace handlers {

template <typename F>
auto Mask(F program, Tensor mask) {
  return handlers_internal::WithHandler(
      std::move(program),
      [mask = std::move(mask)] { return MaskHandler(mask); });
}

}  // namespace handlers
}  // namespace provi

#endif  // PROVI_HANDLERS_MASK_H_
