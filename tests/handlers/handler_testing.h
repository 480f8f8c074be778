// Copyright 2026 The provi Authors.
//
// File: tests/handlers/handler_testing.h
// -----------------------------------------------------------------------------
//
// The model the handler tests run, its expected trace, and the comparison of
// a recorded trace with an expected one.
//
// Each handler test runs a small program under the handler inside a trace
// handler and compares the whole recorded trace with the one the handler
// should produce, site by site: addresses in order, kinds, observed and
// intervened flags, values, enclosing plates, scales, masks, strategies,
// constraints and per-lane log densities. The expected trace is the plain
// model's (`ModelSites`, written out by hand with independently computed
// log densities) edited where the handler should act, so a handler that
// changes a site it should leave alone fails the comparison.
//
// Example:
//
//   const auto run = provi::handlers::Trace(provi::handlers::Condition(
//       Model(), provi::Values({{"mu", provi::Tensor(0.25)}})))(Data());
//   std::vector<ExpectedSite> expected = ModelSites(0.25);
//   expected[0].is_observed = true;
//   ExpectTrace(run->trace, expected);

#ifndef PROVI_TESTS_HANDLERS_HANDLER_TESTING_H_
#define PROVI_TESTS_HANDLERS_HANDLER_TESTING_H_

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ad/tensor.h"
#include "base/real.h"
#include "distributions/normal.h"
#include "distributions/support.h"
#include "gtest/gtest.h"
#include "runtime/message.h"
#include "runtime/primitives.h"
#include "runtime/trace.h"

namespace provi {
namespace testing {

// NormalLogPdf()
//
// log N(x; mu, sigma), in double precision, independently of distributions/.
inline double NormalLogPdf(double x, double mu, double sigma) {
  constexpr double kHalfLog2Pi = 0.91893853320467274178;
  const double z = (x - mu) / sigma;
  return -0.5 * z * z - std::log(sigma) - kHalfLog2Pi;
}

// Tol()
//
// The absolute tolerance of a log density of order one in `Real`.
inline double Tol() { return kRealIsDouble ? 1e-10 : 1e-4; }

// Column()
//
// `values` as an n x 1 tensor.
inline Tensor Column(const std::vector<double>& values) {
  Matrix m(static_cast<Index>(values.size()), 1);
  for (size_t i = 0; i < values.size(); ++i) {
    m(static_cast<Index>(i), 0) = static_cast<Real>(values[i]);
  }
  return Tensor(m);
}

// Data()
//
// The three observations the model is run on.
inline std::vector<double> DataValues() { return {0.5, -1.0, 2.0}; }
inline Tensor Data() { return Column(DataValues()); }

// Model
//
// mu ~ N(0, 10); sigma = param (1.5, positive); x_i ~ N(mu, sigma) observed
// for each row of the data, in the plate "data". Returns mu.
struct Model {
  Tensor operator()(const Tensor& x) const {
    const Tensor mu = sample("mu", Normal(0.0, 10.0));
    const Tensor sigma = param("sigma", Tensor(1.5), Support::Positive());
    Plate data("data", x.rows());
    observe("x", Normal(mu, sigma).Expand(x.rows(), 1), x);
    return mu;
  }
};

// LogJoint()
//
// Σ_i log N(x_i; mu, sigma) + log N(mu; 0, 10) over the data.
inline double LogJoint(double mu, double sigma) {
  double total = NormalLogPdf(mu, 0, 10);
  for (double x : DataValues()) total += NormalLogPdf(x, mu, sigma);
  return total;
}

// ExpectedPlate
//
// An enclosing plate of an expected site, or the plate of a plate site.
struct ExpectedPlate {
  std::string name;
  Index size = 0;
  Index subsample_size = 0;
};

// ExpectedSite
//
// What one recorded site should hold. `log_prob` is the site's log density
// per lane, scale and mask applied (`Site::LogProb`), empty for sites
// without a density; `value` is nullopt for sites without a value (plates
// without subsampling).
struct ExpectedSite {
  std::string address;
  SiteKind kind = SiteKind::kSample;
  bool is_observed = false;
  bool is_intervened = false;
  std::optional<Tensor> value;
  std::vector<double> log_prob;
  Real scale = 1;
  std::optional<Tensor> mask;
  std::vector<ExpectedPlate> plates;
  ExpectedPlate plate;  // kPlate sites
  std::shared_ptr<const SiteStrategy> strategy;
  Support constraint = Support::Real();
};

// ModelSites()
//
// The trace `Model()(Data())` records with mu at `mu` and sigma at `sigma`:
// "mu" (latent), "sigma" (param), the plate "data" and "x" (observed).
inline std::vector<ExpectedSite> ModelSites(double mu, double sigma = 1.5) {
  std::vector<ExpectedSite> sites(4);
  sites[0].address = "mu";
  sites[0].value = Tensor(mu);
  sites[0].log_prob = {NormalLogPdf(mu, 0, 10)};
  sites[1].address = "sigma";
  sites[1].kind = SiteKind::kParam;
  sites[1].value = Tensor(sigma);
  sites[1].constraint = Support::Positive();
  sites[2].address = "data";
  sites[2].kind = SiteKind::kPlate;
  sites[2].plate = {"data", 3, 3};
  sites[3].address = "x";
  sites[3].is_observed = true;
  sites[3].value = Data();
  for (double x : DataValues()) {
    sites[3].log_prob.push_back(NormalLogPdf(x, mu, sigma));
  }
  sites[3].plates = {{"data", 3, 3}};
  return sites;
}

// ExpectedSites()
//
// Everything `trace` recorded, as expected sites (log densities evaluated),
// to compare two runs that should record the same trace.
inline std::vector<ExpectedSite> ExpectedSites(const Trace& trace) {
  std::vector<ExpectedSite> out;
  for (const Site& site : trace.sites()) {
    ExpectedSite e;
    e.address = std::string(site.address.name());
    e.kind = site.kind;
    e.is_observed = site.is_observed;
    e.is_intervened = site.is_intervened;
    e.value = site.value;
    if (site.has_density()) {
      const Tensor lp = site.LogProb();
      for (Index i = 0; i < lp.rows(); ++i) e.log_prob.push_back(lp(i, 0));
    }
    e.scale = site.scale;
    e.mask = site.mask;
    for (const PlateInfo& p : site.plates) {
      e.plates.push_back(
          {std::string(p.name.name()), p.size, p.subsample_size});
    }
    if (site.kind == SiteKind::kPlate) {
      e.plate = {std::string(site.plate.name.name()), site.plate.size,
                 site.plate.subsample_size};
    }
    e.strategy = site.strategy;
    e.constraint = site.constraint;
    out.push_back(std::move(e));
  }
  return out;
}

namespace handler_testing_internal {

inline void ExpectSameTensor(const std::optional<Tensor>& actual,
                             const std::optional<Tensor>& expected,
                             const char* what) {
  ASSERT_EQ(actual.has_value(), expected.has_value()) << what;
  if (!expected.has_value()) return;
  ASSERT_EQ(actual->ShapeString(), expected->ShapeString()) << what;
  for (Index i = 0; i < expected->rows(); ++i) {
    for (Index j = 0; j < expected->cols(); ++j) {
      EXPECT_EQ((*actual)(i, j), (*expected)(i, j))
          << what << " element (" << i << ", " << j << ")";
    }
  }
}

inline void ExpectSamePlate(const PlateInfo& actual,
                            const ExpectedPlate& expected) {
  EXPECT_EQ(actual.name.name(), expected.name);
  EXPECT_EQ(actual.size, expected.size) << expected.name;
  EXPECT_EQ(actual.subsample_size, expected.subsample_size) << expected.name;
}

}  // namespace handler_testing_internal

// ExpectTrace()
//
// Expects `trace` to hold exactly the sites `expected`, in order. Values,
// scales and masks must be equal; log densities agree within Tol() relative
// to their size.
inline void ExpectTrace(const Trace& trace,
                        const std::vector<ExpectedSite>& expected) {
  using handler_testing_internal::ExpectSamePlate;
  using handler_testing_internal::ExpectSameTensor;
  std::vector<std::string> addresses;
  for (const Site& site : trace.sites()) {
    addresses.emplace_back(site.address.name());
  }
  std::vector<std::string> expected_addresses;
  for (const ExpectedSite& e : expected)
    expected_addresses.push_back(e.address);
  ASSERT_EQ(addresses, expected_addresses);
  for (size_t i = 0; i < expected.size(); ++i) {
    const Site& site = trace.sites()[i];
    const ExpectedSite& e = expected[i];
    SCOPED_TRACE("site '" + e.address + "'");
    EXPECT_EQ(site.kind, e.kind) << SiteKindName(site.kind);
    EXPECT_EQ(site.is_observed, e.is_observed);
    EXPECT_EQ(site.is_intervened, e.is_intervened);
    ExpectSameTensor(site.value, e.value, "value");
    EXPECT_EQ(site.scale, e.scale);
    ExpectSameTensor(site.mask, e.mask, "mask");
    ASSERT_EQ(site.plates.size(), e.plates.size());
    for (size_t k = 0; k < e.plates.size(); ++k) {
      ExpectSamePlate(site.plates[k], e.plates[k]);
    }
    if (e.kind == SiteKind::kPlate) ExpectSamePlate(site.plate, e.plate);
    EXPECT_EQ(site.strategy, e.strategy);
    EXPECT_EQ(site.constraint, e.constraint) << site.constraint.ToString();
    ASSERT_EQ(site.has_density(), !e.log_prob.empty());
    if (e.log_prob.empty()) continue;
    const Tensor lp = site.LogProb();
    ASSERT_EQ(lp.rows(), static_cast<Index>(e.log_prob.size()));
    ASSERT_EQ(lp.cols(), 1);
    for (size_t k = 0; k < e.log_prob.size(); ++k) {
      EXPECT_NEAR(lp(static_cast<Index>(k), 0), e.log_prob[k],
                  Tol() * std::max(1.0, std::abs(e.log_prob[k])))
          << "lane " << k;
    }
  }
}

}  // namespace testing
}  // namespace provi

#endif  // PROVI_TESTS_HANDLERS_HANDLER_TESTING_H_
