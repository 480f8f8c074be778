// Copyright 2026 The provi Authors.
//
// File: distributed/internal/agreement.h
// -----------------------------------------------------------------------------
//
// Collective helpers of distributed/: agreeing on a status, finding the
// first rank whose value differs from rank 0's, and the 64-bit hashes the
// replicas compare (of the parameters' values and of their layout) and the
// checkpoint files carry.

#ifndef PROVI_DISTRIBUTED_INTERNAL_AGREEMENT_H_
#define PROVI_DISTRIBUTED_INTERNAL_AGREEMENT_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "distributed/communicator.h"
#include "vi/param_store.h"

namespace provi {
namespace distributed_internal {

// The error of `failed_rank`, known to every member (collective): its code,
// and its message prefixed with "rank <failed_rank>: ". `local` is this
// member's status (the error itself on `failed_rank`).
absl::Status ErrorOfRank(Communicator& comm, int failed_rank,
                         const absl::Status& local);

// The lowest rank whose `value` differs from rank 0's, or comm.size() if
// none does (collective).
absl::StatusOr<int> FirstRankDifferingFromRoot(Communicator& comm,
                                               uint64_t value);

// A 64-bit hash of `bytes` bytes at `data`, continuing from `hash` (FNV-1a
// over 8-byte words in the machine's byte order, the tail zero-padded).
uint64_t HashBytes(const void* data, size_t bytes,
                   uint64_t hash = 14695981039346656037ull);

// The hash of the store's parameter names and shapes, in creation order.
uint64_t LayoutHash(const ParamStore& store);

// The hash of the store's unconstrained parameter values, in creation
// order.
uint64_t ValuesHash(const ParamStore& store);

}  // namespace distributed_internal
}  // namespace provi

#endif  // PROVI_DISTRIBUTED_INTERNAL_AGREEMENT_H_
