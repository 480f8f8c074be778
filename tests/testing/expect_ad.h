// Copyright 2026 The provi Authors.
//
// File: tests/testing/expect_ad.h
// -----------------------------------------------------------------------------
//
// `ExpectAd`, one line per operation in the spirit of Stan's `expect_ad`:
// given a generic function of tensors and input values, it checks that
//
//   * the function fails (throws `StatusError`) on the AD path exactly when
//     it fails on plain double-precision constants;
//   * the AD value matches the double-precision value;
//   * the reverse-mode gradient of a weighted sum of the outputs matches
//     central finite differences computed in double precision, with all
//     inputs variables and with each input alone a variable (the others
//     constants), which covers every operand-is-constant path.
//
// The AD side runs in `provi::Real`, so the same test checks float under the
// default build and double under `--config=f64`; tolerances follow `Real`.
//
// Example:
//
//   ExpectAd([](const auto& a, const auto& b) { return a * b; },
//            Mat({{1, 2}}), Mat({{3}, {4}}));  // throws on both paths

#ifndef PROVI_TESTS_TESTING_EXPECT_AD_H_
#define PROVI_TESTS_TESTING_EXPECT_AD_H_

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "Eigen/Core"
#include "ad/ops.h"
#include "ad/tape.h"
#include "ad/tensor.h"
#include "base/real.h"
#include "base/status_error.h"
#include "gtest/gtest.h"

namespace provi {
namespace testing {

// Mat()
//
// A double matrix from rows: Mat({{1, 2}, {3, 4}}). Mat({}) is 0x0.
inline Eigen::MatrixXd Mat(
    std::initializer_list<std::initializer_list<double>> rows) {
  const Index r = static_cast<Index>(rows.size());
  const Index c = r == 0 ? 0 : static_cast<Index>(rows.begin()->size());
  Eigen::MatrixXd m(r, c);
  Index i = 0;
  for (const auto& row : rows) {
    Index j = 0;
    for (double v : row) m(i, j++) = v;
    ++i;
  }
  return m;
}

// Tolerances of the comparison |ad - reference| <= abs + rel |reference|.
struct AdTolerance {
  double abs;
  double rel;
};

inline AdTolerance DefaultAdTolerance() {
  return kRealIsDouble ? AdTolerance{1e-6, 1e-6} : AdTolerance{2e-3, 2e-3};
}

// What `ExpectAd` observed: whether the function failed (on both paths,
// else the test has already failed).
struct AdResult {
  bool failed = false;
};

namespace expect_ad_internal {

// Deterministic weights for the scalarising sum, so that every output
// element matters with a different coefficient.
inline Eigen::MatrixXd Weights(Index rows, Index cols) {
  Eigen::MatrixXd w(rows, cols);
  for (Index j = 0; j < cols; ++j) {
    for (Index i = 0; i < rows; ++i) {
      w(i, j) = 0.7 + 0.37 * static_cast<double>((3 * i + 5 * j) % 7);
    }
  }
  return w;
}

template <typename F, size_t N>
std::optional<Eigen::MatrixXd> EvalDouble(
    const F& f, const std::array<Eigen::MatrixXd, N>& inputs) {
  try {
    BasicTensor<double> out = std::apply(
        [&](const auto&... m) { return f(BasicTensor<double>(m)...); }, inputs);
    return Eigen::MatrixXd(out.value());
  } catch (const StatusError&) {
    return std::nullopt;
  }
}

inline bool Close(double ad, double reference, const AdTolerance& tol) {
  if (std::isnan(reference)) return std::isnan(ad);
  if (std::isinf(reference)) return ad == reference;
  return std::abs(ad - reference) <= tol.abs + tol.rel * std::abs(reference);
}

}  // namespace expect_ad_internal

// ExpectAd()
//
// See the file comment. `f` is called with `BasicTensor<double>` and with
// `Tensor` arguments, one per input.
template <typename F, typename... M>
AdResult ExpectAd(const F& f, const M&... input_values) {
  constexpr size_t kN = sizeof...(M);
  const std::array<Eigen::MatrixXd, kN> inputs{
      Eigen::MatrixXd(input_values)...};
  const AdTolerance tol = DefaultAdTolerance();
  const std::optional<Eigen::MatrixXd> plain =
      expect_ad_internal::EvalDouble(f, inputs);

  // Masks: all inputs variables, then each alone.
  std::vector<std::array<bool, kN>> masks;
  std::array<bool, kN> all;
  all.fill(true);
  masks.push_back(all);
  if (kN > 1) {
    for (size_t k = 0; k < kN; ++k) {
      std::array<bool, kN> one{};
      one[k] = true;
      masks.push_back(one);
    }
  }

  for (const auto& mask : masks) {
    TapeScope scope;
    std::array<Tensor, kN> args;
    for (size_t k = 0; k < kN; ++k) {
      const Matrix value = inputs[k].template cast<Real>();
      args[k] = mask[k] ? Variable(value) : Tensor(value);
    }
    std::optional<Tensor> out;
    try {
      out = std::apply([&](const auto&... t) { return f(t...); }, args);
    } catch (const StatusError& error) {
      EXPECT_FALSE(plain.has_value())
          << "AD path failed but the plain path did not: " << error.status();
      continue;
    }
    if (!plain.has_value()) {
      ADD_FAILURE() << "plain path failed but the AD path did not";
      continue;
    }
    // Values.
    EXPECT_EQ(out->rows(), plain->rows());
    EXPECT_EQ(out->cols(), plain->cols());
    if (out->rows() != plain->rows() || out->cols() != plain->cols()) continue;
    for (Index j = 0; j < plain->cols(); ++j) {
      for (Index i = 0; i < plain->rows(); ++i) {
        EXPECT_PRED3(expect_ad_internal::Close, (*out)(i, j), (*plain)(i, j),
                     tol)
            << "value at (" << i << ", " << j << ")";
      }
    }
    // Gradients.
    const Eigen::MatrixXd w =
        expect_ad_internal::Weights(plain->rows(), plain->cols());
    Tensor loss = SumAll(*out * Tensor(w.cast<Real>().eval()));
    Backward(loss);
    for (size_t k = 0; k < kN; ++k) {
      if (!mask[k]) continue;
      const Matrix ad_grad = args[k].adjoint();
      for (Index e = 0; e < inputs[k].size(); ++e) {
        const double x = inputs[k](e);
        const double h = 1e-6 * std::max(1.0, std::abs(x));
        auto objective = [&](double shifted) {
          std::array<Eigen::MatrixXd, kN> moved = inputs;
          moved[k](e) = shifted;
          const std::optional<Eigen::MatrixXd> y =
              expect_ad_internal::EvalDouble(f, moved);
          return y.has_value() ? (w.array() * y->array()).sum() : std::nan("");
        };
        const double fd = (objective(x + h) - objective(x - h)) / (2 * h);
        EXPECT_PRED3(expect_ad_internal::Close, ad_grad(e), fd, tol)
            << "gradient of input " << k << " element " << e << " (value " << x
            << ")";
      }
    }
  }
  return AdResult{!plain.has_value()};
}

// ExpectAdFails()
//
// Expects `f` to fail on both paths (the plain check is part of ExpectAd).
template <typename F, typename... M>
void ExpectAdFails(const F& f, const M&... inputs) {
  EXPECT_TRUE(ExpectAd(f, inputs...).failed) << "expected a failure";
}

}  // namespace testing
}  // namespace provi

#endif  // PROVI_TESTS_TESTING_EXPECT_AD_H_
