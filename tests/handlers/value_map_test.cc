// Copyright 2026 The provi Authors.
//
// `Values` (handlers/value_map.h): values by interned address, the last of
// a repeated address winning, as the handlers that take a ValueMap see
// them.

#include "handlers/value_map.h"

#include <vector>

#include "ad/tensor.h"
#include "gtest/gtest.h"
#include "handlers/condition.h"
#include "handlers/trace.h"
#include "runtime/address.h"
#include "tests/handlers/handler_testing.h"

namespace provi {
namespace {

using ::provi::testing::Data;
using ::provi::testing::ExpectedSite;
using ::provi::testing::ExpectTrace;
using ::provi::testing::Model;
using ::provi::testing::ModelSites;

TEST(ValuesTest, MapsInternedAddressesToValues) {
  const ValueMap map = Values({{"a", Tensor(1.0)}, {"b/c", Tensor(2.0)}});
  ASSERT_EQ(map.size(), 2u);
  EXPECT_EQ(map.at(Address::Intern("a")).item(), Real(1.0));
  EXPECT_EQ(map.at(Address::Intern("b/c")).item(), Real(2.0));
  EXPECT_TRUE(Values({}).empty());
}

TEST(ValuesTest, LastValueOfARepeatedAddressWins) {
  const auto run = handlers::Trace(handlers::Condition(
      Model(), Values({{"mu", Tensor(7.0)}, {"mu", Tensor(0.25)}})))(Data());
  ASSERT_TRUE(run.ok()) << run.status();
  std::vector<ExpectedSite> expected = ModelSites(0.25);
  expected[0].is_observed = true;
  ExpectTrace(run->trace, expected);
}

}  // namespace
}  // namespace provi
