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
#include "runtime/site_error.h"

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

// ExpectSiteError()
//
// ExpectError, and the status names the site `site` (runtime/site_error.h).
inline void ExpectSiteError(const absl::Status& status, absl::StatusCode code,
                            const std::string& site,
                            const std::string& message) {
  ExpectError(status, code, message);
  EXPECT_EQ(AnnotatedSite(status), site) << status;
}
template <typename T>
void ExpectSiteError(const absl::StatusOr<T>& result, absl::StatusCode code,
                     const std::string& site, const std::string& message) {
  ExpectSiteError(result.status(), code, site, message);
}

}  // namespace testing
}  // namespace provi

#endif  // PROVI_TESTS_TESTING_STATUS_TESTING_H_
