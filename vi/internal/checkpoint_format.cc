// Copyright 2026 The provi Authors.

#include "vi/internal/checkpoint_format.h"

#include <cmath>
#include <cstdint>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "ad/tape.h"
#include "base/check.h"
#include "base/status_error.h"
#include "data/files.h"

namespace provi {
namespace param_store_internal {
namespace {

constexpr char kMagic[8] = {'P', 'R', 'O', 'V', 'I', 'P', 'R', 'M'};
constexpr uint32_t kVersion = 1;
// magic + version + body length.
constexpr size_t kHeaderBytes = 8 + 4 + 8;
constexpr size_t kChecksumBytes = 8;

// Stable codes of the constraints a parameter can have (the enum's values
// are not part of the format).
int ConstraintCode(const Support& support) {
  switch (support.kind()) {
    case Support::Kind::kReal:
      return 0;
    case Support::Kind::kPositive:
      return 1;
    case Support::Kind::kNonNegative:
      return 2;
    case Support::Kind::kInterval:
      return 3;
    case Support::Kind::kSimplex:
      return 4;
    case Support::Kind::kLowerCholesky:
      return 5;
    case Support::Kind::kPoint:
      return 6;
    case Support::Kind::kOrdered:
      return 7;
    case Support::Kind::kNonNegativeInteger:
    case Support::Kind::kIntegerInterval:
    case Support::Kind::kOneHot:
      break;
  }
  return -1;
}

absl::StatusOr<Support> ConstraintFromCode(uint8_t code, double lower,
                                           double upper) {
  switch (code) {
    case 0:
      return Support::Real();
    case 1:
      return Support::Positive();
    case 2:
      return Support::NonNegative();
    case 3:
      return Support::Interval(static_cast<Real>(lower),
                               static_cast<Real>(upper));
    case 4:
      return Support::Simplex();
    case 5:
      return Support::LowerCholesky();
    case 6:
      return Support::Point();
    case 7:
      return Support::Ordered();
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("unknown constraint kind ", code));
  }
}

absl::Status DataLoss(const std::string& path, absl::string_view what) {
  return absl::DataLossError(
      absl::StrCat("parameter file '", path, "': ", what));
}

}  // namespace

std::string EncodeCheckpoint(const std::vector<CheckpointView>& params) {
  std::string body;
  PutU64(body, params.size());
  for (const CheckpointView& param : params) {
    const std::string& name = param.address.name();
    const Support& constraint = *param.constraint;
    const int code = ConstraintCode(constraint);
    PROVI_CHECK(code >= 0) << "parameter '" << name << "' has constraint "
                           << constraint.ToString();
    PutU32(body, static_cast<uint32_t>(name.size()));
    body.append(name);
    PutU8(body, static_cast<uint8_t>(code));
    const bool interval = constraint.kind() == Support::Kind::kInterval;
    PutF64(body, interval ? constraint.lower() : 0.0);
    PutF64(body, interval ? constraint.upper() : 0.0);
    const Matrix& value = *param.value;
    PutU64(body, static_cast<uint64_t>(value.rows()));
    PutU64(body, static_cast<uint64_t>(value.cols()));
    for (Index k = 0; k < value.size(); ++k) PutF64(body, value.data()[k]);
  }
  std::string file(kMagic, sizeof(kMagic));
  PutU32(file, kVersion);
  PutU64(file, body.size());
  file.append(body);
  PutU64(file, Fnv1a64(file));
  return file;
}

absl::StatusOr<std::vector<CheckpointParam>> DecodeCheckpoint(
    const std::string& path, absl::string_view bytes) {
  ByteReader header(bytes);
  absl::string_view magic;
  if (!header.Bytes(sizeof(kMagic), &magic)) {
    return DataLoss(path, absl::StrCat("truncated: ", bytes.size(),
                                       " bytes is shorter than the header"));
  }
  if (magic != absl::string_view(kMagic, sizeof(kMagic))) {
    return absl::InvalidArgumentError(
        absl::StrCat("parameter file '", path,
                     "': not a provi parameter file (wrong magic bytes)"));
  }
  uint32_t version = 0;
  uint64_t body_bytes = 0;
  if (!header.U32(&version) || !header.U64(&body_bytes)) {
    return DataLoss(path, absl::StrCat("truncated: ", bytes.size(),
                                       " bytes is shorter than the header"));
  }
  if (version != kVersion) {
    return absl::InvalidArgumentError(absl::StrCat(
        "parameter file '", path, "': format version ", version,
        " is not supported (this build reads version ", kVersion, ")"));
  }
  const uint64_t payload = bytes.size() - kHeaderBytes;
  if (body_bytes > payload || payload - body_bytes < kChecksumBytes) {
    return DataLoss(path, absl::StrCat("truncated: ", bytes.size(),
                                       " bytes, expected ", kHeaderBytes, " + ",
                                       body_bytes, " + ", kChecksumBytes));
  }
  if (payload - body_bytes > kChecksumBytes) {
    return DataLoss(path, absl::StrCat(payload - body_bytes - kChecksumBytes,
                                       " unexpected bytes after the checksum"));
  }
  const size_t checked = kHeaderBytes + static_cast<size_t>(body_bytes);
  ByteReader trailer(bytes.substr(checked));
  uint64_t checksum = 0;
  trailer.U64(&checksum);
  if (checksum != Fnv1a64(bytes.substr(0, checked))) {
    return DataLoss(path, "checksum mismatch: the file is corrupted");
  }

  // The checksum matched, so a body that does not parse was written wrong.
  ByteReader body(bytes.substr(kHeaderBytes, static_cast<size_t>(body_bytes)));
  const auto malformed = [&](absl::string_view what) {
    return DataLoss(path, absl::StrCat("malformed body: ", what));
  };
  uint64_t count = 0;
  if (!body.U64(&count)) return malformed("no parameter count");
  std::vector<CheckpointParam> loaded;
  absl::flat_hash_map<Address, size_t> seen;
  for (uint64_t p = 0; p < count; ++p) {
    uint32_t name_length = 0;
    absl::string_view name;
    uint8_t code = 0;
    double lower = 0, upper = 0;
    uint64_t rows = 0, cols = 0;
    if (!body.U32(&name_length) || !body.Bytes(name_length, &name) ||
        !body.U8(&code) || !body.F64(&lower) || !body.F64(&upper) ||
        !body.U64(&rows) || !body.U64(&cols)) {
      return malformed(absl::StrCat("parameter ", p, " is cut short"));
    }
    // Save never writes an empty parameter; this also keeps both sizes
    // below the remaining byte count, so they fit an Index.
    if (rows == 0 || cols == 0) {
      return malformed(
          absl::StrCat("parameter '", name, "' is ", rows, "x", cols));
    }
    const uint64_t room = body.remaining() / sizeof(double);
    if (cols > room / rows) {
      return malformed(absl::StrCat("parameter '", name, "' claims ", rows, "x",
                                    cols, " values; ", room, " remain"));
    }
    if (name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "parameter file '", path, "': parameter ", p, " has an empty name"));
    }
    CheckpointParam entry;
    entry.address = Address::Intern(name);
    if (!seen.emplace(entry.address, loaded.size()).second) {
      return malformed(absl::StrCat("parameter '", name, "' appears twice"));
    }
    absl::StatusOr<Support> constraint = ConstraintFromCode(code, lower, upper);
    if (!constraint.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter file '", path, "': parameter '", name,
                       "': ", constraint.status().message()));
    }
    entry.constraint = *constraint;
    entry.value.resize(static_cast<Index>(rows), static_cast<Index>(cols));
    for (Index k = 0; k < entry.value.size(); ++k) {
      double v = 0;
      body.F64(&v);
      entry.value.data()[k] = static_cast<Real>(v);
      // Save writes finite values only (a store holding NaN is refused), so
      // a non-finite one was put there by something else; a double beyond
      // the largest float also lands here in the float build.
      if (!std::isfinite(entry.value.data()[k])) {
        return absl::InvalidArgumentError(absl::StrCat(
            "parameter file '", path, "': parameter '", name, "' element (",
            k % entry.value.rows(), ", ", k / entry.value.rows(), ") = ", v,
            std::isfinite(v) ? " does not fit provi::Real" : " is not finite"));
      }
    }
    // The bijector must accept the value's shape (e.g. one row of
    // D(D+1)/2 entries for a Cholesky factor).
    const absl::Status usable = CatchStatus([&] {
      entry.bijector = BijectorFor(entry.constraint);
      NoRecordScope no_record;
      entry.bijector->Forward(Tensor(entry.value));
    });
    if (!usable.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter file '", path, "': parameter '", name, "' (",
                       entry.constraint.ToString(), ", ", rows, "x", cols,
                       "): ", usable.message()));
    }
    loaded.push_back(std::move(entry));
  }
  if (body.remaining() != 0) {
    return malformed(
        absl::StrCat(body.remaining(), " bytes left after the last parameter"));
  }
  return loaded;
}

}  // namespace param_store_internal
}  // namespace provi
