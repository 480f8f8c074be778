// Copyright 2026 The provi Authors.

#include "base/check.h"

#include "gtest/gtest.h"

namespace provi {
namespace {

TEST(CheckTest, PassingCheckDoesNothing) {
  int evaluated = 0;
  PROVI_CHECK(++evaluated == 1) << "never printed";
  EXPECT_EQ(evaluated, 1);
}

TEST(CheckDeathTest, FailingCheckAbortsWithConditionAndMessage) {
  const int mark = 7;
  EXPECT_DEATH(PROVI_CHECK(mark < 3) << "mark was " << mark,
               "PROVI_CHECK\\(mark < 3\\) failed: mark was 7");
}

}  // namespace
}  // namespace provi
