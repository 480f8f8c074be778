// Copyright 2026 The provi Authors.
//
// The small models' log joints through `Density`: the non-centred eight
// schools against its density written out by hand, and every model's
// gradient against central finite differences of its log joint.

#include "benchmarks/small_models.h"

#include <cmath>
#include <type_traits>

#include "gtest/gtest.h"

namespace provi {
namespace small_models {
namespace {

constexpr bool kDouble = std::is_same_v<Real, double>;

double NormalLogPdf(double x, double loc, double scale) {
  const double z = (x - loc) / scale;
  return -0.5 * z * z - std::log(scale) - 0.5 * std::log(2 * M_PI);
}

TEST(SmallModelsTest, EightSchoolsMatchesTheDensityWrittenOut) {
  const SmallModel model = MakeModel(kEightSchoolsNoncentred);
  const Eigen::VectorXd& p = model.point;
  const double mu = p(0), tau = p(1);
  double expected = NormalLogPdf(mu, 0, 5) +
                    std::log(2 / (M_PI * 5 * (1 + (tau / 5) * (tau / 5))));
  for (Index j = 0; j < kSchools; ++j) {
    expected += NormalLogPdf(p(2 + j), 0, 1) +
                NormalLogPdf(Data().effects(j), mu + tau * p(2 + j),
                             Data().standard_errors(j));
  }
  LogJointGradient log_joint(model);
  Eigen::VectorXd gradient;
  absl::StatusOr<double> value = log_joint.Evaluate(p, &gradient);
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_NEAR(*value, expected, (kDouble ? 1e-12 : 1e-5) * std::abs(expected));
}

class SmallModelGradientTest : public testing::TestWithParam<ModelKind> {};

TEST_P(SmallModelGradientTest, MatchesFiniteDifferences) {
  const SmallModel model = MakeModel(GetParam());
  LogJointGradient log_joint(model);
  Eigen::VectorXd gradient, unused;
  absl::StatusOr<double> value = log_joint.Evaluate(model.point, &gradient);
  ASSERT_TRUE(value.ok()) << value.status();
  ASSERT_EQ(gradient.size(), model.point.size());
  // Central differences: truncation error O(h²), rounding O(eps |f| / h).
  const double h = kDouble ? 1e-5 : 1e-2;
  for (Index k = 0; k < model.point.size(); ++k) {
    Eigen::VectorXd plus = model.point, minus = model.point;
    plus(k) += h;
    minus(k) -= h;
    absl::StatusOr<double> f_plus = log_joint.Evaluate(plus, &unused);
    absl::StatusOr<double> f_minus = log_joint.Evaluate(minus, &unused);
    ASSERT_TRUE(f_plus.ok() && f_minus.ok());
    const double numeric = (*f_plus - *f_minus) / (2 * h);
    const double tolerance =
        kDouble ? 1e-6 * (1 + std::abs(numeric))
                : 2e-2 * (1 + std::abs(numeric)) + 1e-5 * std::abs(*value) / h;
    EXPECT_NEAR(gradient(k), numeric, tolerance)
        << model.name << ", value " << k;
  }
}

INSTANTIATE_TEST_SUITE_P(Models, SmallModelGradientTest,
                         testing::Values(kEightSchoolsNoncentred,
                                         kEightSchoolsCentred,
                                         kLogisticRegression, kMixture));

TEST(SmallModelsTest, APointOfTheWrongSizeIsAnError) {
  const SmallModel model = MakeModel(kMixture);
  LogJointGradient log_joint(model);
  Eigen::VectorXd gradient;
  absl::StatusOr<double> value =
      log_joint.Evaluate(Eigen::VectorXd::Zero(2), &gradient);
  EXPECT_EQ(value.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SmallModelsTest, AValueOutsideTheSupportNamesTheSite) {
  const SmallModel model = MakeModel(kEightSchoolsNoncentred);
  LogJointGradient log_joint(model);
  Eigen::VectorXd point = model.point, gradient;
  point(1) = -1;  // tau < 0
  absl::StatusOr<double> value = log_joint.Evaluate(point, &gradient);
  ASSERT_FALSE(value.ok());
  EXPECT_NE(value.status().message().find("tau"), std::string::npos)
      << value.status();
}

}  // namespace
}  // namespace small_models
}  // namespace provi
