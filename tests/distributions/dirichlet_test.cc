// Copyright 2026 The provi Authors.
//
// Dirichlet: densities against R, sampler moments, implicit
// reparameterisation gradients against analytic derivatives of the means,
// shapes and validation. Statistical checks follow the flake budget in
// statistical_testing.h.

#include "distributions/dirichlet.h"

#include <cmath>
#include <limits>
#include <type_traits>
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

// The closed form in R, for the cases below:
//
// Rscript -e 'f <- function(x, c) sum((c - 1) * log(x)) + lgamma(sum(c)) -
//                                 sum(lgamma(c))
//   print(c(f(c(0.2, 0.3, 0.5), c(0.5, 2, 3.5)),
//           f(c(0.05, 0.15, 0.8), c(1.2, 0.8, 4)),
//           f(c(0.2, 0.3, 0.5), c(1.2, 0.8, 4))), digits = 17)'
constexpr double kLaneOne = 0.88203139800152242;
constexpr double kLaneTwo = 2.03989357348121825;
constexpr double kSecondAtFirstValue = 0.76851212185600049;

TEST(DirichletTest, LogProbMatchesR) {
  // One concentration row per lane.
  const Dirichlet dirichlet(
      RealTensor(Mat({{0.5, 2.0, 3.5}, {1.2, 0.8, 4.0}})));
  EXPECT_EQ(dirichlet.rows(), 2);
  EXPECT_EQ(dirichlet.cols(), 3);
  const Tensor lp =
      dirichlet.LogProb(RealTensor(Mat({{0.2, 0.3, 0.5}, {0.05, 0.15, 0.8}})));
  ASSERT_EQ(lp.rows(), 2);
  ASSERT_EQ(lp.cols(), 1);
  EXPECT_NEAR(lp(0, 0), kLaneOne, DensityTolerance(kLaneOne));
  EXPECT_NEAR(lp(1, 0), kLaneTwo, DensityTolerance(kLaneTwo));
  // One value row shared by both lanes.
  const Tensor shared = dirichlet.LogProb(RealTensor(Mat({{0.2, 0.3, 0.5}})));
  ASSERT_EQ(shared.rows(), 2);
  EXPECT_NEAR(shared(0, 0), kLaneOne, DensityTolerance(kLaneOne));
  EXPECT_NEAR(shared(1, 0), kSecondAtFirstValue,
              DensityTolerance(kSecondAtFirstValue));
}

TEST(DirichletTest, ExpandAddsLanesOnly) {
  const Dirichlet dirichlet =
      Dirichlet(RealTensor(Mat({{1.2, 0.8, 4.0}}))).Expand(4);
  EXPECT_TRUE(dirichlet.Validate().ok());
  EXPECT_EQ(dirichlet.rows(), 4);
  EXPECT_EQ(dirichlet.cols(), 3);
  EXPECT_EQ(dirichlet.num_categories(), 3);
  const Tensor lp = dirichlet.LogProb(RealTensor(Mat({{0.05, 0.15, 0.8}})));
  ASSERT_EQ(lp.rows(), 4);
  for (Index i = 0; i < 4; ++i) {
    EXPECT_NEAR(lp(i, 0), kLaneTwo, DensityTolerance(kLaneTwo));
  }
  Rng rng = MakeRng(1);
  const Tensor x = dirichlet.Sample(rng);
  EXPECT_EQ(x.rows(), 4);
  EXPECT_EQ(x.cols(), 3);
  // A concentration with several rows expands only to that many lanes.
  EXPECT_THAT(Dirichlet(RealTensor(Mat({{1.0, 2.0}, {3.0, 4.0}})))
                  .Expand(3)
                  .Validate()
                  .message(),
              HasSubstr("expanded shape 3x2"));
}

TEST(DirichletTest, LogProbWithAZeroComponent) {
  // 0 · log 0 = 0 for a component with concentration 1.
  // Rscript -e 'print(sum(c(1, 2) * log(c(0.4, 0.6))) + lgamma(6) -
  //                   lgamma(1) - lgamma(2) - lgamma(3), digits = 17)'
  const Dirichlet dirichlet(RealTensor(Mat({{1.0, 2.0, 3.0}})));
  const Tensor lp = dirichlet.LogProb(RealTensor(Mat({{0.0, 0.4, 0.6}})));
  const double expected = 2.1564025828159639;
  EXPECT_NEAR(lp(0, 0), expected, DensityTolerance(expected));
}

TEST(DirichletTest, LogProbGradientMatchesFiniteDifferences) {
  // The finite differences step off the simplex, where the formula still
  // holds but the support check would reject the value.
  SetDistributionValidation(false);
  ::provi::testing::ExpectAd(
      [](const auto& x, const auto& concentration) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Tensor>) {
          return Dirichlet(concentration).LogProb(x);
        } else {
          // The reference path: the closed form on double tensors.
          return RowSum((concentration - 1.0) * Log(x)) +
                 Lgamma(SumAll(concentration)) - SumAll(Lgamma(concentration));
        }
      },
      Mat({{0.2, 0.3, 0.5}, {0.05, 0.15, 0.8}}), Mat({{0.7, 3.0, 1.4}}));
  SetDistributionValidation(true);
}

// E[x^k] of a Beta(a, b) variable: Π_{i<k} (a + i) / (a + b + i).
double BetaRawMoment(double a, double b, int k) {
  double m = 1;
  for (int i = 0; i < k; ++i) m *= (a + i) / (a + b + i);
  return m;
}

// From small concentrations (components crowd 0) to large ones.
const std::vector<std::vector<double>> kCases = {{0.3, 0.5, 1.2},
                                                 {5.0, 10.0, 20.0}};

Tensor Row(const std::vector<double>& c) {
  Matrix m(1, static_cast<Index>(c.size()));
  for (size_t k = 0; k < c.size(); ++k) {
    m(0, static_cast<Index>(k)) = static_cast<Real>(c[k]);
  }
  return Tensor(m);
}

// 50,000 draws per case: rows on the simplex, and each component x_k, a
// Beta(c_k, c_0 - c_k) variable, against its mean, variance and fourth
// central moment.
TEST(DirichletTest, SampleMoments) {
  Rng rng = MakeRng(2);
  for (const std::vector<double>& c : kCases) {
    const Index k_count = static_cast<Index>(c.size());
    double c0 = 0;
    for (double ck : c) c0 += ck;
    const Dirichlet dirichlet = Dirichlet(Row(c)).Expand(1000);
    std::vector<MeanAccumulator> acc(c.size());
    for (int rep = 0; rep < 50; ++rep) {
      const Tensor x = dirichlet.Sample(rng);
      ASSERT_TRUE(Support::Simplex().Check(x, "draw").ok());
      for (Index k = 0; k < k_count; ++k) {
        for (Index i = 0; i < x.rows(); ++i) {
          acc[static_cast<size_t>(k)].Add(x(i, k));
        }
      }
    }
    for (size_t k = 0; k < c.size(); ++k) {
      const double a = c[k], b = c0 - c[k];
      const double m1 = BetaRawMoment(a, b, 1);
      const double m2 = BetaRawMoment(a, b, 2);
      const double m3 = BetaRawMoment(a, b, 3);
      const double m4 = BetaRawMoment(a, b, 4);
      const double fourth =
          m4 - 4 * m1 * m3 + 6 * m1 * m1 * m2 - 3 * m1 * m1 * m1 * m1;
      EXPECT_MEAN_NEAR(acc[k], m1) << "c_" << k << " = " << c[k];
      EXPECT_TRUE(::provi::testing::VarianceNear(acc[k], m2 - m1 * m1, fourth))
          << "c_" << k << " = " << c[k];
    }
  }
}

// E[x_j] = c_j / c_0, so d/dc_k E[x_j] = (δ_jk c_0 - c_j) / c_0². For each
// j, 200 gradient estimates of E[x_j], each averaging 1,000 lanes.
TEST(DirichletTest, ImplicitGradientsAreUnbiased) {
  Rng rng = MakeRng(3);
  for (const std::vector<double>& c : kCases) {
    const Index k_count = static_cast<Index>(c.size());
    double c0 = 0;
    for (double ck : c) c0 += ck;
    Parameter concentration(Row(c).value());
    for (Index j = 0; j < k_count; ++j) {
      std::vector<MeanAccumulator> d(c.size());
      for (int rep = 0; rep < 200; ++rep) {
        TapeScope scope;
        concentration.ZeroGrad();
        const Tensor x =
            Dirichlet(concentration.tensor()).Expand(1000).RSample(rng);
        Backward(MeanAll(SliceCols(x, j, 1)));
        for (Index k = 0; k < k_count; ++k) {
          d[static_cast<size_t>(k)].Add(concentration.grad()(0, k));
        }
      }
      for (Index k = 0; k < k_count; ++k) {
        const double cj = c[static_cast<size_t>(j)];
        const double expected = ((j == k ? c0 : 0.0) - cj) / (c0 * c0);
        EXPECT_MEAN_NEAR(d[static_cast<size_t>(k)], expected)
            << "d/dc_" << k << " E[x_" << j << "], c_0 = " << c0;
      }
    }
  }
}

// Small concentrations put most components below float's smallest normal:
// they are kept at or above it, so rows stay on the simplex and every log
// density is finite.
TEST(DirichletTest, TinyConcentrationDrawsHaveFiniteDensity) {
  Rng rng = MakeRng(4);
  const Dirichlet dirichlet =
      Dirichlet(RealTensor(Mat({{0.05, 0.05, 0.05, 0.05}}))).Expand(1000);
  const Tensor x = dirichlet.Sample(rng);
  const Tensor lp = dirichlet.LogProb(x);
  for (Index i = 0; i < x.rows(); ++i) {
    for (Index k = 0; k < x.cols(); ++k) {
      ASSERT_GE(x(i, k), std::numeric_limits<Real>::min());
    }
    ASSERT_TRUE(std::isfinite(lp(i, 0))) << "lane " << i;
  }
}

TEST(DirichletTest, ValidateNamesTheParameterAndValue) {
  const absl::Status bad =
      Dirichlet(RealTensor(Mat({{1.0, -2.0, 3.0}}))).Validate();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.message(),
              HasSubstr("Dirichlet: parameter 'concentration' element (0, 1) "
                        "= -2 must be > 0"));
  EXPECT_THAT(
      Dirichlet(RealTensor(Mat({{1.0, std::nan("")}}))).Validate().message(),
      HasSubstr("'concentration'"));
  EXPECT_THAT(Dirichlet(Tensor()).Validate().message(),
              HasSubstr("has no categories"));
  EXPECT_TRUE(
      Dirichlet(RealTensor(Mat({{1.0, 2.0}, {3.0, 4.0}}))).Validate().ok());
  Rng rng = MakeRng(5);
  const Dirichlet bad_expand =
      Dirichlet(RealTensor(Mat({{1.0, 2.0}, {3.0, 4.0}}))).Expand(3);
  EXPECT_THAT(CatchStatus([&] { bad_expand.Sample(rng); }).message(),
              HasSubstr("expanded shape 3x2"));
}

TEST(DirichletTest, LogProbRejectsValuesOffTheSimplex) {
  const Dirichlet dirichlet =
      Dirichlet(RealTensor(Mat({{1.0, 2.0, 3.0}}))).Expand(2);
  const absl::Status columns = CatchStatus([&] {
    dirichlet.LogProb(RealTensor(Mat({{0.5, 0.5}})));
  });
  EXPECT_EQ(columns.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(columns.message(),
              HasSubstr("Dirichlet: value of shape 1x2 does not have 3"));
  const absl::Status rows = CatchStatus([&] {
    dirichlet.LogProb(
        RealTensor(Mat({{0.2, 0.3, 0.5}, {0.2, 0.3, 0.5}, {0.2, 0.3, 0.5}})));
  });
  EXPECT_THAT(rows.message(), HasSubstr("does not broadcast"));
  const absl::Status sum = CatchStatus([&] {
    dirichlet.LogProb(RealTensor(Mat({{0.2, 0.3, 0.6}})));
  });
  EXPECT_EQ(sum.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(sum.message(), HasSubstr("not 1 (simplex)"));
  const absl::Status negative = CatchStatus([&] {
    dirichlet.LogProb(RealTensor(Mat({{-0.2, 0.6, 0.6}})));
  });
  EXPECT_THAT(negative.message(), HasSubstr("outside the simplex"));
  SetDistributionValidation(false);
  EXPECT_TRUE(CatchStatus([&] {
                dirichlet.LogProb(RealTensor(Mat({{0.2, 0.3, 0.6}})));
              }).ok());
  SetDistributionValidation(true);
}

TEST(DirichletTest, IsReparameterisable) {
  const Dirichlet dirichlet(RealTensor(Mat({{1.0, 1.0}})));
  EXPECT_TRUE(dirichlet.has_rsample());
  EXPECT_EQ(dirichlet.support(), Support::Simplex());
  EXPECT_EQ(dirichlet.Clone()->name(), "Dirichlet");
}

}  // namespace
}  // namespace provi
