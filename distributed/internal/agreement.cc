// Copyright 2026 The provi Authors.

#include "distributed/internal/agreement.h"

#include <cstring>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace provi {
namespace distributed_internal {

absl::Status ErrorOfRank(Communicator& comm, int failed_rank,
                         const absl::Status& local) {
  // "<code> <message>" travels from the failing rank to every rank.
  std::string error;
  if (comm.rank() == failed_rank) {
    error = absl::StrCat(static_cast<int>(local.code()), " ", local.message());
  }
  if (absl::Status status = comm.Broadcast(error, failed_rank); !status.ok()) {
    return status;
  }
  const size_t space = error.find(' ');
  int code = static_cast<int>(absl::StatusCode::kUnknown);
  if (space == std::string::npos ||
      !absl::SimpleAtoi(absl::string_view(error).substr(0, space), &code) ||
      code == 0) {
    code = static_cast<int>(absl::StatusCode::kUnknown);
  }
  const absl::string_view message =
      space == std::string::npos ? absl::string_view(error)
                                 : absl::string_view(error).substr(space + 1);
  return absl::Status(static_cast<absl::StatusCode>(code),
                      absl::StrCat("rank ", failed_rank, ": ", message));
}

absl::StatusOr<int> FirstRankDifferingFromRoot(Communicator& comm,
                                               uint64_t value) {
  std::string root_value = absl::StrCat(value);
  if (absl::Status status = comm.Broadcast(root_value, 0); !status.ok()) {
    return status;
  }
  int64_t differing =
      root_value == absl::StrCat(value) ? comm.size() : comm.rank();
  if (absl::Status status = comm.AllreduceMin(absl::MakeSpan(&differing, 1));
      !status.ok()) {
    return status;
  }
  return static_cast<int>(differing);
}

uint64_t HashBytes(const void* data, size_t bytes, uint64_t hash) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
  for (size_t offset = 0; offset < bytes; offset += 8) {
    uint64_t word = 0;
    // Native byte order: replicas on machines of one kind agree.
    std::memcpy(&word, p + offset, bytes - offset < 8 ? bytes - offset : 8);
    hash ^= word;
    hash *= 1099511628211ull;
  }
  return hash;
}

uint64_t LayoutHash(const ParamStore& store) {
  uint64_t hash = HashBytes(nullptr, 0);
  for (const NamedParameter& named : store.parameters()) {
    const std::string& name = named.address.name();
    const int64_t shape[3] = {static_cast<int64_t>(name.size()),
                              named.parameter->rows(), named.parameter->cols()};
    hash = HashBytes(shape, sizeof(shape), hash);
    hash = HashBytes(name.data(), name.size(), hash);
  }
  return hash;
}

uint64_t ValuesHash(const ParamStore& store) {
  uint64_t hash = HashBytes(nullptr, 0);
  for (const Parameter* parameter : store.parameter_pointers()) {
    const Matrix& value = parameter->value();
    hash = HashBytes(value.data(),
                     static_cast<size_t>(value.size()) * sizeof(Real), hash);
  }
  return hash;
}

}  // namespace distributed_internal

absl::Status AgreeOnStatus(Communicator& comm, const absl::Status& local) {
  int64_t failed = local.ok() ? comm.size() : comm.rank();
  if (absl::Status status = comm.AllreduceMin(absl::MakeSpan(&failed, 1));
      !status.ok()) {
    return status;
  }
  if (failed == comm.size()) return absl::OkStatus();
  return distributed_internal::ErrorOfRank(comm, static_cast<int>(failed),
                                           local);
}

}  // namespace provi
