// Copyright 2026 The provi Authors.
//
// KlDivergence: every pair against values computed independently in R (by
// numerical integration or summation of E_p[log p - log q] where R can do
// it, otherwise R's covariance algebra or special functions), against Monte
// Carlo estimates of E_p[log p - log q] from provi's own samplers and
// densities, KL(p ‖ p) = 0, gradients against finite differences of a
// double-precision reference written by hand, the conventions at the
// boundary of the discrete families, broadcasting, and the errors.
// Statistical checks follow the flake budget in statistical_testing.h.

#include "distributions/kl.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "Eigen/Dense"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/random.h"
#include "base/special_functions.h"
#include "base/status_error.h"
#include "distributions/bernoulli.h"
#include "distributions/beta.h"
#include "distributions/categorical.h"
#include "distributions/dirichlet.h"
#include "distributions/exponential.h"
#include "distributions/gamma.h"
#include "distributions/laplace.h"
#include "distributions/mv_normal.h"
#include "distributions/normal.h"
#include "distributions/one_hot_categorical.h"
#include "distributions/poisson.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/expect_ad.h"
#include "tests/testing/statistical_testing.h"

namespace provi {
namespace {

using ::provi::testing::Mat;
using ::provi::testing::MeanAccumulator;
using ::provi::testing::RealTensor;
using ::testing::HasSubstr;

// Tolerance of a divergence compared with a double-precision reference.
double KlTolerance(double reference) {
  return (kRealIsDouble ? 1e-12 : 4e-6) * std::max(1.0, std::abs(reference));
}

// Expects `kl` to be lanes x 1 with the given values.
void ExpectKl(const Tensor& kl, const std::vector<double>& expected) {
  ASSERT_EQ(kl.rows(), static_cast<Index>(expected.size()));
  ASSERT_EQ(kl.cols(), 1);
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(kl(static_cast<Index>(i), 0), expected[i],
                KlTolerance(expected[i]))
        << "lane " << i;
  }
}

// -----------------------------------------------------------------------------
// Closed-form values against R
// -----------------------------------------------------------------------------

// Numerical integration of p (log p - log q) in R, with helpers:
//   kl_int <- function(lp, lq, lo, hi) integrate(function(x)
//     exp(lp(x))*(lp(x)-lq(x)), lo, hi, rel.tol=1e-13, abs.tol=0,
//     subdivisions=1000L)$value
//   # x = exp(t) removes a singularity at 0: integrand p(x) x (lp - lq).
//   kl_pos <- function(lp, lq) integrate(function(t) { x <- exp(t);
//     exp(lp(x)+t)*(lp(x)-lq(x)) }, -200, 6, rel.tol=1e-13, abs.tol=0,
//     subdivisions=1000L)$value

TEST(KlDivergenceTest, NormalMatchesRIntegration) {
  // kn <- function(m1,s1,m2,s2) kl_int(function(x) dnorm(x,m1,s1,log=TRUE),
  //   function(x) dnorm(x,m2,s2,log=TRUE), -Inf, Inf)
  // print(c(kn(0.3,0.8,0.5,1.2)+kn(-1,1.5,0.5,0.7),
  //         kn(2,0.4,0.5,1.2)+kn(0.5,2,0.5,0.7)), digits=17)
  const Normal p(RealTensor(Mat({{0.3, -1.0}, {2.0, 0.5}})),
                 RealTensor(Mat({{0.8, 1.5}, {0.4, 2.0}})));
  const Normal q(0.5, RealTensor(Mat({{1.2, 0.7}})));
  ExpectKl(KlDivergence(p, q), {3.4712729018662563, 3.9672283727862117});
}

TEST(KlDivergenceTest, MvNormalMatchesRCovarianceAlgebra) {
  // L1=matrix(c(1.5,0,0, 0.3,0.8,0, -0.4,0.2,1.1), 3, 3, byrow=TRUE)
  // L2=matrix(c(0.9,0,0, -0.2,1.3,0, 0.5,0.1,0.6), 3, 3, byrow=TRUE)
  // S1=L1 %*% t(L1); S2=L2 %*% t(L2); m2=c(0.5,-1,2)
  // kmv <- function(m1) { d <- m2-m1; 0.5*(sum(diag(solve(S2, S1))) +
  //   drop(t(d) %*% solve(S2, d)) - 3 + log(det(S2)/det(S1))) }
  // print(c(kmv(c(0.1,-0.2,0.3)), kmv(c(1,0,-1))), digits=17)
  const MvNormal p(
      RealTensor(Mat({{0.1, -0.2, 0.3}, {1.0, 0.0, -1.0}})),
      RealTensor(Mat({{1.5, 0.0, 0.0}, {0.3, 0.8, 0.0}, {-0.4, 0.2, 1.1}})));
  const MvNormal q(
      RealTensor(Mat({{0.5, -1.0, 2.0}})),
      RealTensor(Mat({{0.9, 0.0, 0.0}, {-0.2, 1.3, 0.0}, {0.5, 0.1, 0.6}})));
  ExpectKl(KlDivergence(p, q), {7.0656612657597018, 19.785399741908439});
  // The same lanes through a loc shared by both and expanded.
  const MvNormal shared =
      MvNormal(RealTensor(Mat({{1.0, 0.0, -1.0}})), p.scale_tril())
          .Expand(3, 3);
  ExpectKl(KlDivergence(shared, q),
           {19.785399741908439, 19.785399741908439, 19.785399741908439});
}

// kbern <- function(a, b) { pa <- c(a, 1-a); pb <- c(b, 1-b);
//   sum(ifelse(pa==0, 0, pa*log(pa/pb))) }
TEST(KlDivergenceTest, BernoulliMatchesRSums) {
  // q <- plogis(c(0.4,-1.3,2.0))
  // print(c(kbern(0.2,q[1])+kbern(0,q[2])+kbern(1,q[3]),
  //         kbern(0.7,q[1])+kbern(0.5,q[2])+kbern(0.9,q[3])), digits=17)
  const Bernoulli p =
      Bernoulli::FromProbs(RealTensor(Mat({{0.2, 0.0, 1.0}, {0.7, 0.5, 0.9}})));
  const Bernoulli q =
      Bernoulli::FromLogits(RealTensor(Mat({{0.4, -1.3, 2.0}})));
  ExpectKl(KlDivergence(p, q), {0.70054929373772945, 0.22185726126963037});
  // p <- plogis(c(1.5,-0.3)); print(kbern(p[1],0.25)+kbern(p[2],0.6),
  //                                 digits=17)
  ExpectKl(KlDivergence(Bernoulli::FromLogits(RealTensor(Mat({{1.5, -0.3}}))),
                        Bernoulli::FromProbs(RealTensor(Mat({{0.25, 0.6}})))),
           {0.77254740672915012});
}

// kcat <- function(a, b) sum(ifelse(a==0, 0, a*log(a/b)))
// sm <- function(l) exp(l)/sum(exp(l))
TEST(KlDivergenceTest, CategoricalMatchesRSums) {
  // qc <- c(0.1,0.2,0.3,0.4)
  // print(c(kcat(sm(c(0.2,-1,0.5,1.3)),qc), kcat(sm(c(0,0,2,-3)),qc)),
  //       digits=17)
  const Categorical p = Categorical::FromLogits(
      RealTensor(Mat({{0.2, -1.0, 0.5, 1.3}, {0.0, 0.0, 2.0, -3.0}})));
  const Categorical q =
      Categorical::FromProbs(RealTensor(Mat({{0.1, 0.2, 0.3, 0.4}})));
  ExpectKl(KlDivergence(p, q), {0.12647000857285809, 0.66681745382495639});
  // pc <- c(0.5,0,0.5,0); print(c(kcat(pc, sm(c(1,2,3,4))),
  //   kcat(pc, sm(c(-0.5,0.5,0,2)))), digits=17)
  ExpectKl(KlDivergence(
               Categorical::FromProbs(RealTensor(Mat({{0.5, 0.0, 0.5, 0.0}}))),
               Categorical::FromLogits(RealTensor(
                   Mat({{1.0, 2.0, 3.0, 4.0}, {-0.5, 0.5, 0.0, 2.0}})))),
           {1.7470425180012499, 1.9218781113836099});
}

// The same distributions written as one-hot rows: the same R values.
TEST(KlDivergenceTest, OneHotCategoricalMatchesRSums) {
  const OneHotCategorical p = OneHotCategorical::FromLogits(
      RealTensor(Mat({{0.2, -1.0, 0.5, 1.3}, {0.0, 0.0, 2.0, -3.0}})));
  const OneHotCategorical q =
      OneHotCategorical::FromProbs(RealTensor(Mat({{0.1, 0.2, 0.3, 0.4}})));
  ExpectKl(KlDivergence(p, q), {0.12647000857285809, 0.66681745382495639});
  ExpectKl(
      KlDivergence(
          OneHotCategorical::FromProbs(RealTensor(Mat({{0.5, 0.0, 0.5, 0.0}}))),
          OneHotCategorical::FromLogits(
              RealTensor(Mat({{1.0, 2.0, 3.0, 4.0}, {-0.5, 0.5, 0.0, 2.0}})))),
      {1.7470425180012499, 1.9218781113836099});
}

TEST(KlDivergenceTest, GammaMatchesRIntegration) {
  // kg <- function(a1,b1,a2,b2) kl_pos(function(x) dgamma(x,a1,b1,log=TRUE),
  //   function(x) dgamma(x,a2,b2,log=TRUE))
  // print(c(kg(0.5,1,1.5,0.8)+kg(2,1,1.5,3),
  //         kg(3,2.5,1.5,0.8)+kg(7.5,2.5,1.5,3)), digits=17)
  // The rates broadcast like an outer product (2x1 against 1x2).
  const Gamma p(RealTensor(Mat({{0.5, 2.0}, {3.0, 7.5}})),
                RealTensor(Mat({{1.0}, {2.5}})));
  const Gamma q(1.5, RealTensor(Mat({{0.8, 3.0}})));
  ExpectKl(KlDivergence(p, q), {3.9477696693446171, 5.4913146051266679});
}

// x = plogis(t), dx = x (1 - x) dt, with the beta log density written in t
// (x rounds to 1 for large t):
//   ldb <- function(t,a,b) (a-1)*plogis(t,log.p=TRUE)+
//     (b-1)*plogis(-t,log.p=TRUE)-lbeta(a,b)
//   kb <- function(a1,b1,a2,b2) integrate(function(t) exp(ldb(t,a1,b1)+
//     plogis(t,log.p=TRUE)+plogis(-t,log.p=TRUE))*(ldb(t,a1,b1)-
//     ldb(t,a2,b2)), -300, 300, rel.tol=1e-13, abs.tol=0,
//     subdivisions=1000L)$value
TEST(KlDivergenceTest, BetaMatchesRIntegration) {
  // print(kb(0.5,3,2,0.7)+kb(2,1.2,2,4), digits=17)
  const Beta p(RealTensor(Mat({{0.5, 2.0}})), RealTensor(Mat({{3.0, 1.2}})));
  const Beta q(2.0, RealTensor(Mat({{0.7, 4.0}})));
  ExpectKl(KlDivergence(p, q), {5.527759118646248});
}

TEST(KlDivergenceTest, DirichletMatchesR) {
  // Two categories: the Beta integral above, print(kb(0.5,3,2,0.7),
  // digits=17).
  ExpectKl(KlDivergence(Dirichlet(RealTensor(Mat({{0.5, 3.0}}))),
                        Dirichlet(RealTensor(Mat({{2.0, 0.7}})))),
           {3.946651868981407});
  // Three categories, from R's special functions:
  // kdir <- function(a, b) lgamma(sum(a))-sum(lgamma(a))-lgamma(sum(b))+
  //   sum(lgamma(b))+sum((a-b)*(digamma(a)-digamma(sum(a))))
  // print(c(kdir(c(0.5,2,3.5),c(2,0.8,1.2)), kdir(c(1,1,1),c(2,0.8,1.2))),
  //       digits=17)
  const Dirichlet p(RealTensor(Mat({{0.5, 2.0, 3.5}, {1.0, 1.0, 1.0}})));
  const Dirichlet q(RealTensor(Mat({{2.0, 0.8, 1.2}})));
  ExpectKl(KlDivergence(p, q), {3.8667104944494923, 0.46807329972841183});
}

TEST(KlDivergenceTest, ExponentialMatchesRIntegration) {
  // ke <- function(l1,l2) kl_pos(function(x) dexp(x,l1,log=TRUE),
  //   function(x) dexp(x,l2,log=TRUE))
  // print(c(ke(0.5,2)+ke(3,2), ke(0.5,0.1)+ke(3,0.1)), digits=17)
  const Exponential p = Exponential(RealTensor(Mat({{0.5, 3.0}}))).Expand(2, 2);
  const Exponential q(RealTensor(Mat({{2.0}, {0.1}})));
  ExpectKl(KlDivergence(p, q), {1.6858374136549406, 3.2439686274295902});
}

TEST(KlDivergenceTest, PoissonMatchesRSums) {
  // kp <- function(l1,l2) { k <- 0:400; sum(dpois(k,l1)*
  //   (dpois(k,l1,log=TRUE)-dpois(k,l2,log=TRUE))) }
  // print(c(kp(0.7,2.5)+kp(4,2.5), kp(0.7,11)+kp(4,11)), digits=17)
  const Poisson p = Poisson(RealTensor(Mat({{0.7, 4.0}}))).Expand(2, 2);
  const Poisson q(RealTensor(Mat({{2.5}, {11.0}})));
  ExpectKl(KlDivergence(p, q), {1.2889385439139209, 11.325397201570109});
}

// -----------------------------------------------------------------------------
// Monte Carlo: E_p[log p(x) - log q(x)] from provi's samplers and densities
// -----------------------------------------------------------------------------

// `p` has many lanes, all alike; `q` broadcasts against them. Averages
// log p(x) - log q(x) over `reps` draws of every lane and z-tests the mean
// against lane 0 of KlDivergence(p, q) (with the empirical standard error).
void ExpectMonteCarloAgrees(const Distribution& p, const Distribution& q,
                            int reps, uint64_t seed) {
  Rng rng = MakeRng(seed);
  const double kl = KlDivergence(p, q)(0, 0);
  MeanAccumulator acc;
  for (int rep = 0; rep < reps; ++rep) {
    TapeScope scope;
    const Tensor x = p.Sample(rng);
    const Tensor log_ratio = p.LogProb(x) - q.LogProb(x);
    for (Index i = 0; i < log_ratio.rows(); ++i) acc.Add(log_ratio(i, 0));
  }
  EXPECT_MEAN_NEAR(acc, kl) << p.name() << " against " << q.name();
}

constexpr Index kLanes = 10000;
constexpr int kReps = 10;

TEST(KlDivergenceTest, MonteCarloNormal) {
  const Normal p =
      Normal(RealTensor(Mat({{0.3, -1.0}})), RealTensor(Mat({{0.8, 1.5}})))
          .Expand(kLanes, 2);
  ExpectMonteCarloAgrees(p, Normal(0.5, RealTensor(Mat({{1.2, 0.7}}))), kReps,
                         1);
}

TEST(KlDivergenceTest, MonteCarloMvNormal) {
  const MvNormal p =
      MvNormal(
          RealTensor(Mat({{0.1, -0.2, 0.3}})),
          RealTensor(Mat({{1.5, 0.0, 0.0}, {0.3, 0.8, 0.0}, {-0.4, 0.2, 1.1}})))
          .Expand(kLanes, 3);
  const MvNormal q(
      RealTensor(Mat({{0.5, -1.0, 2.0}})),
      RealTensor(Mat({{0.9, 0.0, 0.0}, {-0.2, 1.3, 0.0}, {0.5, 0.1, 0.6}})));
  ExpectMonteCarloAgrees(p, q, kReps, 2);
}

TEST(KlDivergenceTest, MonteCarloBernoulli) {
  const Bernoulli p = Bernoulli::FromProbs(RealTensor(Mat({{0.2, 0.7, 0.95}})))
                          .Expand(kLanes, 3);
  ExpectMonteCarloAgrees(
      p, Bernoulli::FromLogits(RealTensor(Mat({{0.4, -1.3, 2.0}}))), kReps, 3);
  const Bernoulli p_logits =
      Bernoulli::FromLogits(RealTensor(Mat({{1.5, -0.3}}))).Expand(kLanes, 2);
  ExpectMonteCarloAgrees(
      p_logits, Bernoulli::FromProbs(RealTensor(Mat({{0.25, 0.6}}))), kReps, 4);
}

TEST(KlDivergenceTest, MonteCarloCategorical) {
  const Categorical p =
      Categorical::FromLogits(RealTensor(Mat({{0.2, -1.0, 0.5, 1.3}})))
          .Expand(kLanes);
  ExpectMonteCarloAgrees(
      p, Categorical::FromProbs(RealTensor(Mat({{0.1, 0.2, 0.3, 0.4}}))), kReps,
      5);
}

TEST(KlDivergenceTest, MonteCarloOneHotCategorical) {
  const OneHotCategorical p =
      OneHotCategorical::FromLogits(RealTensor(Mat({{0.2, -1.0, 0.5, 1.3}})))
          .Expand(kLanes);
  ExpectMonteCarloAgrees(
      p, OneHotCategorical::FromProbs(RealTensor(Mat({{0.1, 0.2, 0.3, 0.4}}))),
      kReps, 11);
}

TEST(KlDivergenceTest, MonteCarloGamma) {
  const Gamma p =
      Gamma(RealTensor(Mat({{0.5, 7.5}})), RealTensor(Mat({{1.0, 2.5}})))
          .Expand(kLanes, 2);
  ExpectMonteCarloAgrees(p, Gamma(1.5, RealTensor(Mat({{0.8, 3.0}}))), kReps,
                         6);
}

TEST(KlDivergenceTest, MonteCarloBeta) {
  const Beta p =
      Beta(RealTensor(Mat({{0.7, 2.0}})), RealTensor(Mat({{3.0, 1.2}})))
          .Expand(kLanes, 2);
  ExpectMonteCarloAgrees(p, Beta(2.0, RealTensor(Mat({{0.7, 4.0}}))), kReps, 7);
}

TEST(KlDivergenceTest, MonteCarloDirichlet) {
  const Dirichlet p =
      Dirichlet(RealTensor(Mat({{0.8, 2.0, 3.5}}))).Expand(kLanes);
  ExpectMonteCarloAgrees(p, Dirichlet(RealTensor(Mat({{2.0, 0.8, 1.2}}))),
                         kReps, 8);
}

TEST(KlDivergenceTest, MonteCarloExponential) {
  const Exponential p =
      Exponential(RealTensor(Mat({{0.5, 3.0}}))).Expand(kLanes, 2);
  ExpectMonteCarloAgrees(p, Exponential(2.0), kReps, 9);
}

TEST(KlDivergenceTest, MonteCarloPoisson) {
  const Poisson p = Poisson(RealTensor(Mat({{0.7, 4.0}}))).Expand(kLanes, 2);
  ExpectMonteCarloAgrees(p, Poisson(2.5), kReps, 10);
}

// -----------------------------------------------------------------------------
// KL(p ‖ p) = 0
// -----------------------------------------------------------------------------

TEST(KlDivergenceTest, DivergenceFromItselfIsZero) {
  const Tensor row = RealTensor(Mat({{0.3, 1.7, 4.0}}));
  const Tensor simplex = RealTensor(Mat({{0.2, 0.0, 0.8}}));
  const Tensor tril =
      RealTensor(Mat({{1.5, 0.0, 0.0}, {0.3, 0.8, 0.0}, {-0.4, 0.2, 1.1}}));
  const std::vector<std::shared_ptr<const Distribution>> families = {
      Normal(row, row).Clone(),
      MvNormal(row, tril).Clone(),
      Bernoulli::FromProbs(RealTensor(Mat({{0.0, 0.4, 1.0}}))).Clone(),
      Bernoulli::FromLogits(row).Clone(),
      Categorical::FromProbs(simplex).Clone(),
      Categorical::FromLogits(row).Clone(),
      OneHotCategorical::FromProbs(simplex).Clone(),
      OneHotCategorical::FromLogits(row).Clone(),
      Gamma(row, row).Clone(),
      Beta(row, row).Clone(),
      Dirichlet(row).Clone(),
      Exponential(row).Clone(),
      Poisson(row).Clone(),
  };
  for (const auto& d : families) {
    const Tensor kl = KlDivergence(*d, *d);
    ASSERT_EQ(kl.rows(), 1) << d->name();
    // MvNormal's trace term rounds L⁻¹ L = I; the others cancel exactly.
    EXPECT_NEAR(kl(0, 0), 0.0, 8 * kRealEpsilon) << d->name();
  }
}

// -----------------------------------------------------------------------------
// Gradients against finite differences of a double reference
// -----------------------------------------------------------------------------

// The reference paths below run only in the default (float) build: under
// --config=f64, Tensor is BasicTensor<double> and ExpectAd's double path is
// provi's own code, checked against its own finite differences.

// Element (i, j) of `m` read with broadcasting (a dimension of 1 repeats).
[[maybe_unused]] double At(const BasicTensor<double>& m, Index i, Index j) {
  return m(m.rows() == 1 ? 0 : i, m.cols() == 1 ? 0 : j);
}

// The reference path of ExpectAd: Σ_j f(i, j) per lane, as a constant.
template <typename F>
BasicTensor<double> RowSums(Index rows, Index cols, const F& f) {
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(rows, 1);
  for (Index i = 0; i < rows; ++i) {
    for (Index j = 0; j < cols; ++j) out(i, 0) += f(i, j);
  }
  return BasicTensor<double>(out);
}

template <typename U>
constexpr bool kIsAdPath = std::is_same_v<std::decay_t<U>, Tensor>;

TEST(KlDivergenceTest, NormalGradientMatchesFiniteDifferences) {
  ::provi::testing::ExpectAd(
      [](const auto& loc1, const auto& scale1, const auto& loc2,
         const auto& scale2) {
        if constexpr (kIsAdPath<decltype(loc1)>) {
          return KlDivergence(Normal(loc1, scale1), Normal(loc2, scale2));
        } else {
          return RowSums(2, 2, [&](Index i, Index j) {
            const double s1 = At(scale1, i, j), s2 = At(scale2, i, j);
            const double d = At(loc1, i, j) - At(loc2, i, j);
            return std::log(s2 / s1) + (s1 * s1 + d * d) / (2 * s2 * s2) - 0.5;
          });
        }
      },
      Mat({{0.3, -1.0}, {2.0, 0.5}}), Mat({{0.8}, {1.5}}), Mat({{0.5}}),
      Mat({{1.2, 0.7}}));
}

TEST(KlDivergenceTest, MvNormalGradientMatchesFiniteDifferences) {
  // Only the lower triangles are parameters: the masks keep the steps of the
  // finite differences above the diagonal from changing either path.
  const Eigen::MatrixXd lower = Mat({{1, 0}, {1, 1}});
  ::provi::testing::ExpectAd(
      [&](const auto& loc1, const auto& l1, const auto& loc2, const auto& l2) {
        using U = std::decay_t<decltype(loc1)>;
        if constexpr (kIsAdPath<U>) {
          const Tensor mask = RealTensor(lower);
          return KlDivergence(MvNormal(loc1, l1 * mask),
                              MvNormal(loc2, l2 * mask));
        } else {
          // Covariances, inverse and determinants in double.
          const Eigen::MatrixXd a = l1.value().cwiseProduct(lower);
          const Eigen::MatrixXd b = l2.value().cwiseProduct(lower);
          const Eigen::MatrixXd s1 = a * a.transpose();
          const Eigen::MatrixXd s2 = b * b.transpose();
          const Eigen::MatrixXd s2_inv = s2.inverse();
          return RowSums(2, 1, [&](Index i, Index) {
            const Eigen::VectorXd d =
                (loc2.value().row(0) - loc1.value().row(i)).transpose();
            return 0.5 * ((s2_inv * s1).trace() + d.dot(s2_inv * d) - 2 +
                          std::log(s2.determinant() / s1.determinant()));
          });
        }
      },
      Mat({{0.1, -0.2}, {1.0, 0.4}}), Mat({{1.5, 0.0}, {0.3, 0.8}}),
      Mat({{0.5, -1.0}}), Mat({{0.9, 0.0}, {-0.2, 1.3}}));
}

[[maybe_unused]] double BernoulliTerm(double a, double b) {
  return a * std::log(a / b) + (1 - a) * std::log((1 - a) / (1 - b));
}

TEST(KlDivergenceTest, BernoulliGradientMatchesFiniteDifferences) {
  // probs against logits, and logits against probs.
  ::provi::testing::ExpectAd(
      [](const auto& probs, const auto& logits) {
        if constexpr (kIsAdPath<decltype(probs)>) {
          return KlDivergence(Bernoulli::FromProbs(probs),
                              Bernoulli::FromLogits(logits));
        } else {
          return RowSums(2, 3, [&](Index i, Index j) {
            return BernoulliTerm(At(probs, i, j),
                                 1 / (1 + std::exp(-At(logits, i, j))));
          });
        }
      },
      Mat({{0.2, 0.6, 0.9}, {0.7, 0.5, 0.05}}), Mat({{0.4, -1.3, 2.0}}));
  ::provi::testing::ExpectAd(
      [](const auto& logits, const auto& probs) {
        if constexpr (kIsAdPath<decltype(probs)>) {
          return KlDivergence(Bernoulli::FromLogits(logits),
                              Bernoulli::FromProbs(probs));
        } else {
          return RowSums(1, 2, [&](Index i, Index j) {
            return BernoulliTerm(1 / (1 + std::exp(-At(logits, i, j))),
                                 At(probs, i, j));
          });
        }
      },
      Mat({{1.5, -0.3}}), Mat({{0.25, 0.6}}));
}

TEST(KlDivergenceTest, CategoricalGradientMatchesFiniteDifferences) {
  // The finite differences step off the simplex; the formula still holds.
  ::provi::testing::ExpectAd(
      [](const auto& logits, const auto& probs) {
        if constexpr (kIsAdPath<decltype(probs)>) {
          return KlDivergence(Categorical::FromLogits(logits),
                              Categorical::FromProbs(probs));
        } else {
          Eigen::MatrixXd out(2, 1);
          for (Index i = 0; i < 2; ++i) {
            const Eigen::ArrayXd e =
                logits.value().row(i).transpose().array().exp();
            const Eigen::ArrayXd a = e / e.sum();
            const Eigen::ArrayXd b = probs.value().row(0).transpose().array();
            out(i, 0) = (a * (a / b).log()).sum();
          }
          return BasicTensor<double>(out);
        }
      },
      Mat({{0.2, -1.0, 0.5}, {0.0, 2.0, -3.0}}), Mat({{0.2, 0.3, 0.5}}));
  ::provi::testing::ExpectAd(
      [](const auto& probs, const auto& logits) {
        if constexpr (kIsAdPath<decltype(probs)>) {
          return KlDivergence(Categorical::FromProbs(probs),
                              Categorical::FromLogits(logits));
        } else {
          const Eigen::ArrayXd a = probs.value().row(0).transpose().array();
          const Eigen::ArrayXd e = logits.value().row(0).transpose().array();
          const double log_z = std::log(e.exp().sum());
          return BasicTensor<double>((a * (a.log() - (e - log_z))).sum() *
                                     Eigen::MatrixXd::Ones(1, 1));
        }
      },
      Mat({{0.6, 0.3, 0.1}}), Mat({{1.0, 0.0, -0.5}}));
}

TEST(KlDivergenceTest, OneHotCategoricalGradientIsCategoricals) {
  // The formula is Categorical's (checked above against finite
  // differences): the same values and gradients, to the last bit.
  Parameter logits(Mat({{0.2, -1.0, 0.5}, {0.0, 2.0, -3.0}}).cast<Real>());
  Parameter probs(Mat({{0.2, 0.3, 0.5}}).cast<Real>());
  Matrix one_hot_grads[2];
  for (int one_hot = 0; one_hot < 2; ++one_hot) {
    logits.ZeroGrad();
    probs.ZeroGrad();
    TapeScope scope;
    const Tensor kl =
        one_hot == 1
            ? KlDivergence(OneHotCategorical::FromLogits(logits.tensor()),
                           OneHotCategorical::FromProbs(probs.tensor()))
            : KlDivergence(Categorical::FromLogits(logits.tensor()),
                           Categorical::FromProbs(probs.tensor()));
    Backward(SumAll(kl));
    one_hot_grads[one_hot] = logits.grad();
    EXPECT_NE(probs.grad().norm(), 0);
  }
  EXPECT_NE(one_hot_grads[0].norm(), 0);
  EXPECT_EQ(one_hot_grads[0], one_hot_grads[1]);
}

TEST(KlDivergenceTest, GammaGradientMatchesFiniteDifferences) {
  ::provi::testing::ExpectAd(
      [](const auto& alpha1, const auto& beta1, const auto& alpha2,
         const auto& beta2) {
        if constexpr (kIsAdPath<decltype(alpha1)>) {
          return KlDivergence(Gamma(alpha1, beta1), Gamma(alpha2, beta2));
        } else {
          return RowSums(2, 2, [&](Index i, Index j) {
            const double a1 = At(alpha1, i, j), b1 = At(beta1, i, j);
            const double a2 = At(alpha2, i, j), b2 = At(beta2, i, j);
            // E_p[log p - log q] with E log x = ψ(a1) - log b1, E x = a1/b1.
            const double e_log_x = Digamma(a1) - std::log(b1);
            return (a1 - a2) * e_log_x - (b1 - b2) * a1 / b1 +
                   a1 * std::log(b1) - a2 * std::log(b2) - std::lgamma(a1) +
                   std::lgamma(a2);
          });
        }
      },
      Mat({{0.5, 2.0}, {3.0, 7.5}}), Mat({{1.0}, {2.5}}), Mat({{1.5}}),
      Mat({{0.8, 3.0}}));
}

TEST(KlDivergenceTest, BetaGradientMatchesFiniteDifferences) {
  ::provi::testing::ExpectAd(
      [](const auto& a1, const auto& b1, const auto& a2, const auto& b2) {
        if constexpr (kIsAdPath<decltype(a1)>) {
          return KlDivergence(Beta(a1, b1), Beta(a2, b2));
        } else {
          return RowSums(1, 2, [&](Index i, Index j) {
            const double a = At(a1, i, j), b = At(b1, i, j);
            const double c = At(a2, i, j), d = At(b2, i, j);
            auto log_beta = [](double x, double y) {
              return std::lgamma(x) + std::lgamma(y) - std::lgamma(x + y);
            };
            // E log x and E log(1 - x) under Beta(a, b).
            const double e_log_x = Digamma(a) - Digamma(a + b);
            const double e_log_1mx = Digamma(b) - Digamma(a + b);
            return (a - c) * e_log_x + (b - d) * e_log_1mx - log_beta(a, b) +
                   log_beta(c, d);
          });
        }
      },
      Mat({{0.5, 2.0}}), Mat({{3.0, 1.2}}), Mat({{2.0}}), Mat({{0.7, 4.0}}));
}

TEST(KlDivergenceTest, DirichletGradientMatchesFiniteDifferences) {
  ::provi::testing::ExpectAd(
      [](const auto& c1, const auto& c2) {
        if constexpr (kIsAdPath<decltype(c1)>) {
          return KlDivergence(Dirichlet(c1), Dirichlet(c2));
        } else {
          Eigen::MatrixXd out(2, 1);
          for (Index i = 0; i < 2; ++i) {
            double a0 = 0, b0 = 0, kl = 0;
            for (Index k = 0; k < 3; ++k) {
              a0 += c1(i, k);
              b0 += At(c2, i, k);
            }
            for (Index k = 0; k < 3; ++k) {
              const double a = c1(i, k), b = At(c2, i, k);
              kl += (a - b) * (Digamma(a) - Digamma(a0)) - std::lgamma(a) +
                    std::lgamma(b);
            }
            out(i, 0) = kl + std::lgamma(a0) - std::lgamma(b0);
          }
          return BasicTensor<double>(out);
        }
      },
      Mat({{0.5, 2.0, 3.5}, {1.0, 1.0, 1.0}}), Mat({{2.0, 0.8, 1.2}}));
}

TEST(KlDivergenceTest, ExponentialAndPoissonGradientsMatchFiniteDifferences) {
  ::provi::testing::ExpectAd(
      [](const auto& rate1, const auto& rate2) {
        if constexpr (kIsAdPath<decltype(rate1)>) {
          return KlDivergence(Exponential(rate1).Expand(2, 2),
                              Exponential(rate2));
        } else {
          return RowSums(2, 2, [&](Index i, Index j) {
            const double r = At(rate2, i, j) / At(rate1, i, j);
            return r - 1 - std::log(r);
          });
        }
      },
      Mat({{0.5, 3.0}}), Mat({{2.0}, {0.1}}));
  ::provi::testing::ExpectAd(
      [](const auto& rate1, const auto& rate2) {
        if constexpr (kIsAdPath<decltype(rate1)>) {
          return KlDivergence(Poisson(rate1).Expand(2, 2), Poisson(rate2));
        } else {
          return RowSums(2, 2, [&](Index i, Index j) {
            const double a = At(rate1, i, j), b = At(rate2, i, j);
            return a * std::log(a / b) - a + b;
          });
        }
      },
      Mat({{0.7, 4.0}}), Mat({{2.5}, {11.0}}));
}

// -----------------------------------------------------------------------------
// The boundary of the discrete families
// -----------------------------------------------------------------------------

TEST(KlDivergenceTest, BernoulliCertainOutcomesAreFiniteWithFiniteGradients) {
  TapeScope scope;
  const Tensor p = Variable(RealTensor(Mat({{0.0, 1.0, 0.0}})).value());
  const Tensor q = Variable(RealTensor(Mat({{0.4, 0.8, 0.0}})).value());
  const Tensor kl =
      KlDivergence(Bernoulli::FromProbs(p), Bernoulli::FromProbs(q));
  // 0 · log 0 = 0: -log(1 - 0.4) - log(0.8) + 0 (p = q = 0).
  const double expected = -std::log(0.6) - std::log(0.8);
  ExpectKl(kl, {expected});
  Backward(SumAll(kl));
  // ∂/∂q [a log(a/q) + (1-a) log((1-a)/(1-q))] = -a/q + (1-a)/(1-q).
  EXPECT_NEAR(q.adjoint()(0, 0), 1 / 0.6, 1e-5);
  EXPECT_NEAR(q.adjoint()(0, 1), -1 / 0.8, 1e-5);
  EXPECT_NEAR(q.adjoint()(0, 2), 1.0, 1e-5);
  for (Index j = 0; j < 3; ++j) {
    EXPECT_TRUE(std::isfinite(p.adjoint()(0, j))) << j;
  }
}

TEST(KlDivergenceTest, CategoricalZeroProbabilitiesAreFiniteWithGradients) {
  TapeScope scope;
  const Tensor p = Variable(RealTensor(Mat({{0.5, 0.0, 0.5}})).value());
  const Tensor q = Variable(RealTensor(Mat({{0.25, 0.0, 0.75}})).value());
  const Tensor kl =
      KlDivergence(Categorical::FromProbs(p), Categorical::FromProbs(q));
  ExpectKl(kl, {0.5 * std::log(2.0) + 0.5 * std::log(0.5 / 0.75)});
  Backward(SumAll(kl));
  // ∂/∂q_k = -p_k / q_k, 0 where p_k = 0.
  EXPECT_NEAR(q.adjoint()(0, 0), -2.0, 1e-5);
  EXPECT_EQ(q.adjoint()(0, 1), 0.0);
  EXPECT_NEAR(q.adjoint()(0, 2), -0.5 / 0.75, 1e-5);
  for (Index k = 0; k < 3; ++k) {
    EXPECT_TRUE(std::isfinite(p.adjoint()(0, k))) << k;
  }
}

TEST(KlDivergenceTest, MassWhereQHasNoneIsInfinite) {
  EXPECT_EQ(
      KlDivergence(Bernoulli::FromProbs(0.5), Bernoulli::FromProbs(0.0)).item(),
      kInfinity);
  EXPECT_EQ(
      KlDivergence(Bernoulli::FromProbs(0.5), Bernoulli::FromProbs(1.0)).item(),
      kInfinity);
  EXPECT_EQ(KlDivergence(Categorical::FromProbs(RealTensor(Mat({{0.5, 0.5}}))),
                         Categorical::FromProbs(RealTensor(Mat({{1.0, 0.0}}))))
                .item(),
            kInfinity);
  // Logits give every outcome positive mass, even one that rounds to 0.
  EXPECT_EQ(
      KlDivergence(Bernoulli::FromLogits(-200.0), Bernoulli::FromProbs(0.0))
          .item(),
      kInfinity);
  EXPECT_EQ(
      KlDivergence(Categorical::FromLogits(RealTensor(Mat({{0.0, -800.0}}))),
                   Categorical::FromProbs(RealTensor(Mat({{1.0, 0.0}}))))
          .item(),
      kInfinity);
}

// -----------------------------------------------------------------------------
// Broadcasting and errors
// -----------------------------------------------------------------------------

TEST(KlDivergenceTest, BroadcastsLanesAndSumsTheEvent) {
  // A guide of 4 lanes x 3 components against a scalar prior, both ways.
  const Normal guide = Normal(0.3, 0.8).Expand(4, 3);
  const double one = std::log(1 / 0.8) + (0.64 + 0.09) / 2 - 0.5;
  ExpectKl(KlDivergence(guide, Normal(0.0, 1.0)),
           {3 * one, 3 * one, 3 * one, 3 * one});
  const double reverse = std::log(0.8) + (1 + 0.09) / (2 * 0.64) - 0.5;
  ExpectKl(KlDivergence(Normal(0.0, 1.0), guide),
           {3 * reverse, 3 * reverse, 3 * reverse, 3 * reverse});
  // A 1 x 3 row against 4 x 1 lanes does not broadcast (as for LogProb).
  const absl::Status outer = CatchStatus([] {
    KlDivergence(Normal(0.0, 1.0).Expand(1, 3), Normal(0.0, 1.0).Expand(4, 1));
  });
  EXPECT_EQ(outer.code(), absl::StatusCode::kInvalidArgument);
}

TEST(KlDivergenceTest, UnsupportedPairsAreUnimplemented) {
  EXPECT_TRUE(HasAnalyticKl(Normal(0.0, 1.0), Normal(1.0, 2.0)));
  EXPECT_TRUE(
      HasAnalyticKl(Bernoulli::FromProbs(0.3), Bernoulli::FromLogits(0.0)));
  EXPECT_FALSE(HasAnalyticKl(Normal(0.0, 1.0), Gamma(1.0, 1.0)));
  EXPECT_FALSE(HasAnalyticKl(Laplace(0.0, 1.0), Laplace(0.0, 2.0)));
  const absl::Status mixed =
      CatchStatus([] { KlDivergence(Normal(0.0, 1.0), Gamma(1.0, 1.0)); });
  EXPECT_EQ(mixed.code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(mixed.message(), HasSubstr("from Normal to Gamma"));
  const absl::Status laplace =
      CatchStatus([] { KlDivergence(Laplace(0.0, 1.0), Laplace(0.0, 2.0)); });
  EXPECT_EQ(laplace.code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(laplace.message(), HasSubstr("from Laplace to Laplace"));
  // A categorical and a one-hot categorical are different families.
  const Tensor probs = RealTensor(Mat({{0.5, 0.5}}));
  EXPECT_FALSE(HasAnalyticKl(Categorical::FromProbs(probs),
                             OneHotCategorical::FromProbs(probs)));
  EXPECT_THAT(CatchStatus([&] {
                KlDivergence(Categorical::FromProbs(probs),
                             OneHotCategorical::FromProbs(probs));
              }).message(),
              HasSubstr("from Categorical to OneHotCategorical"));
}

TEST(KlDivergenceTest, ShapeErrorsNameBothShapes) {
  const absl::Status normal = CatchStatus([] {
    KlDivergence(Normal(0.0, 1.0).Expand(2, 3), Normal(0.0, 1.0).Expand(4, 3));
  });
  EXPECT_EQ(normal.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(normal.message(), HasSubstr("Normal of shape 2x3"));
  EXPECT_THAT(normal.message(), HasSubstr("Normal of shape 4x3"));
  const absl::Status categories = CatchStatus([] {
    KlDivergence(
        Categorical::FromLogits(RealTensor(Mat({{0.0, 1.0, 2.0}}))),
        Categorical::FromLogits(RealTensor(Mat({{0.0, 1.0, 2.0, 3.0}}))));
  });
  EXPECT_EQ(categories.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(categories.message(), HasSubstr("over 3 categories"));
  EXPECT_THAT(categories.message(), HasSubstr("over 4 categories"));
  const absl::Status one_hot = CatchStatus([] {
    KlDivergence(
        OneHotCategorical::FromLogits(RealTensor(Mat({{0.0, 1.0, 2.0}}))),
        OneHotCategorical::FromLogits(RealTensor(Mat({{0.0, 1.0, 2.0, 3.0}}))));
  });
  EXPECT_EQ(one_hot.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(one_hot.message(), HasSubstr("OneHotCategorical of shape 1x3"));
  EXPECT_THAT(one_hot.message(), HasSubstr("OneHotCategorical of shape 1x4"));
  const absl::Status dimensions = CatchStatus([] {
    KlDivergence(MvNormal(RealTensor(Mat({{0.0, 0.0}})),
                          RealTensor(Mat({{1.0, 0.0}, {0.0, 1.0}}))),
                 MvNormal(RealTensor(Mat({{0.0, 0.0, 0.0}})),
                          RealTensor(Eigen::MatrixXd::Identity(3, 3))));
  });
  EXPECT_THAT(dimensions.message(), HasSubstr("MvNormal of shape 1x2"));
  EXPECT_THAT(dimensions.message(), HasSubstr("MvNormal of shape 1x3"));
  const absl::Status lanes = CatchStatus([] {
    KlDivergence(Dirichlet(RealTensor(Mat({{1.0, 2.0}}))).Expand(2),
                 Dirichlet(RealTensor(Mat({{1.0, 2.0}}))).Expand(3));
  });
  EXPECT_THAT(lanes.message(), HasSubstr("Dirichlet of shape 2x2"));
  EXPECT_THAT(lanes.message(), HasSubstr("Dirichlet of shape 3x2"));
  // A family whose own parameters do not broadcast reports Validate()'s
  // error.
  const absl::Status own = CatchStatus([] {
    KlDivergence(Normal(RealTensor(Mat({{1.0, 2.0}})),
                        RealTensor(Mat({{1.0, 2.0, 3.0}}))),
                 Normal(0.0, 1.0));
  });
  EXPECT_EQ(own.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(own.message(), HasSubstr("do not broadcast"));
}

}  // namespace
}  // namespace provi
