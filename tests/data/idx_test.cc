// Copyright 2026 The provi Authors.
//
// ReadIdx on small files the test writes itself: round trips through plain
// and gzip files, and a clear Status for each kind of bad file.

#include "data/idx.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/idx_writer.h"

namespace provi {
namespace {

using ::provi::testing::IdxBytes;
using ::provi::testing::TestPath;
using ::provi::testing::WriteGzipFile;
using ::provi::testing::WritePlainFile;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<uint8_t> Iota(size_t n) {
  std::vector<uint8_t> values(n);
  for (size_t i = 0; i < n; ++i) values[i] = static_cast<uint8_t>(i * 7 + 3);
  return values;
}

// Expects `status` to have `code` and to name the file and `detail`.
void ExpectError(const absl::Status& status, absl::StatusCode code,
                 const std::string& path, const std::string& detail) {
  EXPECT_EQ(status.code(), code) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(path));
  EXPECT_THAT(std::string(status.message()), HasSubstr(detail));
}

TEST(ReadIdxTest, PlainFileRoundTrips) {
  const std::string path = TestPath("plain.idx");
  WritePlainFile(path, IdxBytes(0x08, {2, 3, 4}, Iota(24)));
  absl::StatusOr<IdxArray> array = ReadIdx(path);
  ASSERT_TRUE(array.ok()) << array.status();
  EXPECT_THAT(array->dimensions, ElementsAre(2, 3, 4));
  EXPECT_EQ(array->data, Iota(24));
}

TEST(ReadIdxTest, GzipFileRoundTrips) {
  const std::string path = TestPath("gzip.idx.gz");
  // Larger than one read chunk (1 MiB), with all byte values.
  const std::vector<uint8_t> data = Iota(3 * 1000 * 1000);
  WriteGzipFile(path, IdxBytes(0x08, {3, 1000, 1000}, data));
  absl::StatusOr<IdxArray> array = ReadIdx(path);
  ASSERT_TRUE(array.ok()) << array.status();
  EXPECT_THAT(array->dimensions, ElementsAre(3, 1000, 1000));
  EXPECT_EQ(array->data, data);
}

TEST(ReadIdxTest, OneDimensionalAndEmptyArrays) {
  const std::string labels = TestPath("labels.idx");
  WritePlainFile(labels, IdxBytes(0x08, {5}, {9, 0, 3, 255, 1}));
  absl::StatusOr<IdxArray> array = ReadIdx(labels);
  ASSERT_TRUE(array.ok()) << array.status();
  EXPECT_THAT(array->dimensions, ElementsAre(5));
  EXPECT_THAT(array->data, ElementsAre(9, 0, 3, 255, 1));

  const std::string empty = TestPath("empty.idx");
  WritePlainFile(empty, IdxBytes(0x08, {0, 28, 28}, {}));
  array = ReadIdx(empty);
  ASSERT_TRUE(array.ok()) << array.status();
  EXPECT_THAT(array->dimensions, ElementsAre(0, 28, 28));
  EXPECT_TRUE(array->data.empty());
}

TEST(ReadIdxTest, MissingFileIsNotFound) {
  const std::string path = TestPath("does-not-exist.idx.gz");
  ExpectError(ReadIdx(path).status(), absl::StatusCode::kNotFound, path,
              "cannot open");
}

TEST(ReadIdxTest, BadMagicIsInvalidArgument) {
  const std::string path = TestPath("bad-magic.idx");
  std::string bytes = IdxBytes(0x08, {2}, {1, 2});
  bytes[1] = 0x01;
  WritePlainFile(path, bytes);
  ExpectError(ReadIdx(path).status(), absl::StatusCode::kInvalidArgument, path,
              "magic number 0x00010801");
}

TEST(ReadIdxTest, TextFileIsInvalidArgument) {
  const std::string path = TestPath("text.idx");
  WritePlainFile(path, "hello, world\n");
  ExpectError(ReadIdx(path).status(), absl::StatusCode::kInvalidArgument, path,
              "not an IDX file");
}

TEST(ReadIdxTest, OtherElementTypesAreUnimplemented) {
  const std::string path = TestPath("float.idx");
  WritePlainFile(path, IdxBytes(0x0D, {1}, {0, 0, 0, 0}));
  ExpectError(ReadIdx(path).status(), absl::StatusCode::kUnimplemented, path,
              "0x0D (float32)");
}

TEST(ReadIdxTest, UnknownTypeCodeIsInvalidArgument) {
  const std::string path = TestPath("unknown-type.idx");
  WritePlainFile(path, IdxBytes(0x42, {1}, {0}));
  ExpectError(ReadIdx(path).status(), absl::StatusCode::kInvalidArgument, path,
              "unknown type code 0x42");
}

TEST(ReadIdxTest, NoDimensionsIsInvalidArgument) {
  const std::string path = TestPath("rank0.idx");
  WritePlainFile(path, IdxBytes(0x08, {}, {7}));
  ExpectError(ReadIdx(path).status(), absl::StatusCode::kInvalidArgument, path,
              "no dimensions");
}

TEST(ReadIdxTest, TruncatedDataIsDataLossStatingWhatWasExpected) {
  const std::string path = TestPath("short.idx");
  std::string bytes = IdxBytes(0x08, {2, 3, 4}, Iota(24));
  bytes.resize(bytes.size() - 4);
  WritePlainFile(path, bytes);
  ExpectError(ReadIdx(path).status(), absl::StatusCode::kDataLoss, path,
              "2x3x4 = 24 bytes of data, but only 20 follow");

  const std::string gz_path = TestPath("short.idx.gz");
  WriteGzipFile(gz_path, bytes);
  ExpectError(ReadIdx(gz_path).status(), absl::StatusCode::kDataLoss, gz_path,
              "only 20 follow");
}

TEST(ReadIdxTest, TruncatedHeaderIsDataLoss) {
  const std::string magic_only = TestPath("magic-cut.idx");
  WritePlainFile(magic_only, std::string("\0\0", 2));
  ExpectError(ReadIdx(magic_only).status(), absl::StatusCode::kDataLoss,
              magic_only, "4-byte IDX magic number");

  const std::string sizes_cut = TestPath("sizes-cut.idx");
  std::string bytes = IdxBytes(0x08, {2, 3}, {});
  bytes.resize(bytes.size() - 2);
  WritePlainFile(sizes_cut, bytes);
  ExpectError(ReadIdx(sizes_cut).status(), absl::StatusCode::kDataLoss,
              sizes_cut, "2 dimensions need 8 bytes of sizes, found 6");
}

TEST(ReadIdxTest, TruncatedGzipStreamIsDataLoss) {
  const std::string whole = TestPath("whole.idx.gz");
  WriteGzipFile(whole, IdxBytes(0x08, {100, 100}, Iota(10000)));
  std::string compressed = testing::ReadBytes(whole);
  ASSERT_GT(compressed.size(), 40u);
  compressed.resize(compressed.size() / 2);
  const std::string cut = TestPath("cut.idx.gz");
  WritePlainFile(cut, compressed);
  const absl::Status status = ReadIdx(cut).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(cut));
}

TEST(ReadIdxTest, TrailingBytesAreDataLoss) {
  const std::string path = TestPath("long.idx");
  WritePlainFile(path, IdxBytes(0x08, {2}, {1, 2, 3}));
  ExpectError(ReadIdx(path).status(), absl::StatusCode::kDataLoss, path,
              "beyond the 2 bytes");
}

TEST(ReadIdxTest, DirectoryIsAnError) {
  const absl::Status status = ReadIdx(::testing::TempDir()).status();
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr(::testing::TempDir()));
}

}  // namespace
}  // namespace provi
