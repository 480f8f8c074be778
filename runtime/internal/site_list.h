// Copyright 2026 The provi Authors.
//
// File: runtime/internal/site_list.h
// -----------------------------------------------------------------------------
//
// The storage of a trace's sites (`provi::SiteList`, what `Trace::sites()`
// returns): sites appended in execution order into fixed-size blocks
// recycled across the traces of a thread (block_pool.h), so that they never
// move once added and a warm thread records without heap allocation.

#ifndef PROVI_RUNTIME_INTERNAL_SITE_LIST_H_
#define PROVI_RUNTIME_INTERNAL_SITE_LIST_H_

#include <cstddef>
#include <iterator>
#include <new>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "runtime/internal/block_pool.h"
#include "runtime/site.h"

namespace provi {

class Trace;

namespace runtime_internal {

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

  // Inline: a trace of a small model fills one or two chunks, and a
  // heap-allocated list of them would cost an allocation per trace.
  absl::InlinedVector<Site*, 4> chunks_;
  size_t size_ = 0;
};

}  // namespace provi

#endif  // PROVI_RUNTIME_INTERNAL_SITE_LIST_H_
