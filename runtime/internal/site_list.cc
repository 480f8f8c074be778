// Copyright 2026 The provi Authors.

#include "runtime/internal/site_list.h"

#include <vector>

#include "runtime/internal/block_pool.h"

namespace provi {

SiteList::SiteList(const SiteList& other) {
  try {
    for (const Site& site : other) EmplaceBack(site);
  } catch (...) {
    Clear();
    throw;
  }
}

SiteList::~SiteList() { Clear(); }

void SiteList::Clear() {
  for (size_t i = size_; i-- > 0;)
    chunks_[i / kPerChunk][i % kPerChunk].~Site();
  for (Site* chunk : chunks_) runtime_internal::FreeBlock(chunk);
  chunks_.clear();
  size_ = 0;
}

Site* SiteList::NewChunk() {
  if (chunks_.size() == chunks_.capacity()) {
    chunks_.reserve(2 * chunks_.size() + 4);
  }
  chunks_.push_back(static_cast<Site*>(runtime_internal::AllocateBlock()));
  return chunks_.back();
}

}  // namespace provi
