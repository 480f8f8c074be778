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

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "ad/tensor.h"
#include "base/status_error.h"
#include "runtime/handler.h"
#include "runtime/internal/address_index.h"
#include "runtime/message.h"
#include "runtime/trace.h"

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

// LaneDensityHandler
//
// The per-lane log density of a run, by the rule of `Trace::LaneLogProb`
// (runtime/trace.h) and with its result, computed as the sites run instead
// of from a trace kept for the purpose: each site's term is
// `SiteLogDensity`'s, as `Site::LogProb` computes it; R is the largest
// row count among the sites with a density, each lane gets its own entries
// of the R-row sites and an equal share, 1/R, of every one-row site; two
// sites with different row counts both above one are an InvalidArgument
// naming the later one, thrown by LaneLogProb(). With `choices`, the handler
// also replays them as `ReplayHandler` does, in the same place of the stack:
// a latent sample site takes its value from `choices` (NotFound naming the
// site if they have none), a plate takes the subsample `choices` recorded
// for it. A plate entered a second time in the run, and not in `choices`,
// takes the subsample of its first entry, as under the trace handler; a
// second non-plate site at an address the run has used is an InvalidArgument
// naming it (the trace's message). `Density` (vi/generative.h) runs a program
// under it, so that a log density costs no trace.
//
// Example:
//
//   provi::LaneDensityHandler density(&guide_run.trace);
//   {
//     provi::HandlerScope scope(density);
//     model(x);
//   }
//   provi::Tensor log_p = density.LaneLogProb();   // R x 1, on the tape
class LaneDensityHandler : public Handler {
 public:
  // `choices` (may be null: nothing is replayed) must outlive the handler.
  explicit LaneDensityHandler(const Trace* choices = nullptr)
      : choices_(choices) {}

  void Process(Message& msg) override;
  void Postprocess(Message& msg) override;

  // LaneLogProb()
  //
  // R x 1 (1x1 when no site had more than one row); see the class comment.
  // Throws StatusError for two different row counts above one.
  Tensor LaneLogProb() const;

  // KindAt()
  //
  // The kind of the non-plate site the run had at `address`, or nullopt.
  std::optional<SiteKind> KindAt(Address address) const;

 private:
  // A site's term is log_probs_[k] with terms_[k].
  struct Term {
    // The rows of the site's value (a factor's log weight): its lanes.
    Index rows;
    SiteKind kind;
    Address address;
  };
  struct PlateEntry {
    PlateInfo plate;
    std::optional<Tensor> value;
  };

  const Trace* choices_;
  absl::InlinedVector<Tensor, 8> log_probs_;
  absl::InlinedVector<Term, 8> terms_;
  // Address -> SiteKind of the non-plate sites that ran.
  runtime_internal::AddressIndex seen_;
  // Plate name -> position in plate_entries_ of its first entry.
  runtime_internal::AddressIndex plates_;
  absl::InlinedVector<PlateEntry, 2> plate_entries_;
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
