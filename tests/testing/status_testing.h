// Copyright 2026 The provi Authors.
//
// Test helpers for absl::Status results.

#ifndef PROVI_TESTS_TESTING_STATUS_TESTING_H_
#define PROVI_TESTS_TESTING_STATUS_TESTING_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace provi {
namespace testing {

// ExpectError()
//
// Expects `result` to have failed with `code` and a message containing
// `message`.
inline void ExpectError(const absl::Status& status, absl::StatusCode code,
                        const std::string& message) {
  ASSERT_FALSE(status.ok()) << "expected an error containing " << message;
  EXPECT_EQ(status.code(), code) << status;
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr(message));
}
template <typename T>
void ExpectError(const absl::StatusOr<T>& result, absl::StatusCode code,
                 const std::string& message) {
  ExpectError(result.status(), code, message);
}

}  // namespace testing
}  // namespace provi

#endif  // PROVI_TESTS_TESTING_STATUS_TESTING_H_
