// Copyright 2026 The provi Authors.
//
// OneHotCategorical: masses against hand-computed values in both
// parameterisations, masses and gradients equal to Categorical's at the same
// categories (whose gradients categorical_test checks against finite
// differences), sampler frequencies and the same draws as Categorical's
// sampler, enumeration, measure-valued gradients against analytic
// derivatives, validation and the errors for values that are not one-hot
// rows. Statistical checks follow the flake budget in
// statistical_testing.h.

#include "distributions/one_hot_categorical.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <memory_resource>
#include <utility>
#include <vector>

#include "ad/ops.h"
#include "ad/tape.h"
#include "base/random.h"
#include "base/status_error.h"
#include "distributions/categorical.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/expect_ad.h"
#include "tests/testing/statistical_testing.h"

namespace provi {
namespace {

using ::provi::testing::DensityTolerance;
using ::provi::testing::Mat;
using ::provi::testing::RealTensor;
using ::testing::HasSubstr;

// The category of each row of a one-hot value, checking that it is one.
std::vector<Index> Categories(const Tensor& x) {
  std::vector<Index> out;
  for (Index i = 0; i < x.rows(); ++i) {
    Index ones = 0;
    Index k = -1;
    for (Index j = 0; j < x.cols(); ++j) {
      EXPECT_TRUE(x(i, j) == 0 || x(i, j) == 1) << x(i, j);
      if (x(i, j) == 1) {
        ++ones;
        k = j;
      }
    }
    EXPECT_EQ(ones, 1) << "row " << i;
    out.push_back(k);
  }
  return out;
}

TEST(OneHotCategoricalTest, LogProbMatchesHandComputedValues) {
  // log p = Σ_k x_k log p_k: log 0.4 = -0.916290731874155 and
  // log 0.2 = -1.6094379124341003.
  const OneHotCategorical die =
      OneHotCategorical::FromProbs(RealTensor(Mat({{0.1, 0.2, 0.3, 0.4}})))
          .Expand(2);
  EXPECT_EQ(die.name(), "OneHotCategorical");
  EXPECT_EQ(die.rows(), 2);
  EXPECT_EQ(die.cols(), 4);
  EXPECT_EQ(die.num_categories(), 4);
  EXPECT_FALSE(die.is_logits());
  EXPECT_EQ(die.support().kind(), Support::Kind::kOneHot);
  const Tensor lp = die.LogProb(RealTensor(Mat({{0, 0, 0, 1}, {0, 1, 0, 0}})));
  ASSERT_EQ(lp.rows(), 2);
  ASSERT_EQ(lp.cols(), 1);
  EXPECT_NEAR(lp(0, 0), -0.916290731874155, DensityTolerance(0.92));
  EXPECT_NEAR(lp(1, 0), -1.6094379124341003, DensityTolerance(1.61));

  // From logits l = (1.5, -0.3, 0.2): l_k - log Σ e^l, log Σ e^l =
  // 1.8631355063687536.
  const OneHotCategorical from_logits =
      OneHotCategorical::FromLogits(RealTensor(Mat({{1.5, -0.3, 0.2}})))
          .Expand(3);
  EXPECT_TRUE(from_logits.is_logits());
  const Tensor lp_logits =
      from_logits.LogProb(RealTensor(Mat({{1, 0, 0}, {0, 0, 1}, {0, 1, 0}})));
  const double expected[] = {-0.36313550636875358, -1.66313550636875362,
                             -2.16313550636875362};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(lp_logits(i, 0), expected[i], DensityTolerance(expected[i]));
  }
}

TEST(OneHotCategoricalTest, LogProbPerLaneParametersAndASharedRow) {
  // Each lane has its own probabilities; a 1 x K value is the same row in
  // every lane.
  const OneHotCategorical per_lane = OneHotCategorical::FromProbs(
      RealTensor(Mat({{0.5, 0.25, 0.25}, {0.1, 0.1, 0.8}})));
  const Tensor lp = per_lane.LogProb(RealTensor(Mat({{0, 0, 1}})));
  ASSERT_EQ(lp.rows(), 2);
  EXPECT_NEAR(lp(0, 0), std::log(0.25), DensityTolerance(1.4));
  EXPECT_NEAR(lp(1, 0), std::log(0.8), DensityTolerance(0.3));
  // A 1 x K distribution against R rows of values: R lanes.
  const Tensor lanes =
      OneHotCategorical::FromProbs(RealTensor(Mat({{0.5, 0.25, 0.25}})))
          .LogProb(RealTensor(Mat({{1, 0, 0}, {0, 1, 0}, {0, 0, 1}})));
  ASSERT_EQ(lanes.rows(), 3);
  EXPECT_NEAR(lanes(0, 0), std::log(0.5), DensityTolerance(0.7));
  EXPECT_NEAR(lanes(2, 0), std::log(0.25), DensityTolerance(1.4));
}

TEST(OneHotCategoricalTest, LogProbAndGradientAreCategoricalsAtTheIndex) {
  // The same log masses and gradients as Categorical at each row's index,
  // in both parameterisations.
  const Eigen::MatrixXd index = Mat({{2}, {0}, {1}, {2}});
  const Eigen::MatrixXd one_hot =
      Mat({{0, 0, 1}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}});
  const Matrix logits = Mat({{0.4, -1.2, 0.9},
                             {2.0, 0.1, -0.5},
                             {-0.3, 0.3, 1.1},
                             {0.0, 0.0, 0.0}})
                            .cast<Real>();
  for (const bool is_logits : {true, false}) {
    Matrix param = logits;
    if (!is_logits) {
      for (Index i = 0; i < 4; ++i) {
        param.row(i) = param.row(i).array().exp();
        param.row(i) /= param.row(i).sum();
      }
    }
    Matrix grads[2];
    Matrix values[2];
    for (int one = 0; one < 2; ++one) {
      Parameter p(param);
      TapeScope scope;
      const Tensor lp =
          one == 1 ? (is_logits ? OneHotCategorical::FromLogits(p.tensor())
                                : OneHotCategorical::FromProbs(p.tensor()))
                         .LogProb(RealTensor(one_hot))
                   : (is_logits ? Categorical::FromLogits(p.tensor())
                                : Categorical::FromProbs(p.tensor()))
                         .LogProb(RealTensor(index));
      values[one] = lp.value();
      Backward(SumAll(lp));
      grads[one] = p.grad();
    }
    EXPECT_EQ(values[0], values[1]) << is_logits;
    EXPECT_EQ(grads[0], grads[1]) << is_logits;
    EXPECT_NE(grads[0].norm(), 0);
  }
}

TEST(OneHotCategoricalTest, UnobservedZeroProbabilitiesPassNoNaN) {
  // Category 1 has probability 0 and is not drawn: the gradient is 1/p for
  // the drawn category and exactly 0 elsewhere.
  TapeScope scope;
  const Tensor probs = Variable(RealTensor(Mat({{0.4, 0.0, 0.6}})).value());
  const Tensor lp =
      OneHotCategorical::FromProbs(probs).LogProb(RealTensor(Mat({{0, 0, 1}})));
  Backward(SumAll(lp));
  EXPECT_EQ(probs.adjoint()(0, 0), 0);
  EXPECT_EQ(probs.adjoint()(0, 1), 0);
  EXPECT_NEAR(probs.adjoint()(0, 2), 1 / 0.6, 1e-5);
}

// Category frequencies by a chi-square test; a category of probability 0
// is never drawn; every row is one-hot.
TEST(OneHotCategoricalTest, SampleFrequencies) {
  Rng rng = MakeRng(31);
  const std::vector<double> probs = {0.05, 0.3, 0.0, 0.4, 0.25};
  const OneHotCategorical die =
      OneHotCategorical::FromProbs(
          RealTensor(Mat({{0.05, 0.3, 0.0, 0.4, 0.25}})))
          .Expand(1000);
  std::vector<long> counts(5, 0);
  for (int rep = 0; rep < 20; ++rep) {
    const Tensor x = die.Sample(rng);
    EXPECT_FALSE(x.requires_grad());
    ASSERT_EQ(x.rows(), 1000);
    ASSERT_EQ(x.cols(), 5);
    for (Index k : Categories(x)) {
      ASSERT_NE(k, 2);
      ++counts[static_cast<size_t>(k)];
    }
  }
  EXPECT_TRUE(::provi::testing::ChiSquareFits(counts, probs));
}

TEST(OneHotCategoricalTest, SampleDrawsCategoricalsCategoriesFromTheSameSeed) {
  // Per-lane parameters, in both parameterisations (logits far from 0
  // exercise the sampler's max-shift): the same generator state gives the
  // categories Categorical's sampler draws, whose frequencies
  // categorical_test checks.
  const Tensor probs = RealTensor(Mat(
      {{0.0, 0.0, 1.0}, {0.5, 0.5, 0.0}, {0.2, 0.3, 0.5}, {0.7, 0.1, 0.2}}));
  const Tensor logits = RealTensor(Mat({{30.0, 31.0, 29.5}}));
  const std::pair<OneHotCategorical, Categorical> pairs[] = {
      {OneHotCategorical::FromProbs(probs), Categorical::FromProbs(probs)},
      {OneHotCategorical::FromLogits(logits).Expand(4),
       Categorical::FromLogits(logits).Expand(4)}};
  for (const auto& [one_hot, categorical] : pairs) {
    Rng a = MakeRng(32);
    Rng b = MakeRng(32);
    for (int rep = 0; rep < 200; ++rep) {
      const std::vector<Index> k = Categories(one_hot.Sample(a));
      const Tensor index = categorical.Sample(b);
      for (Index i = 0; i < 4; ++i) {
        ASSERT_EQ(static_cast<Real>(k[static_cast<size_t>(i)]), index(i, 0));
      }
    }
  }
}

TEST(OneHotCategoricalTest, EnumerateSupportListsTheOneHotRows) {
  const OneHotCategorical per_lane = OneHotCategorical::FromLogits(
      RealTensor(Mat({{0.3, -1.0, 2.0, 0.0}, {1.0, 1.0, -3.0, 0.5}})));
  EXPECT_TRUE(per_lane.has_enumerate_support());
  const std::vector<Tensor> values = per_lane.EnumerateSupport();
  ASSERT_EQ(values.size(), 4u);
  std::vector<double> total(2, 0.0);
  for (size_t k = 0; k < values.size(); ++k) {
    ASSERT_EQ(values[k].rows(), 2);
    ASSERT_EQ(values[k].cols(), 4);
    EXPECT_FALSE(values[k].requires_grad());
    for (Index i = 0; i < 2; ++i) {
      for (Index j = 0; j < 4; ++j) {
        EXPECT_EQ(values[k](i, j), static_cast<Index>(k) == j ? 1 : 0);
      }
    }
    const Tensor lp = per_lane.LogProb(values[k]);
    for (Index i = 0; i < 2; ++i) total[i] += std::exp(lp(i, 0));
  }
  const double tolerance =
      static_cast<double>(values.size()) * DensityTolerance(1.0);
  EXPECT_NEAR(total[0], 1.0, tolerance);
  EXPECT_NEAR(total[1], 1.0, tolerance);

  // K values of lanes x K elements each: too many values, or too many
  // elements, is a Status rather than an allocation.
  for (const auto& [lanes, k] : {std::pair<Index, Index>{1, 65537},
                                 std::pair<Index, Index>{1000, 1000}}) {
    const OneHotCategorical huge =
        OneHotCategorical::FromLogits(Tensor(Matrix::Zero(1, k))).Expand(lanes);
    const absl::Status status = CatchStatus([&] { huge.EnumerateSupport(); });
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr("OneHotCategorical"));
    EXPECT_THAT(status.message(), HasSubstr("cannot enumerate"));
  }
}

// Σ_k mean over lanes of (p_k - Detach(p_k)) c f(x⁺), f(x⁻) = 0 for the
// zero measure; its gradient is the MVD estimate. `f` maps a category to
// the cost of its one-hot row.
Tensor MvdSurrogate(const std::vector<MvdTerm>& terms, double (*f)(double)) {
  Tensor surrogate(0.0);
  for (const MvdTerm& term : terms) {
    EXPECT_FALSE(term.negative.has_value());
    const std::vector<Index> k = Categories(term.positive);
    Matrix cost(term.positive.rows(), 1);
    for (Index i = 0; i < cost.rows(); ++i) {
      cost(i, 0) = static_cast<Real>(f(double(k[static_cast<size_t>(i)])));
    }
    surrogate = surrogate + MeanAll((term.parameter - Detach(term.parameter)) *
                                    term.constant * Tensor(cost));
  }
  return surrogate;
}

// No randomness (p⁺ is a point mass, p⁻ zero): a rounding tolerance.
double MvdTolerance(double reference) {
  return (kRealIsDouble ? 1e-12 : 1e-5) * std::max(1.0, std::abs(reference));
}

TEST(OneHotCategoricalTest, MeasureValuedDerivativesAreExact) {
  const std::vector<double (*)(double)> fs = {
      [](double k) { return k * k; }, [](double k) { return std::cos(k); }};
  const std::vector<double> p = {0.2, 0.5, 0.3};
  Rng rng = MakeRng(33);
  for (auto f : fs) {
    Parameter probs(Mat({{p[0], p[1], p[2]}}).cast<Real>());
    TapeScope scope;
    const OneHotCategorical die =
        OneHotCategorical::FromProbs(probs.tensor()).Expand(50);
    EXPECT_TRUE(die.has_mvd());
    const std::vector<MvdTerm> terms = die.MvdTerms(die.Sample(rng), rng);
    ASSERT_EQ(terms.size(), 3u);
    for (size_t k = 0; k < 3; ++k) {
      ASSERT_EQ(terms[k].parameter.rows(), 50);
      ASSERT_EQ(terms[k].positive.rows(), 50);
      ASSERT_EQ(terms[k].positive.cols(), 3);
      EXPECT_EQ(terms[k].constant(0, 0), 1);
      EXPECT_EQ(terms[k].parameter(7, 0), static_cast<Real>(p[k]));
    }
    Backward(MvdSurrogate(terms, f));
    // ∂/∂p_k Σ_j p_j f(e_j) = f(e_k).
    for (Index k = 0; k < 3; ++k) {
      EXPECT_NEAR(probs.grad()(0, k), f(double(k)), MvdTolerance(f(double(k))));
    }
  }
  // Through logits: ∂/∂l_j E f = p_j (f(j) - E f).
  const std::vector<double> l = {0.4, -1.0, 1.3, 0.0};
  double z = 0;
  for (double v : l) z += std::exp(v);
  for (auto f : fs) {
    double mean_f = 0;
    for (size_t k = 0; k < l.size(); ++k) {
      mean_f += std::exp(l[k]) / z * f(double(k));
    }
    Parameter logits(Mat({{l[0], l[1], l[2], l[3]}}).cast<Real>());
    TapeScope scope;
    const OneHotCategorical die =
        OneHotCategorical::FromLogits(logits.tensor()).Expand(40);
    Backward(MvdSurrogate(die.MvdTerms(die.Sample(rng), rng), f));
    for (Index j = 0; j < 4; ++j) {
      const double expected =
          std::exp(l[static_cast<size_t>(j)]) / z * (f(double(j)) - mean_f);
      EXPECT_NEAR(logits.grad()(0, j), expected, MvdTolerance(expected));
    }
  }
}

TEST(OneHotCategoricalTest, ValidateNamesTheFamilyAndParameter) {
  const absl::Status unnormalised =
      OneHotCategorical::FromProbs(RealTensor(Mat({{0.2, 0.3, 0.4}})))
          .Validate();
  EXPECT_EQ(unnormalised.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unnormalised.message(),
              HasSubstr("OneHotCategorical: parameter 'probs'"));
  EXPECT_THAT(unnormalised.message(), HasSubstr("sums to 0.9"));
  EXPECT_THAT(
      OneHotCategorical::FromProbs(RealTensor(Mat({{0.5, 0.5}, {1.2, -0.2}})))
          .Validate()
          .message(),
      HasSubstr("element (1, 0) = 1.2"));
  const absl::Status bad_logits =
      OneHotCategorical::FromLogits(RealTensor(Mat({{0.0, std::nan("")}})))
          .Validate();
  EXPECT_THAT(bad_logits.message(),
              HasSubstr("OneHotCategorical: parameter 'logits'"));
  EXPECT_THAT(bad_logits.message(), HasSubstr("nan"));
  EXPECT_THAT(
      OneHotCategorical::FromLogits(Tensor(Matrix(1, 0))).Validate().message(),
      HasSubstr("no categories"));
  EXPECT_THAT(
      OneHotCategorical::FromLogits(RealTensor(Mat({{0.0, 1.0}, {1.0, 0.0}})))
          .Expand(3)
          .Validate()
          .message(),
      HasSubstr("OneHotCategorical: parameter shapes logits 2x2 do not "
                "broadcast to the expanded shape 3x2"));
  EXPECT_TRUE(OneHotCategorical::FromLogits(RealTensor(Mat({{0.0, 1.0}})))
                  .Expand(3)
                  .Validate()
                  .ok());
  // A sampler asked for a draw of parameters that do not broadcast reports
  // Validate()'s error.
  Rng rng = MakeRng(34);
  EXPECT_THAT(
      CatchStatus([&] {
        OneHotCategorical::FromLogits(RealTensor(Mat({{0.0, 1.0}, {1.0, 0.0}})))
            .Expand(3)
            .Sample(rng);
      }).message(),
      HasSubstr("expanded shape 3x2"));
}

TEST(OneHotCategoricalTest, LogProbRejectsRowsThatAreNotOneHot) {
  const OneHotCategorical die =
      OneHotCategorical::FromProbs(RealTensor(Mat({{0.25, 0.25, 0.5}})))
          .Expand(2);
  const Eigen::MatrixXd bad[] = {
      Mat({{0, 1, 0}, {0, 1, 1}}), Mat({{0, 1, 0}, {0, 0, 0}}),
      Mat({{0, 1, 0}, {0, 0.5, 0.5}}), Mat({{0, 1, 0}, {std::nan(""), 1, 0}})};
  // Checked with and without distribution validation: such a row has no
  // category to read.
  for (const bool validate : {true, false}) {
    SetDistributionValidation(validate);
    for (const Eigen::MatrixXd& value : bad) {
      const absl::Status status =
          CatchStatus([&] { die.LogProb(RealTensor(value)); });
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << value;
      EXPECT_THAT(status.message(),
                  HasSubstr("OneHotCategorical: value row 1 is not one-hot"))
          << value;
    }
  }
  SetDistributionValidation(true);
  // The columns are the categories; the rows broadcast as lanes.
  for (const Eigen::MatrixXd& value :
       {Mat({{1}, {0}}), Mat({{1, 0, 0, 0}}),
        Mat({{1, 0, 0}, {0, 1, 0}, {0, 0, 1}})}) {
    const absl::Status status =
        CatchStatus([&] { die.LogProb(RealTensor(value)); });
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << value;
    EXPECT_THAT(status.message(),
                HasSubstr("OneHotCategorical: value of shape"))
        << value;
    EXPECT_THAT(status.message(), HasSubstr("distribution's shape 2x3"))
        << value;
  }
}

TEST(OneHotCategoricalTest, CopiesAndExpandedRows) {
  const OneHotCategorical die =
      OneHotCategorical::FromLogits(RealTensor(Mat({{0.1, 0.2, 0.3}})));
  const std::shared_ptr<const Distribution> expanded = die.ExpandRows(5);
  EXPECT_EQ(expanded->name(), "OneHotCategorical");
  EXPECT_EQ(expanded->rows(), 5);
  EXPECT_EQ(expanded->cols(), 3);
  EXPECT_TRUE(expanded->Validate().ok());
  const std::shared_ptr<const Distribution> clone = die.Clone();
  const Tensor x = RealTensor(Mat({{0, 1, 0}}));
  EXPECT_EQ(clone->LogProb(x)(0, 0), die.LogProb(x)(0, 0));
  std::pmr::monotonic_buffer_resource memory;
  const Distribution::ResourceCopy copy = die.CloneWith(memory);
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy->LogProb(x)(0, 0), die.LogProb(x)(0, 0));
  EXPECT_FALSE(die.has_rsample());
}

}  // namespace
}  // namespace provi
