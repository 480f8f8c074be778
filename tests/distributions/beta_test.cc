// Copyright 2026 The provi Authors.
//
// Beta: densities against R, sampler moments, implicit reparameterisation
// gradients against analytic derivatives of moments, validation.
// Statistical checks follow the flake budget in statistical_testing.h.

#include "distributions/beta.h"

#include <cmath>
#include <functional>
#include <limits>
#include <type_traits>

#include "ad/ops.h"
#include "ad/tape.h"
#include "base/random.h"
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

TEST(BetaTest, LogProbMatchesR) {
  // Rscript -e 'print(dbeta(c(0.2, 0.75, 0.01), c(0.5, 2, 3.5),
  //                         c(1.5, 2, 0.7), log=TRUE), digits=17)'
  const Beta beta(RealTensor(Mat({{0.5}, {2.0}, {3.5}})),
                  RealTensor(Mat({{1.5}, {2.0}, {0.7}})));
  const Tensor lp = beta.LogProb(RealTensor(Mat({{0.2}, {0.75}, {0.01}})));
  ASSERT_EQ(lp.rows(), 3);
  ASSERT_EQ(lp.cols(), 1);
  const double expected[] = {0.24156447527049030, 0.11778303565638337,
                             -10.92319557613232739};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(lp(i, 0), expected[i], DensityTolerance(expected[i]));
  }
}

TEST(BetaTest, LogProbSumsTheEventAndBroadcasts) {
  // Rscript -e 'print(sum(dbeta(c(0.3, 0.6, 0.95), 2.5, 1.5, log=TRUE)),
  //                   digits=17)'
  const Beta beta = Beta(2.5, 1.5).Expand(2, 3);
  EXPECT_EQ(beta.rows(), 2);
  EXPECT_EQ(beta.cols(), 3);
  const Tensor lp = beta.LogProb(RealTensor(Mat({{0.3, 0.6, 0.95}})));
  ASSERT_EQ(lp.rows(), 2);
  const double expected = 0.10008995076848803;
  EXPECT_NEAR(lp(0, 0), expected, DensityTolerance(expected));
  EXPECT_NEAR(lp(1, 0), expected, DensityTolerance(expected));
  // Concentrations that broadcast only through the value (1x2 against 2x1).
  const Beta outer(RealTensor(Mat({{1.0, 2.0}})),
                   RealTensor(Mat({{1.0}, {2.0}, {3.0}})));
  EXPECT_TRUE(outer.Validate().ok());
  EXPECT_EQ(outer.LogProb(Tensor(0.5)).rows(), 3);
}

TEST(BetaTest, LogProbAtTheEndpoints) {
  // 0 · log 0 = 0: Beta(1, 2) has density 2 at 0 and Beta(3, 1) density 3
  // at 1. Rscript -e 'print(dbeta(c(0, 1), c(1, 3), c(2, 1), log=TRUE),
  //                         digits=17)'
  const Beta beta(RealTensor(Mat({{1.0}, {3.0}})),
                  RealTensor(Mat({{2.0}, {1.0}})));
  const Tensor lp = beta.LogProb(RealTensor(Mat({{0.0}, {1.0}})));
  EXPECT_NEAR(lp(0, 0), 0.69314718055994529, DensityTolerance(0.69));
  EXPECT_NEAR(lp(1, 0), 1.09861228866810978, DensityTolerance(1.1));
  // Elsewhere the endpoints have density 0 or +inf, as in R.
  constexpr Real kInf = std::numeric_limits<Real>::infinity();
  EXPECT_EQ(Beta(2.0, 2.0).LogProb(Tensor(0.0))(0, 0), -kInf);
  EXPECT_EQ(Beta(0.5, 1.0).LogProb(Tensor(0.0))(0, 0), kInf);
}

TEST(BetaTest, LogProbGradientMatchesFiniteDifferences) {
  ::provi::testing::ExpectAd(
      [](const auto& x, const auto& concentration1,
         const auto& concentration0) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Tensor>) {
          return Beta(concentration1, concentration0).LogProb(x);
        } else {
          // The reference path: the textbook formula on double tensors.
          const auto a = BroadcastTo(concentration1, x.rows(), x.cols());
          const auto b = BroadcastTo(concentration0, x.rows(), x.cols());
          return RowSum((a - 1.0) * Log(x) + (b - 1.0) * Log(1.0 - x) +
                        Lgamma(a + b) - Lgamma(a) - Lgamma(b));
        }
      },
      Mat({{0.3, 0.8}, {0.55, 0.1}}), Mat({{0.7, 3.0}}), Mat({{1.5}, {0.4}}));
}

// E[x^k] = Π_{i<k} (a + i) / (a + b + i).
double RawMoment(double a, double b, int k) {
  double m = 1;
  for (int i = 0; i < k; ++i) m *= (a + i) / (a + b + i);
  return m;
}

struct Concentrations {
  double a;
  double b;
};

// From small concentrations (draws crowd both endpoints) to large ones.
const Concentrations kCases[] = {{0.3, 0.5}, {2.0, 5.0}, {50.0, 20.0}};

// 50,000 draws per case against the mean, variance and fourth central
// moment from the raw moments.
TEST(BetaTest, SampleMoments) {
  Rng rng = MakeRng(1);
  for (const Concentrations& c : kCases) {
    const Beta beta = Beta(c.a, c.b).Expand(1000, 1);
    MeanAccumulator acc;
    for (int rep = 0; rep < 50; ++rep) {
      const Tensor x = beta.Sample(rng);
      EXPECT_FALSE(x.requires_grad());
      for (Index i = 0; i < x.rows(); ++i) acc.Add(x(i, 0));
    }
    const double m1 = RawMoment(c.a, c.b, 1);
    const double m2 = RawMoment(c.a, c.b, 2);
    const double m3 = RawMoment(c.a, c.b, 3);
    const double m4 = RawMoment(c.a, c.b, 4);
    const double variance = m2 - m1 * m1;
    const double fourth =
        m4 - 4 * m1 * m3 + 6 * m1 * m1 * m2 - 3 * m1 * m1 * m1 * m1;
    EXPECT_MEAN_NEAR(acc, m1) << "a = " << c.a << ", b = " << c.b;
    EXPECT_TRUE(::provi::testing::VarianceNear(acc, variance, fourth))
        << "a = " << c.a << ", b = " << c.b;
  }
}

struct GradientMeans {
  MeanAccumulator d_a;
  MeanAccumulator d_b;
};

// 200 gradient estimates of E[f(x)], each averaging 1,000 lanes.
GradientMeans PathwiseGradients(const Concentrations& c,
                                const std::function<Tensor(Tensor)>& f,
                                Rng& rng) {
  Parameter a(Matrix::Constant(1, 1, static_cast<Real>(c.a)));
  Parameter b(Matrix::Constant(1, 1, static_cast<Real>(c.b)));
  GradientMeans means;
  for (int rep = 0; rep < 200; ++rep) {
    TapeScope scope;
    a.ZeroGrad();
    b.ZeroGrad();
    const Tensor x = Beta(a.tensor(), b.tensor()).Expand(1000, 1).RSample(rng);
    Backward(MeanAll(f(x)));
    means.d_a.Add(a.grad()(0, 0));
    means.d_b.Add(b.grad()(0, 0));
  }
  return means;
}

// With s = a + b: E[x] = a / s, so d/da = b / s², d/db = -a / s²;
// E[x²] = a(a + 1) / (s(s + 1)), so
// d/da = ((2a + 1) s(s + 1) - a(a + 1)(2s + 1)) / (s(s + 1))² and
// d/db = -a(a + 1)(2s + 1) / (s(s + 1))².
TEST(BetaTest, ImplicitGradientsAreUnbiased) {
  Rng rng = MakeRng(2);
  for (const Concentrations& c : kCases) {
    const double s = c.a + c.b;
    const GradientMeans mean = PathwiseGradients(
        c, [](Tensor x) { return x; }, rng);
    EXPECT_MEAN_NEAR(mean.d_a, c.b / (s * s)) << "a = " << c.a;
    EXPECT_MEAN_NEAR(mean.d_b, -c.a / (s * s)) << "a = " << c.a;
    const GradientMeans square = PathwiseGradients(
        c, [](Tensor x) { return Square(x); }, rng);
    const double q = s * (s + 1);
    EXPECT_MEAN_NEAR(
        square.d_a,
        ((2 * c.a + 1) * q - c.a * (c.a + 1) * (2 * s + 1)) / (q * q))
        << "a = " << c.a;
    EXPECT_MEAN_NEAR(square.d_b, -c.a * (c.a + 1) * (2 * s + 1) / (q * q))
        << "a = " << c.a;
  }
}

// For tiny concentrations most mass sits within a rounding unit of 0 or 1:
// draws are kept strictly inside, so every log density is finite, and the
// gradient still reaches both parameters.
TEST(BetaTest, TinyConcentrationDrawsStayInside) {
  Rng rng = MakeRng(3);
  Parameter a(Matrix::Constant(1, 1, 0.05));
  Parameter b(Matrix::Constant(1, 1, 0.05));
  TapeScope scope;
  const Beta beta = Beta(a.tensor(), b.tensor()).Expand(2000, 1);
  const Tensor x = beta.RSample(rng);
  const Tensor lp = beta.LogProb(Detach(x));
  for (Index i = 0; i < x.rows(); ++i) {
    ASSERT_GT(x(i, 0), 0);
    ASSERT_LT(x(i, 0), 1);
    ASSERT_TRUE(std::isfinite(lp(i, 0))) << x(i, 0);
  }
  Backward(SumAll(x));
  EXPECT_TRUE(std::isfinite(a.grad()(0, 0)));
  EXPECT_TRUE(std::isfinite(b.grad()(0, 0)));
  EXPECT_NE(a.grad()(0, 0), 0);
}

TEST(BetaTest, ValidateNamesTheParameterAndValue) {
  const absl::Status bad = Beta(1.0, RealTensor(Mat({{1.0, -2.0}}))).Validate();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.message(), HasSubstr("Beta"));
  EXPECT_THAT(bad.message(), HasSubstr("'concentration0'"));
  EXPECT_THAT(bad.message(), HasSubstr("-2"));
  EXPECT_THAT(Beta(0.0, 1.0).Validate().message(),
              HasSubstr("'concentration1' element (0, 0) = 0 must be > 0"));
  EXPECT_THAT(Beta(std::nan(""), 1.0).Validate().message(),
              HasSubstr("'concentration1'"));
  EXPECT_THAT(
      Beta(RealTensor(Mat({{1.0, 2.0}})), RealTensor(Mat({{1.0, 2.0, 3.0}})))
          .Validate()
          .message(),
      HasSubstr("do not broadcast"));
  EXPECT_THAT(Beta(RealTensor(Mat({{1.0, 2.0}})), 1.0)
                  .Expand(4, 3)
                  .Validate()
                  .message(),
              HasSubstr("expanded shape 4x3"));
  EXPECT_TRUE(Beta(2.0, 1.0).Expand(4, 3).Validate().ok());
  Rng rng = MakeRng(4);
  const Beta incompatible(RealTensor(Mat({{1.0, 2.0}})),
                          RealTensor(Mat({{1.0, 2.0, 3.0}})));
  EXPECT_THAT(CatchStatus([&] { incompatible.Sample(rng); }).message(),
              HasSubstr("do not broadcast"));
}

TEST(BetaTest, LogProbRejectsValuesOutsideTheSupport) {
  const Beta beta = Beta(2.0, 3.0).Expand(2, 3);
  const absl::Status shape = CatchStatus([&] {
    beta.LogProb(RealTensor(Mat({{0.5, 0.5}})));
  });
  EXPECT_EQ(shape.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(shape.message(), HasSubstr("Beta: value of shape 1x2"));
  for (const double bad : {-0.1, 1.5, std::nan("")}) {
    const absl::Status status = CatchStatus([&] { beta.LogProb(Tensor(bad)); });
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(status.message(), HasSubstr("outside the support [0, 1]"));
  }
  SetDistributionValidation(false);
  EXPECT_TRUE(CatchStatus([&] { beta.LogProb(Tensor(1.5)); }).ok());
  SetDistributionValidation(true);
}

TEST(BetaTest, IsReparameterisable) {
  EXPECT_TRUE(Beta(1.0, 1.0).has_rsample());
  EXPECT_EQ(Beta(1.0, 1.0).support(), Support::UnitInterval());
  EXPECT_EQ(Beta(1.0, 1.0).Clone()->name(), "Beta");
}

}  // namespace
}  // namespace provi
