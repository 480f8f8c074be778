// Copyright 2026 The provi Authors.
//
// File: data/files.h
// -----------------------------------------------------------------------------
//
// Whole-file reading and atomic writing, and the little-endian encoding and
// checksum of provi's binary files. Checkpoints (vi/param_store.h), PNG grids
// (data/png.h) and data caches (data/multi_object.h) are written with
// `WriteFileAtomically`: the bytes go to a new temporary file in the same
// directory, which is synced and then renamed over the destination, so a reader
// (or a crash) sees either the old file or the complete new one, never a
// partial file, and concurrent writers of the same path do not interleave.
//
// Errors are returned as `absl::Status` with the code matching errno
// (NotFound for a missing directory or file, PermissionDenied, ...) and a
// message naming the file.
//
// Example:
//
//   std::string bytes;
//   provi::PutU32(bytes, 7);
//   provi::PutU64(bytes, provi::Fnv1a64(bytes));
//   PROVI_RETURN_IF_ERROR(provi::WriteFileAtomically("/tmp/x.bin", bytes));
//   PROVI_ASSIGN_OR_RETURN(std::string back,
//                          provi::ReadFileToString("/tmp/x.bin"));
//   provi::ByteReader reader(back);
//   uint32_t seven;
//   if (!reader.U32(&seven)) return absl::DataLossError("truncated");

#ifndef PROVI_DATA_FILES_H_
#define PROVI_DATA_FILES_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace provi {

// ReadFileToString()
//
// The whole contents of the file at `path`.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

// WriteFileAtomically()
//
// Replaces (or creates) the file at `path` with `bytes`, atomically: see the
// file comment. On failure the previous file, if any, is unchanged and no
// temporary file remains. Temporary files next to `path` left by writers
// whose process died mid-write ("<path>.tmp.<pid>.<n>" of a process that no
// longer exists) are removed first, so interrupted writes do not accumulate.
absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view bytes);

// Fnv1a64()
//
// The 64-bit FNV-1a hash of `bytes` (offset basis 14695981039346656037,
// prime 1099511628211): the checksum of provi's binary file formats.
uint64_t Fnv1a64(absl::string_view bytes);

// PutU8(), PutU32(), PutU64(), PutF64()
//
// Append `v` to `out`: unsigned integers little-endian, doubles as the
// little-endian bytes of their IEEE-754 binary64 representation.
void PutU8(std::string& out, uint8_t v);
void PutU32(std::string& out, uint32_t v);
void PutU64(std::string& out, uint64_t v);
void PutF64(std::string& out, double v);

// ByteReader
//
// Bounds-checked reads, in the encoding of the Put functions, from the
// front of a byte range it does not own. Each read returns false, reading
// nothing, when fewer bytes remain than it needs.
class ByteReader {
 public:
  explicit ByteReader(absl::string_view bytes) : bytes_(bytes) {}

  // remaining()
  //
  // Bytes not read yet.
  size_t remaining() const { return bytes_.size() - pos_; }

  bool U8(uint8_t* v);
  bool U32(uint32_t* v);
  bool U64(uint64_t* v);
  bool F64(double* v);
  // The next `n` bytes, as a view of the range.
  bool Bytes(size_t n, absl::string_view* v);

 private:
  bool Unsigned(int n, uint64_t* v);

  absl::string_view bytes_;
  size_t pos_ = 0;
};

}  // namespace provi

#endif  // PROVI_DATA_FILES_H_
