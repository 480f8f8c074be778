// Copyright 2026 The provi Authors.
//
// Bernoulli: masses against R in both parameterisations, gradients against
// finite differences, sampler frequencies, enumeration, measure-valued
// gradients against analytic derivatives, validation. Statistical checks
// follow the flake budget in statistical_testing.h.

#include "distributions/bernoulli.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "ad/ops.h"
#include "ad/tape.h"
#include "base/random.h"
#include "base/special_functions.h"
#include "base/status_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/expect_ad.h"
#include "tests/testing/statistical_testing.h"

namespace provi {
namespace {

using ::provi::testing::DensityTolerance;
using ::provi::testing::Mat;
using ::provi::testing::MeanAccumulator;
using ::provi::testing::RealTensor;
using ::testing::HasSubstr;

TEST(BernoulliTest, LogProbMatchesR) {
  // Rscript -e 'print(dbinom(c(1,0,1,0,0), size=1,
  //                          prob=c(0.3,0.3,0.8,0.999,0), log=TRUE),
  //                          digits=17)'
  const Bernoulli coin = Bernoulli::FromProbs(
      RealTensor(Mat({{0.3}, {0.3}, {0.8}, {0.999}, {0.0}})));
  const Tensor lp = coin.LogProb(RealTensor(Mat({{1}, {0}, {1}, {0}, {0}})));
  ASSERT_EQ(lp.rows(), 5);
  ASSERT_EQ(lp.cols(), 1);
  const double expected[] = {-1.20397280432593612, -0.35667494393873245,
                             -0.22314355131420971, -6.90775527898213593, 0.0};
  for (int i = 0; i < 5; ++i) {
    EXPECT_NEAR(lp(i, 0), expected[i], DensityTolerance(expected[i]));
  }
  // p = 0 gives x = 1 no mass at all.
  EXPECT_EQ(Bernoulli::FromProbs(0.0).LogProb(Tensor(1)).item(), -kInfinity);
}

TEST(BernoulliTest, LogProbFromLogitsMatchesR) {
  // Rscript -e 'print(dbinom(c(1,0,1,1), size=1,
  //                          prob=plogis(c(-2,0.5,3,-40)), log=TRUE),
  //                          digits=17)'
  const Bernoulli coin =
      Bernoulli::FromLogits(RealTensor(Mat({{-2.0}, {0.5}, {3.0}, {-40.0}})));
  const Tensor lp = coin.LogProb(RealTensor(Mat({{1}, {0}, {1}, {1}})));
  const double expected[] = {-2.126928011042972688, -0.974076984180106797,
                             -0.048587351573741909, -40.0};
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(lp(i, 0), expected[i], DensityTolerance(expected[i]));
  }
}

TEST(BernoulliTest, LogProbSumsTheEventAndBroadcasts) {
  // Rscript -e 'p <- c(0.2,0.6,0.9);
  //   print(sum(dbinom(c(1,0,1), size=1, prob=p, log=TRUE)), digits=17);
  //   print(sum(dbinom(c(0,0,1), size=1, prob=p, log=TRUE)), digits=17)'
  const Bernoulli coins =
      Bernoulli::FromProbs(RealTensor(Mat({{0.2, 0.6, 0.9}}))).Expand(2, 3);
  EXPECT_EQ(coins.rows(), 2);
  EXPECT_EQ(coins.cols(), 3);
  const Tensor lp = coins.LogProb(RealTensor(Mat({{1, 0, 1}, {0, 0, 1}})));
  ASSERT_EQ(lp.rows(), 2);
  EXPECT_NEAR(lp(0, 0), -2.6310891599660815,
              DensityTolerance(2.6310891599660815));
  EXPECT_NEAR(lp(1, 0), -1.2447947988461909,
              DensityTolerance(1.2447947988461909));
}

TEST(BernoulliTest, LogProbGradientMatchesFiniteDifferences) {
  const Eigen::MatrixXd x = Mat({{1, 0, 1}, {0, 0, 1}});
  ::provi::testing::ExpectAd(
      [&](const auto& p) {
        using U = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<U, Tensor>) {
          return Bernoulli::FromProbs(p).LogProb(RealTensor(x));
        } else {
          // The reference path: x log p + (1 - x) log(1 - p) in double.
          const U xs(x);
          return RowSum(xs * Log(p) + (1.0 - xs) * Log1p(-p));
        }
      },
      Mat({{0.2, 0.6, 0.9}, {0.35, 0.5, 0.05}}));
  ::provi::testing::ExpectAd(
      [&](const auto& l) {
        using U = std::decay_t<decltype(l)>;
        if constexpr (std::is_same_v<U, Tensor>) {
          return Bernoulli::FromLogits(l).LogProb(RealTensor(x));
        } else {
          // x l - log(1 + e^l).
          return RowSum(U(x) * l - Softplus(l));
        }
      },
      Mat({{-1.5, 0.3, 2.0}}));
}

// Logits that are 1x1 or of the full shape take the fused one-node path
// (distributions/internal/fused_density.h).
TEST(BernoulliTest, FusedLogitsLogProbGradientMatchesFiniteDifferences) {
  const Eigen::MatrixXd x = Mat({{1, 0, 1}, {0, 0, 1}});
  const auto log_prob = [&](const auto& l) {
    using U = std::decay_t<decltype(l)>;
    if constexpr (std::is_same_v<U, Tensor>) {
      return Bernoulli::FromLogits(l).LogProb(RealTensor(x));
    } else {
      // x l - log(1 + e^l), l broadcast to the value's shape.
      const U ls = BroadcastTo(l, 2, 3);
      return RowSum(U(x) * ls - Softplus(ls));
    }
  };
  ::provi::testing::ExpectAd(log_prob,
                             Mat({{-1.5, 0.3, 2.0}, {0.7, -25.0, 30.0}}));
  ::provi::testing::ExpectAd(log_prob, Mat({{0.4}}));
  // A 1x1 value against full logits.
  ::provi::testing::ExpectAd(
      [&](const auto& l) {
        using U = std::decay_t<decltype(l)>;
        if constexpr (std::is_same_v<U, Tensor>) {
          return Bernoulli::FromLogits(l).LogProb(Tensor(1));
        } else {
          return RowSum(l - Softplus(l));
        }
      },
      Mat({{-1.5, 0.3, 2.0}, {0.7, -25.0, 30.0}}));
}

// Full logits that need a gradient keep x - σ(l) from the forward pass,
// computed without a second exponential: at logits where σ's two branches
// meet (0, the smallest subnormals) or saturate (±88 in float, ±800), the
// gradient is x - σ(l) as base/special_functions.h computes it (to the last
// place of an exponential), and the value is x l - softplus(l).
TEST(BernoulliTest, LogitsGradientIsValueMinusSigmoidAtTheEdges) {
  const Real tiny = std::numeric_limits<Real>::denorm_min();
  const std::vector<Real> edges = {0,       -0.0F, tiny, -tiny, 1e-30F,
                                   -1e-30F, 1,     -1,   88,    -88,
                                   -104,    104,   -800, 800,   17};
  const Index n = static_cast<Index>(edges.size());
  Matrix logits(n, 2);
  Matrix x(n, 2);
  for (Index i = 0; i < n; ++i) {
    logits(i, 0) = edges[static_cast<size_t>(i)];
    logits(i, 1) = -edges[static_cast<size_t>(i)];
    x(i, 0) = static_cast<Real>(i % 2);
    x(i, 1) = static_cast<Real>(1 - i % 2);
  }
  TapeScope scope;
  const Tensor l = Variable(logits);
  const Tensor lp = Bernoulli::FromLogits(l).LogProb(Tensor(x));
  Backward(SumAll(lp));
  for (Index i = 0; i < n; ++i) {
    double expected_value = 0;
    for (Index j = 0; j < 2; ++j) {
      const Real v = logits(i, j);
      // Eigen's vectorised exp and std::exp may differ in the last place.
      EXPECT_NEAR(l.adjoint()(i, j), x(i, j) - Sigmoid(v),
                  4 * std::numeric_limits<Real>::epsilon())
          << "logit " << v;
      expected_value += static_cast<double>(x(i, j)) * v - Log1pExp(double{v});
    }
    EXPECT_NEAR(lp(i, 0), expected_value, DensityTolerance(expected_value))
        << "logit " << logits(i, 0);
  }
}

TEST(BernoulliTest, ProbsAndLogitsConvert) {
  const Bernoulli from_logits = Bernoulli::FromLogits(0.8);
  EXPECT_TRUE(from_logits.is_logits());
  EXPECT_NEAR(from_logits.probs().item(), 1 / (1 + std::exp(-0.8)), 1e-6);
  const Bernoulli from_probs = Bernoulli::FromProbs(0.25);
  EXPECT_FALSE(from_probs.is_logits());
  EXPECT_NEAR(from_probs.logits().item(), std::log(0.25 / 0.75), 1e-6);
}

// Frequencies of each column (its own p) by a chi-square test, and the mean
// by a z-test; the same for a distribution built from logits.
TEST(BernoulliTest, SampleFrequencies) {
  Rng rng = MakeRng(11);
  const double probs[] = {0.3, 0.02, 0.85};
  const Bernoulli coins =
      Bernoulli::FromProbs(RealTensor(Mat({{probs[0], probs[1], probs[2]}})))
          .Expand(1000, 3);
  std::vector<std::vector<long>> counts(3, std::vector<long>(2, 0));
  std::vector<MeanAccumulator> means(3);
  for (int rep = 0; rep < 20; ++rep) {
    const Tensor x = coins.Sample(rng);
    EXPECT_FALSE(x.requires_grad());
    ASSERT_EQ(x.rows(), 1000);
    ASSERT_EQ(x.cols(), 3);
    for (Index j = 0; j < 3; ++j) {
      for (Index i = 0; i < x.rows(); ++i) {
        ASSERT_TRUE(x(i, j) == 0 || x(i, j) == 1) << x(i, j);
        ++counts[j][static_cast<size_t>(x(i, j))];
        means[j].Add(x(i, j));
      }
    }
  }
  for (int j = 0; j < 3; ++j) {
    EXPECT_TRUE(
        ::provi::testing::ChiSquareFits(counts[j], {1 - probs[j], probs[j]}));
    EXPECT_MEAN_NEAR(means[j], probs[j]);
  }

  const double logit = -0.8;
  const Bernoulli from_logits = Bernoulli::FromLogits(logit).Expand(1000, 1);
  MeanAccumulator mean;
  for (int rep = 0; rep < 20; ++rep) {
    const Tensor x = from_logits.Sample(rng);
    for (Index i = 0; i < x.rows(); ++i) mean.Add(x(i, 0));
  }
  EXPECT_MEAN_NEAR(mean, 1 / (1 + std::exp(-logit)));
}

TEST(BernoulliTest, EnumerateSupportListsJointValuesInOrder) {
  const Bernoulli coins =
      Bernoulli::FromProbs(RealTensor(Mat({{0.2, 0.6, 0.9}, {0.7, 0.1, 0.5}})));
  const std::vector<Tensor> values = coins.EnumerateSupport();
  ASSERT_EQ(values.size(), 8u);
  for (size_t t = 0; t < values.size(); ++t) {
    ASSERT_EQ(values[t].rows(), 2);
    ASSERT_EQ(values[t].cols(), 3);
    for (Index j = 0; j < 3; ++j) {
      // Lexicographic: column 0 is the most significant bit.
      const Real bit = static_cast<Real>((t >> (2 - j)) & 1);
      EXPECT_EQ(values[t](0, j), bit);
      EXPECT_EQ(values[t](1, j), bit);
    }
  }
  // The masses of every lane sum to 1 over the support.
  std::vector<double> total(2, 0.0);
  for (const Tensor& v : values) {
    const Tensor lp = coins.LogProb(v);
    for (Index i = 0; i < 2; ++i) total[i] += std::exp(lp(i, 0));
  }
  // Each mass is within DensityTolerance of its value, relatively.
  const double tolerance =
      static_cast<double>(values.size()) * DensityTolerance(1.0);
  EXPECT_NEAR(total[0], 1.0, tolerance);
  EXPECT_NEAR(total[1], 1.0, tolerance);
}

TEST(BernoulliTest, EnumerateSupportRefusesHugeSupports) {
  EXPECT_EQ(Bernoulli::FromProbs(0.5).Expand(1, 16).EnumerateSupport().size(),
            65536u);
  const absl::Status too_many = CatchStatus(
      [] { Bernoulli::FromProbs(0.5).Expand(1, 17).EnumerateSupport(); });
  EXPECT_EQ(too_many.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(too_many.message(), HasSubstr("Bernoulli"));
  EXPECT_THAT(too_many.message(), HasSubstr("2^17"));
}

// The surrogate whose gradient is the MVD estimate of ∂/∂θ E f(x), averaged
// over the lanes: Σ_j mean_i (θ_ij - Detach(θ_ij)) c_ij (f(x⁺_i) - f(x⁻_i)).
Tensor MvdSurrogate(const std::vector<MvdTerm>& terms,
                    double (*f)(const Tensor&, Index)) {
  Tensor surrogate(0.0);
  for (const MvdTerm& term : terms) {
    Matrix diff(term.positive.rows(), 1);
    for (Index i = 0; i < diff.rows(); ++i) {
      const double minus = term.negative ? f(*term.negative, i) : 0.0;
      diff(i, 0) = static_cast<Real>(f(term.positive, i) - minus);
    }
    surrogate = surrogate + MeanAll((term.parameter - Detach(term.parameter)) *
                                    term.constant * Tensor(diff));
  }
  return surrogate;
}

// Two independent coins x0 ~ Bernoulli(p0), x1 ~ Bernoulli(p1) (one sample
// row); f mixes them, so each column's MVD estimate is random through the
// other column. Analytic derivatives from E f = Σ_{a,b} f(a, b) P(a) P(b).
struct MvdCase {
  double (*f)(const Tensor&, Index);
  double d_p0;
  double d_p1;
};

std::vector<MvdCase> BernoulliMvdCases(double p0, double p1) {
  // E[x0 x1] = p0 p1. E[(x0 + 2 x1)²] = p0 + 4 p1 + 4 p0 p1 (x² = x).
  // E[cos(x0 + 3 x1)] = Σ_{a,b} cos(a + 3b) P(a) P(b).
  const double c00 = 1, c10 = std::cos(1.0), c01 = std::cos(3.0),
               c11 = std::cos(4.0);
  return {
      {[](const Tensor& x, Index i) { return double(x(i, 0)) * x(i, 1); }, p1,
       p0},
      {[](const Tensor& x, Index i) {
         const double s = x(i, 0) + 2.0 * x(i, 1);
         return s * s;
       },
       1 + 4 * p1, 4 + 4 * p0},
      {[](const Tensor& x, Index i) {
         return std::cos(x(i, 0) + 3.0 * x(i, 1));
       },
       (1 - p1) * (c10 - c00) + p1 * (c11 - c01),
       (1 - p0) * (c01 - c00) + p0 * (c11 - c10)},
  };
}

TEST(BernoulliTest, MeasureValuedDerivativesAreUnbiased) {
  const double p0 = 0.3, p1 = 0.6;
  Rng rng = MakeRng(12);
  for (const MvdCase& c : BernoulliMvdCases(p0, p1)) {
    Parameter probs(Mat({{p0, p1}}).cast<Real>());
    MeanAccumulator d_p0, d_p1;
    for (int rep = 0; rep < 400; ++rep) {
      TapeScope scope;
      probs.ZeroGrad();
      const Bernoulli coins =
          Bernoulli::FromProbs(probs.tensor()).Expand(500, 2);
      const Tensor x = coins.Sample(rng);
      const std::vector<MvdTerm> terms = coins.MvdTerms(x, rng);
      ASSERT_EQ(terms.size(), 2u);
      Backward(MvdSurrogate(terms, c.f));
      d_p0.Add(probs.grad()(0, 0));
      d_p1.Add(probs.grad()(0, 1));
    }
    EXPECT_MEAN_NEAR(d_p0, c.d_p0);
    EXPECT_MEAN_NEAR(d_p1, c.d_p1);
  }
}

// The terms' parameter is p = σ(l) on the tape, so the gradient reaches the
// logits: ∂/∂l = p (1 - p) ∂/∂p.
TEST(BernoulliTest, MeasureValuedDerivativesReachLogits) {
  const double l0 = -0.4, l1 = 1.1;
  const double p0 = Sigmoid(l0), p1 = Sigmoid(l1);
  Rng rng = MakeRng(13);
  for (const MvdCase& c : BernoulliMvdCases(p0, p1)) {
    Parameter logits(Mat({{l0, l1}}).cast<Real>());
    MeanAccumulator d_l0, d_l1;
    for (int rep = 0; rep < 400; ++rep) {
      TapeScope scope;
      logits.ZeroGrad();
      const Bernoulli coins =
          Bernoulli::FromLogits(logits.tensor()).Expand(500, 2);
      const Tensor x = coins.Sample(rng);
      Backward(MvdSurrogate(coins.MvdTerms(x, rng), c.f));
      d_l0.Add(logits.grad()(0, 0));
      d_l1.Add(logits.grad()(0, 1));
    }
    EXPECT_MEAN_NEAR(d_l0, p0 * (1 - p0) * c.d_p0);
    EXPECT_MEAN_NEAR(d_l1, p1 * (1 - p1) * c.d_p1);
  }
}

TEST(BernoulliTest, MvdTermsReplaceOneColumnAtATime) {
  Rng rng = MakeRng(14);
  const Bernoulli coins = Bernoulli::FromProbs(0.5).Expand(4, 3);
  const Tensor x = coins.Sample(rng);
  const std::vector<MvdTerm> terms = coins.MvdTerms(x, rng);
  ASSERT_EQ(terms.size(), 3u);
  for (Index t = 0; t < 3; ++t) {
    const MvdTerm& term = terms[static_cast<size_t>(t)];
    EXPECT_EQ(term.parameter.rows(), 4);
    EXPECT_EQ(term.parameter.cols(), 1);
    ASSERT_TRUE(term.negative.has_value());
    for (Index i = 0; i < 4; ++i) {
      EXPECT_EQ(term.constant(i, 0), 1);
      for (Index j = 0; j < 3; ++j) {
        EXPECT_EQ(term.positive(i, j), j == t ? 1 : x(i, j));
        EXPECT_EQ((*term.negative)(i, j), j == t ? 0 : x(i, j));
      }
    }
  }
}

TEST(BernoulliTest, ValidateNamesTheParameterAndValue) {
  const absl::Status bad =
      Bernoulli::FromProbs(RealTensor(Mat({{0.5, 1.5}}))).Validate();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.message(), HasSubstr("Bernoulli"));
  EXPECT_THAT(bad.message(), HasSubstr("'probs'"));
  EXPECT_THAT(bad.message(), HasSubstr("1.5"));
  EXPECT_THAT(Bernoulli::FromProbs(-0.1).Validate().message(),
              HasSubstr("-0.1"));
  EXPECT_THAT(Bernoulli::FromProbs(std::nan("")).Validate().message(),
              HasSubstr("'probs'"));
  const absl::Status bad_logits =
      Bernoulli::FromLogits(std::numeric_limits<double>::infinity()).Validate();
  EXPECT_THAT(bad_logits.message(), HasSubstr("'logits'"));
  EXPECT_THAT(bad_logits.message(), HasSubstr("inf"));
  EXPECT_THAT(Bernoulli::FromProbs(RealTensor(Mat({{0.5, 0.5}})))
                  .Expand(4, 3)
                  .Validate()
                  .message(),
              HasSubstr("expanded shape 4x3"));
  EXPECT_TRUE(Bernoulli::FromProbs(0.0).Expand(4, 3).Validate().ok());
  EXPECT_TRUE(Bernoulli::FromProbs(1.0).Validate().ok());
  // An invalid shape is reported by the sampler too, not read out of range.
  EXPECT_THAT(CatchStatus([] {
                Rng rng = MakeRng(15);
                Bernoulli::FromProbs(RealTensor(Mat({{0.5, 0.5}})))
                    .Expand(4, 3)
                    .Sample(rng);
              }).message(),
              HasSubstr("expanded shape"));
}

TEST(BernoulliTest, LogProbRejectsValuesOutsideTheSupport) {
  const Bernoulli coins = Bernoulli::FromProbs(0.5).Expand(2, 2);
  for (double bad : {0.5, 2.0, -1.0, std::nan("")}) {
    const absl::Status status =
        CatchStatus([&] { coins.LogProb(Tensor(bad)); });
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(status.message(), HasSubstr("Bernoulli: value"));
    EXPECT_THAT(status.message(), HasSubstr("outside the support"));
  }
  EXPECT_THAT(CatchStatus([&] {
                coins.LogProb(RealTensor(Mat({{1, 0, 1}})));
              }).message(),
              HasSubstr("Bernoulli: value of shape 1x3"));
}

}  // namespace
}  // namespace provi
