// Copyright 2026 The provi Authors.

#include "runtime/plate.h"

#include <cmath>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/check.h"
#include "base/status_error.h"
#include "runtime/handler.h"
#include "runtime/internal/program_state.h"

namespace provi {

using runtime_internal::NewMessage;
using runtime_internal::ThreadProgramState;

Plate::Plate(absl::string_view name, Index size, Index subsample_size,
             PlateLanes lanes) {
  // A subsample of 0 lanes from a non-empty plate would scale its sites'
  // log densities by size / 0.
  if (size < 0 || subsample_size > size || (subsample_size == 0 && size > 0)) {
    ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
        "plate '", name, "': subsample size ", subsample_size,
        size > 0 ? " is not in [1, size = " : " is not in [0, size = ", size,
        "]")));
  }
  if (subsample_size < 0) subsample_size = size;
  // Indices travel as Reals, exact only up to 2^digits.
  constexpr Index kLargestExact = Index{1} << std::numeric_limits<Real>::digits;
  if (subsample_size < size && size > kLargestExact) {
    ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
        "plate '", name, "': cannot subsample ", size, " lanes: indices above ",
        kLargestExact,
        " are not exact in provi::Real (build with --config=f64)")));
  }
  Message msg = NewMessage(SiteKind::kPlate, name);
  info_ = PlateInfo{msg.address, size, subsample_size,
                    lanes == PlateLanes::kBroadcast};
  msg.plate = info_;
  ApplyStack(msg);
  // Compared as the handlers left the names (scoping renames both).
  for (const PlateInfo& outer : msg.plates) {
    if (outer.name == msg.plate.name) {
      ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
          "plate '", msg.plate.name.name(),
          "' is nested in a plate of the same name: nested plates need "
          "distinct names")));
    }
  }
  if (!msg.value.has_value()) {
    ThreadProgramState().plates.push_back(info_);
    return;
  }
  const Tensor& given = *msg.value;
  if (given.size() != subsample_size) {
    ThrowStatus(absl::InvalidArgumentError(
        absl::StrCat("plate '", info_.name.name(), "': ", given.size(),
                     " indices supplied for a subsample of ", subsample_size)));
  }
  indices_.resize(static_cast<size_t>(subsample_size));
  for (Index i = 0; i < subsample_size; ++i) {
    const Real index = given.value()(i);
    if (!(index >= 0 && index < static_cast<Real>(size)) ||
        index != std::floor(index)) {
      ThrowStatus(absl::InvalidArgumentError(
          absl::StrCat("plate '", info_.name.name(), "': index ", index,
                       " is not an integer in [0, ", size, ")")));
    }
    indices_[static_cast<size_t>(i)] = static_cast<Index>(index);
  }
  indices_listed_ = true;
  ThreadProgramState().plates.push_back(info_);
}

void Plate::ListAllIndices() const {
  indices_.resize(static_cast<size_t>(info_.size));
  std::iota(indices_.begin(), indices_.end(), Index{0});
  indices_listed_ = true;
}

Plate::~Plate() {
  PlateStack& plates = ThreadProgramState().plates;
  PROVI_CHECK(!plates.empty() && plates.back().name == info_.name)
      << "Plates destroyed out of order";
  plates.pop_back();
}

Tensor DrawSubsample(const PlateInfo& plate, absl::BitGenRef gen) {
  // A partial Fisher-Yates shuffle.
  std::vector<Index> all(static_cast<size_t>(plate.size));
  std::iota(all.begin(), all.end(), Index{0});
  for (Index i = 0; i < plate.subsample_size; ++i) {
    const Index j = absl::Uniform<Index>(gen, i, plate.size);
    std::swap(all[static_cast<size_t>(i)], all[static_cast<size_t>(j)]);
  }
  Real* data = nullptr;
  Tensor indices = NewConstant(plate.subsample_size, 1, &data);
  for (Index i = 0; i < plate.subsample_size; ++i) {
    data[i] = static_cast<Real>(all[static_cast<size_t>(i)]);
  }
  return indices;
}

const PlateStack& CurrentPlates() { return ThreadProgramState().plates; }

}  // namespace provi
