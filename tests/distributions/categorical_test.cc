// Copyright 2026 The provi Authors.
//
// Categorical: masses against R in both parameterisations, gradients against
// finite differences, sampler frequencies, enumeration, measure-valued
// gradients against analytic derivatives, validation. Statistical checks
// follow the flake budget in statistical_testing.h.

#include "distributions/categorical.h"

#include <algorithm>
#include <cmath>
#include <limits>
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

TEST(CategoricalTest, LogProbMatchesR) {
  // Rscript -e 'p <- c(0.1,0.2,0.3,0.4); print(log(p[c(3,1)+1]), digits=17)'
  const Categorical die =
      Categorical::FromProbs(RealTensor(Mat({{0.1, 0.2, 0.3, 0.4}}))).Expand(2);
  EXPECT_EQ(die.rows(), 2);
  EXPECT_EQ(die.cols(), 1);
  EXPECT_EQ(die.num_categories(), 4);
  const Tensor lp = die.LogProb(RealTensor(Mat({{3}, {1}})));
  ASSERT_EQ(lp.rows(), 2);
  ASSERT_EQ(lp.cols(), 1);
  EXPECT_NEAR(lp(0, 0), -0.9162907318741550, DensityTolerance(0.92));
  EXPECT_NEAR(lp(1, 0), -1.6094379124341003, DensityTolerance(1.61));
}

TEST(CategoricalTest, LogProbFromLogitsMatchesR) {
  // Rscript -e 'l <- c(1.5,-0.3,0.2);
  //             print(l[c(0,2,1)+1] - log(sum(exp(l))), digits=17)'
  const Categorical die =
      Categorical::FromLogits(RealTensor(Mat({{1.5, -0.3, 0.2}}))).Expand(3);
  const Tensor lp = die.LogProb(RealTensor(Mat({{0}, {2}, {1}})));
  const double expected[] = {-0.36313550636875358, -1.66313550636875362,
                             -2.16313550636875362};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(lp(i, 0), expected[i], DensityTolerance(expected[i]));
  }
}

TEST(CategoricalTest, LogProbPerLaneParametersAndBroadcastValues) {
  // Each lane has its own probabilities; a 1x1 value is the same category
  // in every lane. Values with several columns are independent draws whose
  // log masses add up.
  const Categorical per_lane = Categorical::FromProbs(
      RealTensor(Mat({{0.5, 0.25, 0.25}, {0.1, 0.1, 0.8}})));
  const Tensor lp = per_lane.LogProb(Tensor(2));
  EXPECT_NEAR(lp(0, 0), std::log(0.25), DensityTolerance(1.4));
  EXPECT_NEAR(lp(1, 0), std::log(0.8), DensityTolerance(0.3));
  const Tensor pairs = per_lane.LogProb(RealTensor(Mat({{0, 1}, {2, 2}})));
  EXPECT_NEAR(pairs(0, 0), std::log(0.5 * 0.25), DensityTolerance(2.1));
  EXPECT_NEAR(pairs(1, 0), std::log(0.8 * 0.8), DensityTolerance(0.5));
  const Tensor from_logits =
      Categorical::FromLogits(RealTensor(Mat({{0.3, -1.0, 2.0}})))
          .LogProb(RealTensor(Mat({{0, 2}})));
  const double log_z = std::log(std::exp(0.3) + std::exp(-1.0) + std::exp(2.0));
  EXPECT_NEAR(from_logits(0, 0), 0.3 + 2.0 - 2 * log_z, DensityTolerance(2.5));
}

TEST(CategoricalTest, LogProbGradientMatchesFiniteDifferences) {
  const Eigen::MatrixXd x = Mat({{2}, {0}, {1}});
  // One-hot rows of x, for reference paths that do not gather.
  const Eigen::MatrixXd one_hot = Mat({{0, 0, 1}, {1, 0, 0}, {0, 1, 0}});
  ::provi::testing::ExpectAd(
      [&](const auto& p) {
        using U = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<U, Tensor>) {
          return Categorical::FromProbs(p).LogProb(RealTensor(x));
        } else {
          return Log(RowSum(p * U(one_hot)));
        }
      },
      Mat({{0.2, 0.5, 0.3}, {0.6, 0.1, 0.3}, {0.25, 0.25, 0.5}}));
  ::provi::testing::ExpectAd(
      [&](const auto& l) {
        using U = std::decay_t<decltype(l)>;
        if constexpr (std::is_same_v<U, Tensor>) {
          return Categorical::FromLogits(l).Expand(3).LogProb(RealTensor(x));
        } else {
          // log(e^{l_x} / Σ e^l), written without a log-sum-exp.
          const U tiled = Tile(l, 3, 1);
          return Log(RowSum(Exp(tiled) * U(one_hot))) - Log(RowSum(Exp(tiled)));
        }
      },
      Mat({{0.4, -1.2, 0.9}}));
  // Per-lane logits (one row per lane).
  ::provi::testing::ExpectAd(
      [&](const auto& l) {
        using U = std::decay_t<decltype(l)>;
        if constexpr (std::is_same_v<U, Tensor>) {
          return Categorical::FromLogits(l).LogProb(RealTensor(x));
        } else {
          return Log(RowSum(Exp(l) * U(one_hot))) - Log(RowSum(Exp(l)));
        }
      },
      Mat({{0.4, -1.2, 0.9}, {2.0, 0.1, -0.5}, {-0.3, 0.3, 1.1}}));
}

TEST(CategoricalTest, LogProbGradientIgnoresUnobservedZeroProbabilities) {
  // Category 1 has probability 0 and is not observed: the gradient must be
  // finite, 1/p for the observed category and 0 elsewhere.
  TapeScope scope;
  const Tensor probs = Variable(RealTensor(Mat({{0.4, 0.0, 0.6}})).value());
  const Tensor lp = Categorical::FromProbs(probs).LogProb(Tensor(2));
  Backward(SumAll(lp));
  EXPECT_NEAR(probs.adjoint()(0, 0), 0.0, 0.0);
  EXPECT_NEAR(probs.adjoint()(0, 1), 0.0, 0.0);
  EXPECT_NEAR(probs.adjoint()(0, 2), 1 / 0.6, 1e-5);
}

TEST(CategoricalTest, MaskedLogitHasExactlyZeroProbabilityAndGradient) {
  // A logit of -inf (a masked category) and one so low its probability
  // underflows: the softmax gives them exactly 0, not the smallest normal
  // number Eigen's vectorised exp clamps to, so the gradient of the other
  // categories' log masses is exactly 0 there too.
  TapeScope scope;
  const Real inf = std::numeric_limits<Real>::infinity();
  Matrix l(2, 4);
  l << 0.5, -inf, 1.0, -0.2,  //
      std::numeric_limits<Real>::lowest(), 0.3, 0.1, -0.4;
  const Tensor logits = Variable(l);
  const Tensor lp =
      Categorical::FromLogits(logits).LogProb(RealTensor(Mat({{2}, {1}})));
  Backward(SumAll(lp));
  EXPECT_EQ(logits.adjoint()(0, 1), 0);
  EXPECT_EQ(logits.adjoint()(1, 0), 0);
  // The others: the one-hot minus the softmax over the unmasked categories.
  const double z0 = std::exp(0.5) + std::exp(1.0) + std::exp(-0.2);
  EXPECT_NEAR(logits.adjoint()(0, 2), 1 - std::exp(1.0) / z0, 1e-5);
  EXPECT_NEAR(logits.adjoint()(0, 0), -std::exp(0.5) / z0, 1e-5);
  EXPECT_NEAR(lp(0, 0), 1.0 - std::log(z0), DensityTolerance(1));
}

// Category frequencies by a chi-square test and the mean index by a z-test,
// in both parameterisations; a category of probability 0 is never drawn.
TEST(CategoricalTest, SampleFrequencies) {
  Rng rng = MakeRng(21);
  const std::vector<double> probs = {0.05, 0.3, 0.0, 0.4, 0.25};
  const Categorical die =
      Categorical::FromProbs(RealTensor(Mat({{0.05, 0.3, 0.0, 0.4, 0.25}})))
          .Expand(1000);
  std::vector<long> counts(5, 0);
  MeanAccumulator mean;
  for (int rep = 0; rep < 20; ++rep) {
    const Tensor x = die.Sample(rng);
    EXPECT_FALSE(x.requires_grad());
    ASSERT_EQ(x.rows(), 1000);
    ASSERT_EQ(x.cols(), 1);
    for (Index i = 0; i < x.rows(); ++i) {
      ASSERT_TRUE(x(i, 0) >= 0 && x(i, 0) < 5 && x(i, 0) != 2) << x(i, 0);
      ++counts[static_cast<size_t>(x(i, 0))];
      mean.Add(x(i, 0));
    }
  }
  EXPECT_TRUE(::provi::testing::ChiSquareFits(counts, probs));
  EXPECT_MEAN_NEAR(mean, 0.3 + 3 * 0.4 + 4 * 0.25);

  // Logits far from 0 exercise the max-shift of the softmax.
  const std::vector<double> logits = {30.0, 31.0, 29.5};
  double z = 0;
  for (double l : logits) z += std::exp(l - 31.0);
  std::vector<double> softmax;
  for (double l : logits) softmax.push_back(std::exp(l - 31.0) / z);
  const Categorical from_logits =
      Categorical::FromLogits(RealTensor(Mat({{30.0, 31.0, 29.5}})))
          .Expand(1000);
  std::vector<long> logit_counts(3, 0);
  for (int rep = 0; rep < 20; ++rep) {
    const Tensor x = from_logits.Sample(rng);
    for (Index i = 0; i < x.rows(); ++i) {
      ++logit_counts[static_cast<size_t>(x(i, 0))];
    }
  }
  EXPECT_TRUE(::provi::testing::ChiSquareFits(logit_counts, softmax));
}

TEST(CategoricalTest, SampleUsesEachLanesProbabilities) {
  Rng rng = MakeRng(22);
  // Lane 0 is certain to draw 2, lane 1 draws 0 or 1 evenly.
  const Categorical per_lane = Categorical::FromProbs(
      RealTensor(Mat({{0.0, 0.0, 1.0}, {0.5, 0.5, 0.0}})));
  MeanAccumulator lane1;
  for (int rep = 0; rep < 2000; ++rep) {
    const Tensor x = per_lane.Sample(rng);
    ASSERT_EQ(x(0, 0), 2);
    ASSERT_TRUE(x(1, 0) == 0 || x(1, 0) == 1);
    lane1.Add(x(1, 0));
  }
  EXPECT_MEAN_NEAR(lane1, 0.5);
}

TEST(CategoricalTest, EnumerateSupportListsCategories) {
  const Categorical per_lane = Categorical::FromLogits(
      RealTensor(Mat({{0.3, -1.0, 2.0, 0.0}, {1.0, 1.0, -3.0, 0.5}})));
  const std::vector<Tensor> values = per_lane.EnumerateSupport();
  ASSERT_EQ(values.size(), 4u);
  std::vector<double> total(2, 0.0);
  for (size_t k = 0; k < values.size(); ++k) {
    ASSERT_EQ(values[k].rows(), 2);
    ASSERT_EQ(values[k].cols(), 1);
    EXPECT_EQ(values[k](0, 0), static_cast<Real>(k));
    EXPECT_EQ(values[k](1, 0), static_cast<Real>(k));
    const Tensor lp = per_lane.LogProb(values[k]);
    for (Index i = 0; i < 2; ++i) total[i] += std::exp(lp(i, 0));
  }
  // Each mass is within DensityTolerance of its value, relatively.
  const double tolerance =
      static_cast<double>(values.size()) * DensityTolerance(1.0);
  EXPECT_NEAR(total[0], 1.0, tolerance);
  EXPECT_NEAR(total[1], 1.0, tolerance);

  const Categorical huge =
      Categorical::FromLogits(Tensor(Matrix::Zero(1, 65537)));
  const absl::Status status = CatchStatus([&] { huge.EnumerateSupport(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("Categorical"));
  EXPECT_THAT(status.message(), HasSubstr("65536"));
}

// Σ_k mean over lanes of (p_k - Detach(p_k)) c (f(x⁺) - f(x⁻)), with f(x⁻) = 0
// for the zero measure; its gradient is the MVD estimate.
Tensor MvdSurrogate(const std::vector<MvdTerm>& terms, double (*f)(double)) {
  Tensor surrogate(0.0);
  for (const MvdTerm& term : terms) {
    EXPECT_FALSE(term.negative.has_value());
    Matrix diff(term.positive.rows(), 1);
    for (Index i = 0; i < diff.rows(); ++i) {
      diff(i, 0) = static_cast<Real>(f(term.positive(i, 0)));
    }
    surrogate = surrogate + MeanAll((term.parameter - Detach(term.parameter)) *
                                    term.constant * Tensor(diff));
  }
  return surrogate;
}

// The categorical MVD has no randomness (p⁺ is a point mass, p⁻ zero), so
// each estimate equals the analytic derivative up to rounding: the check
// is a tolerance on floating-point error, not a z-test.
double MvdTolerance(double reference) {
  return (kRealIsDouble ? 1e-12 : 1e-5) * std::max(1.0, std::abs(reference));
}

TEST(CategoricalTest, MeasureValuedDerivativesAreExact) {
  const std::vector<double (*)(double)> fs = {
      [](double k) { return k * k; }, [](double k) { return std::cos(k); },
      [](double k) { return k == 1 ? 1.0 : 0.0; }};
  const std::vector<double> p = {0.2, 0.5, 0.3};
  Rng rng = MakeRng(23);
  for (auto f : fs) {
    Parameter probs(Mat({{p[0], p[1], p[2]}}).cast<Real>());
    TapeScope scope;
    const Categorical die = Categorical::FromProbs(probs.tensor()).Expand(50);
    const Tensor x = die.Sample(rng);
    const std::vector<MvdTerm> terms = die.MvdTerms(x, rng);
    ASSERT_EQ(terms.size(), 3u);
    Backward(MvdSurrogate(terms, f));
    // ∂/∂p_k Σ_j p_j f(j) = f(k).
    for (Index k = 0; k < 3; ++k) {
      EXPECT_NEAR(probs.grad()(0, k), f(static_cast<double>(k)),
                  MvdTolerance(f(static_cast<double>(k))));
    }
  }
}

TEST(CategoricalTest, MeasureValuedDerivativesThroughSoftmaxAreExact) {
  const std::vector<double (*)(double)> fs = {
      [](double k) { return k * k; }, [](double k) { return std::cos(k); }};
  const std::vector<double> l = {0.4, -1.0, 1.3, 0.0};
  double z = 0;
  for (double v : l) z += std::exp(v);
  std::vector<double> p;
  for (double v : l) p.push_back(std::exp(v) / z);
  Rng rng = MakeRng(24);
  for (auto f : fs) {
    double mean_f = 0;
    for (size_t k = 0; k < p.size(); ++k) mean_f += p[k] * f(double(k));
    Parameter logits(Mat({{l[0], l[1], l[2], l[3]}}).cast<Real>());
    TapeScope scope;
    const Categorical die = Categorical::FromLogits(logits.tensor()).Expand(40);
    const Tensor x = die.Sample(rng);
    Backward(MvdSurrogate(die.MvdTerms(x, rng), f));
    // ∂/∂l_j E f = p_j (f(j) - E f).
    for (Index j = 0; j < 4; ++j) {
      const double expected =
          p[static_cast<size_t>(j)] * (f(double(j)) - mean_f);
      EXPECT_NEAR(logits.grad()(0, j), expected, MvdTolerance(expected));
    }
  }
}

TEST(CategoricalTest, MvdTermsForceEachCategory) {
  Rng rng = MakeRng(25);
  const Categorical die =
      Categorical::FromProbs(RealTensor(Mat({{0.2, 0.3, 0.5}}))).Expand(4);
  const Tensor x = die.Sample(rng);
  const std::vector<MvdTerm> terms = die.MvdTerms(x, rng);
  ASSERT_EQ(terms.size(), 3u);
  const Real p[] = {Real(0.2), Real(0.3), Real(0.5)};
  for (Index k = 0; k < 3; ++k) {
    const MvdTerm& term = terms[static_cast<size_t>(k)];
    ASSERT_EQ(term.parameter.rows(), 4);
    ASSERT_EQ(term.positive.rows(), 4);
    ASSERT_EQ(term.positive.cols(), 1);
    EXPECT_FALSE(term.negative.has_value());
    for (Index i = 0; i < 4; ++i) {
      EXPECT_EQ(term.parameter(i, 0), p[k]);
      EXPECT_EQ(term.constant(i, 0), 1);
      EXPECT_EQ(term.positive(i, 0), static_cast<Real>(k));
    }
  }
}

TEST(CategoricalTest, ValidateNamesTheParameterAndValue) {
  const absl::Status unnormalised =
      Categorical::FromProbs(RealTensor(Mat({{0.2, 0.3, 0.4}}))).Validate();
  EXPECT_EQ(unnormalised.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unnormalised.message(), HasSubstr("Categorical"));
  EXPECT_THAT(unnormalised.message(), HasSubstr("'probs'"));
  EXPECT_THAT(unnormalised.message(), HasSubstr("sums to 0.9"));
  const absl::Status negative =
      Categorical::FromProbs(RealTensor(Mat({{0.5, 0.5}, {1.2, -0.2}})))
          .Validate();
  EXPECT_THAT(negative.message(), HasSubstr("element (1, 0) = 1.2"));
  const absl::Status bad_logits =
      Categorical::FromLogits(RealTensor(Mat({{0.0, std::nan("")}})))
          .Validate();
  EXPECT_THAT(bad_logits.message(), HasSubstr("'logits'"));
  EXPECT_THAT(bad_logits.message(), HasSubstr("nan"));
  EXPECT_THAT(
      Categorical::FromLogits(Tensor(Matrix(1, 0))).Validate().message(),
      HasSubstr("no categories"));
  EXPECT_THAT(Categorical::FromLogits(RealTensor(Mat({{0.0, 1.0}, {1.0, 0.0}})))
                  .Expand(3)
                  .Validate()
                  .message(),
              HasSubstr("expanded shape 3x2"));
  EXPECT_TRUE(Categorical::FromLogits(RealTensor(Mat({{0.0, 1.0}})))
                  .Expand(3)
                  .Validate()
                  .ok());

  // The tolerance on the row sum is √ε K: a row normalised in Real passes
  // however it was rounded, one off by more does not.
  const int k = 1000;
  Matrix rounded = Matrix::Constant(1, k, Real(1) / k);
  EXPECT_TRUE(Categorical::FromProbs(Tensor(rounded)).Validate().ok());
  const double tolerance = std::sqrt(kRealEpsilon) * k;
  Matrix off = rounded;
  off(0, 0) += static_cast<Real>(2 * tolerance);
  EXPECT_THAT(Categorical::FromProbs(Tensor(off)).Validate().message(),
              HasSubstr("not 1"));
}

TEST(CategoricalTest, LogProbRejectsValuesOutsideTheSupport) {
  const Categorical die =
      Categorical::FromProbs(RealTensor(Mat({{0.25, 0.25, 0.25, 0.25}})))
          .Expand(2);
  for (double bad : {4.0, 1.5, -1.0, std::nan("")}) {
    const absl::Status status = CatchStatus([&] { die.LogProb(Tensor(bad)); });
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(status.message(), HasSubstr("Categorical: value"));
    EXPECT_THAT(status.message(), HasSubstr("{0, ..., 3}"));
  }
  // With validation off an index outside the categories is still an error
  // (it would index out of range), not a crash.
  SetDistributionValidation(false);
  const absl::Status unchecked = CatchStatus([&] { die.LogProb(Tensor(7)); });
  SetDistributionValidation(true);
  EXPECT_THAT(unchecked.message(), HasSubstr("is not a category"));
  EXPECT_THAT(CatchStatus([&] {
                die.LogProb(RealTensor(Mat({{1}, {2}, {3}})));
              }).message(),
              HasSubstr("Categorical: value of shape 3x1"));
}

}  // namespace
}  // namespace provi
