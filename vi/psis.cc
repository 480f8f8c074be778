// Copyright 2026 The provi Authors.

#include "vi/psis.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/check.h"

namespace provi {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// log Σ exp(x), over the finite-or-(-inf) entries of x.
double LogSumExp(const Eigen::VectorXd& x) {
  const double top = x.maxCoeff();
  if (top == -kInfinity) return -kInfinity;
  return top + std::log((x.array() - top).exp().sum());
}

}  // namespace

double GeneralizedPareto::Quantile(double p) const {
  const double log_tail = std::log1p(-p);  // log(1 - p)
  if (k == 0) return -sigma * log_tail;
  return sigma * std::expm1(-k * log_tail) / k;
}

absl::StatusOr<GeneralizedPareto> FitGeneralizedPareto(
    absl::Span<const double> exceedances, bool weakly_informative_prior) {
  const size_t n = exceedances.size();
  if (n < 5) {
    return absl::InvalidArgumentError(absl::StrCat(
        "generalized Pareto fit: ", n, " exceedances; at least 5 are needed"));
  }
  for (size_t i = 0; i < n; ++i) {
    const double x = exceedances[i];
    if (!(x >= 0) || !std::isfinite(x) || (i > 0 && x < exceedances[i - 1])) {
      return absl::InvalidArgumentError(
          absl::StrCat("generalized Pareto fit: exceedance ", i, " = ", x,
                       " (they must be finite, >= 0 and sorted ascending)"));
    }
  }
  const double largest = exceedances[n - 1];
  if (!(largest > 0)) {
    return absl::InvalidArgumentError(
        "generalized Pareto fit: every exceedance is 0");
  }
  // The grid of θ = -k / σ: θ_j = 1 / x_max + (1 - √(m / (j - 1/2))) / (3
  // x*), x* the first quartile, j = 1..m. Each θ_j is below 1 / x_max, so
  // 1 - θ x > 0 for every x.
  const int m = 30 + static_cast<int>(std::floor(std::sqrt(n)));
  const double quartile =
      exceedances[static_cast<size_t>(std::floor(n / 4.0 + 0.5)) - 1];
  const double first_quartile = quartile > 0 ? quartile : largest;
  std::vector<double> theta(static_cast<size_t>(m));
  std::vector<double> profile(static_cast<size_t>(m));
  auto mean_log1p = [&](double t) {
    double sum = 0;
    for (double x : exceedances) sum += std::log1p(-t * x);
    return sum / static_cast<double>(n);
  };
  for (int j = 1; j <= m; ++j) {
    const double t =
        1 / largest + (1 - std::sqrt(m / (j - 0.5))) / (3 * first_quartile);
    // The profile log likelihood of θ, n (log(-θ / k) - k - 1) with k(θ) =
    // mean log(1 - θ x) (positive for heavy tails, where θ < 0).
    const double k = mean_log1p(t);
    theta[static_cast<size_t>(j - 1)] = t;
    profile[static_cast<size_t>(j - 1)] =
        static_cast<double>(n) * (std::log(-t / k) - k - 1);
  }
  // Posterior-mean θ under the grid's weights exp(profile) (normalised).
  const double top = *std::max_element(profile.begin(), profile.end());
  double weight_sum = 0;
  double theta_hat = 0;
  for (int j = 0; j < m; ++j) {
    const double w = std::exp(profile[static_cast<size_t>(j)] - top);
    if (!std::isfinite(w)) continue;
    weight_sum += w;
    theta_hat += w * theta[static_cast<size_t>(j)];
  }
  if (!(weight_sum > 0)) {
    return absl::InternalError(
        "generalized Pareto fit: the profile likelihood is nowhere finite");
  }
  theta_hat /= weight_sum;
  GeneralizedPareto fit;
  fit.k = mean_log1p(theta_hat);
  fit.sigma = -fit.k / theta_hat;
  if (!std::isfinite(fit.k) || !(fit.sigma > 0) || !std::isfinite(fit.sigma)) {
    return absl::InternalError(
        absl::StrCat("generalized Pareto fit: no finite estimate (k = ", fit.k,
                     ", sigma = ", fit.sigma, ")"));
  }
  if (weakly_informative_prior) {
    // As if 10 more observations had k = 0.5.
    const double a = 10;
    fit.k = (static_cast<double>(n) * fit.k + a * 0.5) /
            (static_cast<double>(n) + a);
  }
  return fit;
}

ParetoKLevel ClassifyParetoK(double k_hat) {
  if (k_hat <= kParetoKGood) return ParetoKLevel::kGood;
  if (k_hat <= kParetoKUsable) return ParetoKLevel::kUsable;
  return ParetoKLevel::kUnreliable;
}

absl::string_view ParetoKLevelName(ParetoKLevel level) {
  switch (level) {
    case ParetoKLevel::kGood:
      return "good";
    case ParetoKLevel::kUsable:
      return "usable";
    case ParetoKLevel::kUnreliable:
      return "unreliable";
  }
  return "unreliable";
}

absl::StatusOr<PsisResult> Psis(absl::Span<const double> log_ratios) {
  const size_t total = log_ratios.size();
  std::vector<size_t> finite;
  finite.reserve(total);
  for (size_t s = 0; s < total; ++s) {
    const double r = log_ratios[s];
    if (std::isnan(r) || r == kInfinity) {
      return absl::InvalidArgumentError(
          absl::StrCat("PSIS: the log importance ratio of draw ", s, " is ", r,
                       " (only finite values and -inf are meaningful)"));
    }
    if (r != -kInfinity) finite.push_back(s);
  }
  const double s_count = static_cast<double>(finite.size());
  const int tail = static_cast<int>(
      std::ceil(std::min(0.2 * s_count, 3 * std::sqrt(s_count))));
  if (tail < 5) {
    return absl::InvalidArgumentError(absl::StrCat(
        "PSIS: ", finite.size(),
        " draws with a finite log ratio; at least 25 are needed (the tail "
        "fit needs 5)"));
  }
  Eigen::VectorXd lw(static_cast<Eigen::Index>(total));
  double top = -kInfinity;
  for (size_t s = 0; s < total; ++s) {
    lw(static_cast<Eigen::Index>(s)) = log_ratios[s];
    top = std::max(top, log_ratios[s]);
  }
  lw.array() -= top;  // the largest raw log weight is now 0
  // The finite draws by increasing ratio; the last `tail` form the tail and
  // the one before it the threshold.
  std::sort(finite.begin(), finite.end(), [&](size_t a, size_t b) {
    return lw(static_cast<Eigen::Index>(a)) < lw(static_cast<Eigen::Index>(b));
  });
  const size_t first_tail = finite.size() - static_cast<size_t>(tail);
  const double log_cutoff =
      lw(static_cast<Eigen::Index>(finite[first_tail - 1]));
  const double cutoff = std::exp(log_cutoff);
  std::vector<double> exceedances(static_cast<size_t>(tail));
  for (int i = 0; i < tail; ++i) {
    exceedances[static_cast<size_t>(i)] = std::max(
        0.0, std::exp(lw(static_cast<Eigen::Index>(finite[first_tail + i]))) -
                 cutoff);
  }
  PsisResult result;
  result.tail_length = tail;
  if (exceedances.back() > 0) {
    absl::StatusOr<GeneralizedPareto> fit = FitGeneralizedPareto(exceedances);
    if (!fit.ok()) return fit.status();
    result.pareto_k = fit->k;
    // Replace the tail by the fitted distribution's expected order
    // statistics (quantiles at (i - 1/2) / M), truncated at the largest raw
    // weight, exp(0).
    for (int i = 0; i < tail; ++i) {
      const double p = (i + 0.5) / tail;
      const double smoothed = std::log(fit->Quantile(p) + cutoff);
      lw(static_cast<Eigen::Index>(finite[first_tail + i])) =
          std::min(smoothed, 0.0);
    }
  } else {
    result.pareto_k = -kInfinity;
  }
  lw.array() -= LogSumExp(lw);
  result.log_weights = lw;
  result.effective_sample_size = 1 / lw.array().exp().square().sum();
  return result;
}

WeightedMoments ComputeWeightedMoments(const Eigen::MatrixXd& values,
                                       const Eigen::VectorXd& log_weights) {
  PROVI_CHECK(values.rows() == log_weights.size());
  const Eigen::VectorXd w = log_weights.array().exp().matrix();
  const double total = w.sum();
  WeightedMoments moments;
  moments.mean = (values.transpose() * w) / total;
  moments.sd.resize(values.cols());
  for (Eigen::Index j = 0; j < values.cols(); ++j) {
    const double variance =
        (w.array() * (values.col(j).array() - moments.mean(j)).square()).sum() /
        total;
    moments.sd(j) = std::sqrt(std::max(variance, 0.0));
  }
  return moments;
}

}  // namespace provi
