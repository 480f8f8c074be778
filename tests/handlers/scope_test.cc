// Copyright 2026 The provi Authors.
//
// The scope handler (handlers/scope.h): every address inside, and the names
// of the plates entered inside, gain the prefix; plates entered outside keep
// their names; nothing else changes.

#include "handlers/scope.h"

#include <string>
#include <vector>

#include "ad/tensor.h"
#include "distributions/normal.h"
#include "gtest/gtest.h"
#include "handlers/seed.h"
#include "handlers/trace.h"
#include "runtime/primitives.h"
#include "tests/handlers/handler_testing.h"

namespace provi {
namespace {

using ::provi::testing::Data;
using ::provi::testing::ExpectedPlate;
using ::provi::testing::ExpectedSite;
using ::provi::testing::ExpectTrace;
using ::provi::testing::Model;
using ::provi::testing::ModelSites;
using ::provi::testing::NormalLogPdf;

// The model's trace at `mu` with every address and plate name prefixed.
std::vector<ExpectedSite> ScopedSites(double mu, const std::string& prefix) {
  std::vector<ExpectedSite> expected = ModelSites(mu);
  for (ExpectedSite& site : expected) {
    site.address = prefix + "/" + site.address;
    for (ExpectedPlate& plate : site.plates) {
      plate.name = prefix + "/" + plate.name;
    }
  }
  expected[2].plate.name = prefix + "/data";
  return expected;
}

TEST(ScopeHandlerTest, PrefixesEveryAddress) {
  const auto run = handlers::Trace(
      handlers::Seed(handlers::Scoped(Model(), "left"), 2))(Data());
  ASSERT_TRUE(run.ok()) << run.status();
  ExpectTrace(run->trace, ScopedSites(run->value.item(), "left"));
}

TEST(ScopeHandlerTest, TwoScopedCopiesDoNotClash) {
  auto twice = [](const Tensor& x) {
    const Tensor a = handlers::Scoped(Model(), "a")(x);
    const Tensor b = handlers::Scoped(Model(), "b")(x);
    return Tensor(Matrix((Matrix(2, 1) << a.item(), b.item()).finished()));
  };
  const auto run = handlers::Trace(handlers::Seed(twice, 2))(Data());
  ASSERT_TRUE(run.ok()) << run.status();
  std::vector<ExpectedSite> expected = ScopedSites(run->value(0, 0), "a");
  for (ExpectedSite& site : ScopedSites(run->value(1, 0), "b")) {
    expected.push_back(site);
  }
  ExpectTrace(run->trace, expected);
}

TEST(ScopeHandlerTest, PlatesEnteredOutsideKeepTheirNames) {
  auto inner = [] {
    Plate rows("rows", 2);
    sample("z", Normal(0.0, 1.0).Expand(2, 1));
  };
  auto program = [&] {
    Plate outer("outer", 2);
    handlers::Scoped(inner, "s")();
  };
  const auto run = handlers::Trace(handlers::Seed(program, 3))();
  ASSERT_TRUE(run.ok()) << run.status();
  const Tensor z = *run->trace.sites().back().value;
  std::vector<ExpectedSite> expected(3);
  expected[0].address = "outer";
  expected[0].kind = SiteKind::kPlate;
  expected[0].plate = {"outer", 2, 2};
  expected[1].address = "s/rows";
  expected[1].kind = SiteKind::kPlate;
  expected[1].plate = {"s/rows", 2, 2};
  expected[1].plates = {{"outer", 2, 2}};
  expected[2].address = "s/z";
  expected[2].value = z;
  expected[2].log_prob = {NormalLogPdf(z(0, 0), 0, 1),
                          NormalLogPdf(z(1, 0), 0, 1)};
  expected[2].plates = {{"outer", 2, 2}, {"s/rows", 2, 2}};
  ExpectTrace(run->trace, expected);
}

}  // namespace
}  // namespace provi
