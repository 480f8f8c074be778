// Copyright 2026 The provi Authors.
//
// The accuracy of provi's gamma-family special functions
// (distributions/internal/gamma_functions.h, base/special_functions.h)
// against Eigen's unsupported/Eigen/SpecialFunctions and Boost.Math, all in
// double, measured against references computed by Boost.Math in 50-digit
// binary floating point (Boost.Multiprecision's cpp_bin_float_50). Prints,
// per function and range, the largest relative error |f - ref| / |ref| of
// each implementation over the points of that range, and the point where
// it occurs. The companion special_functions_benchmark times the same
// functions.
//
// Points: log Γ(x) and ψ(x) at 400 log-uniform x per range; P(a, x),
// ∂P(a, x)/∂a and the implicit reparameterisation slope dx/da at
// u = P(a, x) fixed, for 60 log-uniform shapes a per range and x the
// quantiles u in {1e-6, 1e-4, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99,
// 1 - 1e-4, 1 - 1e-6} of Gamma(a, 1) (from Boost's gamma_p_inv, then held
// exactly). The references for the derivatives in a are central
// differences of the 50-digit P with step a·1e-15 (truncation error
// ~1e-30, rounding ~1e-35, both far below double's 1.1e-16), divided by
// the 50-digit density for the slope.
//
//   ./bazelw run -c opt //benchmarks:special_functions_accuracy

#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "base/internal/math_policy.h"
#include "base/special_functions.h"
#include "boost/math/special_functions/digamma.hpp"
#include "boost/math/special_functions/gamma.hpp"
#include "boost/multiprecision/cpp_bin_float.hpp"
#include "distributions/internal/gamma_functions.h"
#include "unsupported/Eigen/SpecialFunctions"

namespace provi {
namespace {

using Big = boost::multiprecision::cpp_bin_float_50;

// Boost.Math in double, as provi calls it.
using InDouble = base_internal::MathPolicy;
using distributions_internal::RegularizedGammaP;
using distributions_internal::RegularizedGammaPDerivative;
using distributions_internal::StandardGammaSampleDerivative;

// One implementation of a function of one or two arguments.
struct Candidate {
  std::string name;
  std::function<double(double, double)> f;
};

// The largest relative error of one candidate, and where.
struct Worst {
  double error = 0;
  double a = 0;
  double x = 0;
};

struct Point {
  double a;
  double x;
};

double RelativeError(double value, const Big& reference) {
  if (std::isnan(value)) return INFINITY;
  const Big difference = abs(Big(value) - reference);
  return static_cast<double>(difference / abs(reference));
}

void Report(const std::string& function, const std::string& range,
            const std::vector<Point>& points,
            const std::vector<Big>& references,
            const std::vector<Candidate>& candidates, bool two_arguments) {
  for (const Candidate& candidate : candidates) {
    Worst worst;
    for (size_t i = 0; i < points.size(); ++i) {
      const double error =
          RelativeError(candidate.f(points[i].a, points[i].x), references[i]);
      if (error > worst.error || std::isinf(error)) {
        worst = {error, points[i].a, points[i].x};
      }
    }
    if (two_arguments) {
      std::printf("%-26s %-18s %-8s %9.2e  (a = %.4g, x = %.4g)\n",
                  function.c_str(), range.c_str(), candidate.name.c_str(),
                  worst.error, worst.a, worst.x);
    } else {
      std::printf("%-26s %-18s %-8s %9.2e  (x = %.6g)\n", function.c_str(),
                  range.c_str(), candidate.name.c_str(), worst.error, worst.a);
    }
  }
}

std::vector<double> LogUniform(double lo, double hi, int n,
                               std::mt19937_64& gen) {
  std::uniform_real_distribution<double> uniform(std::log(lo), std::log(hi));
  std::vector<double> out;
  for (int i = 0; i < n; ++i) out.push_back(std::exp(uniform(gen)));
  return out;
}

// Eigen's array functions, on one element.
double EigenLgamma(double x) {
  return Eigen::Array<double, 1, 1>::Constant(x).lgamma()(0);
}
double EigenDigamma(double x) {
  return Eigen::Array<double, 1, 1>::Constant(x).digamma()(0);
}
double EigenIgamma(double a, double x) {
  return Eigen::igamma(Eigen::Array<double, 1, 1>::Constant(a),
                       Eigen::Array<double, 1, 1>::Constant(x))(0);
}
double EigenIgammaDerA(double a, double x) {
  return Eigen::igamma_der_a(Eigen::Array<double, 1, 1>::Constant(a),
                             Eigen::Array<double, 1, 1>::Constant(x))(0);
}
double EigenGammaSampleDerAlpha(double a, double x) {
  return Eigen::gamma_sample_der_alpha(
      Eigen::Array<double, 1, 1>::Constant(a),
      Eigen::Array<double, 1, 1>::Constant(x))(0);
}

void OneArgument(std::mt19937_64& gen) {
  struct Range {
    const char* name;
    double lo, hi;
  };
  const Range ranges[] = {{"[1e-3, 1)", 1e-3, 1},
                          {"[1, 10)", 1, 10},
                          {"[10, 1e3)", 10, 1e3},
                          {"[1e3, 1e6)", 1e3, 1e6}};
  for (const Range& range : ranges) {
    std::vector<Point> points;
    std::vector<Big> lgamma_references;
    std::vector<Big> digamma_references;
    for (const double x : LogUniform(range.lo, range.hi, 400, gen)) {
      points.push_back({x, 0});
      lgamma_references.push_back(boost::math::lgamma(Big(x)));
      digamma_references.push_back(boost::math::digamma(Big(x)));
    }
    Report(
        "log Gamma(x)", range.name, points, lgamma_references,
        {{"std", [](double x, double) { return std::lgamma(x); }},
         {"eigen", [](double x, double) { return EigenLgamma(x); }},
         {"boost", [](double x, double) { return boost::math::lgamma(x); }},
         {"boost-d",
          [](double x, double) { return boost::math::lgamma(x, InDouble()); }}},
        false);
    Report("digamma(x)", range.name, points, digamma_references,
           {{"provi", [](double x, double) { return Digamma(x); }},
            {"eigen", [](double x, double) { return EigenDigamma(x); }},
            {"boost", [](double x, double) { return boost::math::digamma(x); }},
            {"boost-d",
             [](double x, double) {
               return boost::math::digamma(x, InDouble());
             }}},
           false);
  }
}

void TwoArguments(std::mt19937_64& gen) {
  struct Range {
    const char* name;
    double lo, hi;
  };
  const Range ranges[] = {{"a in [0.01, 1)", 0.01, 1},
                          {"a in [1, 10)", 1, 10},
                          {"a in [10, 100)", 10, 100},
                          {"a in [100, 1e3]", 100, 1e3},
                          {"a in (1e3, 1e4]", 1e3, 1e4}};
  const double quantiles[] = {1e-6, 1e-4, 0.01, 0.1,      0.3,     0.5,
                              0.7,  0.9,  0.99, 1 - 1e-4, 1 - 1e-6};
  for (const Range& range : ranges) {
    std::vector<Point> points;
    std::vector<Big> p_references;
    std::vector<Big> dp_references;
    std::vector<Big> slope_references;
    for (const double a : LogUniform(range.lo, range.hi, 60, gen)) {
      for (const double u : quantiles) {
        const double x = boost::math::gamma_p_inv(a, u);
        if (!(x > 0)) continue;  // below the smallest double
        points.push_back({a, x});
        const Big big_a(a);
        const Big big_x(x);
        const Big h = big_a * Big(1e-15);
        const Big dp = (boost::math::gamma_p(big_a + h, big_x) -
                        boost::math::gamma_p(big_a - h, big_x)) /
                       (2 * h);
        p_references.push_back(boost::math::gamma_p(big_a, big_x));
        dp_references.push_back(dp);
        slope_references.push_back(
            -dp / boost::math::gamma_p_derivative(big_a, big_x));
      }
    }
    Report("P(a, x)", range.name, points, p_references,
           {{"provi", RegularizedGammaP},
            {"eigen", EigenIgamma},
            {"boost",
             [](double a, double x) { return boost::math::gamma_p(a, x); }},
            {"boost-d",
             [](double a, double x) {
               return boost::math::gamma_p(a, x, InDouble());
             }}},
           true);
    Report("dP(a, x)/da", range.name, points, dp_references,
           {{"provi", RegularizedGammaPDerivative}, {"eigen", EigenIgammaDerA}},
           true);
    Report("dx/da at fixed P(a, x)", range.name, points, slope_references,
           {{"provi", StandardGammaSampleDerivative},
            {"eigen", EigenGammaSampleDerAlpha}},
           true);
  }
}

}  // namespace
}  // namespace provi

int main() {
  std::mt19937_64 gen(20260);
  std::printf("%-26s %-18s %-8s %9s  %s\n", "function", "range", "impl",
              "max rel", "at");
  provi::OneArgument(gen);
  provi::TwoArguments(gen);
  return 0;
}
