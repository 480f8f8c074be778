// Copyright 2026 The provi Authors.
//
// The mask handler (handlers/mask.h): the sites inside carry the mask and
// their masked lanes contribute nothing; sites outside are left alone;
// nested masks multiply; a mask that is not a column of zeros and ones is a
// status.

#include "handlers/mask.h"

#include <functional>
#include <vector>

#include "ad/tensor.h"
#include "base/status_error.h"
#include "distributions/normal.h"
#include "distributions/support.h"
#include "gtest/gtest.h"
#include "handlers/condition.h"
#include "handlers/trace.h"
#include "handlers/value_map.h"
#include "runtime/primitives.h"
#include "tests/handlers/handler_testing.h"

namespace provi {
namespace {

using ::provi::testing::Column;
using ::provi::testing::Data;
using ::provi::testing::ExpectedSite;
using ::provi::testing::ExpectTrace;
using ::provi::testing::ModelSites;
using ::provi::testing::NormalLogPdf;
using ::provi::testing::Tol;

// The model with its plate and likelihood under `masks` (innermost first),
// mu and sigma outside.
auto MaskedModel(std::vector<Tensor> masks) {
  return [masks](const Tensor& x) {
    const Tensor mu = sample("mu", Normal(0.0, 10.0));
    const Tensor sigma = param("sigma", Tensor(1.5), Support::Positive());
    std::function<void()> likelihood = [&] {
      Plate data("data", x.rows());
      observe("x", Normal(mu, sigma).Expand(x.rows(), 1), x);
    };
    for (const Tensor& mask : masks) {
      likelihood = handlers::Mask(likelihood, mask);
    }
    likelihood();
  };
}

// The model's trace at mu = 0.25 (observed) with the plate and "x" under
// the 0/1 mask `mask`.
std::vector<ExpectedSite> MaskedSites(const std::vector<double>& mask) {
  std::vector<ExpectedSite> expected = ModelSites(0.25);
  expected[0].is_observed = true;
  expected[2].mask = Column(mask);
  expected[3].mask = Column(mask);
  for (size_t i = 0; i < mask.size(); ++i) expected[3].log_prob[i] *= mask[i];
  return expected;
}

TEST(MaskTest, MaskedLanesContributeNothing) {
  const auto run = handlers::Trace(handlers::Condition(
      MaskedModel({Column({1, 0, 1})}), Values({{"mu", Tensor(0.25)}})))(
      Data());
  ASSERT_TRUE(run.ok()) << run.status();
  ExpectTrace(run->trace, MaskedSites({1, 0, 1}));
  const double expected = NormalLogPdf(0.25, 0, 10) +
                          NormalLogPdf(0.5, 0.25, 1.5) +
                          NormalLogPdf(2.0, 0.25, 1.5);
  EXPECT_NEAR(run->trace.LogProbSum().item(), expected, Tol() * 10);
}

TEST(MaskTest, NestedMasksMultiply) {
  const auto run = handlers::Trace(
      handlers::Condition(MaskedModel({Column({1, 0, 1}), Column({1, 1, 0})}),
                          Values({{"mu", Tensor(0.25)}})))(Data());
  ASSERT_TRUE(run.ok()) << run.status();
  ExpectTrace(run->trace, MaskedSites({1, 0, 0}));
}

TEST(MaskTest, MaskOtherThanAColumnOfZerosAndOnesIsAStatus) {
  EXPECT_EQ(CatchStatus([] { MaskHandler bad(Column({0.5})); }).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      CatchStatus([] { MaskHandler bad(Tensor(Matrix::Ones(2, 2))); }).code(),
      absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace provi
