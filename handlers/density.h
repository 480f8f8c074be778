// Copyright 2026 The provi Authors.
//
// File: handlers/density.h
// -----------------------------------------------------------------------------
//
// density: accumulates the log joint density of the sites a program runs,
// as they run, without keeping a trace: Σ over observed and latent sample
// sites (not those fixed by `do`) and factors of scale × mask × log p, each
// site's term computed by the same rule as a traced site's
// (`SiteLogDensity`, runtime/site.h: NaN and +inf are errors naming the
// site, -inf is noted in the thread's ZeroDensityWatch). Sites inside a
// plate are also summed per lane, so an objective can keep one value per
// data point; a one-row site inside a plate gives each of the R lanes an
// equal share, 1/R, of its term (the rule of `Trace::LaneLogProb`), so the
// lanes always sum to the plated sites' total. A second site at an address
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
  // Σ over sites inside plates, one entry per lane (R x 1, one-row sites
  // shared equally); nullopt when no plated site ran. Sites inside plates
  // with more than one row must agree on R.
  std::optional<Tensor> lanes() const;

  // global()
  //
  // Σ over sites outside every plate (1x1).
  const Tensor& global() const { return global_; }

 private:
  // The addresses seen in this run (the value stored is unused).
  runtime_internal::AddressIndex seen_;
  // Σ over plated sites of more than one row (R x 1).
  std::optional<Tensor> lanes_;
  // Σ over plated sites of one row (1x1).
  std::optional<Tensor> one_lane_;
  Tensor global_ = Tensor(0.0);
};

// LogDensityResult
struct LogDensityResult {
  Tensor total;                 // 1x1
  std::optional<Tensor> lanes;  // R x 1 (or 1x1), if a site ran in a plate
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
