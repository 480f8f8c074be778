// Copyright 2026 The provi Authors.
//
// Every family at extreme parameter values (±0, subnormals, ±inf, NaN,
// 1e±300 or the float limits, huge counts): Validate() rejects the value
// with a Status, or the samplers terminate with draws that are never NaN
// and LogProb at those draws returns or throws a StatusError. Nothing
// crashes, recurses without bound or overflows an integer (the ASan/UBSan
// configuration checks the last two).

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/random.h"
#include "base/status_error.h"
#include "distributions/binomial.h"
#include "distributions/normal.h"
#include "distributions/poisson.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/extreme_cases.h"
#include "tests/testing/statistical_testing.h"

namespace provi {
namespace {

using ::provi::testing::ExtremeValues;
using ::provi::testing::Families;
using ::provi::testing::kZThreshold;
using ::testing::HasSubstr;

// Draws and evaluates `dist` if Validate() accepts it; returns what
// happened, for the failure message.
void ExerciseIfValid(const Distribution& dist, Rng& rng) {
  if (!dist.Validate().ok()) return;
  std::vector<Tensor> draws;
  for (int k = 0; k < 20; ++k) {
    try {
      draws.push_back(dist.Sample(rng));
      if (dist.has_rsample()) draws.push_back(dist.RSample(rng));
    } catch (const StatusError&) {
      // A sampler may refuse (a Status), never crash.
    }
  }
  for (const Tensor& x : draws) {
    EXPECT_FALSE(x.value().array().isNaN().any())
        << dist.name() << " drew NaN: " << x.value();
    try {
      const Tensor log_p = dist.LogProb(x);
      EXPECT_EQ(log_p.rows(), dist.rows());
    } catch (const StatusError&) {
    }
  }
}

TEST(ExtremesTest, EveryFamilyValidatesOrSamplesAtExtremeValues) {
  Rng rng = MakeRng(1);
  for (const auto& [label, make] : Families()) {
    for (Real v : ExtremeValues()) {
      SCOPED_TRACE(absl::StrCat(label, " = ", v));
      const std::shared_ptr<const Distribution> dist = make(v);
      const absl::Status status = dist->Validate();
      if (std::isnan(v) || (std::isinf(v) && label != "Uniform.high" &&
                            label != "Uniform.low")) {
        EXPECT_FALSE(status.ok()) << "non-finite parameters are rejected";
      }
      ExerciseIfValid(*dist, rng);
    }
  }
}

TEST(ExtremesTest, ExpandToANegativeShapeIsRejected) {
  for (const auto& [label, make] : Families()) {
    SCOPED_TRACE(label);
    const std::shared_ptr<const Distribution> dist = make(Real(0.5));
    for (Index rows : {Index{-1}, Index{-5}}) {
      const absl::Status status = dist->ExpandRows(rows)->Validate();
      ASSERT_FALSE(status.ok());
      EXPECT_THAT(std::string(status.message()), HasSubstr("negative shape"));
    }
  }
  const absl::Status status =
      Normal(Tensor(0.0), Tensor(1.0)).Expand(-1, -1).Validate();
  // The family's message, not the tensor library's.
  EXPECT_EQ(std::string(status.message()),
            "Normal: cannot expand to the negative shape -1x-1");
}

TEST(ExtremesTest, BinomialCountsAboveTwoToThe53AreRejected) {
  Rng rng = MakeRng(2);
  const Binomial largest(Binomial::kMaxTotalCount, Tensor(0.5));
  ASSERT_TRUE(largest.Validate().ok());
  const double draw = largest.Sample(rng)(0, 0);
  EXPECT_NEAR(draw / static_cast<double>(Binomial::kMaxTotalCount), 0.5, 1e-6);
  for (int64_t n :
       {Binomial::kMaxTotalCount + 1, std::numeric_limits<int64_t>::max()}) {
    const absl::Status status = Binomial(n, Tensor(0.5)).Validate();
    ASSERT_FALSE(status.ok());
    EXPECT_THAT(std::string(status.message()), HasSubstr("total_count"));
  }
}

TEST(ExtremesTest, PoissonAboveAbslsDomainUsesTheNormalApproximation) {
  // Mean and variance of 4000 draws at λ = 1e12 (normal approximation)
  // against λ: z-tests at the shared 5-sigma threshold.
  Rng rng = MakeRng(3);
  const double rate = 1e12;
  const Tensor draws = Poisson(Tensor(rate)).Expand(4000, 1).Sample(rng);
  const Eigen::ArrayXd x = draws.value().cast<double>().array();
  const double mean = x.mean();
  EXPECT_LT(std::abs(mean - rate) / std::sqrt(rate / x.size()), kZThreshold);
  // Float spacing at 1e12 is 65536; in double the draws are exact integers.
  if (sizeof(Real) == 8) {
    const double variance = (x - mean).square().sum() / (x.size() - 1);
    EXPECT_LT(std::abs(variance / rate - 1) / std::sqrt(2.0 / x.size()),
              kZThreshold);
  }
  // The largest rates draw finite values.
  for (Real big : {std::numeric_limits<Real>::max(), Real(1e19)}) {
    const Real draw = Poisson(Tensor(big)).Sample(rng)(0, 0);
    EXPECT_TRUE(std::isfinite(draw)) << big;
    EXPECT_GT(draw, 0);
  }
}

}  // namespace
}  // namespace provi
