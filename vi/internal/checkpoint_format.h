// Copyright 2026 The provi Authors.
//
// File: vi/internal/checkpoint_format.h
// -----------------------------------------------------------------------------
//
// The bytes of a parameter checkpoint, version 1 (the layout is documented
// in vi/param_store.h, whose Save and Load are its only users): encoding a
// list of named, constrained unconstrained values, and decoding and
// validating a whole file. File IO is data/files.h's.
//
// Example:
//
//   std::string bytes = EncodeCheckpoint({{address, &constraint, &value}});
//   absl::StatusOr<std::vector<CheckpointParam>> back =
//       DecodeCheckpoint("model.params", bytes);

#ifndef PROVI_VI_INTERNAL_CHECKPOINT_FORMAT_H_
#define PROVI_VI_INTERNAL_CHECKPOINT_FORMAT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ad/tensor.h"
#include "distributions/bijector.h"
#include "distributions/support.h"
#include "runtime/address.h"

namespace provi {
namespace param_store_internal {

// CheckpointView
//
// One parameter to write: views of the store's own data.
struct CheckpointView {
  Address address;
  const Support* constraint = nullptr;
  // The unconstrained value.
  const Matrix* value = nullptr;
};

// CheckpointParam
//
// One parameter read from a file.
struct CheckpointParam {
  Address address;
  Support constraint = Support::Real();
  // The constraint's bijector, which accepts the value.
  std::shared_ptr<const Bijector> bijector;
  // The unconstrained value.
  Matrix value;
};

// EncodeCheckpoint()
//
// The whole file for `params`, in order. Every constraint must be one the
// format has a code for (those with a bijector; a checked precondition).
std::string EncodeCheckpoint(const std::vector<CheckpointView>& params);

// DecodeCheckpoint()
//
// The parameters of the file `bytes`, read from `path` (for messages),
// each with its bijector. InvalidArgument for a file that is not a
// checkpoint of this version or holds a constraint or shape this build
// cannot use; DataLoss for a truncated, corrupted or malformed one.
absl::StatusOr<std::vector<CheckpointParam>> DecodeCheckpoint(
    const std::string& path, absl::string_view bytes);

}  // namespace param_store_internal
}  // namespace provi

#endif  // PROVI_VI_INTERNAL_CHECKPOINT_FORMAT_H_
