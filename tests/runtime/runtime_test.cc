// Copyright 2026 The provi Authors.
//
// The runtime core: addresses, the handler stack's three phases, primitives
// without handlers, plates, scopes and error reporting.

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ad/ops.h"
#include "base/random.h"
#include "base/status_error.h"
#include "distributions/normal.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "handlers/trace.h"
#include "runtime/address.h"
#include "runtime/handler.h"
#include "runtime/primitives.h"
#include "runtime/site_error.h"

namespace provi {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(AddressTest, InterningIsStableAndJoinsMatchFullNames) {
  const Address z = Address::Intern("z");
  EXPECT_EQ(z, Address::Intern(std::string("z")));
  EXPECT_EQ(z.name(), "z");
  const Address w = Address::Join(Address::Intern("encoder"), "w");
  EXPECT_EQ(w.name(), "encoder/w");
  EXPECT_EQ(w, Address::Intern("encoder/w"));
  EXPECT_NE(w, z);
  EXPECT_TRUE(Address().is_root());
  EXPECT_EQ(Address::Join(Address(), "z"), z);
}

TEST(AddressTest, ReusedBuffersAreNotConfused) {
  std::string buffer = "alpha";
  const Address a = Address::Intern(buffer);
  buffer[0] = 'A';  // same pointer and length, new contents
  const Address b = Address::Intern(buffer);
  EXPECT_NE(a, b);
  EXPECT_EQ(b.name(), "Alpha");
}

TEST(AddressTest, NamesBuiltAfreshBeyondTheCacheKeepTheirAddresses) {
  // More distinct names than the pointer-keyed cache holds, each built in
  // the same reused buffer (as absl::StrCat("x_", i) in a loop is): every
  // name must map to one address, on every pass and every thread, and back
  // to its characters; names differing after their eighth character or in
  // their prefix must differ.
  constexpr int kNames = 20000;
  const Address prefix = Address::Intern("local_latents");
  auto intern_all = [&](std::vector<Address>& plain,
                        std::vector<Address>& joined) {
    std::string buffer;
    for (int i = 0; i < kNames; ++i) {
      buffer = "x_" + std::to_string(i) + (i % 2 == 0 ? "" : "_long_tail");
      plain.push_back(Address::Intern(buffer));
      joined.push_back(Address::Join(prefix, buffer));
    }
  };
  std::vector<Address> first, first_joined, second, second_joined;
  intern_all(first, first_joined);
  intern_all(second, second_joined);
  EXPECT_EQ(first, second);
  EXPECT_EQ(first_joined, second_joined);
  std::vector<Address> other, other_joined;
  std::thread thread([&] { intern_all(other, other_joined); });
  thread.join();
  EXPECT_EQ(first, other);
  EXPECT_EQ(first_joined, other_joined);
  for (int i = 0; i < kNames; ++i) {
    const std::string name =
        "x_" + std::to_string(i) + (i % 2 == 0 ? "" : "_long_tail");
    ASSERT_EQ(first[i].name(), name);
    ASSERT_EQ(first_joined[i].name(), "local_latents/" + name);
    ASSERT_EQ(Address::Intern("local_latents/" + name), first_joined[i]);
    ASSERT_NE(first[i], first_joined[i]);
  }
  std::vector<Address> sorted = first;
  std::sort(sorted.begin(), sorted.end(),
            [](Address a, Address b) { return a.name() < b.name(); });
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end());
}

TEST(PrimitivesTest, WithoutHandlersSampleDrawsAndObserveReturnsItsValue) {
  SeedThreadRng(1);
  const Tensor z = sample("z", Normal(0.0, 1.0).Expand(3, 2));
  EXPECT_EQ(z.rows(), 3);
  EXPECT_EQ(z.cols(), 2);
  const Tensor x(Matrix::Constant(2, 1, 0.5));
  EXPECT_EQ(observe("x", Normal(0.0, 1.0).Expand(2, 1), x).value_data(),
            x.value_data());
  EXPECT_EQ(param("w", Tensor(2.5)).item(), Real(2.5));
  EXPECT_EQ(deterministic("d", Tensor(1.5)).item(), Real(1.5));
}

// Records the order in which handlers see a message.
class Recorder : public Handler {
 public:
  Recorder(std::string name, std::vector<std::string>* log, bool stop = false)
      : name_(std::move(name)), log_(log), stop_(stop) {}
  void Process(Message& msg) override {
    log_->push_back("process " + name_);
    if (stop_) msg.stop = true;
  }
  void Postprocess(Message&) override { log_->push_back("post " + name_); }

 private:
  std::string name_;
  std::vector<std::string>* log_;
  bool stop_;
};

TEST(HandlerStackTest, InnermostProcessesFirstAndOutermostPostprocessesFirst) {
  std::vector<std::string> log;
  Recorder outer("outer", &log), inner("inner", &log);
  HandlerScope s1(outer);
  HandlerScope s2(inner);
  sample("z", Normal(0.0, 1.0));
  EXPECT_THAT(log, ElementsAre("process inner", "process outer", "post outer",
                               "post inner"));
}

TEST(HandlerStackTest, StopHidesTheSiteFromOuterHandlers) {
  std::vector<std::string> log;
  Recorder outer("outer", &log), middle("middle", &log, /*stop=*/true),
      inner("inner", &log);
  HandlerScope s1(outer);
  HandlerScope s2(middle);
  HandlerScope s3(inner);
  sample("z", Normal(0.0, 1.0));
  EXPECT_THAT(log, ElementsAre("process inner", "process middle", "post middle",
                               "post inner"));
}

TEST(HandlerStackTest, StackIsBalancedAfterAnException) {
  const int depth = HandlerDepth();
  std::vector<std::string> log;
  Recorder recorder("r", &log);
  auto failing = [&] {
    HandlerScope scope(recorder);
    sample("z", Normal(0.0, -1.0));  // invalid scale: throws
  };
  EXPECT_THROW(failing(), StatusError);
  EXPECT_EQ(HandlerDepth(), depth);
  // The traced entry point turns the same error into a Status.
  const auto run = handlers::Trace(failing)();
  EXPECT_FALSE(run.ok());
  EXPECT_EQ(HandlerDepth(), depth);
}

TEST(PrimitivesTest, InvalidDistributionIsAStatusNamingTheSite) {
  auto model = [] {
    Scope scope("layer");
    sample("z", Normal(0.0, -2.0));
  };
  const auto run = handlers::Trace(model)();
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(run.status().message(), HasSubstr("sample site 'layer/z'"));
  EXPECT_EQ(AnnotatedSite(run.status()), "layer/z");
  EXPECT_THAT(run.status().message(), HasSubstr("'scale'"));
  EXPECT_THAT(run.status().message(), HasSubstr("-2"));
}

TEST(PrimitivesTest, ObservedValueOfTheWrongShapeIsAStatusNamingTheSite) {
  auto model = [] {
    observe("x", Normal(0.0, 1.0).Expand(4, 2), Tensor(Matrix::Zero(3, 2)));
  };
  const auto run = handlers::Trace(model)();
  ASSERT_FALSE(run.ok());
  EXPECT_THAT(run.status().message(), HasSubstr("sample site 'x'"));
  EXPECT_THAT(run.status().message(), HasSubstr("3x2"));
}

TEST(PrimitivesTest, NanValueIsAStatusNamingTheSite) {
  auto model = [] { observe("x", Normal(0.0, 1.0), Tensor(std::nan(""))); };
  const auto run = handlers::Trace(model)();
  ASSERT_FALSE(run.ok());
  EXPECT_THAT(run.status().message(), HasSubstr("sample site 'x'"));
  EXPECT_THAT(run.status().message(), HasSubstr("NaN"));
}

// On more than 16 values the checks are vectorised passes; the element
// they report comes from the loop run after the pass fails.
TEST(PrimitivesTest, NonFiniteElementOfALargeValueIsAStatusNamingIt) {
  const auto run_with = [](Index row, Index col, Real bad) {
    Matrix x = Matrix::Constant(5, 8, Real(0.5));
    x(row, col) = bad;
    auto model = [x] {
      observe("x", Normal(0.0, 1.0).Expand(5, 8), Tensor(x));
    };
    return handlers::Trace(model)();
  };
  EXPECT_TRUE(run_with(0, 0, Real(2)).ok());
  const auto nan = run_with(3, 6, std::numeric_limits<Real>::quiet_NaN());
  ASSERT_FALSE(nan.ok());
  EXPECT_THAT(nan.status().message(), HasSubstr("sample site 'x'"));
  EXPECT_THAT(nan.status().message(), HasSubstr("element (3, 6) is NaN"));
  // An observed infinity is not NaN: the site takes it (its log density is
  // where the support is checked), through the pass and the loop alike.
  EXPECT_TRUE(run_with(4, 7, std::numeric_limits<Real>::infinity()).ok());
}

TEST(AddressTest, NamesLookedUpOutOfTheirFirstOrderKeepTheirAddresses) {
  // The per-thread map remembers the order names were first looked up in
  // and expects them again in that order; any other order, and names that
  // resemble the expected one (same first eight characters, same
  // characters under another prefix), must still get their own addresses.
  constexpr int kNames = 6000;
  const Address scope = Address::Intern("order_scope");
  std::vector<std::string> names;
  std::vector<Address> first;
  for (int i = 0; i < kNames; ++i) {
    names.push_back("ordered_" + std::to_string(i) + "_tail");
    first.push_back(Address::Intern(names.back()));
  }
  // The same names in reverse, in a stride order, and skipping every
  // other one, in a reused buffer.
  std::string buffer;
  for (int i = kNames; i-- > 0;) {
    buffer = names[static_cast<size_t>(i)];
    ASSERT_EQ(Address::Intern(buffer), first[static_cast<size_t>(i)]) << i;
  }
  for (int k = 0; k < kNames; ++k) {
    const int i = (k * 7919) % kNames;
    buffer = names[static_cast<size_t>(i)];
    ASSERT_EQ(Address::Intern(buffer), first[static_cast<size_t>(i)]) << i;
  }
  for (int i = 0; i < kNames; i += 2) {
    buffer = names[static_cast<size_t>(i)];
    ASSERT_EQ(Address::Intern(buffer), first[static_cast<size_t>(i)]) << i;
  }
  // Look-alikes of the name expected next (names were first looked up in
  // order, so after name i the map expects name i + 1): the same characters
  // under a prefix, and the same first characters with another tail.
  for (int i = 0; i + 1 < kNames; ++i) {
    const std::string& next = names[static_cast<size_t>(i + 1)];
    buffer = names[static_cast<size_t>(i)];
    ASSERT_EQ(Address::Intern(buffer), first[static_cast<size_t>(i)]) << i;
    const Address joined = Address::Join(scope, next);
    ASSERT_EQ(joined.name(), "order_scope/" + next) << i;
    ASSERT_EQ(Address::Intern(buffer), first[static_cast<size_t>(i)]) << i;
    buffer = next;
    buffer.back() = 'X';
    const Address other = Address::Intern(buffer);
    ASSERT_NE(other, first[static_cast<size_t>(i + 1)]) << i;
    ASSERT_EQ(other.name(), buffer) << i;
  }
  for (int i = 0; i < kNames; ++i) {
    ASSERT_EQ(first[static_cast<size_t>(i)].name(),
              names[static_cast<size_t>(i)]);
  }
}

TEST(PrimitivesTest, DuplicateAddressIsAStatus) {
  auto model = [] {
    sample("z", Normal(0.0, 1.0));
    sample("z", Normal(0.0, 1.0));
  };
  const auto run = handlers::Trace(model)();
  ASSERT_FALSE(run.ok());
  EXPECT_THAT(run.status().message(), HasSubstr("'z'"));
  EXPECT_THAT(run.status().message(), HasSubstr("two sites"));
}

TEST(PrimitivesTest, ScopesPrefixAddresses) {
  auto model = [] {
    Scope encoder("encoder");
    {
      Scope layer("h1");
      param("w", Tensor(1.0));
    }
    sample("z", Normal(0.0, 1.0));
  };
  const auto run = handlers::Trace(model)();
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_EQ(run->trace.size(), 2u);
  EXPECT_EQ(run->trace.sites()[0].address.name(), "encoder/h1/w");
  EXPECT_EQ(run->trace.sites()[1].address.name(), "encoder/z");
  EXPECT_TRUE(CurrentScope().is_root());
}

TEST(PlateTest, SitesRecordTheirPlatesAndSubsamplingScales) {
  SeedThreadRng(5);
  auto model = [] {
    Plate data("data", 100, 10);
    EXPECT_EQ(data.indices().size(), 10u);
    for (Index i : data.indices()) {
      EXPECT_GE(i, 0);
      EXPECT_LT(i, 100);
    }
    sample("z", Normal(0.0, 1.0).Expand(10, 1));
  };
  const auto run = handlers::Trace(model)();
  ASSERT_TRUE(run.ok()) << run.status();
  const Site* z = run->trace.Find("z");
  ASSERT_NE(z, nullptr);
  ASSERT_EQ(z->plates.size(), 1u);
  EXPECT_EQ(z->plates[0].name.name(), "data");
  EXPECT_EQ(z->plates[0].size, 100);
  EXPECT_EQ(z->plates[0].subsample_size, 10);
  EXPECT_EQ(z->scale, Real(10));
  EXPECT_TRUE(CurrentPlates().empty());
}

TEST(PlateTest, InvalidSubsampleSizeIsAStatus) {
  auto model = [] { Plate data("data", 10, 20); };
  const auto run = handlers::Trace(model)();
  ASSERT_FALSE(run.ok());
  EXPECT_THAT(run.status().message(), HasSubstr("plate 'data'"));
}

// DrawSubsample: distinct indices in range, each index present with
// probability B / N (a z-test per index, |z| < 5: 5.7e-7 each, 10 here, so
// a flake rate below 1e-5 for this binary).
TEST(PlateTest, SubsamplesAreDistinctAndUniform) {
  constexpr Index kSize = 10;
  constexpr Index kLanes = 3;
  constexpr int kDraws = 20000;
  Rng rng = MakeRng(4);
  const PlateInfo plate{Address::Intern("data"), kSize, kLanes};
  std::vector<int> present(kSize, 0);
  for (int k = 0; k < kDraws; ++k) {
    const Tensor indices = DrawSubsample(plate, rng);
    ASSERT_EQ(indices.rows(), kLanes);
    std::vector<bool> seen(kSize, false);
    for (Index i = 0; i < kLanes; ++i) {
      const Index index = static_cast<Index>(indices(i, 0));
      ASSERT_GE(index, 0);
      ASSERT_LT(index, kSize);
      ASSERT_FALSE(seen[index]) << "index " << index << " drawn twice";
      seen[index] = true;
      ++present[index];
    }
  }
  const double p = static_cast<double>(kLanes) / kSize;
  const double se = std::sqrt(p * (1 - p) / kDraws);
  for (Index i = 0; i < kSize; ++i) {
    EXPECT_NEAR(static_cast<double>(present[i]) / kDraws, p, 5 * se)
        << "index " << i;
  }
}

TEST(PlateTest, SiteRowsMustFitTheirPlates) {
  // A subsample of 10 of 100 with all 100 data rows: today's silent
  // ten-fold log density is an error naming the site and the plate.
  auto full_data = [] {
    Plate data("data", 100, 10);
    observe("x", Normal(0.0, 1.0), Tensor(Matrix::Zero(100, 1)));
  };
  absl::Status status = handlers::Trace(full_data)().status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AnnotatedSite(status), "x");
  EXPECT_THAT(status.message(), HasSubstr("observed site has 100 rows"));
  EXPECT_THAT(status.message(), HasSubstr("plate 'data'"));
  EXPECT_THAT(status.message(), HasSubstr("indices()"));
  // Latent and factor sites too.
  auto latent = [] {
    Plate data("data", 5);
    sample("z", Normal(0.0, 1.0).Expand(7, 1));
  };
  status = handlers::Trace(latent)().status();
  EXPECT_EQ(AnnotatedSite(status), "z");
  EXPECT_THAT(status.message(), HasSubstr("site has 7 rows"));
  EXPECT_THAT(status.message(), HasSubstr("'data' (5 lanes)"));
  auto weights = [] {
    Plate data("data", 5, 2);
    factor("f", Tensor(Matrix::Zero(5, 1)));
  };
  status = handlers::Trace(weights)().status();
  EXPECT_THAT(status.message(),
              HasSubstr("factor site 'f': the site has 5 rows"));
  EXPECT_THAT(status.message(), HasSubstr("2 lanes subsampled from 5"));
  // Nested plates: one row, or the lanes of some of them (2, 3 or 6).
  for (Index rows : {1, 2, 3, 6, 5}) {
    auto nested = [rows] {
      Plate outer("outer", 2);
      Plate inner("inner", 3);
      sample("z", Normal(0.0, 1.0).Expand(rows, 1));
    };
    status = handlers::Trace(nested)().status();
    EXPECT_EQ(status.ok(), rows != 5) << rows << " rows: " << status;
  }
  EXPECT_THAT(status.message(), HasSubstr("'outer' (2 lanes) 'inner'"));
  // One-row sites, observed values broadcasting a one-row distribution, and
  // particles' own lanes under a broadcasting plate stay allowed.
  auto allowed = [] {
    Plate data("data", 100, 10);
    sample("global", Normal(0.0, 1.0));
    observe("x", Normal(0.0, 1.0), Tensor(Matrix::Zero(10, 1)));
    Plate particles("particles", 2, -1, PlateLanes::kBroadcast);
    sample("z", Normal(0.0, 1.0));
  };
  EXPECT_TRUE(handlers::Trace(allowed)().ok());
  auto particle_lanes = [] {
    Plate particles("particles", 2, -1, PlateLanes::kBroadcast);
    sample("z", Normal(0.0, 1.0).Expand(6, 1));
  };
  EXPECT_TRUE(handlers::Trace(particle_lanes)().ok());
}

TEST(PlateTest, NestedPlatesWithOneNameAreAStatus) {
  auto nested = [] {
    Plate outer("data", 4);
    Plate inner("data", 4);
  };
  const absl::Status status = handlers::Trace(nested)().status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("plate 'data' is nested"));
  EXPECT_TRUE(CurrentPlates().empty());
  // One after the other, or apart by scope, is fine.
  auto apart = [] {
    { Plate first("data", 4); }
    { Plate second("data", 4); }
    Plate outer("data", 4);
    Scope scope("inner");
    Plate inner("data", 4);
  };
  EXPECT_TRUE(handlers::Trace(apart)().ok());
}

TEST(PlateTest, IndicesAHandlerGivesMustBeIntegersInRange) {
  class Supply : public Handler {
   public:
    explicit Supply(Real index) : index_(index) {}
    void Process(Message& msg) override {
      if (msg.kind == SiteKind::kPlate) msg.value = Tensor(index_);
    }

   private:
    Real index_;
  };
  for (Real index : {Real(2.5), Real(-1), Real(10)}) {
    Supply supply(index);
    const absl::Status status = CatchStatus([&] {
      HandlerScope scope(supply);
      Plate data("data", 10, 1);
    });
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << index;
    EXPECT_THAT(status.message(), HasSubstr("is not an integer in [0, 10)"));
  }
  Supply supply(7);
  HandlerScope scope(supply);
  Plate data("data", 10, 1);
  EXPECT_THAT(data.indices(), ElementsAre(7));
}

TEST(PlateTest, SubsamplingMoreLanesThanRealCountsExactlyIsAStatus) {
  const Index too_many = (Index{1} << std::numeric_limits<Real>::digits) + 1;
  const absl::Status status =
      CatchStatus([&] { Plate data("data", too_many, 2); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("cannot subsample"));
}

}  // namespace
}  // namespace provi

namespace provi {
namespace {

TEST(PlateTest, BroadcastingPlateGivesOneRowSitesItsLanes) {
  auto program = [] {
    Plate particles("particles", 5, -1, PlateLanes::kBroadcast);
    const Tensor z = sample("z", Normal(0.0, 1.0));
    observe("x", Normal(z, 1.0), Tensor(0.5));
    return z;
  };
  const auto run = handlers::Trace(program)();
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->value.rows(), 5);
  EXPECT_EQ(run->trace.Find("z")->distribution->rows(), 5);
  EXPECT_EQ(run->trace.Find("x")->LogProb().rows(), 5);
  // Explicit plates leave shapes alone.
  auto explicit_plate = [] {
    Plate data("data", 5);
    return sample("z", Normal(0.0, 1.0));
  };
  EXPECT_EQ(handlers::Trace(explicit_plate)()->value.rows(), 1);
}

}  // namespace
}  // namespace provi
