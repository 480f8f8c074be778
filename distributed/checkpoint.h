// Copyright 2026 The provi Authors.
//
// File: distributed/checkpoint.h
// -----------------------------------------------------------------------------
//
// Checkpoints of data-parallel training: the parameters, the optimizer's
// state and the step count, written by rank 0 alone and read by every rank,
// whatever the number of ranks that wrote them. `DataParallelSvi::Save` and
// `Restore` (distributed/data_parallel.h) call these.
//
// A checkpoint directory holds
//
//   step-<s>/params   the ParamStore file (vi/param_store.h's format; any
//                     provi program can `ParamStore::Load` it)
//   step-<s>/state    the step count s and the optimizer's state (below)
//   latest            a symbolic link to the newest complete step-<s>
//
// Saving writes and syncs both files of a new step-<s>, then replaces
// `latest` by a new link in one rename, then removes the step directories
// older than the previous one. A crash at any moment therefore leaves
// `latest` pointing at a complete checkpoint (the new one or the previous
// one). Every rank must be able to read the directory (on several machines:
// a shared file system); only rank 0 writes.
//
// The state file, version 1 (integers little-endian, reals IEEE-754
// binary64, as on the machines provi runs on):
//
//   8 bytes  "PROVIDPS";  u32 version 1;  i64 step;  i64 optimizer steps;
//   u64 count; then per parameter, in the store's creation order:
//     u32 name length, the name, i64 updates,
//     i64 rows, i64 cols, rows * cols reals (first buffer, column-major),
//     i64 rows, i64 cols, rows * cols reals (second buffer);
//   u64 hash of all the bytes before it (distributed/internal/agreement.h).
//
// Example:
//
//   PROVI_RETURN_IF_ERROR(provi::SaveCheckpoint(comm, "/tmp/run", store,
//                                               adam, step));
//   ...
//   absl::StatusOr<int64_t> step =
//       provi::RestoreCheckpoint(comm, "/tmp/run", store, adam);

#ifndef PROVI_DISTRIBUTED_CHECKPOINT_H_
#define PROVI_DISTRIBUTED_CHECKPOINT_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "distributed/communicator.h"
#include "vi/optimizers.h"
#include "vi/param_store.h"

namespace provi {

// SaveCheckpoint()
//
// Writes the checkpoint of `step` (the index of the next step) into
// `directory` (created if missing) from rank 0, as the file comment says
// (collective). Every rank returns rank 0's status.
absl::Status SaveCheckpoint(Communicator& comm, const std::string& directory,
                            const ParamStore& store, const Optimizer& optimizer,
                            int64_t step);

// RestoreCheckpoint()
//
// Loads the checkpoint `latest` points to in `directory` into `store` (its
// parameters replace or join the store's) and `optimizer`, on every rank
// (collective), and returns its step. NotFound on every rank when there is
// no checkpoint; otherwise the first failing rank's error (a corrupted or
// foreign file: DataLoss or InvalidArgument) on every rank.
absl::StatusOr<int64_t> RestoreCheckpoint(Communicator& comm,
                                          const std::string& directory,
                                          ParamStore& store,
                                          Optimizer& optimizer);

}  // namespace provi

#endif  // PROVI_DISTRIBUTED_CHECKPOINT_H_
