// Copyright 2026 The provi Authors.
//
// Normal: densities against R, sampler moments, pathwise and
// measure-valued gradients against analytic derivatives, validation.
// Statistical checks follow the flake budget in statistical_testing.h.

#include "distributions/normal.h"

#include <cmath>
#include <limits>
#include <memory>
#include <vector>

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

TEST(NormalTest, LogProbMatchesR) {
  // Rscript -e 'print(dnorm(c(0.3,-1.2,2.5), c(0.1,0,1), c(1,0.5,2),
  //                         log=TRUE), digits=17)'
  const Normal normal(RealTensor(Mat({{0.1}, {0.0}, {1.0}})),
                      RealTensor(Mat({{1.0}, {0.5}, {2.0}})));
  const Tensor lp = normal.LogProb(RealTensor(Mat({{0.3}, {-1.2}, {2.5}})));
  ASSERT_EQ(lp.rows(), 3);
  ASSERT_EQ(lp.cols(), 1);
  const double expected[] = {-0.9389385332046728, -3.1057913526447272,
                             -1.8933357137646181};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(lp(i, 0), expected[i], DensityTolerance(expected[i]));
  }
}

TEST(NormalTest, LogProbSumsTheEventAndBroadcasts) {
  // A scalar normal expanded to 2 lanes x 3 components: each lane sums its
  // three log densities. Rscript -e 'print(sum(dnorm(c(0.3,-1.2,2.5), 0.5,
  //                                    1.5, log=TRUE)), digits=17)'
  const Normal normal = Normal(0.5, 1.5).Expand(2, 3);
  EXPECT_EQ(normal.rows(), 2);
  EXPECT_EQ(normal.cols(), 3);
  const Tensor lp = normal.LogProb(RealTensor(Mat({{0.3, -1.2, 2.5}})));
  ASSERT_EQ(lp.rows(), 2);
  const double expected = -5.5132109239385114;
  EXPECT_NEAR(lp(0, 0), expected, DensityTolerance(expected));
  EXPECT_NEAR(lp(1, 0), expected, DensityTolerance(expected));
}

TEST(NormalTest, LogProbGradientMatchesFiniteDifferences) {
  ::provi::testing::ExpectAd(
      [](const auto& x, const auto& loc, const auto& scale) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Tensor>) {
          return Normal(loc, scale).LogProb(x);
        } else {
          // The reference path: the same formula on double tensors.
          const auto z = (x - loc) / scale;
          return RowSum(Square(z) * -0.5 - Log(scale) - 0.91893853320467274178);
        }
      },
      Mat({{0.3, -1.2}, {2.5, 0.1}}), Mat({{0.1, 0.0}}), Mat({{1.0}, {2.0}}));
}

// Operands that are 1x1 or of the full shape take the fused one-node path
// (distributions/internal/fused_density.h); each mix has its own gradient.
TEST(NormalTest, FusedLogProbGradientMatchesFiniteDifferences) {
  const auto log_prob = [](const auto& x, const auto& loc, const auto& scale) {
    using T = std::decay_t<decltype(x)>;
    if constexpr (std::is_same_v<T, Tensor>) {
      return Normal(loc, scale).LogProb(x);
    } else {
      const auto z = (x - loc) / scale;
      return RowSum(
          BroadcastTo(Square(z) * -0.5 - Log(scale) - 0.91893853320467274178,
                      x.rows(), x.cols()));
    }
  };
  const Eigen::MatrixXd x = Mat({{0.3, -1.2}, {2.5, 0.1}});
  ::provi::testing::ExpectAd(log_prob, x, Mat({{0.1, 0.0}, {1.0, -0.4}}),
                             Mat({{1.0, 0.7}, {2.0, 1.3}}));
  ::provi::testing::ExpectAd(log_prob, x, Mat({{0.2}}),
                             Mat({{1.0, 0.7}, {2.0, 1.3}}));
  ::provi::testing::ExpectAd(log_prob, x, Mat({{0.1, 0.0}, {1.0, -0.4}}),
                             Mat({{1.5}}));
  ::provi::testing::ExpectAd(log_prob, Mat({{0.4}}), Mat({{0.2}}),
                             Mat({{1.5}}));
}

TEST(NormalTest, SampleMoments) {
  Rng rng = MakeRng(1);
  const Normal normal = Normal(1.5, 2.0).Expand(1000, 1);
  MeanAccumulator acc;
  for (int rep = 0; rep < 50; ++rep) {
    const Tensor x = normal.Sample(rng);
    EXPECT_FALSE(x.requires_grad());
    for (Index i = 0; i < x.rows(); ++i) acc.Add(x(i, 0));
  }
  EXPECT_MEAN_NEAR(acc, 1.5);
  // Normal: variance σ² = 4, fourth central moment 3σ⁴ = 48.
  EXPECT_TRUE(::provi::testing::VarianceNear(acc, 4.0, 48.0));
}

// d/dθ E[x²] for x ~ N(μ, σ²): E[x²] = μ² + σ², so the gradient is
// (2μ, 2σ). Each gradient estimate averages 1,000 lanes.
TEST(NormalTest, PathwiseGradientIsUnbiased) {
  Rng rng = MakeRng(2);
  Parameter mu(Matrix::Constant(1, 1, 0.7));
  Parameter sigma(Matrix::Constant(1, 1, 1.3));
  MeanAccumulator d_mu, d_sigma;
  for (int rep = 0; rep < 200; ++rep) {
    TapeScope scope;
    mu.ZeroGrad();
    sigma.ZeroGrad();
    const Tensor x =
        Normal(mu.tensor(), sigma.tensor()).Expand(1000, 1).RSample(rng);
    Backward(MeanAll(Square(x)));
    d_mu.Add(mu.grad()(0, 0));
    d_sigma.Add(sigma.grad()(0, 0));
  }
  EXPECT_MEAN_NEAR(d_mu, 2 * 0.7);
  EXPECT_MEAN_NEAR(d_sigma, 2 * 1.3);
}

TEST(NormalTest, WithDetachedParametersDifferentiatesInTheValueOnly) {
  Parameter mu(Matrix::Constant(1, 1, 0.7));
  Parameter sigma(Matrix::Constant(1, 1, 1.3));
  Parameter value((Matrix(3, 1) << -0.4, 0.2, 2.5).finished());
  TapeScope scope;
  const Normal normal = Normal(mu.tensor(), sigma.tensor()).Expand(3, 1);
  const std::shared_ptr<const Distribution> fixed =
      normal.WithDetachedParameters();
  ASSERT_NE(fixed, nullptr);
  EXPECT_EQ(fixed->rows(), 3);
  const Tensor log_p = normal.LogProb(value.tensor());
  const Tensor log_p_fixed = fixed->LogProb(value.tensor());
  for (Index i = 0; i < 3; ++i) {
    EXPECT_EQ(log_p_fixed.value()(i, 0), log_p.value()(i, 0));
  }
  Backward(SumAll(log_p_fixed));
  EXPECT_EQ(mu.grad()(0, 0), 0);
  EXPECT_EQ(sigma.grad()(0, 0), 0);
  // d/dx log N(x; μ, σ) = -(x - μ) / σ².
  for (Index i = 0; i < 3; ++i) {
    EXPECT_NEAR(value.grad()(i, 0), -(value.value()(i, 0) - 0.7) / (1.3 * 1.3),
                1e-5);
  }
}

// The MVD estimate of d/dθ E[f(x)] from the couplings, for several f.
TEST(NormalTest, MeasureValuedDerivativesAreUnbiased) {
  struct Case {
    double (*f)(double);
    double d_mu;     // analytic d/dμ E[f]
    double d_sigma;  // analytic d/dσ E[f]
  };
  const double mu = 0.4, sigma = 1.5;
  // E[x²] = μ² + σ²; E[x³] = μ³ + 3μσ²; E[cos x] = cos μ e^{-σ²/2}.
  const std::vector<Case> cases = {
      {[](double x) { return x * x; }, 2 * mu, 2 * sigma},
      {[](double x) { return x * x * x; }, 3 * mu * mu + 3 * sigma * sigma,
       6 * mu * sigma},
      {[](double x) { return std::cos(x); },
       -std::sin(mu) * std::exp(-sigma * sigma / 2),
       -sigma * std::cos(mu) * std::exp(-sigma * sigma / 2)},
  };
  Rng rng = MakeRng(3);
  for (const Case& c : cases) {
    Parameter loc(Matrix::Constant(1, 1, mu));
    Parameter scale(Matrix::Constant(1, 1, sigma));
    MeanAccumulator d_mu, d_sigma;
    for (int rep = 0; rep < 400; ++rep) {
      TapeScope scope;
      loc.ZeroGrad();
      scale.ZeroGrad();
      const Normal normal = Normal(loc.tensor(), scale.tensor()).Expand(500, 1);
      const Tensor x = normal.Sample(rng);
      const std::vector<MvdTerm> terms = normal.MvdTerms(x, rng);
      ASSERT_EQ(terms.size(), 2u);
      Tensor surrogate(0.0);
      for (const MvdTerm& term : terms) {
        ASSERT_TRUE(term.negative.has_value());
        Matrix diff(x.rows(), 1);
        for (Index i = 0; i < x.rows(); ++i) {
          diff(i, 0) = static_cast<Real>(c.f(term.positive(i, 0)) -
                                         c.f((*term.negative)(i, 0)));
        }
        surrogate =
            surrogate + MeanAll((term.parameter - Detach(term.parameter)) *
                                term.constant * Tensor(diff));
      }
      Backward(surrogate);
      d_mu.Add(loc.grad()(0, 0));
      d_sigma.Add(scale.grad()(0, 0));
    }
    EXPECT_MEAN_NEAR(d_mu, c.d_mu);
    EXPECT_MEAN_NEAR(d_sigma, c.d_sigma);
  }
}

TEST(NormalTest, MvdTermsReplaceOneColumnAtATime) {
  Rng rng = MakeRng(4);
  const Normal normal = Normal(0.0, 1.0).Expand(3, 2);
  const Tensor x = normal.Sample(rng);
  const std::vector<MvdTerm> terms = normal.MvdTerms(x, rng);
  ASSERT_EQ(terms.size(), 4u);  // (loc, scale) x 2 columns
  for (size_t t = 0; t < terms.size(); ++t) {
    const Index column = static_cast<Index>(t / 2);
    const Index other = 1 - column;
    EXPECT_EQ(terms[t].parameter.rows(), 3);
    EXPECT_EQ(terms[t].parameter.cols(), 1);
    for (Index i = 0; i < 3; ++i) {
      EXPECT_EQ(terms[t].positive(i, other), x(i, other));
      EXPECT_EQ((*terms[t].negative)(i, other), x(i, other));
    }
  }
}

// An infinite scale in float is most often an overflow (exp of a large
// argument): the error says so and points to double precision; in double
// it is reported as it is.
TEST(NormalTest, InfiniteParameterInFloatPointsToDouble) {
  const absl::Status status =
      Normal(0.0, std::numeric_limits<double>::infinity()).Validate();
  EXPECT_THAT(status.message(), HasSubstr("'scale'"));
  if (sizeof(Real) == sizeof(float)) {
    EXPECT_THAT(status.message(), HasSubstr("--config=f64"));
  } else {
    EXPECT_THAT(status.message(), ::testing::Not(HasSubstr("--config=f64")));
  }
}

TEST(NormalTest, ValidateNamesTheParameterAndValue) {
  const absl::Status bad_scale =
      Normal(0.0, RealTensor(Mat({{1.0, -2.0}}))).Validate();
  EXPECT_EQ(bad_scale.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_scale.message(), HasSubstr("Normal"));
  EXPECT_THAT(bad_scale.message(), HasSubstr("'scale'"));
  EXPECT_THAT(bad_scale.message(), HasSubstr("-2"));
  EXPECT_THAT(Normal(std::nan(""), 1.0).Validate().message(),
              HasSubstr("'loc'"));
  const absl::Status shapes =
      Normal(RealTensor(Mat({{1.0, 2.0}})), RealTensor(Mat({{1.0, 2.0, 3.0}})))
          .Validate();
  EXPECT_THAT(shapes.message(), HasSubstr("do not broadcast"));
  EXPECT_THAT(Normal(RealTensor(Mat({{1.0, 2.0}})), 1.0)
                  .Expand(4, 3)
                  .Validate()
                  .message(),
              HasSubstr("expanded shape 4x3"));
  EXPECT_TRUE(Normal(0.0, 1.0).Expand(4, 3).Validate().ok());
  // Parameters may broadcast against each other like an outer product; a
  // value of any broadcastable shape then works.
  const Normal outer(RealTensor(Mat({{1.0, 2.0}})),
                     RealTensor(Mat({{1.0}, {2.0}, {3.0}})));
  EXPECT_TRUE(outer.Validate().ok());
  EXPECT_EQ(outer.rows(), 3);
  EXPECT_EQ(outer.cols(), 2);
  EXPECT_EQ(outer.LogProb(Tensor(0.5)).rows(), 3);
}

TEST(NormalTest, LogProbRejectsBadValues) {
  const Normal normal = Normal(0.0, 1.0).Expand(2, 3);
  const absl::Status shape = CatchStatus([&] {
    normal.LogProb(RealTensor(Mat({{1.0, 2.0}})));
  });
  EXPECT_THAT(shape.message(), HasSubstr("Normal: value of shape 1x2"));
  const absl::Status nan =
      CatchStatus([&] { normal.LogProb(Tensor(std::nan(""))); });
  EXPECT_THAT(nan.message(), HasSubstr("outside the support"));
  SetDistributionValidation(false);
  EXPECT_TRUE(CatchStatus([&] { normal.LogProb(Tensor(std::nan(""))); }).ok());
  SetDistributionValidation(true);
}

}  // namespace
}  // namespace provi
