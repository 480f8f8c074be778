// Copyright 2026 The provi Authors.
//
// How traces store their sites: the address index, the site blocks, the
// distribution copies (their lifetime, the heap fallbacks), copy-on-write,
// and reuse of recycled memory across traces and threads.

#include <cmath>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ad/ops.h"
#include "ad/tape.h"
#include "distributions/normal.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "handlers/trace.h"
#include "runtime/address.h"
#include "runtime/internal/address_index.h"
#include "runtime/primitives.h"
#include "runtime/trace.h"

namespace provi {
namespace {

using runtime_internal::AddressIndex;
using ::testing::HasSubstr;

std::string Name(int i) { return "storage_test_" + std::to_string(i); }

TEST(AddressIndexTest, InsertFindAndDuplicates) {
  AddressIndex index;
  const Address a = Address::Intern("index_a");
  const Address b = Address::Intern("index_b");
  EXPECT_EQ(index.Find(a), AddressIndex::kNone);
  EXPECT_EQ(index.Insert(a, 7), AddressIndex::kNone);
  EXPECT_EQ(index.Insert(b, 9), AddressIndex::kNone);
  EXPECT_EQ(index.Insert(a, 11), 7u);  // present: unchanged
  EXPECT_EQ(index.Find(a), 7u);
  EXPECT_EQ(index.Find(b), 9u);
  EXPECT_EQ(index.size(), 2u);
  // The root address (id 0) is a key like any other.
  EXPECT_EQ(index.Insert(Address(), 3), AddressIndex::kNone);
  EXPECT_EQ(index.Find(Address()), 3u);
}

TEST(AddressIndexTest, GrowsAndRecycledArraysComeBackEmpty) {
  std::vector<Address> addresses;
  for (int i = 0; i < 5000; ++i) addresses.push_back(Address::Intern(Name(i)));
  {
    AddressIndex index;
    for (int i = 0; i < 5000; ++i) {
      ASSERT_EQ(index.Insert(addresses[i], static_cast<uint32_t>(i)),
                AddressIndex::kNone);
    }
    for (int i = 0; i < 5000; ++i) {
      ASSERT_EQ(index.Find(addresses[i]), static_cast<uint32_t>(i));
    }
  }
  // The next indexes on this thread reuse that slot array: it must hold
  // nothing of the previous contents.
  for (int round = 0; round < 3; ++round) {
    AddressIndex index;
    EXPECT_EQ(index.Insert(addresses[round], 1), AddressIndex::kNone);
    for (int i = 0; i < 5000; ++i) {
      if (i == round) continue;
      ASSERT_EQ(index.Find(addresses[i]), AddressIndex::kNone) << i;
    }
  }
}

TEST(AddressIndexTest, ConsecutiveAndStridedIdsAreFoundAtEverySize) {
  // Ids that share blocks of slots (consecutive), ids that all fall at one
  // offset of their blocks (stride 16), and both mixed, inserted into
  // indexes of every size from one entry to 20,000: each is found with its
  // value and absent ids are not.
  std::vector<Address> addresses;
  for (int i = 0; i < 40000; ++i) {
    addresses.push_back(Address::Intern("block_" + std::to_string(i)));
  }
  for (const int stride : {1, 16, 17}) {
    for (const int n : {1, 15, 16, 17, 100, 1000, 20000 / stride}) {
      AddressIndex index;
      for (int k = 0; k < n; ++k) {
        ASSERT_EQ(index.Insert(addresses[static_cast<size_t>(k * stride)],
                               static_cast<uint32_t>(k)),
                  AddressIndex::kNone)
            << stride << " " << n << " " << k;
      }
      ASSERT_EQ(index.size(), static_cast<size_t>(n));
      for (int k = 0; k < n; ++k) {
        ASSERT_EQ(index.Find(addresses[static_cast<size_t>(k * stride)]),
                  static_cast<uint32_t>(k));
        if (stride > 1) {
          ASSERT_EQ(index.Find(addresses[static_cast<size_t>(k * stride + 1)]),
                    AddressIndex::kNone);
        }
      }
    }
  }
}

TEST(AddressIndexTest, CopiesAreIndependentAndMovesEmptyTheSource) {
  AddressIndex index;
  const Address a = Address::Intern("index_copy_a");
  index.Insert(a, 1);
  AddressIndex copy = index;
  copy.Insert(Address::Intern("index_copy_b"), 2);
  EXPECT_EQ(index.size(), 1u);
  EXPECT_EQ(copy.size(), 2u);
  AddressIndex moved = std::move(copy);
  EXPECT_EQ(moved.Find(a), 1u);
  EXPECT_EQ(copy.size(), 0u);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(copy.Find(a), AddressIndex::kNone);
  copy.Insert(a, 5);  // usable again
  EXPECT_EQ(copy.Find(a), 5u);
}

TEST(AddressTest, CachedNamesLongerThanTheInlineHeadAreCompared) {
  // Same pointer and length, contents differing only after the eighth
  // character: the cache must not return the first name's address.
  std::string buffer = "long_name_with_tail_1";
  const Address a = Address::Intern(buffer);
  buffer.back() = '2';
  const Address b = Address::Intern(buffer);
  EXPECT_NE(a, b);
  EXPECT_EQ(b.name(), "long_name_with_tail_2");
  // And differing within the first characters of a short name.
  std::string small = "ab";
  const Address c = Address::Intern(small);
  small[1] = 'c';
  EXPECT_NE(Address::Intern(small), c);
  EXPECT_EQ(Address::Intern(small).name(), "ac");
}

// A program with `n` sample sites named Name(0..n-1).
auto ManySites(int n) {
  return [n] {
    for (int i = 0; i < n; ++i) sample(Name(i), Normal(Tensor(i), 1.0));
  };
}

TEST(TraceStorageTest, ManySitesKeepOrderAddressesAndDistributions) {
  TapeScope tape;
  const int n = 3000;  // several blocks of sites and of copies
  const auto run = handlers::Trace(ManySites(n))();
  ASSERT_TRUE(run.ok()) << run.status();
  const Trace& trace = run->trace;
  ASSERT_EQ(trace.size(), static_cast<size_t>(n));
  int i = 0;
  for (const Site& site : trace.sites()) {
    ASSERT_EQ(site.address.name(), Name(i));
    ASSERT_EQ(&site, &trace.sites()[i]);
    ASSERT_EQ(&site, trace.Find(Name(i)));
    const auto* normal = dynamic_cast<const Normal*>(site.distribution.get());
    ASSERT_NE(normal, nullptr);
    ASSERT_EQ(normal->loc().item(), static_cast<Real>(i));
    ++i;
  }
  EXPECT_EQ(&trace.sites().front(), &trace.sites()[0]);
  EXPECT_EQ(&trace.sites().back(), &trace.sites()[n - 1]);
}

TEST(TraceStorageTest, SitesDoNotMoveAsTheTraceGrows) {
  Trace trace;
  Site first;
  first.address = Address::Intern("storage_first");
  first.value = Tensor(1.0);
  ASSERT_TRUE(trace.Add(first).ok());
  const Site* kept = trace.Find("storage_first");
  for (int i = 0; i < 2000; ++i) {
    Site site;
    site.address = Address::Intern(Name(i));
    site.value = Tensor(0.0);
    ASSERT_TRUE(trace.Add(std::move(site)).ok());
  }
  EXPECT_EQ(trace.Find("storage_first"), kept);
  EXPECT_EQ(kept->value->item(), 1);
}

TEST(TraceStorageTest, CopiesShareUntilOneIsModified) {
  TapeScope tape;
  const auto run = handlers::Trace(ManySites(10))();
  ASSERT_TRUE(run.ok());
  const Trace original = run->trace;
  Trace copy = original;
  EXPECT_EQ(&copy.sites()[0], &original.sites()[0]);  // shared
  Site extra;
  extra.address = Address::Intern("storage_extra");
  extra.value = Tensor(2.0);
  ASSERT_TRUE(copy.Add(extra).ok());
  EXPECT_EQ(original.size(), 10u);
  EXPECT_EQ(original.Find("storage_extra"), nullptr);
  EXPECT_EQ(copy.size(), 11u);
  EXPECT_NE(copy.Find("storage_extra"), nullptr);
  // The copy's sites are its own, with the same contents.
  EXPECT_NE(&copy.sites()[0], &original.sites()[0]);
  EXPECT_EQ(copy.sites()[3].distribution, original.sites()[3].distribution);
  const absl::Status duplicate = copy.Add(extra);
  EXPECT_THAT(duplicate.message(), HasSubstr("'storage_extra'"));
}

// A family that counts its live instances and can be made large.
template <size_t kPadding>
class Counted final : public DistributionImpl<Counted<kPadding>> {
 public:
  static int& live() {
    static int count = 0;
    return count;
  }
  Counted() { ++live(); }
  Counted(const Counted& other) : normal_(other.normal_) { ++live(); }
  ~Counted() override { --live(); }

  absl::string_view name() const override { return "Counted"; }
  Index rows() const override { return 1; }
  Index cols() const override { return 1; }
  absl::Status Validate() const override { return normal_.Validate(); }
  Support support() const override { return Support::Real(); }
  Tensor Sample(absl::BitGenRef gen) const override {
    return normal_.Sample(gen);
  }
  Tensor LogProb(const Tensor& value) const override {
    return normal_.LogProb(value);
  }
  Counted Expand(Index, Index) const { return *this; }

 private:
  Normal normal_{0.0, 1.0};
  char padding_[kPadding] = {};
};

// Where a trace put its copies: in its arena they share one owner (the
// arena, held by every site and the trace); on the heap each site owns its
// copy alone.
enum class Placement { kArena, kHeap };

template <typename D>
void CheckCopiesLiveAsLongAsTheirSites(Placement placement) {
  TapeScope tape;
  ASSERT_EQ(D::live(), 0);
  Site kept;
  {
    auto run = handlers::Trace([] {
      for (int i = 0; i < 100; ++i) sample(Name(i), D());
    })();
    ASSERT_TRUE(run.ok()) << run.status();
    EXPECT_EQ(D::live(), 100);  // one copy per site; the temporaries are gone
    const long owners = run->trace.sites()[0].distribution.use_count();
    if (placement == Placement::kArena) {
      EXPECT_GT(owners, 100);
    } else {
      EXPECT_EQ(owners, 1);
    }
    kept = run->trace.sites()[42];
  }
  // The trace is gone; the copied site still owns a usable distribution.
  EXPECT_GE(D::live(), 1);
  EXPECT_TRUE(std::isfinite(kept.distribution->LogProb(Tensor(0.5)).item()));
  kept = Site();
  EXPECT_EQ(D::live(), 0);  // every copy destroyed exactly once
}

TEST(TraceStorageTest, ArenaCopiesLiveAsLongAsTheirSites) {
  CheckCopiesLiveAsLongAsTheirSites<Counted<8>>(Placement::kArena);
}

TEST(TraceStorageTest, CopiesTooLargeForTheArenaGoToTheHeap) {
  CheckCopiesLiveAsLongAsTheirSites<Counted<20000>>(Placement::kHeap);
}

// A family deriving from Distribution directly: CloneWith() declines, so
// traces use Clone().
class Plain final : public Distribution {
 public:
  absl::string_view name() const override { return "Plain"; }
  Index rows() const override { return 1; }
  Index cols() const override { return 1; }
  absl::Status Validate() const override { return absl::OkStatus(); }
  Support support() const override { return Support::Real(); }
  Tensor Sample(absl::BitGenRef gen) const override {
    return normal_.Sample(gen);
  }
  Tensor LogProb(const Tensor& value) const override {
    return normal_.LogProb(value);
  }
  std::shared_ptr<const Distribution> Clone() const override {
    return std::make_shared<Plain>(*this);
  }
  std::shared_ptr<const Distribution> ExpandRows(Index) const override {
    return Clone();
  }

 private:
  Normal normal_{0.0, 1.0};
};

TEST(TraceStorageTest, FamiliesWithoutCloneWithAreCloned) {
  TapeScope tape;
  const auto run = handlers::Trace([] {
    for (int i = 0; i < 50; ++i) sample(Name(i), Plain());
  })();
  ASSERT_TRUE(run.ok()) << run.status();
  for (const Site& site : run->trace.sites()) {
    ASSERT_NE(dynamic_cast<const Plain*>(site.distribution.get()), nullptr);
    ASSERT_EQ(site.distribution.use_count(), 1);  // its own heap copy
  }
  double expected = 0;
  for (const Site& site : run->trace.sites()) {
    const double x = site.value->item();
    expected += -0.5 * x * x - 0.5 * std::log(2 * M_PI);
  }
  EXPECT_NEAR(run->trace.LogProbSum().item(), expected,
              1e-4 * (1 + std::abs(expected)));
}

TEST(TraceStorageTest, TracesFromAnotherThreadOutliveIt) {
  // Blocks allocated on one thread and released on another.
  std::vector<Trace> traces;
  std::thread worker([&traces] {
    TapeScope tape;
    for (int k = 0; k < 5; ++k) {
      auto run = handlers::Trace(ManySites(500))();
      ASSERT_TRUE(run.ok());
      traces.push_back(run->trace);
    }
  });
  worker.join();
  ASSERT_EQ(traces.size(), 5u);
  for (const Trace& trace : traces) {
    ASSERT_EQ(trace.size(), 500u);
    EXPECT_EQ(trace.sites()[499].address.name(), Name(499));
    const auto* normal =
        dynamic_cast<const Normal*>(trace.sites()[7].distribution.get());
    ASSERT_NE(normal, nullptr);
    EXPECT_EQ(normal->loc().item(), 7);
  }
  traces.clear();
  // This thread's recycled blocks now include the worker's: new traces
  // built from them are correct.
  TapeScope tape;
  const auto run = handlers::Trace(ManySites(800))();
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->trace.Find(Name(799))->address.name(), Name(799));
}

}  // namespace
}  // namespace provi
