// Copyright 2026 The provi Authors.
//
// Every path to a draw validates first: an invalid distribution under an
// Expectation (any strategy) is a Status naming the site, as it is under
// Trace, and no sampler sees parameters its Validate() rejects. An observed
// value outside the support (a row that is not one-hot) is a Status naming
// the site. Also the shape of what an expectation's program returns.

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "ad/ops.h"
#include "distributions/bernoulli.h"
#include "distributions/beta.h"
#include "distributions/categorical.h"
#include "distributions/dirichlet.h"
#include "distributions/gamma.h"
#include "distributions/normal.h"
#include "distributions/one_hot_categorical.h"
#include "distributions/student_t.h"
#include "estimators/baselines.h"
#include "estimators/expectation.h"
#include "estimators/strategies.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "handlers/density.h"
#include "runtime/primitives.h"

namespace provi {
namespace {

using ::testing::HasSubstr;

constexpr double kInf = std::numeric_limits<double>::infinity();

void ExpectSiteError(const absl::Status& status, const std::string& site,
                     const std::string& detail) {
  ASSERT_FALSE(status.ok()) << "expected an error at site " << site;
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("site '" + site + "'"));
  EXPECT_THAT(std::string(status.message()), HasSubstr(detail));
}

struct InvalidCase {
  std::string label;
  std::function<Tensor()> draw;  // samples site "z" from an invalid family
  std::string detail;
};

std::vector<InvalidCase> InvalidCases() {
  return {
      {"Gamma(-inf, 1)",
       [] { return sample("z", Gamma(Tensor(-kInf), Tensor(1.0))); },
       "concentration"},
      {"Gamma(NaN, 1)",
       [] { return sample("z", Gamma(Tensor(std::nan("")), Tensor(1.0))); },
       "concentration"},
      {"Beta(-inf, 1)",
       [] { return sample("z", Beta(Tensor(-kInf), Tensor(1.0))); },
       "concentration1"},
      {"Dirichlet(-inf, 1)",
       [] {
         return sample("z", Dirichlet(Tensor(Matrix::Constant(1, 2, -kInf))));
       },
       "concentration"},
      {"StudentT(-inf, 0, 1)",
       [] {
         return sample("z", StudentT(Tensor(-kInf), Tensor(0.0), Tensor(1.0)));
       },
       "df"},
      {"Normal 0 lanes",
       [] {
         return sample("z", Normal(Tensor(Matrix(0, 1)), Tensor(Matrix(0, 1))));
       },
       "empty"},
      {"Normal 0x0, score function with a moving-average baseline",
       [] {
         return sample("z", Normal(Tensor(Matrix(0, 0)), Tensor(Matrix(0, 0))),
                       ScoreFunction(MovingAverageBaseline(0.9)));
       },
       "empty"},
      {"Normal.Expand(-1, 1)",
       [] {
         return sample("z", Normal(Tensor(0.0), Tensor(1.0)).Expand(-1, 1));
       },
       "Normal: cannot expand to the negative shape -1x1"},
      {"Categorical 1x0 logits",
       [] {
         return sample("z", Categorical::FromLogits(Tensor(Matrix(1, 0))),
                       Enumerate());
       },
       "no categories"},
      {"Categorical 1x0 logits, score function",
       [] {
         return sample("z", Categorical::FromLogits(Tensor(Matrix(1, 0))),
                       ScoreFunction());
       },
       "no categories"},
      {"OneHotCategorical unnormalised probs, straight-through",
       [] {
         return sample("z",
                       OneHotCategorical::FromProbs(
                           Tensor(Matrix::Constant(1, 3, Real(0.3)))),
                       StraightThrough());
       },
       "OneHotCategorical: parameter 'probs'"},
      {"OneHotCategorical NaN logits, Gumbel-softmax",
       [] {
         Matrix logits = Matrix::Zero(1, 3);
         logits(0, 1) = std::numeric_limits<Real>::quiet_NaN();
         return sample("z", OneHotCategorical::FromLogits(Tensor(logits)),
                       GumbelSoftmax(0.5));
       },
       "OneHotCategorical: parameter 'logits' element (0, 1) = nan"},
      {"OneHotCategorical logits 2x3 expanded to 3 lanes, enumeration",
       [] {
         return sample("z",
                       OneHotCategorical::FromLogits(Tensor(Matrix::Zero(2, 3)))
                           .Expand(3),
                       Enumerate());
       },
       "do not broadcast to the expanded shape 3x3"},
      {"Bernoulli NaN, MVD",
       [] {
         return sample("z", Bernoulli::FromProbs(Tensor(std::nan(""))), Mvd());
       },
       "probs"},
  };
}

TEST(ValidationTest, AnInvalidDistributionIsAStatusUnderExpectation) {
  for (const InvalidCase& c : InvalidCases()) {
    SCOPED_TRACE(c.label);
    auto objective = Expectation([&] { return SumAll(c.draw()); }).Seed(1);
    ExpectSiteError(objective.Estimate().status(), "z", c.detail);
    ExpectSiteError(objective.GradEstimate().status(), "z", c.detail);
  }
}

TEST(ValidationTest, AnObservedRowThatIsNotOneHotIsAStatusNamingTheSite) {
  const OneHotCategorical die =
      OneHotCategorical::FromLogits(Tensor(Matrix::Zero(2, 3)));
  Matrix not_one_hot(2, 3);
  not_one_hot << 0, 1, 0,  //
      0.5, 0.5, 0;
  auto observed = [&](const Tensor& value) {
    return handlers::LogDensity([&] { observe("y", die, value); })().status();
  };
  ExpectSiteError(observed(Tensor(not_one_hot)), "y",
                  "OneHotCategorical: value row 1 is not one-hot");
  // The value's columns are the categories: an index is not a value.
  Matrix index(2, 1);
  index << 1, 2;
  ExpectSiteError(observed(Tensor(index)), "y",
                  "OneHotCategorical: value of shape 2x1 does not broadcast "
                  "with the distribution's shape 2x3");
  Matrix one_hot(2, 3);
  one_hot << 0, 1, 0,  //
      1, 0, 0;
  EXPECT_TRUE(observed(Tensor(one_hot)).ok());
}

TEST(ValidationTest, ALatentDrawThatOverflowsIsAStatusNamingTheSite) {
  // Valid parameters whose draws exceed the largest Real: Gamma with a rate
  // so small that every draw is infinite.
  const Real tiny = std::numeric_limits<Real>::denorm_min();
  auto objective = Expectation([&] {
                     return sample("g", Gamma(Tensor(1.0), Tensor(tiny)));
                   }).Seed(2);
  ExpectSiteError(objective.Estimate().status(), "g", "not finite");
}

TEST(ValidationTest, TheProgramMustReturnOneValueOrOneValuePerLane) {
  auto wide = Expectation([] {
    return sample("z", Normal(Tensor(0.0), Tensor(1.0)).Expand(2, 3));
  });
  const absl::Status status = wide.Estimate().status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("2x3"));
  auto empty = Expectation([] { return Tensor(Matrix(0, 1)); });
  EXPECT_THAT(std::string(empty.Estimate().status().message()),
              HasSubstr("0x1"));
  auto lanes = Expectation([] {
    return sample("z", Normal(Tensor(0.0), Tensor(1.0)).Expand(3, 1));
  });
  EXPECT_TRUE(lanes.Estimate().ok());
}

TEST(ValidationTest, AnAddressDrawnTwiceIsAStatusWithoutATrace) {
  auto objective = Expectation([] {
    return sample("z", Normal(Tensor(0.0), Tensor(1.0))) +
           sample("z", Normal(Tensor(0.0), Tensor(1.0)));
  });
  ExpectSiteError(objective.Estimate().status(), "z", "drawn twice");
}

}  // namespace
}  // namespace provi
