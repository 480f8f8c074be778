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

#include <cstddef>
#include <functional>
#include <iterator>
#include <memory>
#include <new>
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
#include "runtime/internal/block_pool.h"
#include "runtime/message.h"

namespace provi {

// Site
//
// One recorded site. `distribution` is set for sample sites; `value` is set
// for every kind but plates without subsampling.
struct Site {
  SiteKind kind = SiteKind::kSample;
  Address address;
  std::shared_ptr<const Distribution> distribution;
  std::optional<Tensor> value;
  // Factor sites: their log weight.
  std::optional<Tensor> log_weight;
  Real scale = 1;
  std::optional<Tensor> mask;
  bool is_observed = false;
  bool is_intervened = false;
  PlateStack plates;
  PlateInfo plate;                               // kPlate sites
  std::shared_ptr<const SiteStrategy> strategy;  // kSample sites
  Support constraint = Support::Real();          // kParam sites

  // Whether the site contributes to the log density: observed or latent
  // sample sites that were not intervened on, and factors.
  bool has_density() const {
    return (kind == SiteKind::kSample && !is_intervened) ||
           kind == SiteKind::kFactor;
  }

  // LogProb()
  //
  // The site's log density, one entry per lane (rows x 1, or 1x1), times
  // its scale and mask. Throws StatusError naming the site if the
  // distribution rejects the value or the log density has a NaN or +inf
  // entry (-inf, probability zero, is returned, and noted in the thread's
  // ZeroDensityWatch). Only for sites with has_density().
  Tensor LogProb() const;
};

// ZeroDensityWatch
//
// Records, while it lives on this thread, the first site whose log density
// (`Site::LogProb`) had a -inf entry: a value of probability zero. -inf is
// a log density like any other, but an objective that becomes -inf (or NaN
// after -inf - -inf) is reported with the site that caused it (Svi::Step
// does). Watches nest; the innermost one records.
//
// Example:
//
//   provi::ZeroDensityWatch watch;
//   const provi::Tensor log_p = trace.LogProbSum();
//   if (watch.site().has_value()) std::cerr << *watch.site();
class ZeroDensityWatch {
 public:
  ZeroDensityWatch();
  ~ZeroDensityWatch();
  ZeroDensityWatch(const ZeroDensityWatch&) = delete;
  ZeroDensityWatch& operator=(const ZeroDensityWatch&) = delete;

  // site()
  //
  // "sample site 'x': log density element (k, 0) = -inf" for the first such
  // site since the watch was made, or nullopt.
  const std::optional<std::string>& site() const { return site_; }

  // Note()
  //
  // Called by Site::LogProb: records `site` and the lane `element` of its
  // -inf entry in the innermost watch of this thread, if there is one and
  // it has recorded nothing yet.
  static void Note(const Site& site, Index element);

 private:
  ZeroDensityWatch* outer_;
  std::optional<std::string> site_;
};

namespace runtime_internal {
class DistributionArena;

// The largest power of two n with n * size <= kBlockBytes (at least 1).
constexpr size_t SitesPerBlock(size_t size) {
  size_t n = 1;
  while (2 * n * size <= kBlockBytes) n *= 2;
  return n;
}
static_assert(SitesPerBlock(sizeof(Site)) * sizeof(Site) <= kBlockBytes,
              "a Site does not fit in a block");
static_assert(alignof(Site) <= alignof(std::max_align_t),
              "blocks are aligned for std::max_align_t only");
}  // namespace runtime_internal

// SiteList
//
// A trace's sites in execution order (what `Trace::sites()` returns): a
// read-only sequence with indexing and iteration. Sites never move once
// added; storage comes in blocks recycled across traces on a thread.
class SiteList {
 public:
  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Site;
    using difference_type = std::ptrdiff_t;
    using pointer = const Site*;
    using reference = const Site&;

    const_iterator() = default;
    reference operator*() const { return (*list_)[index_]; }
    pointer operator->() const { return &(*list_)[index_]; }
    const_iterator& operator++() {
      ++index_;
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator before = *this;
      ++index_;
      return before;
    }
    friend bool operator==(const const_iterator& a, const const_iterator& b) {
      return a.index_ == b.index_;
    }
    friend bool operator!=(const const_iterator& a, const const_iterator& b) {
      return a.index_ != b.index_;
    }

   private:
    friend class SiteList;
    const_iterator(const SiteList* list, size_t index)
        : list_(list), index_(index) {}
    const SiteList* list_ = nullptr;
    size_t index_ = 0;
  };

  SiteList() = default;
  SiteList(const SiteList& other);
  SiteList& operator=(const SiteList&) = delete;
  ~SiteList();

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const Site& operator[](size_t i) const {
    return chunks_[i / kPerChunk][i % kPerChunk];
  }
  const Site& front() const { return (*this)[0]; }
  const Site& back() const { return (*this)[size_ - 1]; }
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, size_); }

 private:
  friend class Trace;
  static constexpr size_t kPerChunk =
      runtime_internal::SitesPerBlock(sizeof(Site));

  // Appends a site initialised from `args` (aggregate initialisation, so
  // members not given keep their defaults).
  template <typename... Args>
  Site& EmplaceBack(Args&&... args) {
    Site* const slot = size_ < chunks_.size() * kPerChunk
                           ? &chunks_[size_ / kPerChunk][size_ % kPerChunk]
                           : NewChunk();
    Site* const site = new (slot) Site{std::forward<Args>(args)...};
    ++size_;
    return *site;
  }
  // Adds a block; returns its first slot.
  Site* NewChunk();
  // Destroys the sites and returns the blocks.
  void Clear();

  std::vector<Site*> chunks_;
  size_t size_ = 0;
};

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
                        runtime_internal::AddressIndex::Slot& slot) {
    if (kind == SiteKind::kPlate) {
      slot = data.plates.Probe(address);
      return true;
    }
    slot = data.index.Probe(address);
    return slot.value == runtime_internal::AddressIndex::kNone;
  }
  // Indexes the site just appended at `slot` (cannot fail); a plate only
  // on its first entry.
  static void Claim(Data& data, SiteKind kind, Address address,
                    const runtime_internal::AddressIndex::Slot& slot) {
    const uint32_t position = static_cast<uint32_t>(data.sites.size() - 1);
    if (kind != SiteKind::kPlate) {
      data.index.Fill(slot, address, position);
    } else if (slot.value == runtime_internal::AddressIndex::kNone) {
      data.plates.Fill(slot, address, position);
    }
  }
  static absl::Status DuplicateError(const Data& data, SiteKind kind,
                                     Address address);

  std::shared_ptr<Data> data_;
};

}  // namespace provi

#endif  // PROVI_RUNTIME_TRACE_H_
