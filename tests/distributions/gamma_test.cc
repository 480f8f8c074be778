// Copyright 2026 The provi Authors.
//
// Gamma: densities against R, sampler moments, implicit reparameterisation
// gradients against analytic derivatives of moments, validation.
// Statistical checks follow the flake budget in statistical_testing.h.

#include "distributions/gamma.h"

#include <cmath>
#include <functional>
#include <limits>
#include <type_traits>

#include "ad/ops.h"
#include "ad/tape.h"
#include "base/random.h"
#include "base/status_error.h"
#include "distributions/internal/gamma_functions.h"
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

TEST(GammaTest, LogProbMatchesR) {
  // Rscript -e 'print(dgamma(c(0.2, 5.1, 1.7), c(0.5, 2, 7.5),
  //                          c(1.5, 0.3, 4), log=TRUE), digits=17)'
  const Gamma gamma(RealTensor(Mat({{0.5}, {2.0}, {7.5}})),
                    RealTensor(Mat({{1.5}, {0.3}, {4.0}})));
  const Tensor lp = gamma.LogProb(RealTensor(Mat({{0.2}, {5.1}, {1.7}})));
  ASSERT_EQ(lp.rows(), 3);
  ASSERT_EQ(lp.cols(), 1);
  const double expected[] = {0.13508656734643232, -2.30870506892159177,
                             -0.48807289645544594};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(lp(i, 0), expected[i], DensityTolerance(expected[i]));
  }
}

TEST(GammaTest, LogProbSumsTheEventAndBroadcasts) {
  // Rscript -e 'print(sum(dgamma(c(0.3, 1.2, 4.5), 2.5, 1.5, log=TRUE)),
  //                   digits=17)'
  const Gamma gamma = Gamma(2.5, 1.5).Expand(2, 3);
  EXPECT_EQ(gamma.rows(), 2);
  EXPECT_EQ(gamma.cols(), 3);
  const Tensor lp = gamma.LogProb(RealTensor(Mat({{0.3, 1.2, 4.5}})));
  ASSERT_EQ(lp.rows(), 2);
  const double expected = -6.0894210767410852;
  EXPECT_NEAR(lp(0, 0), expected, DensityTolerance(expected));
  EXPECT_NEAR(lp(1, 0), expected, DensityTolerance(expected));
}

TEST(GammaTest, LogProbGradientMatchesFiniteDifferences) {
  // Concentration 1x2 and rate 2x1 broadcast only through the 2x2 value.
  ::provi::testing::ExpectAd(
      [](const auto& x, const auto& concentration, const auto& rate) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Tensor>) {
          return Gamma(concentration, rate).LogProb(x);
        } else {
          // The reference path: the textbook formula on double tensors.
          const auto a = BroadcastTo(concentration, x.rows(), x.cols());
          const auto b = BroadcastTo(rate, x.rows(), x.cols());
          return RowSum(a * Log(b) + (a - 1.0) * Log(x) - b * x - Lgamma(a));
        }
      },
      Mat({{0.3, 1.2}, {2.5, 0.1}}), Mat({{0.7, 3.0}}), Mat({{1.5}, {0.4}}));
}

// Gamma's log density of a rows x cols value for ExpectAd: provi's on
// tensors, and on the double reference path the textbook formula with
// every operand broadcast to the value's shape.
auto GammaLogProbOfShape(Index rows, Index cols) {
  return
      [rows, cols](const auto& x, const auto& concentration, const auto& rate) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Tensor>) {
          return Gamma(concentration, rate).LogProb(x);
        } else {
          const auto a = BroadcastTo(concentration, rows, cols);
          const auto b = BroadcastTo(rate, rows, cols);
          const auto xs = BroadcastTo(x, rows, cols);
          return RowSum(a * Log(b) + (a - 1.0) * Log(xs) - b * xs - Lgamma(a));
        }
      };
}

// More than 16 elements with a gradient take the one-pass path that stores
// the partials with the value: full-shape and 1x1 operands in every mix,
// the value among the operands that need a gradient.
TEST(GammaTest, EagerLogProbGradientMatchesFiniteDifferences) {
  static constexpr Index kRows = 5;
  static constexpr Index kCols = 4;
  const auto log_prob = GammaLogProbOfShape(kRows, kCols);
  const auto grid = [](double lo, double hi, double phase) {
    Eigen::MatrixXd m(kRows, kCols);
    for (Index j = 0; j < kCols; ++j) {
      for (Index i = 0; i < kRows; ++i) {
        const double u = 0.5 + 0.5 * std::sin(phase + 1.7 * i + 0.9 * j);
        m(i, j) = lo + (hi - lo) * u;
      }
    }
    return m;
  };
  const Eigen::MatrixXd x = grid(0.1, 5.0, 0.3);
  const Eigen::MatrixXd alpha = grid(0.3, 4.0, 1.1);
  const Eigen::MatrixXd beta = grid(0.4, 3.0, 2.3);
  ::provi::testing::ExpectAd(log_prob, x, alpha, beta);
  ::provi::testing::ExpectAd(log_prob, x, Mat({{2.5}}), beta);
  ::provi::testing::ExpectAd(log_prob, x, alpha, Mat({{0.8}}));
  ::provi::testing::ExpectAd(log_prob, Mat({{1.3}}), alpha, beta);
  ::provi::testing::ExpectAd(log_prob, x, Mat({{0.6}}), Mat({{1.7}}));
}

// Draws of Gamma(α, β), 50,000 per case, against the mean α/β, the
// variance α/β² and the fourth central moment 3α(α + 2)/β⁴.
// 1x1 and full-shape operands take the fused one-node path.
TEST(GammaTest, FusedLogProbGradientMatchesFiniteDifferences) {
  const auto log_prob = GammaLogProbOfShape(2, 2);
  const Eigen::MatrixXd x = Mat({{0.3, 1.2}, {2.5, 0.1}});
  ::provi::testing::ExpectAd(log_prob, x, Mat({{0.7, 3.0}, {1.2, 2.2}}),
                             Mat({{1.5, 0.4}, {0.9, 2.0}}));
  ::provi::testing::ExpectAd(log_prob, x, Mat({{2.5}}),
                             Mat({{1.5, 0.4}, {0.9, 2.0}}));
  ::provi::testing::ExpectAd(log_prob, x, Mat({{0.7, 3.0}, {1.2, 2.2}}),
                             Mat({{0.8}}));
}

TEST(GammaTest, SampleMoments) {
  Rng rng = MakeRng(1);
  for (const double alpha : {0.3, 2.5, 50.0}) {
    const double beta = 2.0;
    const Gamma gamma = Gamma(alpha, beta).Expand(1000, 1);
    MeanAccumulator acc;
    for (int rep = 0; rep < 50; ++rep) {
      const Tensor x = gamma.Sample(rng);
      EXPECT_FALSE(x.requires_grad());
      for (Index i = 0; i < x.rows(); ++i) acc.Add(x(i, 0));
    }
    EXPECT_MEAN_NEAR(acc, alpha / beta) << "alpha = " << alpha;
    EXPECT_TRUE(::provi::testing::VarianceNear(
        acc, alpha / (beta * beta),
        3 * alpha * (alpha + 2) / std::pow(beta, 4)))
        << "alpha = " << alpha;
  }
}

// Each gradient estimate averages 1,000 lanes; 200 estimates per case.
struct GradientMeans {
  MeanAccumulator d_alpha;
  MeanAccumulator d_beta;
};

GradientMeans PathwiseGradients(double alpha, double beta,
                                const std::function<Tensor(Tensor)>& f,
                                Rng& rng) {
  Parameter a(Matrix::Constant(1, 1, static_cast<Real>(alpha)));
  Parameter b(Matrix::Constant(1, 1, static_cast<Real>(beta)));
  GradientMeans means;
  for (int rep = 0; rep < 200; ++rep) {
    TapeScope scope;
    a.ZeroGrad();
    b.ZeroGrad();
    const Tensor x = Gamma(a.tensor(), b.tensor()).Expand(1000, 1).RSample(rng);
    Backward(MeanAll(f(x)));
    means.d_alpha.Add(a.grad()(0, 0));
    means.d_beta.Add(b.grad()(0, 0));
  }
  return means;
}

// E[x] = α/β: d/dα = 1/β, d/dβ = -α/β². E[x²] = α(α + 1)/β²:
// d/dα = (2α + 1)/β², d/dβ = -2α(α + 1)/β³. Across the boost (α < 1), the
// exact implicit derivative and the large-shape approximation (α > 1e3).
TEST(GammaTest, ImplicitGradientsAreUnbiased) {
  Rng rng = MakeRng(2);
  const double beta = 2.0;
  for (const double alpha : {0.3, 2.5, 50.0, 2000.0}) {
    const GradientMeans mean = PathwiseGradients(
        alpha, beta, [](Tensor x) { return x; }, rng);
    EXPECT_MEAN_NEAR(mean.d_alpha, 1 / beta) << "alpha = " << alpha;
    EXPECT_MEAN_NEAR(mean.d_beta, -alpha / (beta * beta))
        << "alpha = " << alpha;
    const GradientMeans square = PathwiseGradients(
        alpha, beta, [](Tensor x) { return Square(x); }, rng);
    EXPECT_MEAN_NEAR(square.d_alpha, (2 * alpha + 1) / (beta * beta))
        << "alpha = " << alpha;
    EXPECT_MEAN_NEAR(square.d_beta,
                     -2 * alpha * (alpha + 1) / std::pow(beta, 3))
        << "alpha = " << alpha;
  }
}

// The surrogate's wiring, deterministically: with rate 2 (x = G / 2 is
// exact in binary) the gradient of lane i in α is D(α_i, G_i) / β, D the
// implicit derivative (checked against R's qgamma in
// gamma_functions_test.cc), and in β it is -x_i / β.
TEST(GammaTest, RSampleGradientIsTheImplicitDerivative) {
  Rng rng = MakeRng(3);
  TapeScope scope;
  const Tensor alpha =
      Variable(Mat({{0.2}, {1.0}, {7.0}, {3000.0}}).cast<Real>().eval());
  const Tensor beta = Variable(Matrix::Constant(1, 1, 2));
  const Tensor x = Gamma(alpha, beta).RSample(rng);
  ASSERT_EQ(x.rows(), 4);
  Backward(SumAll(x));
  double d_beta = 0;
  for (Index i = 0; i < 4; ++i) {
    const double g = 2.0 * x(i, 0);
    const double d =
        distributions_internal::StandardGammaSampleDerivative(alpha(i, 0), g);
    EXPECT_NEAR(alpha.adjoint()(i, 0), d / 2,
                (kRealIsDouble ? 1e-13 : 1e-6) * d)
        << "lane " << i;
    d_beta -= x(i, 0) / 2;
  }
  EXPECT_NEAR(beta.adjoint()(0, 0), d_beta,
              (kRealIsDouble ? 1e-13 : 1e-6) * std::abs(d_beta));
}

// Float cannot represent most Gamma(0.01) draws (P(0.01, 1.2e-38) = 0.42):
// they are clamped to the smallest normal, never 0, so log densities stay
// finite.
TEST(GammaTest, TinyShapeDrawsArePositiveWithFiniteDensity) {
  Rng rng = MakeRng(4);
  const Gamma gamma = Gamma(0.01, 1.0).Expand(1000, 1);
  const Tensor x = gamma.Sample(rng);
  const Tensor lp = gamma.LogProb(x);
  for (Index i = 0; i < x.rows(); ++i) {
    ASSERT_GE(x(i, 0), std::numeric_limits<Real>::min());
    ASSERT_TRUE(std::isfinite(lp(i, 0))) << x(i, 0);
  }
}

TEST(GammaTest, ValidateNamesTheParameterAndValue) {
  const absl::Status bad_rate =
      Gamma(1.0, RealTensor(Mat({{1.0, -2.0}}))).Validate();
  EXPECT_EQ(bad_rate.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_rate.message(), HasSubstr("Gamma"));
  EXPECT_THAT(bad_rate.message(), HasSubstr("'rate'"));
  EXPECT_THAT(bad_rate.message(), HasSubstr("-2"));
  EXPECT_THAT(Gamma(0.0, 1.0).Validate().message(),
              HasSubstr("'concentration' element (0, 0) = 0 must be > 0"));
  EXPECT_THAT(Gamma(std::nan(""), 1.0).Validate().message(),
              HasSubstr("'concentration'"));
  EXPECT_THAT(
      Gamma(std::numeric_limits<Real>::infinity(), 1.0).Validate().message(),
      HasSubstr("'concentration'"));
  EXPECT_THAT(
      Gamma(RealTensor(Mat({{1.0, 2.0}})), RealTensor(Mat({{1.0, 2.0, 3.0}})))
          .Validate()
          .message(),
      HasSubstr("do not broadcast"));
  EXPECT_THAT(Gamma(RealTensor(Mat({{1.0, 2.0}})), 1.0)
                  .Expand(4, 3)
                  .Validate()
                  .message(),
              HasSubstr("expanded shape 4x3"));
  EXPECT_TRUE(Gamma(2.0, 1.0).Expand(4, 3).Validate().ok());
  // Sampling or scoring a family whose shapes do not broadcast reports the
  // same error rather than reading out of bounds.
  Rng rng = MakeRng(5);
  const Gamma incompatible =
      Gamma(RealTensor(Mat({{1.0, 2.0}})), RealTensor(Mat({{1.0, 2.0, 3.0}})));
  EXPECT_THAT(CatchStatus([&] { incompatible.Sample(rng); }).message(),
              HasSubstr("do not broadcast"));
  EXPECT_THAT(CatchStatus([&] { incompatible.LogProb(Tensor(1.0)); }).message(),
              HasSubstr("do not broadcast"));
}

TEST(GammaTest, LogProbRejectsValuesOutsideTheSupport) {
  const Gamma gamma = Gamma(2.0, 1.0).Expand(2, 3);
  const absl::Status shape = CatchStatus([&] {
    gamma.LogProb(RealTensor(Mat({{1.0, 2.0}})));
  });
  EXPECT_EQ(shape.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(shape.message(), HasSubstr("Gamma: value of shape 1x2"));
  for (const double bad : {0.0, -1.0, std::nan("")}) {
    const absl::Status status =
        CatchStatus([&] { gamma.LogProb(Tensor(bad)); });
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(status.message(), HasSubstr("outside the support (0, inf)"));
  }
  SetDistributionValidation(false);
  EXPECT_TRUE(CatchStatus([&] { gamma.LogProb(Tensor(-1.0)); }).ok());
  SetDistributionValidation(true);
}

TEST(GammaTest, IsReparameterisable) {
  EXPECT_TRUE(Gamma(1.0, 1.0).has_rsample());
  EXPECT_EQ(Gamma(1.0, 1.0).support(), Support::Positive());
  EXPECT_EQ(Gamma(1.0, 1.0).Clone()->name(), "Gamma");
}

}  // namespace
}  // namespace provi
