// Copyright 2026 The provi Authors.
//
// provi's log joints (through `Density`) and Stan Math's versions of the same
// densities agree in value and gradient, at each model's point and at a
// second point, so vi_stan_benchmark compares the same computation.

#include "benchmarks/stan_models.h"

#include <cmath>
#include <type_traits>

#include "benchmarks/small_models.h"
#include "gtest/gtest.h"

namespace provi {
namespace {

using small_models::ModelKind;
using stan_models::StanForm;

// provi computes in Real; Stan in double. In float the log joints (sums of
// up to a thousand terms of size ~1) carry a relative rounding error of
// about 1e-6 per term.
constexpr double kRelative = std::is_same_v<Real, double> ? 1e-10 : 2e-4;

void ExpectSame(const small_models::SmallModel& model,
                const Eigen::VectorXd& point, StanForm form) {
  small_models::LogJointGradient provi(model);
  Eigen::VectorXd provi_gradient, stan_gradient;
  absl::StatusOr<double> provi_value = provi.Evaluate(point, &provi_gradient);
  ASSERT_TRUE(provi_value.ok()) << provi_value.status();
  const double stan_value =
      stan_models::LogJointGradient(form, model.kind, point, &stan_gradient);
  EXPECT_NEAR(*provi_value, stan_value, kRelative * (1 + std::abs(stan_value)))
      << model.name;
  ASSERT_EQ(provi_gradient.size(), stan_gradient.size());
  const double scale = 1 + stan_gradient.cwiseAbs().maxCoeff();
  for (Eigen::Index k = 0; k < stan_gradient.size(); ++k) {
    EXPECT_NEAR(provi_gradient(k), stan_gradient(k), kRelative * scale * 10)
        << model.name << ", value " << k;
  }
}

class StanModelsTest : public testing::TestWithParam<ModelKind> {};

TEST_P(StanModelsTest, ProviAndStanAgree) {
  const small_models::SmallModel model = small_models::MakeModel(GetParam());
  ExpectSame(model, model.point, StanForm::kDefault);
  Eigen::VectorXd other = model.point;
  for (Eigen::Index k = 0; k < other.size(); ++k) {
    other(k) += 0.25 * std::cos(1.3 * static_cast<double>(k));
  }
  ExpectSame(model, other, StanForm::kDefault);
  if (GetParam() == ModelKind::kLogisticRegression) {
    ExpectSame(model, model.point, StanForm::kGlm);
    ExpectSame(model, other, StanForm::kGlm);
  }
}

INSTANTIATE_TEST_SUITE_P(Models, StanModelsTest,
                         testing::Values(small_models::kEightSchoolsNoncentred,
                                         small_models::kEightSchoolsCentred,
                                         small_models::kLogisticRegression,
                                         small_models::kMixture));

}  // namespace
}  // namespace provi
