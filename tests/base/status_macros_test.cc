// Copyright 2026 The provi Authors.

#include "base/status_macros.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace provi {
namespace {

absl::StatusOr<int> Half(int x) {
  if (x % 2 != 0) return absl::InvalidArgumentError("odd");
  return x / 2;
}

absl::Status ReturnIfError(const absl::Status& status, int* reached) {
  PROVI_RETURN_IF_ERROR(status);
  ++*reached;
  return absl::OkStatus();
}

absl::Status ReturnIfErrorOnStatusOr(int x, int* reached) {
  PROVI_RETURN_IF_ERROR(Half(x));
  ++*reached;
  return absl::OkStatus();
}

absl::StatusOr<int> Quarter(int x) {
  PROVI_ASSIGN_OR_RETURN(int half, Half(x));
  PROVI_ASSIGN_OR_RETURN(const int quarter, Half(half));
  return quarter;
}

absl::StatusOr<std::unique_ptr<int>> MakeBoxed(int x) {
  if (x < 0) return absl::OutOfRangeError("negative");
  return std::make_unique<int>(x);
}

absl::StatusOr<int> Unbox(int x) {
  std::unique_ptr<int> boxed;
  PROVI_ASSIGN_OR_RETURN(boxed, MakeBoxed(x));
  return *boxed;
}

TEST(StatusMacrosTest, ReturnIfErrorPassesOkThrough) {
  int reached = 0;
  EXPECT_TRUE(ReturnIfError(absl::OkStatus(), &reached).ok());
  EXPECT_EQ(reached, 1);
}

TEST(StatusMacrosTest, ReturnIfErrorReturnsTheError) {
  int reached = 0;
  const absl::Status status =
      ReturnIfError(absl::NotFoundError("site \"z\""), &reached);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "site \"z\"");
  EXPECT_EQ(reached, 0);
}

TEST(StatusMacrosTest, ReturnIfErrorAcceptsStatusOr) {
  int reached = 0;
  EXPECT_TRUE(ReturnIfErrorOnStatusOr(4, &reached).ok());
  EXPECT_EQ(reached, 1);
  EXPECT_EQ(ReturnIfErrorOnStatusOr(3, &reached).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(reached, 1);
}

TEST(StatusMacrosTest, AssignOrReturnAssignsOrPropagates) {
  EXPECT_EQ(*Quarter(12), 3);
  EXPECT_EQ(Quarter(6).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Quarter(7).status().message(), "odd");
}

TEST(StatusMacrosTest, AssignOrReturnMovesIntoExistingVariable) {
  EXPECT_EQ(*Unbox(5), 5);
  EXPECT_EQ(Unbox(-1).status().code(), absl::StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace provi
