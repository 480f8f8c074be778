// Copyright 2026 The provi Authors.
//
// File: tests/testing/idx_writer.h
// -----------------------------------------------------------------------------
//
// Test helpers that write IDX files byte by byte, independently of the
// reader under test, plain or gzip-compressed (through zlib), including
// deliberately malformed ones.
//
// Example:
//
//   std::string bytes = IdxBytes(0x08, {2, 3}, {1, 2, 3, 4, 5, 6});
//   WriteGzipFile(TestPath("a.idx.gz"), bytes);

#ifndef PROVI_TESTS_TESTING_IDX_WRITER_H_
#define PROVI_TESTS_TESTING_IDX_WRITER_H_

#include <zlib.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace provi {
namespace testing {

// An IDX file's bytes: magic 0x0000<type><rank>, big-endian sizes, `data`.
inline std::string IdxBytes(uint8_t type, const std::vector<uint32_t>& dims,
                            const std::vector<uint8_t>& data) {
  std::string bytes = {0, 0, static_cast<char>(type),
                       static_cast<char>(dims.size())};
  for (const uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      bytes.push_back(static_cast<char>((d >> shift) & 0xFF));
    }
  }
  bytes.append(data.begin(), data.end());
  return bytes;
}

// A fresh path in the test's temporary directory.
inline std::string TestPath(const std::string& name) {
  return ::testing::TempDir() + name;
}

inline void WritePlainFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

inline void WriteGzipFile(const std::string& path, const std::string& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr) << "cannot open " << path;
  if (!bytes.empty()) {
    ASSERT_EQ(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())),
              static_cast<int>(bytes.size()));
  }
  ASSERT_EQ(gzclose(file), Z_OK);
}

// The bytes of the file at `path`.
inline std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

}  // namespace testing
}  // namespace provi

#endif  // PROVI_TESTS_TESTING_IDX_WRITER_H_
