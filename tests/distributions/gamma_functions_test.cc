// Copyright 2026 The provi Authors.
//
// The standard-gamma functions: P(a, x) and ∂P/∂a against R, the implicit
// sample derivative against finite differences of R's inverse CDF, the
// sampler against P by a chi-square test, and the tensor helpers. The
// statistical checks follow the flake budget in statistical_testing.h.

#include "distributions/internal/gamma_functions.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "ad/ops.h"
#include "ad/tape.h"
#include "base/random.h"
#include "gtest/gtest.h"
#include "tests/testing/expect_ad.h"
#include "tests/testing/statistical_testing.h"

namespace provi {
namespace distributions_internal {
namespace {

using ::provi::testing::Mat;

constexpr double kInf = std::numeric_limits<double>::infinity();

bool RelativelyClose(double actual, double expected, double tolerance) {
  return std::abs(actual - expected) <= tolerance * std::abs(expected);
}

// x = qgamma(u, a) for u in {1e-6, 0.1, 0.5, 0.9, 1 - 1e-6}, with
// P(a, x) from R and ∂P/∂a by Richardson extrapolation (steps h, h/2, h/4,
// h = 1e-3 a, error O(h⁶)) of central differences of pgamma, taken on the
// upper tail (lower.tail = FALSE) where P > 1/2 so that they do not cancel:
//
// Rscript -e '
//   d <- function(a, x, h, up) (pgamma(x, a + h, lower.tail = !up) -
//     pgamma(x, a - h, lower.tail = !up)) / (2 * h) * (if (up) -1 else 1)
//   rich <- function(a, x) { up <- pgamma(x, a) > 0.5; h <- 1e-3 * a
//     d1 <- d(a, x, h, up); d2 <- d(a, x, h / 2, up); d3 <- d(a, x, h / 4, up)
//     r1 <- (4 * d2 - d1) / 3; r2 <- (4 * d3 - d2) / 3; (16 * r2 - r1) / 15 }
//   f <- function(v) formatC(v, digits = 17, format = "g")
//   for (a in c(0.01, 0.3, 1, 2.5, 10, 50, 200, 1000))
//     for (u in c(1e-6, 0.1, 0.5, 0.9, 1 - 1e-6)) {
//       x <- qgamma(u, a); if (x == 0) next
//       cat(f(a), f(x), f(pgamma(x, a)), f(rich(a, x)), "\n") }'
struct PCase {
  double a, x, p, dp_da;
};
const PCase kPCases[] = {
    {0.01, 5.6607381470621795e-101, 0.10000000000000005, -23.026665463622244},
    {0.01, 4.4655350189103723e-31, 0.5, -34.661431696391446},
    {0.01, 1.5035936230702936e-05, 0.90000000000000002, -9.4897770796188237},
    {0.01, 7.1512534780848824, 0.99999899999999997, -0.00010264094032048176},
    {0.3, 6.9726990964094085e-21, 1.0000000000000025e-06,
     -4.6243093669369222e-05},
    {0.3, 0.00032372462182343276, 0.10000000000000001, -0.78666179948771797},
    {0.3, 0.073131135866951885, 0.5, -1.2446502638646642},
    {0.3, 0.88481077336024405, 0.89999999999999991, -0.39024727156149247},
    {0.3, 10.984835632108627, 0.99999899999999997, -5.9789100538753658e-06},
    {1, 1.0000005000003334e-06, 9.9999999999999995e-07,
     -1.4238294643065864e-05},
    {1, 0.10536051565782631, 0.10000000000000001, -0.26996418725371546},
    {1, 0.69314718055994529, 0.5, -0.48402241522085154},
    {1, 2.3025850929940459, 0.90000000000000002, -0.17351460060829726},
    {1, 13.815510557935518, 0.99999899999999997, -3.2707800150391945e-06},
    {2.5, 0.006448080103248547, 9.9999999999999953e-07,
     -6.1476562366199685e-06},
    {2.5, 0.80515399348116135, 0.099999999999999964, -0.13914763267652219},
    {2.5, 2.1757300955477632, 0.49999999999999967, -0.2729530405532879},
    {2.5, 4.6181784498905598, 0.90000000000000002, -0.10537300677113152},
    {2.5, 17.944093439805211, 0.99999899999999997, -2.2411069651360375e-06},
    {10, 1.2768187878644079, 9.9999999999999932e-07, -2.1189308237826524e-06},
    {10, 6.2213046052250318, 0.099999999999999978, -0.060720820897551493},
    {10, 9.6687146147141352, 0.50000000000000078, -0.12864535645740674},
    {10, 14.205990292152819, 0.90000000000000002, -0.052982617322798145},
    {10, 32.710340517484809, 0.99999899999999997, -1.2754369455021135e-06},
    {50, 23.250665357946591, 9.9999999999999932e-07, -7.9102009665965526e-07},
    {50, 41.179067906178574, 0.099999999999999978, -0.025693307844470343},
    {50, 49.667064617994242, 0.5, -0.05663902030774759},
    {50, 59.249001905531067, 0.90000000000000024, -0.024184257242405308},
    {50, 91.063388559713076, 0.99999899999999997, -6.3175438714002964e-07},
    {200, 139.81841153773291, 1.0000000000000127e-06, -3.7101915606387227e-07},
    {200, 182.10371261768429, 0.099999999999998868, -0.012612241037610382},
    {200, 199.66676561246567, 0.49999999999999972, -0.028236925617228435},
    {200, 218.32449252728867, 0.90000000000000024, -0.012236787800798593},
    {200, 274.55761900238389, 0.99999899999999997, -3.3166249147254298e-07},
    {1000, 856.81465127939191, 1.0000000000000057e-06, -1.6053204699183774e-07},
    {1000, 959.69393272883337, 0.10000000000000034, -0.0055885741631219437},
    {1000, 999.66668642696516, 0.49999999999999967, -0.012618116023781161},
    {1000, 1040.73430801369, 0.89999999999999936, -0.0055135799921213671},
    {1000, 1157.577911008724, 0.99999899999999997, -1.526853673902959e-07},
};

TEST(RegularizedGammaPTest, MatchesR) {
  for (const PCase& c : kPCases) {
    // The prefactor x^a e^-x / Γ(a + 1) is exp of a sum of size ~ a log a,
    // so its rounding error, and P's, grows with a.
    EXPECT_PRED3(RelativelyClose, RegularizedGammaP(c.a, c.x), c.p,
                 1e-14 * std::max(1.0, c.a))
        << "a = " << c.a << ", x = " << c.x;
  }
}

TEST(RegularizedGammaPTest, DerivativeMatchesFiniteDifferencesOfR) {
  // The reference differences are good to about 1e-12 relative; the
  // largest disagreement measured is 1.9e-11 (a = 1000, u = 1e-6).
  for (const PCase& c : kPCases) {
    EXPECT_PRED3(RelativelyClose, RegularizedGammaPDerivative(c.a, c.x),
                 c.dp_da, 5e-11)
        << "a = " << c.a << ", x = " << c.x;
  }
}

// ∂P/∂a and dx/da at 40 significant digits, an independent check tighter
// than differences of R's pgamma allow:
//
// python3 -c '
// import mpmath as mp
// mp.mp.dps = 40
// for a, x in [(0.01, 1e-30), (0.01, 0.5), (0.3, 0.07), (0.3, 3.0),
//              (1.0, 0.7), (1.0, 5.0), (10.0, 9.5), (10.0, 20.0),
//              (50.0, 45.0), (50.0, 60.0), (200.0, 190.0),
//              (1000.0, 980.0), (1000.0, 1030.0)]:
//     A, X = mp.mpf(a), mp.mpf(x)
//     dP = mp.diff(lambda t: mp.gammainc(t, 0, X, regularized=True), A)
//     pdf = mp.exp((A - 1) * mp.log(X) - X - mp.loggamma(A))
//     print(a, x, mp.nstr(dP, 17), mp.nstr(-dP / pdf, 17))'
struct PreciseCase {
  double a, x, dp_da, dx_da;
};
const PreciseCase kPreciseCases[] = {
    {0.01, 1e-30, -34.535639314126297, 6.85166673319527e-27},
    {0.01, 0.5, -0.56554591171525777, 46.679279405150682},
    {0.3, 0.07, -1.2499907511346655, 0.62341186516579463},
    {0.3, 3.0, -0.031368724389840294, 4.0669066592589568},
    {1.0, 0.7, -0.4832861241511979, 0.97321874099238759},
    {1.0, 5.0, -0.015881851500723457, 2.3570757536203654},
    {10.0, 9.5, -0.12882764167930821, 0.99096249953469515},
    {10.0, 20.0, -0.004098523101719286, 1.4093215647394743},
    {50.0, 45.0, -0.045543292140123876, 0.95141019221162384},
    {50.0, 60.0, -0.021284992786349492, 1.0975795857767267},
    {200.0, 190.0, -0.022352828341550041, 0.97538506032051743},
    {1000.0, 980.0, -0.010406175936332673, 0.99009766141215971},
    {1000.0, 1030.0, -0.0079965394020893078, 1.0150213645549707},
};

TEST(RegularizedGammaPTest, DerivativesMatchHighPrecision) {
  for (const PreciseCase& c : kPreciseCases) {
    // ∂P/∂a inherits P's prefactor error, which grows as a log a (1.1e-12
    // measured at a = 1e3); dx/da does not contain the prefactor.
    EXPECT_PRED3(RelativelyClose, RegularizedGammaPDerivative(c.a, c.x),
                 c.dp_da, 2e-14 + 2e-15 * c.a)
        << "a = " << c.a << ", x = " << c.x;
    EXPECT_PRED3(RelativelyClose, StandardGammaSampleDerivative(c.a, c.x),
                 c.dx_da, 5e-14)
        << "a = " << c.a << ", x = " << c.x;
  }
}

TEST(RegularizedGammaPTest, SeriesAndContinuedFractionMeet) {
  // x < a + 1 sums the series, x >= a + 1 the continued fraction: the two
  // must agree where they meet.
  for (double a : {0.01, 0.3, 1.0, 7.5, 100.0, 1000.0}) {
    const double at = a + 1;
    const double below = std::nextafter(at, 0.0);
    EXPECT_PRED3(RelativelyClose, RegularizedGammaP(a, below),
                 RegularizedGammaP(a, at), 1e-13 * std::max(1.0, a))
        << "a = " << a;
    EXPECT_PRED3(RelativelyClose, RegularizedGammaPDerivative(a, below),
                 RegularizedGammaPDerivative(a, at), 1e-12 * std::max(1.0, a))
        << "a = " << a;
    EXPECT_PRED3(RelativelyClose, StandardGammaSampleDerivative(a, below),
                 StandardGammaSampleDerivative(a, at), 1e-13)
        << "a = " << a;
  }
}

TEST(RegularizedGammaPTest, EdgesOfTheDomain) {
  EXPECT_EQ(RegularizedGammaP(2.0, 0.0), 0.0);
  EXPECT_EQ(RegularizedGammaP(2.0, kInf), 1.0);
  EXPECT_EQ(RegularizedGammaPDerivative(2.0, 0.0), 0.0);
  EXPECT_EQ(RegularizedGammaPDerivative(2.0, kInf), 0.0);
  for (double bad_a : {0.0, -1.0, std::nan(""), kInf}) {
    EXPECT_TRUE(std::isnan(RegularizedGammaP(bad_a, 1.0))) << bad_a;
    EXPECT_TRUE(std::isnan(RegularizedGammaPDerivative(bad_a, 1.0))) << bad_a;
    EXPECT_TRUE(std::isnan(StandardGammaSampleDerivative(bad_a, 1.0))) << bad_a;
  }
  EXPECT_TRUE(std::isnan(RegularizedGammaP(2.0, -1.0)));
  EXPECT_TRUE(std::isnan(RegularizedGammaP(2.0, std::nan(""))));
  EXPECT_TRUE(std::isnan(StandardGammaSampleDerivative(2.0, 0.0)));
}

// dx/da at fixed u, by Richardson-extrapolated central differences of R's
// qgamma (as above, h = 1e-3 a), at x = qgamma(u, a) for u in {1e-6, 0.02,
// 0.5, 0.98, 1 - 1e-6} (for a = 0.01 only u >= 0.5: below, x < 1e-30 and
// the differences of qgamma lose accuracy, as mpmath confirms):
//
// Rscript -e '
//   dq <- function(a, u, h) (qgamma(u, a + h) - qgamma(u, a - h)) / (2 * h)
//   rich <- function(a, u) { h <- 1e-3 * a
//     d1 <- dq(a, u, h); d2 <- dq(a, u, h / 2); d3 <- dq(a, u, h / 4)
//     r1 <- (4 * d2 - d1) / 3; r2 <- (4 * d3 - d2) / 3; (16 * r2 - r1) / 15 }
//   f <- function(v) formatC(v, digits = 17, format = "g")
//   for (a in c(0.01, 0.3, 1, 2.5, 50, 1000, 1000.5, 2000, 1e4, 1e6))
//     for (u in c(1e-6, 0.02, 0.5, 0.98, 1 - 1e-6)) {
//       if (a == 0.01 && u < 0.5) next
//       cat(f(a), f(qgamma(u, a)), f(rich(a, u)), "\n") }'
struct DerivativeCase {
  double a, x, dx_da;
};
const DerivativeCase kDerivativeCases[] = {
    {0.01, 4.4655350189103723e-31, 3.0956367409165061e-27},
    {0.01, 0.081231214199421878, 17.850630473364099},
    {0.01, 7.1512534780848824, 91.293031209455435},
    {0.3, 6.9726990964094085e-21, 1.074797258145507e-18},
    {0.3, 1.5141471445696847e-06, 6.6781377222325746e-05},
    {0.3, 0.073131135866951885, 0.64206416244552134},
    {0.3, 2.0765640062422039, 3.6104269038938628},
    {0.3, 10.984835632108627, 5.6458591069147754},
    {1, 1.0000005000003334e-06, 1.4238308881375914e-05},
    {1, 0.020202707317519449, 0.088362843059716575},
    {1, 0.69314718055994529, 0.96804483044106904},
    {1, 3.9120230054281451, 2.151530894281962},
    {1, 13.815510557935518, 3.2707800149401423},
    {2.5, 0.006448080103248547, 0.015885485924171806},
    {2.5, 0.37594446738953335, 0.35500914041130255},
    {2.5, 2.1757300955477632, 0.99591937677309439},
    {2.5, 6.6941112995181715, 1.6785425865418762},
    {2.5, 17.944093439805211, 2.4335331443241159},
    {50, 23.250665357946591, 0.66771965752977758},
    {50, 36.571091467594428, 0.85459072057342833},
    {50, 49.667064617994242, 0.99999198308285508},
    {50, 65.570838433245584, 1.145476268878882},
    {50, 91.063388559713076, 1.3339321997812494},
    {1000, 856.81465127939191, 0.92487644472501962},
    {1000, 936.13232026570302, 0.96752495365448488},
    {1000, 999.66668642696516, 0.99999998023263537},
    {1000, 1066.0127708915904, 1.0324752116374889},
    {1000, 1157.577911008724, 1.0751276881340117},
    {1000.5, 857.27709419133384, 0.92489520070114872},
    {1000.5, 936.61608477201094, 0.96753307056265592},
    {1000.5, 1000.1666864170863, 0.99999998025233761},
    {1000.5, 1066.5290064678873, 1.0324670945641918},
    {1000.5, 1158.1154701621786, 1.0751089280282569},
    {2000, 1794.57165888084, 0.94686713845731751},
    {2000, 1909.2296919518169, 0.97703752289957668},
    {2000, 1999.6666765450127, 0.99999999505980419},
    {2000, 2092.9154818371203, 1.0229625184095892},
    {2000, 2219.8229698269802, 1.0531338947475055},
    {10000, 9531.8351171898066, 0.97623392888357563},
    {10000, 9795.6993159883714, 0.98973117692138357},
    {10000, 9999.6666686420467, 0.99999999980245791},
    {10000, 10206.445923885263, 1.0102688247307015},
    {10000, 10482.561164638257, 1.0237661124441488},
    {1000000, 995253.77197750006, 0.99762328887727614},
    {1000000, 997947.32387619722, 0.99897312546528405},
    {1000000, 999999.66666668642, 1},
    {1000000, 1002054.8213800295, 1.001026874534668},
    {1000000, 1004760.6247134678, 1.0023767111266342},
};

TEST(StandardGammaSampleDerivativeTest, MatchesInverseCdfDifferencesOfR) {
  for (const DerivativeCase& c : kDerivativeCases) {
    // Exact below kLargeConcentration (the reference differences are good
    // to about 1e-11; the formula to 2e-14, see below); above it the
    // documented bound of the Wilson-Hilferty-Cornish-Fisher formula,
    // 2.4e-6 at a = 1e3 for |z| <= 6, falling as a^-2.
    const double tolerance =
        c.a <= kLargeConcentration
            ? 1e-10
            : 2.5e-6 * std::pow(kLargeConcentration / c.a, 2) + 1e-10;
    EXPECT_PRED3(RelativelyClose, StandardGammaSampleDerivative(c.a, c.x),
                 c.dx_da, tolerance)
        << "a = " << c.a << ", x = " << c.x;
  }
}

// The exact formula in the tails where the large-shape approximation hands
// over to it, and at tiny and huge draws: finite and positive (a gamma
// quantile at fixed u increases with the shape).
TEST(StandardGammaSampleDerivativeTest, FiniteAndPositiveEverywhere) {
  const double tiny_real = std::numeric_limits<Real>::min();
  for (double a : {0.01, 0.3, 1.0, 10.0, 1e3, 1001.0, 1e5, 1e7}) {
    for (double x :
         {1e-300, tiny_real, 1e-3 * a, 0.5 * a, a, 2 * a, 1e3 * a, 1e300}) {
      const double d = StandardGammaSampleDerivative(a, x);
      EXPECT_TRUE(std::isfinite(d) && d > 0)
          << "a = " << a << ", x = " << x << ": " << d;
    }
  }
}

// Edges of P at which a sample falls into each of kBins equiprobable bins,
// found by bisection on P itself.
std::vector<double> EquiprobableEdges(double a, int bins) {
  std::vector<double> edges;
  for (int k = 1; k < bins; ++k) {
    const double target = static_cast<double>(k) / bins;
    double lo = 0, hi = a + 10 * std::sqrt(a) + 50;
    for (int iteration = 0; iteration < 200; ++iteration) {
      const double mid = 0.5 * (lo + hi);
      (RegularizedGammaP(a, mid) < target ? lo : hi) = mid;
    }
    edges.push_back(0.5 * (lo + hi));
  }
  return edges;
}

// The sampler against the CDF: a chi-square test over 20 equiprobable bins
// with 100,000 draws per shape, across the boost (a < 1), the
// Marsaglia-Tsang regime and a large shape.
TEST(SampleStandardGammaTest, FollowsTheCdf) {
  constexpr int kBins = 20;
  constexpr int kDraws = 100000;
  Rng rng = MakeRng(11);
  for (double a : {0.05, 0.3, 1.0, 4.5, 50.0, 2000.0}) {
    const std::vector<double> edges = EquiprobableEdges(a, kBins);
    std::vector<long> counts(kBins, 0);
    for (int n = 0; n < kDraws; ++n) {
      const double g = SampleStandardGamma(a, rng);
      ++counts[std::upper_bound(edges.begin(), edges.end(), g) - edges.begin()];
    }
    std::vector<double> probs;
    double previous = 0;
    for (int k = 0; k < kBins; ++k) {
      const double next =
          k + 1 < kBins ? RegularizedGammaP(a, edges[static_cast<size_t>(k)])
                        : 1.0;
      probs.push_back(next - previous);
      previous = next;
    }
    EXPECT_TRUE(::provi::testing::ChiSquareFits(counts, probs)) << "a = " << a;
  }
}

TEST(SampleStandardGammaTest, DrawsArePositiveReals) {
  Rng rng = MakeRng(12);
  for (int n = 0; n < 10000; ++n) {
    const Real g = static_cast<Real>(SampleStandardGamma(0.01, rng));
    ASSERT_GE(g, std::numeric_limits<Real>::min());
    ASSERT_TRUE(std::isfinite(g));
  }
}

TEST(SampleStandardGammaTest, TerminatesForEveryShape) {
  // Shapes outside (0, inf) give NaN (the sampler once recursed on a + 1
  // without end at -inf and NaN); the extremes inside (0, inf) give
  // positive finite Reals.
  Rng rng = MakeRng(13);
  constexpr double kInf = std::numeric_limits<double>::infinity();
  for (double a : {-kInf, std::nan(""), kInf, 0.0, -0.0, -1.0}) {
    EXPECT_TRUE(std::isnan(SampleStandardGamma(a, rng))) << a;
  }
  for (double a : {std::numeric_limits<double>::denorm_min(), 1e-300, 1e300,
                   std::numeric_limits<double>::max()}) {
    const Real g = static_cast<Real>(SampleStandardGamma(a, rng));
    EXPECT_GE(g, std::numeric_limits<Real>::min()) << a;
    EXPECT_TRUE(std::isfinite(g)) << a;
  }
}

// The surrogate's value is the draw and its gradient in each concentration
// entry is Σ of D over the draws that entry produced (broadcast adjoints
// sum).
TEST(StandardGammaRSampleTest, GradientIsTheImplicitDerivative) {
  Rng rng = MakeRng(13);
  TapeScope scope;
  const Tensor alpha = Variable(Mat({{0.4}, {3.0}}).cast<Real>().eval());
  const Tensor g = StandardGammaRSample(alpha, 2, 3, rng);
  ASSERT_EQ(g.rows(), 2);
  ASSERT_EQ(g.cols(), 3);
  ASSERT_TRUE(g.requires_grad());
  Backward(SumAll(g));
  for (Index i = 0; i < 2; ++i) {
    double expected = 0;
    for (Index j = 0; j < 3; ++j) {
      EXPECT_GT(g(i, j), 0);
      expected += StandardGammaSampleDerivative(alpha(i, 0), g(i, j));
    }
    EXPECT_NEAR(alpha.adjoint()(i, 0), expected,
                (kRealIsDouble ? 1e-12 : 1e-5) * expected);
  }
}

TEST(StandardGammaRSampleTest, ConstantConcentrationGivesAConstant) {
  Rng rng = MakeRng(14);
  TapeScope scope;
  EXPECT_FALSE(StandardGammaRSample(Tensor(2.0), 4, 1, rng).requires_grad());
  const Tensor alpha = Variable(Matrix::Constant(1, 1, 2.0));
  NoRecordScope no_record;
  EXPECT_FALSE(StandardGammaRSample(alpha, 4, 1, rng).requires_grad());
}

TEST(ClampValueTest, ClampsTheValueAndKeepsTheGradient) {
  TapeScope scope;
  const Tensor x = Variable(Mat({{-1.0, 0.5, 3.0}}).cast<Real>().eval());
  const Tensor y = ClampValue(x, 0, 1);
  EXPECT_EQ(y(0, 0), 0);
  EXPECT_EQ(y(0, 1), Real(0.5));
  EXPECT_EQ(y(0, 2), 1);
  Backward(SumAll(y * Tensor(Mat({{2.0, 3.0, 4.0}}).cast<Real>().eval())));
  EXPECT_EQ(x.adjoint()(0, 0), 2);
  EXPECT_EQ(x.adjoint()(0, 1), 3);
  EXPECT_EQ(x.adjoint()(0, 2), 4);
}

TEST(GuardZeroTimesLogTest, ZeroTimesLogZeroIsZero) {
  TapeScope scope;
  const Tensor coefficient =
      Variable(Mat({{0.0, 2.0, 0.0}}).cast<Real>().eval());
  const Tensor x = Variable(Mat({{0.0, 0.0, 0.5}}).cast<Real>().eval());
  const Tensor y = coefficient * Log(GuardZeroTimesLog(coefficient, x, 0, 1));
  EXPECT_EQ(y(0, 0), 0);                                       // 0 · log 0 = 0
  EXPECT_EQ(y(0, 1), -std::numeric_limits<Real>::infinity());  // 2 · log 0
  EXPECT_EQ(y(0, 2), 0);                                       // 0 · log 0.5
  Backward(SumAll(SliceCols(y, 0, 1)));
  EXPECT_EQ(coefficient.adjoint()(0, 0), 0);
  EXPECT_EQ(x.adjoint()(0, 0), 0);
  // Nothing to guard: the value itself, no node.
  const Tensor z = Variable(Mat({{0.5}}).cast<Real>().eval());
  EXPECT_EQ(GuardZeroTimesLog(Tensor(0.0), z, 0, 1).value_data(),
            z.value_data());
}

}  // namespace
}  // namespace distributions_internal
}  // namespace provi
