// Copyright 2026 The provi Authors.
//
// Bad programs and arguments through the VI entry points come back as
// Statuses: objectives built with invalid arguments, a guide site the model
// lacks, NaN log weights, plates with impossible subsamples.

#include <cmath>
#include <limits>
#include <string>

#include "ad/ops.h"
#include "distributions/normal.h"
#include "estimators/expectation.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/primitives.h"
#include "vi/marginal.h"
#include "vi/normalize.h"
#include "vi/objectives.h"
#include "vi/optimizers.h"
#include "vi/param_store.h"
#include "vi/svi.h"

namespace provi {
namespace {

using ::testing::HasSubstr;

void ExpectInvalid(const absl::Status& status, const std::string& message) {
  ASSERT_FALSE(status.ok()) << "expected an error containing " << message;
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(message));
}

auto Model() {
  return [] {
    const Tensor z = sample("z", Normal(Tensor(0.0), Tensor(1.0)));
    observe("x", Normal(z, Tensor(1.0)), Tensor(0.5));
  };
}

auto Guide() {
  return [] { sample("z", Normal(param("loc", Tensor(0.0)), Tensor(1.0))); };
}

TEST(RobustnessTest, ObjectivesWithInvalidArgumentsAreStatusesWhenRun) {
  // Building them does not throw (it used to terminate the process).
  auto iwelbo = Expectation(Iwelbo(Model(), Guide(), 0));
  auto renyi = Expectation(Renyi(Model(), Guide(), 1, 5));
  auto renyi_nan = Expectation(Renyi(Model(), Guide(), std::nan(""), 5));
  auto vimco = Expectation(Vimco(Model(), Guide(), 1));
  auto hvi = Expectation(Iwhvi(Model(), Guide(), {"z"}, 0));
  ParamStore store;
  ParamStoreScope scope(store);
  ExpectInvalid(iwelbo.GradEstimate().status(),
                "Iwelbo: needs at least one particle, got 0");
  ExpectInvalid(renyi.GradEstimate().status(), "Renyi: alpha = 1");
  ExpectInvalid(renyi_nan.GradEstimate().status(), "Renyi: alpha = nan");
  ExpectInvalid(vimco.GradEstimate().status(), "Vimco: needs at least two");
  ExpectInvalid(hvi.GradEstimate().status(), "Marginal: SIR needs");
  // Through Svi too.
  Adam adam;
  ParamStore svi_store;
  Svi svi(iwelbo, adam, svi_store);
  ExpectInvalid(svi.Step().status(), "Iwelbo");
}

TEST(RobustnessTest, VimcoNeedsOneLogWeightPerParticle) {
  // Programs without sites: one log weight, not K. The control variates
  // used to read past the end of the weights.
  auto model = [] {};
  auto guide = [] {};
  auto vimco = Expectation(Vimco(model, guide, 3));
  ExpectInvalid(vimco.GradEstimate().status(),
                "Vimco: 3 particles need one log weight each (3x1), got 1x1");
}

TEST(RobustnessTest, ElboRejectsAGuideSiteTheModelLacks) {
  auto guide = [] {
    sample("z", Normal(Tensor(0.0), Tensor(1.0)));
    sample("w", Normal(Tensor(0.0), Tensor(1.0)));
  };
  auto elbo = Expectation(Elbo(Model(), guide));
  ExpectInvalid(
      elbo.Estimate().status(),
      "sample site 'w': Elbo: it is a latent site of the guide but not "
      "a sample site of the model");
  // Auxiliary sites ('_' first, in or out of a scope) are allowed.
  auto auxiliary = [] {
    sample("_u", Normal(Tensor(0.0), Tensor(1.0)));
    {
      Scope scope("inner");
      sample("_v", Normal(Tensor(0.0), Tensor(1.0)));
    }
    sample("z", Normal(Tensor(0.0), Tensor(1.0)));
  };
  EXPECT_TRUE(Expectation(Elbo(Model(), auxiliary)).Estimate().ok());
}

// The status of one Svi step on the ELBO of `model` with the guide
// z ~ Normal(loc, 1), loc a parameter.
template <typename M>
absl::Status SviStepStatus(M model) {
  auto guide = [] {
    sample("z", Normal(param("loc", Tensor(0.0)), Tensor(1.0)));
  };
  auto objective = Expectation(Elbo(model, guide));
  ParamStore store;
  Adam adam;
  Svi svi(objective, adam, store);
  return svi.Step().status();
}

TEST(RobustnessTest, ANanFactorIsAStatusNamingTheFactor) {
  auto model = [] {
    sample("z", Normal(Tensor(0.0), Tensor(1.0)));
    factor("penalty", Tensor(std::nan("")));
  };
  auto guide = [] { sample("z", Normal(Tensor(0.0), Tensor(1.0))); };
  auto elbo = Expectation(Elbo(model, guide));
  ExpectInvalid(elbo.GradEstimate().status(), "factor site 'penalty'");
  // Through Svi: the factor, not "the objective's estimate is nan".
  ExpectInvalid(SviStepStatus(model), "factor site 'penalty'");
}

TEST(RobustnessTest, AZeroDensityIsAValueOrAStatusNamingItsSite) {
  // Valid parameters, a value whose log density overflows to -inf in Real.
  auto model = [] {
    sample("z", Normal(Tensor(0.0), Tensor(1.0)));
    observe("x", Normal(Tensor(0.0), Tensor(1.0)),
            Tensor(std::numeric_limits<Real>::max()));
  };
  auto guide = [] { sample("z", Normal(Tensor(0.0), Tensor(1.0))); };
  const absl::StatusOr<Tensor> v = Expectation(Elbo(model, guide)).Estimate();
  // The density of x is -inf (a probability of zero in Real): a value.
  if (v.ok()) {
    EXPECT_FALSE(std::isnan(v->value()(0, 0)));
  } else {
    EXPECT_THAT(std::string(v.status().message()), HasSubstr("site 'x'"));
  }
}

TEST(RobustnessTest, AZeroDensityThatMakesTheObjectiveInfiniteIsNamed) {
  // The largest Real under Normal(z, smallest normal Real): log density
  // -inf in both precisions, so the ELBO is -inf; Svi names the observed
  // site, not just "-inf".
  auto model = [] {
    using L = std::numeric_limits<Real>;
    const Tensor z = sample("z", Normal(Tensor(0.0), Tensor(1.0)));
    observe("x", Normal(z, Tensor(L::min())), Tensor(L::max()));
  };
  const absl::Status status = SviStepStatus(model);
  ExpectInvalid(status, "the objective's estimate is -inf");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("sample site 'x': log density element (0, 0) = -inf"));
}

TEST(RobustnessTest, ANonFiniteGradientNamesTheParameter) {
  // sqrt at 0: a finite objective whose gradient is +inf.
  auto objective = Expectation([] {
    param("fine", Tensor(1.0));
    return Sqrt(param("root", Tensor(0.0)));
  });
  ParamStore store;
  Adam adam;
  Svi svi(objective, adam, store);
  ExpectInvalid(svi.Step().status(),
                "parameter 'root' has a non-finite gradient");
  // Nothing was updated.
  EXPECT_EQ(store.Get("root")->value()(0, 0), 0);
  EXPECT_EQ(store.Get("fine")->value()(0, 0), 1);
}

TEST(RobustnessTest, PlatesRejectImpossibleSubsamples) {
  auto empty_subsample = Expectation([] {
    Plate data("data", 4, 0);
    return SumAll(sample("z", Normal(Tensor(0.0), Tensor(1.0))));
  });
  ExpectInvalid(empty_subsample.Estimate().status(),
                "plate 'data': subsample size 0 is not in [1, size = 4]");
  auto nested = Expectation([] {
    Plate outer("data", 3);
    Plate inner("data", 2);
    return SumAll(sample("z", Normal(Tensor(0.0), Tensor(1.0))));
  });
  ExpectInvalid(nested.Estimate().status(), "nested in a plate of the same");
  auto rows = Expectation([] {
    Plate data("data", 4, 2);
    return RowSum(sample("z", Normal(Tensor(0.0), Tensor(1.0)).Expand(4, 1)));
  });
  const absl::Status status = rows.Estimate().status();
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("site 'z'"));
}

}  // namespace
}  // namespace provi
