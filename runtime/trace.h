// Copyright 2026 The provi Authors.
//
// File: runtime/trace.h
// -----------------------------------------------------------------------------
//
// A `Trace` is the record of one run of a program: its sites, in execution
// order, each with its kind, address, distribution, value, scale, mask and
// enclosing plates. The trace handler (handlers/trace.h) builds it; replay,
// density evaluation and the estimators read it. Log densities are computed
// on demand from the recorded distributions and values, on the AD tape when
// one is active, so they differentiate like any other expression.
//
// Copying a Trace is cheap (the sites are shared, and copied only when a
// shared trace is modified). A trace keeps its sites, the copies of their
// distributions and its address index in memory recycled across the traces
// of a thread (runtime/internal/), so a program traced at every step of an
// optimiser records without heap allocation once warm. A Site copied out of
// a trace stays valid after the trace is gone: it shares ownership of its
// distribution.
//
// Example (`handlers::Trace` is in handlers/trace.h):
//
//   auto run = provi::handlers::Trace(model)(x);   // StatusOr<TracedRun<...>>
//   const provi::Site* z = run->trace.Find("z");
//   provi::Tensor log_joint = run->trace.LogProbSum();

#ifndef PROVI_RUNTIME_TRACE_H_
#define PROVI_RUNTIME_TRACE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ad/tensor.h"
#include "distributions/distribution.h"
#include "runtime/address.h"
#include "runtime/internal/address_index.h"
#include "runtime/internal/site_list.h"
#include "runtime/message.h"
#include "runtime/site.h"

namespace provi {

namespace runtime_internal {
class DistributionArena;
}  // namespace runtime_internal

// Trace
//
// See the file comment.
class Trace {
 public:
  Trace();

  // The sites in execution order.
  const SiteList& sites() const { return data_->sites; }
  size_t size() const { return data_->sites.size(); }
  bool empty() const { return data_->sites.empty(); }

  // Find()
  //
  // The site at `address`, or null. (Plates are not looked up here: several
  // plate sites may share a name, and a plate may share one with a site.)
  const Site* Find(Address address) const;
  const Site* Find(absl::string_view address) const {
    return Find(Address::Intern(address));
  }

  // FindPlate()
  //
  // The first plate site named `address` (a program may enter a plate more
  // than once; the first entry holds its subsample), or null.
  const Site* FindPlate(Address address) const;
  const Site* FindPlate(absl::string_view address) const {
    return FindPlate(Address::Intern(address));
  }

  // Add()
  //
  // Appends a site. A second non-plate site at the same address is an
  // InvalidArgument error naming it.
  absl::Status Add(Site site);

  // Record()
  //
  // Appends the site `msg` describes (what the trace handler does), with a
  // copy of its distribution owned by the trace. Errors as for Add().
  absl::Status Record(const Message& msg);

  // LogProbSum()
  //
  // Σ of Site::LogProb() over the sites with a density (1x1), optionally
  // only those for which `filter` holds.
  Tensor LogProbSum() const;
  Tensor LogProbSum(const std::function<bool(const Site&)>& filter) const;

  // LaneLogProb()
  //
  // The per-lane log density, an R x 1 tensor where R is the largest lane
  // count among the sites with a density: each lane gets its own entries of
  // the multi-lane sites and an equal share, 1/R, of every one-lane site,
  // so that the lanes sum to LogProbSum(). Throws StatusError if two sites
  // have different lane counts both above one.
  Tensor LaneLogProb() const;
  // The same over the sites for which `filter` holds.
  Tensor LaneLogProb(const std::function<bool(const Site&)>& filter) const;

 private:
  struct Data {
    Data() = default;
    // A copy shares the distributions but not the arena new copies go to.
    Data(const Data& other)
        : sites(other.sites), index(other.index), plates(other.plates) {}

    SiteList sites;
    // Address -> position in `sites` (plates excluded).
    runtime_internal::AddressIndex index;
    // Plate name -> position of its first plate site.
    runtime_internal::AddressIndex plates;
    // Where Record() copies distributions; created on first use.
    std::shared_ptr<runtime_internal::DistributionArena> arena;
  };

  // The data, copied first if another trace shares it.
  Data& Mutable() {
    if (data_.use_count() > 1) Unshare();
    return *data_;
  }
  void Unshare();
  // Checks that `address` is free (plates may repeat and are indexed
  // apart) before anything is appended, and finds where it will be indexed:
  // false if an earlier site has it (DuplicateError then says which).
  static bool Claimable(Data& data, SiteKind kind, Address address,
                        runtime_internal::AddressIndex::Slot& slot);
  // Indexes the site just appended at `slot` (cannot fail); a plate only
  // on its first entry.
  static void Claim(Data& data, SiteKind kind, Address address,
                    const runtime_internal::AddressIndex::Slot& slot);
  static absl::Status DuplicateError(const Data& data, SiteKind kind,
                                     Address address);

  std::shared_ptr<Data> data_;
};

}  // namespace provi

#endif  // PROVI_RUNTIME_TRACE_H_
