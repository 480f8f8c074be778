// Copyright 2026 The provi Authors.
//
// File: base/internal/math_policy.h
// -----------------------------------------------------------------------------
//
// The Boost.Math policy provi evaluates Boost's special functions with.
// Boost's defaults would throw C++ exceptions on bad arguments and compute
// double arguments in long double; provi wants neither: its functions
// return NaN for arguments outside their domain (callers validate and
// report with a Status first), and long double costs 2-6x the time for an
// accuracy double cannot hold (benchmarks/special_functions_benchmark.cc,
// BM_*_Boost against BM_*_BoostDouble).
//
// Example:
//
//   double p = boost::math::gamma_p(2.5, 1.5, base_internal::MathPolicy());

#ifndef PROVI_BASE_INTERNAL_MATH_POLICY_H_
#define PROVI_BASE_INTERNAL_MATH_POLICY_H_

#include "boost/math/policies/policy.hpp"

namespace provi {
namespace base_internal {

// MathPolicy
//
// Domain and pole errors give NaN, overflow ±infinity, a series that does
// not converge its last value, never an exception; double arguments are
// evaluated in double (float ones, by Boost's default, in double too).
using MathPolicy = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::ignore_error>,
    boost::math::policies::pole_error<boost::math::policies::ignore_error>,
    boost::math::policies::overflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::evaluation_error<
        boost::math::policies::ignore_error>,
    boost::math::policies::promote_double<false>>;

}  // namespace base_internal
}  // namespace provi

#endif  // PROVI_BASE_INTERNAL_MATH_POLICY_H_
