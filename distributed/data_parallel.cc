// Copyright 2026 The provi Authors.

#include "distributed/data_parallel.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "base/check.h"
#include "base/status_macros.h"
#include "distributed/internal/agreement.h"

namespace provi {
namespace {

using distributed_internal::ErrorOfRank;
using distributed_internal::FirstRankDifferingFromRoot;
using distributed_internal::LayoutHash;
using distributed_internal::ValuesHash;

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// The control header of a step, reduced by minimum: a value v travels as
// (v, ~v) so that the minimum shows both the smallest and the largest.
enum Header {
  kFailedRank = 0,  // this rank if its estimate failed, else size
  kCount,           // the number of gradient elements, and its complement
  kCountComplement,
  kLayout,  // LayoutHash, and its complement
  kLayoutComplement,
  kStep,  // the step index, and its complement
  kStepComplement,
  kValues,  // ValuesHash at a checked step (else 0), and its complement
  kValuesComplement,
  kHeaderSize,
};

void Put(int64_t* header, int index, uint64_t value) {
  header[index] = static_cast<int64_t>(value);
  header[index + 1] = static_cast<int64_t>(~value);
}

// Whether every rank put the same value at `index`.
bool Agreed(const int64_t* header, int index) {
  return ~static_cast<uint64_t>(header[index]) ==
         static_cast<uint64_t>(header[index + 1]);
}

}  // namespace

uint64_t StepSeed(uint64_t seed, int rank, int64_t step) {
  return SplitMix64(SplitMix64(SplitMix64(seed) ^ static_cast<uint64_t>(rank)) ^
                    static_cast<uint64_t>(step));
}

Shard ShardOf(int64_t count, int rank, int size) {
  PROVI_CHECK(size >= 1 && rank >= 0 && rank < size && count >= 0)
      << "ShardOf(" << count << ", " << rank << ", " << size << ")";
  return Shard{count * rank / size, count * (rank + 1) / size};
}

DataParallel::DataParallel(Communicator& comm, ParamStore& store,
                           DataParallelOptions options)
    : comm_(comm), store_(store), options_(std::move(options)) {}

absl::StatusOr<double> DataParallel::CombineGradients(
    absl::StatusOr<double> local) {
  absl::StatusOr<double> combined = Combine(std::move(local));
  failed_everywhere_ |= !combined.ok();
  return combined;
}

absl::Status DataParallel::Shared(absl::Status status) {
  failed_everywhere_ |= !status.ok();
  return status;
}

absl::Status DataParallel::CheckAndWeigh(Real weight) {
  // Read-only first, so that a gradient that is finite but overflows
  // when weighted is summed as before, and a failure finds the
  // parameter's gradient as the estimate left it.
  bool finite = true;
  for (const Parameter* p : store_.parameter_pointers()) {
    finite = finite && AllFinite(p->grad());
  }
  if (!finite) return store_.CheckGradientsFinite();
  if (weight != Real(1)) {
    for (Parameter* p : store_.parameter_pointers()) p->grad() *= weight;
  }
  return absl::OkStatus();
}

absl::StatusOr<double> DataParallel::Combine(absl::StatusOr<double> local) {
  const int64_t step = step_++;
  const bool mean = options_.combine == provi::Combine::kWeightedMean;
  const double weight = mean ? options_.weight : 1.0;

  // The pieces reduced: [w g (every parameter, in creation order),
  // [w value, w]].
  size_t count = 0;
  pieces_.clear();
  for (Parameter* p : store_.parameter_pointers()) {
    Matrix& grad = p->grad();
    count += static_cast<size_t>(grad.size());
    pieces_.push_back(absl::MakeSpan(grad.data(), grad.size()));
  }
  Real totals[2];
  pieces_.push_back(absl::MakeSpan(totals));
  absl::Status status = local.status();
  if (status.ok() && !(weight > 0 && std::isfinite(weight))) {
    status = absl::InvalidArgumentError(
        absl::StrCat("DataParallelOptions::weight = ", weight,
                     " must be positive and "
                     "finite"));
  }
  if (status.ok() && !std::isfinite(*local)) {
    status = absl::InvalidArgumentError(absl::StrCat(
        "the objective's estimate is ", *local, "; nothing was updated"));
  }
  if (status.ok()) status = CheckAndWeigh(static_cast<Real>(weight));
  totals[0] = status.ok() ? static_cast<Real>(weight * *local) : Real(0);
  totals[1] = static_cast<Real>(weight);

  // Agree that every replica succeeded, on the same layout and step, and
  // (at checked steps) on the same parameter values.
  const bool check = step == 0 || (options_.check_every > 0 &&
                                   step % options_.check_every == 0);
  int64_t header[kHeaderSize];
  header[kFailedRank] = status.ok() ? comm_.size() : comm_.rank();
  const uint64_t layout = LayoutHash(store_);
  const uint64_t values = check ? ValuesHash(store_) : 0;
  Put(header, kCount, count);
  Put(header, kLayout, layout);
  Put(header, kStep, static_cast<uint64_t>(step));
  Put(header, kValues, values);
  PROVI_RETURN_IF_ERROR(comm_.AllreduceMin(absl::MakeSpan(header)));
  if (header[kFailedRank] < comm_.size()) {
    return ErrorOfRank(comm_, static_cast<int>(header[kFailedRank]), status);
  }
  struct Disagreement {
    int index;
    uint64_t value;
    const char* what;
  };
  for (const Disagreement& d :
       {Disagreement{kStep, static_cast<uint64_t>(step), "step count"},
        Disagreement{kCount, count, "number of gradient elements"},
        Disagreement{kLayout, layout, "parameter names and shapes"},
        Disagreement{kValues, values, "parameter values"}}) {
    if (Agreed(header, d.index)) continue;
    absl::StatusOr<int> rank = FirstRankDifferingFromRoot(comm_, d.value);
    if (!rank.ok()) return rank.status();
    return absl::FailedPreconditionError(absl::StrCat(
        "rank ", *rank, "'s ", d.what, " differ", d.index == kStep ? "s" : "",
        " from rank 0's at step ", step,
        d.index == kValues ? ": the replicas diverged or started from "
                             "different initial values"
                           : ": the replicas run different programs"));
  }

  PROVI_RETURN_IF_ERROR(comm_.AllreducePiecesSum(pieces_));
  const Real scale = mean ? Real(1) / totals[1] : Real(1);
  if (mean) {
    for (Parameter* p : store_.parameter_pointers()) p->grad() *= scale;
  }
  return static_cast<double>(totals[0] * scale);
}

absl::Status DataParallel::CheckReplicas() {
  const uint64_t values = ValuesHash(store_);
  absl::StatusOr<int> rank = FirstRankDifferingFromRoot(comm_, values);
  if (!rank.ok()) return Shared(rank.status());
  if (*rank == comm_.size()) return absl::OkStatus();
  return Shared(absl::FailedPreconditionError(
      absl::StrCat("rank ", *rank,
                   "'s parameter values differ from rank 0's "
                   "at step ",
                   step_)));
}

}  // namespace provi
