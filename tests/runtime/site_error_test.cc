// Copyright 2026 The provi Authors.
//
// AnnotateSite: the message names the site once, the address travels as a
// payload, and an annotated status keeps its (innermost) site. (Errors at
// sites reaching the caller annotated: tests/runtime/runtime_test.cc.)

#include "runtime/site_error.h"

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "base/status_error.h"
#include "gtest/gtest.h"
#include "runtime/address.h"

namespace provi {
namespace {

TEST(AnnotateSiteTest, PrefixesTheMessageAndAttachesTheAddress) {
  const absl::Status status =
      AnnotateSite(absl::InvalidArgumentError("scale is -1"), SiteKind::kParam,
                   Address::Intern("encoder/w"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "param site 'encoder/w': scale is -1");
  EXPECT_EQ(AnnotatedSite(status), "encoder/w");
}

TEST(AnnotateSiteTest, KeepsTheFirstSiteAndOtherPayloads) {
  absl::Status inner = absl::NotFoundError("no value");
  inner.SetPayload("test/extra", absl::Cord("kept"));
  const absl::Status once =
      AnnotateSite(inner, SiteKind::kSample, Address::Intern("inner"));
  const absl::Status twice =
      AnnotateSite(once, SiteKind::kSample, Address::Intern("outer"));
  EXPECT_EQ(twice, once);
  EXPECT_EQ(AnnotatedSite(twice), "inner");
  EXPECT_EQ(twice.GetPayload("test/extra"), absl::Cord("kept"));
}

TEST(AnnotateSiteTest, LeavesOkAndUnannotatedStatusesAlone) {
  EXPECT_TRUE(
      AnnotateSite(absl::OkStatus(), SiteKind::kSample, Address::Intern("z"))
          .ok());
  EXPECT_EQ(AnnotatedSite(absl::InternalError("x")), std::nullopt);
}

TEST(AnnotateSiteTest, ThrowAtSiteThrowsTheAnnotatedStatus) {
  try {
    ThrowAtSite(absl::InvalidArgumentError("bad"), SiteKind::kFactor,
                Address::Intern("f"));
    FAIL() << "ThrowAtSite returned";
  } catch (const StatusError& error) {
    EXPECT_EQ(error.status().message(), "factor site 'f': bad");
    EXPECT_EQ(AnnotatedSite(error.status()), "f");
  }
}

}  // namespace
}  // namespace provi
