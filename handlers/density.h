// Copyright 2026 The provi Authors.
//
// File: handlers/density.h
// -----------------------------------------------------------------------------
//
// density: accumulates the log joint density of the sites a program runs,
// as they run, without keeping a trace: Σ over observed and latent sample
// sites (not those fixed by `do`) and factors of scale × mask × log p. Sites
// inside a plate (one entry per lane) are also summed per lane, so an
// objective can keep one value per data point. A second site at an address
// already seen is an error naming it.
//
// `handlers::LogDensity(program)(args...)` runs a program under the handler
// and returns `absl::StatusOr<LogDensityResult>`.
//
// Example:
//
//   // log p(x, z) of a model at a guide's choices:
//   auto guide_run = provi::handlers::Trace(guide)(x);
//   auto density = provi::handlers::LogDensity(
//       provi::handlers::Replay(model, guide_run->trace))(x);
//   provi::Tensor log_joint = density->total;   // 1x1, on the tape

#ifndef PROVI_HANDLERS_DENSITY_H_
#define PROVI_HANDLERS_DENSITY_H_

#include <optional>
#include <utility>

#include "absl/status/statusor.h"
#include "ad/tensor.h"
#include "base/status_error.h"
#include "runtime/handler.h"
#include "runtime/internal/address_index.h"

namespace provi {

// DensityHandler
class DensityHandler : public Handler {
 public:
  void Postprocess(Message& msg) override;

  // total()
  //
  // The whole log joint (1x1).
  Tensor total() const;

  // lanes()
  //
  // Σ over sites inside plates, one entry per lane (R x 1); empty (0x0)
  // when no plated site ran. Sites inside plates must agree on R.
  const std::optional<Tensor>& lanes() const { return lanes_; }

  // global()
  //
  // Σ over sites outside every plate (1x1).
  const Tensor& global() const { return global_; }

 private:
  // The addresses seen in this run (the value stored is unused).
  runtime_internal::AddressIndex seen_;
  std::optional<Tensor> lanes_;
  Tensor global_ = Tensor(0.0);
};

// LogDensityResult
struct LogDensityResult {
  Tensor total;                 // 1x1
  std::optional<Tensor> lanes;  // R x 1, if any site ran inside a plate
  Tensor global;                // 1x1
};

namespace handlers {

// LogDensity()
//
// See the file comment. The program's return value is discarded.
template <typename F>
auto LogDensity(F program) {
  return [program = std::move(program)](
             auto&&... args) -> absl::StatusOr<LogDensityResult> {
    DensityHandler handler;
    try {
      HandlerScope scope(handler);
      program(std::forward<decltype(args)>(args)...);
      return LogDensityResult{handler.total(), handler.lanes(),
                              handler.global()};
    } catch (const StatusError& error) {
      return error.status();
    }
  };
}

}  // namespace handlers
}  // namespace provi

#endif  // PROVI_HANDLERS_DENSITY_H_
