// Copyright 2026 The provi Authors.

#include "data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace provi {
namespace {

constexpr uint8_t kUnsignedByte = 0x08;

// Reads at most this much per gzread call (its length is an unsigned int).
constexpr size_t kChunkBytes = size_t{1} << 20;

// The name of an IDX element type code, or null if it is not one.
const char* IdxTypeName(uint8_t code) {
  switch (code) {
    case 0x08:
      return "unsigned byte";
    case 0x09:
      return "signed byte";
    case 0x0B:
      return "int16";
    case 0x0C:
      return "int32";
    case 0x0D:
      return "float32";
    case 0x0E:
      return "float64";
    default:
      return nullptr;
  }
}

// An open zlib stream, closed on destruction.
class GzReader {
 public:
  explicit GzReader(std::string path) : path_(std::move(path)) {}
  ~GzReader() {
    if (file_ != nullptr) gzclose_r(file_);
  }
  GzReader(const GzReader&) = delete;
  GzReader& operator=(const GzReader&) = delete;

  absl::Status Open() {
    errno = 0;
    file_ = gzopen(path_.c_str(), "rb");
    if (file_ == nullptr) {
      // gzopen leaves errno from open(), or 0 if it ran out of memory.
      const int error = errno != 0 ? errno : ENOMEM;
      return absl::ErrnoToStatus(
          error, absl::StrCat("ReadIdx: cannot open '", path_, "'"));
    }
    gzbuffer(file_, 1 << 17);
    return absl::OkStatus();
  }

  // Reads up to `size` bytes into `out`; sets `*count` to the number read
  // (fewer only at the end of the data).
  absl::Status Read(uint8_t* out, size_t size, size_t* count) {
    *count = 0;
    while (*count < size) {
      const size_t want = std::min(size - *count, kChunkBytes);
      const int got = gzread(file_, out + *count, static_cast<unsigned>(want));
      if (got < 0) return StreamError();
      if (got == 0) break;
      *count += static_cast<size_t>(got);
    }
    return absl::OkStatus();
  }

  const std::string& path() const { return path_; }

 private:
  absl::Status StreamError() {
    int code = Z_OK;
    const char* message = gzerror(file_, &code);
    if (code == Z_ERRNO) {
      return absl::ErrnoToStatus(
          errno, absl::StrCat("ReadIdx: cannot read '", path_, "'"));
    }
    // Z_BUF_ERROR: the gzip stream ends early (a truncated .gz file).
    return absl::DataLossError(
        absl::StrCat("ReadIdx: '", path_, "' is corrupt or truncated: ",
                     message != nullptr ? message : "unknown zlib error"));
  }

  std::string path_;
  gzFile file_ = nullptr;
};

}  // namespace

absl::StatusOr<IdxArray> ReadIdx(absl::string_view path) {
  GzReader reader{std::string(path)};
  absl::Status status = reader.Open();
  if (!status.ok()) return status;

  uint8_t magic[4];
  size_t count = 0;
  status = reader.Read(magic, sizeof(magic), &count);
  if (!status.ok()) return status;
  if (count < sizeof(magic)) {
    return absl::DataLossError(
        absl::StrCat("ReadIdx: '", path, "' is truncated: ", count,
                     " bytes, shorter than the 4-byte IDX magic number"));
  }
  const std::string magic_hex = absl::StrFormat("0x%02X%02X%02X%02X", magic[0],
                                                magic[1], magic[2], magic[3]);
  if (magic[0] != 0 || magic[1] != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ReadIdx: '", path, "' is not an IDX file: magic number ", magic_hex,
        " does not start with two zero bytes (expected 0x0000TTDD, TT the "
        "type code, DD the number of dimensions)"));
  }
  const char* type_name = IdxTypeName(magic[2]);
  if (type_name == nullptr) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "ReadIdx: '%s' is not an IDX file: magic number %s has unknown type "
        "code 0x%02X",
        path, magic_hex, magic[2]));
  }
  if (magic[2] != kUnsignedByte) {
    return absl::UnimplementedError(absl::StrFormat(
        "ReadIdx: '%s' holds IDX type 0x%02X (%s); only 0x08 (unsigned byte) "
        "is supported",
        path, magic[2], type_name));
  }
  const int rank = magic[3];
  if (rank == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("ReadIdx: '", path, "' has magic number ", magic_hex,
                     ", which declares no dimensions"));
  }

  IdxArray array;
  array.dimensions.resize(static_cast<size_t>(rank));
  std::vector<uint8_t> sizes(4 * static_cast<size_t>(rank));
  status = reader.Read(sizes.data(), sizes.size(), &count);
  if (!status.ok()) return status;
  if (count < sizes.size()) {
    return absl::DataLossError(absl::StrCat(
        "ReadIdx: '", path, "' is truncated in its header: ", rank,
        " dimensions need ", sizes.size(), " bytes of sizes, found ", count));
  }
  // The product is checked before each multiplication, so it never
  // overflows.
  constexpr uint64_t kMaxElements = uint64_t{1} << 40;
  uint64_t expected = 1;
  for (int d = 0; d < rank; ++d) {
    const uint8_t* b = &sizes[4 * static_cast<size_t>(d)];
    const uint32_t size = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) |
                          (uint32_t{b[2]} << 8) | uint32_t{b[3]};
    array.dimensions[static_cast<size_t>(d)] = static_cast<Index>(size);
    if (size != 0 && expected > kMaxElements / size) {
      return absl::InvalidArgumentError(
          absl::StrCat("ReadIdx: '", path, "' declares dimensions ",
                       absl::StrJoin(array.dimensions.begin(),
                                     array.dimensions.begin() + d + 1, "x"),
                       "..., more than 2^40 elements"));
    }
    expected *= size;
  }

  // Read in chunks into storage reserved up to a cap: a corrupt header must
  // not cost a huge allocation, and within the cap (untouched reserved pages
  // cost nothing) the data is not copied as the vector grows.
  constexpr size_t kMaxReserve = size_t{1} << 28;
  const size_t total = static_cast<size_t>(expected);
  array.data.reserve(std::min(total, kMaxReserve));
  size_t have = 0;
  while (have < total) {
    const size_t want = std::min(total - have, kChunkBytes);
    array.data.resize(have + want);
    status = reader.Read(array.data.data() + have, want, &count);
    if (!status.ok()) return status;
    have += count;
    if (count < want) break;
  }
  if (have < total) {
    return absl::DataLossError(
        absl::StrCat("ReadIdx: '", path, "' is truncated: its header declares ",
                     absl::StrJoin(array.dimensions, "x"), " = ", total,
                     " bytes of data, but only ", have, " follow"));
  }
  uint8_t extra[1];
  status = reader.Read(extra, sizeof(extra), &count);
  if (!status.ok()) return status;
  if (count != 0) {
    return absl::DataLossError(
        absl::StrCat("ReadIdx: '", path, "' has data beyond the ", total,
                     " bytes its header declares (",
                     absl::StrJoin(array.dimensions, "x"), ")"));
  }
  return array;
}

}  // namespace provi
