// Copyright 2026 The provi Authors.
//
// SpatialTransform: values against an independent per-pixel transcription
// of PyTorch's affine_grid + grid_sample (align_corners=False, zero
// padding), identities and round trips, and finite-difference gradients
// (expect_ad.h) to the images and to the transforms at non-integer sampling
// positions, with windows partly and wholly off the canvas.

#include <cmath>
#include <limits>

#include "ad/ops.h"
#include "ad/tape.h"
#include "gtest/gtest.h"
#include "tests/testing/expect_ad.h"

namespace provi {
namespace {

using ::provi::testing::ExpectAd;
using ::provi::testing::ExpectAdFails;
using ::provi::testing::Mat;

// grid_sample of one pixel, written from the formulas of PyTorch's
// documentation, independently of the op.
double Reference(const Eigen::MatrixXd& src, const Eigen::MatrixXd& where,
                 Index n, Index hs, Index ws, Index ho, Index wo, Index i,
                 Index j) {
  const double s = where(n, 0), tx = where(n, 1), ty = where(n, 2);
  const double gx = s * ((2.0 * j + 1) / wo - 1) + tx;
  const double gy = s * ((2.0 * i + 1) / ho - 1) + ty;
  const double ix = ((gx + 1) * ws - 1) / 2;
  const double iy = ((gy + 1) * hs - 1) / 2;
  const double x0 = std::floor(ix), y0 = std::floor(iy);
  auto v = [&](double y, double x) {
    if (x < 0 || x >= ws || y < 0 || y >= hs) return 0.0;
    return src(n, static_cast<Index>(y) * ws + static_cast<Index>(x));
  };
  const double ax = ix - x0, ay = iy - y0;
  return (1 - ax) * (1 - ay) * v(y0, x0) + ax * (1 - ay) * v(y0, x0 + 1) +
         (1 - ax) * ay * v(y0 + 1, x0) + ax * ay * v(y0 + 1, x0 + 1);
}

// The smallest distance of a sampling position to an integer (where the
// function has a kink), over every output pixel of every row.
double KinkDistance(const Eigen::MatrixXd& where, Index hs, Index ws, Index ho,
                    Index wo) {
  double d = 1;
  for (Index n = 0; n < where.rows(); ++n) {
    for (Index j = 0; j < wo; ++j) {
      const double ix =
          ((where(n, 0) * ((2.0 * j + 1) / wo - 1) + where(n, 1) + 1) * ws -
           1) /
          2;
      d = std::min(d, std::abs(ix - std::round(ix)));
    }
    for (Index i = 0; i < ho; ++i) {
      const double iy =
          ((where(n, 0) * ((2.0 * i + 1) / ho - 1) + where(n, 2) + 1) * hs -
           1) /
          2;
      d = std::min(d, std::abs(iy - std::round(iy)));
    }
  }
  return d;
}

Eigen::MatrixXd RandomImages(Index rows, Index pixels, unsigned seed) {
  std::srand(seed);
  return Eigen::MatrixXd::Random(rows, pixels);
}

TEST(SpatialTransformTest, MatchesTheReferenceSampler) {
  const Index hs = 5, ws = 6, ho = 7, wo = 4;
  const Eigen::MatrixXd src = RandomImages(4, hs * ws, 1);
  // Zoomed in, zoomed out and shifted partly off, wholly off, mirrored.
  const Eigen::MatrixXd where = Mat({{0.63, 0.11, -0.27},
                                     {1.9, -0.73, 0.41},
                                     {0.8, 3.5, 0.2},
                                     {-0.7, 0.05, 0.33}});
  const Tensor out =
      SpatialTransform(Tensor(src.cast<Real>().eval()),
                       Tensor(where.cast<Real>().eval()), hs, ws, ho, wo);
  ASSERT_EQ(out.rows(), 4);
  ASSERT_EQ(out.cols(), ho * wo);
  for (Index n = 0; n < 4; ++n) {
    for (Index i = 0; i < ho; ++i) {
      for (Index j = 0; j < wo; ++j) {
        EXPECT_NEAR(out(n, i * wo + j),
                    Reference(src, where, n, hs, ws, ho, wo, i, j), 1e-5)
            << "row " << n << " pixel (" << i << ", " << j << ")";
      }
    }
  }
  // Row 2 looks at x in [2.7, 4.3]: entirely off the source.
  for (Index p = 0; p < ho * wo; ++p) EXPECT_EQ(out(2, p), 0);
}

TEST(SpatialTransformTest, TheIdentityReproducesTheImage) {
  const Eigen::MatrixXd src = RandomImages(3, 8 * 5, 2);
  const Tensor out = SpatialTransform(
      Tensor(src.cast<Real>().eval()),
      Tensor(Mat({{1, 0, 0}, {1, 0, 0}, {1, 0, 0}}).cast<Real>().eval()), 8, 5,
      8, 5);
  for (Index n = 0; n < 3; ++n) {
    for (Index p = 0; p < 40; ++p) EXPECT_NEAR(out(n, p), src(n, p), 1e-6);
  }
}

// One output pixel at the centre of a 2x2 image averages its four pixels.
TEST(SpatialTransformTest, OnePixelAveragesTheCentre) {
  const Tensor out = SpatialTransform(Tensor(Mat({{1, 2, 3, 6}})),
                                      Tensor(Mat({{1, 0, 0}})), 2, 2, 1, 1);
  EXPECT_NEAR(out.item(), 3.0, 1e-6);
}

// Bilinear sampling reproduces linear functions: a linear ramp placed on a
// canvas and read back with the inverse transform is unchanged away from
// the window's border, for a non-aligned scale and shift.
TEST(SpatialTransformTest, WindowToImageAndBackIsTheIdentityInside) {
  const Index side = 20, canvas = 50;
  Eigen::MatrixXd window(1, side * side);
  for (Index r = 0; r < side; ++r) {
    for (Index c = 0; c < side; ++c)
      window(0, r * side + c) = 0.3 + 0.05 * r - 0.02 * c;
  }
  const double s = 2.3, tx = 0.37, ty = -0.52;
  const Tensor z(Mat({{s, tx, ty}}).cast<Real>().eval());
  const Tensor inverse(Mat({{1 / s, -tx / s, -ty / s}}).cast<Real>().eval());
  const Tensor image = SpatialTransform(Tensor(window.cast<Real>().eval()), z,
                                        side, side, canvas, canvas);
  const Tensor back =
      SpatialTransform(image, inverse, canvas, canvas, side, side);
  for (Index r = 2; r < side - 2; ++r) {
    for (Index c = 2; c < side - 2; ++c) {
      EXPECT_NEAR(back(0, r * side + c), window(0, r * side + c), 1e-4)
          << "pixel (" << r << ", " << c << ")";
    }
  }
}

TEST(SpatialTransformTest, GradientsToImagesAndTransforms) {
  const Index hs = 5, ws = 6, ho = 4, wo = 3;
  const Eigen::MatrixXd src = RandomImages(3, hs * ws, 3);
  // Inside, partly off the left and top edges, and scaled up past both
  // right and bottom edges.
  const Eigen::MatrixXd where =
      Mat({{0.71, 0.13, -0.09}, {0.83, -0.61, -0.74}, {1.37, 0.29, 0.44}});
  ASSERT_GT(KinkDistance(where, hs, ws, ho, wo), 1e-2);
  ExpectAd(
      [&](const auto& image, const auto& z) {
        return SpatialTransform(image, z, hs, ws, ho, wo);
      },
      src, where);
}

// AIR's two uses at a small scale: a window placed on a canvas partly over
// its edge (window_to_image), and a window read from the canvas through the
// inverse transform, built from ordinary operations (image_to_window).
TEST(SpatialTransformTest, GradientsOfWindowToImageAndImageToWindow) {
  const Index window = 4, canvas = 9;
  const Eigen::MatrixXd windows = RandomImages(2, window * window, 4);
  const Eigen::MatrixXd canvases = RandomImages(2, canvas * canvas, 5);
  const Eigen::MatrixXd where = Mat({{1.73, 0.67, -0.23}, {2.21, -1.93, 0.33}});
  ASSERT_GT(KinkDistance(where, window, window, canvas, canvas), 1e-2);
  ExpectAd(
      [&](const auto& w, const auto& z) {
        return SpatialTransform(w, z, window, window, canvas, canvas);
      },
      windows, where);
  auto image_to_window = [&](const auto& image, const auto& z) {
    const auto s = SliceCols(z, 0, 1);
    const auto inverse = ConcatCols<typename std::decay_t<decltype(z)>::Scalar>(
        {1.0 / s, -SliceCols(z, 1, 1) / s, -SliceCols(z, 2, 1) / s});
    return SpatialTransform(image, inverse, canvas, canvas, window, window);
  };
  Eigen::MatrixXd inverse(2, 3);
  for (Index n = 0; n < 2; ++n) {
    inverse.row(n) << 1 / where(n, 0), -where(n, 1) / where(n, 0),
        -where(n, 2) / where(n, 0);
  }
  ASSERT_GT(KinkDistance(inverse, canvas, canvas, window, window), 1e-2);
  ExpectAd(image_to_window, canvases, where);
}

TEST(SpatialTransformTest, NonFiniteTransformsGiveNaNRows) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor out = SpatialTransform(
      Tensor(Matrix::Ones(2, 4)),
      Tensor(Mat({{1, 0, 0}, {nan, 0, 0}}).cast<Real>().eval()), 2, 2, 2, 2);
  for (Index p = 0; p < 4; ++p) {
    EXPECT_NEAR(out(0, p), 1, 1e-6);
    EXPECT_TRUE(std::isnan(out(1, p)));
  }
  // A huge but finite scale samples far outside: zeros, not a crash.
  const Tensor far = SpatialTransform(Tensor(Matrix::Ones(1, 4)),
                                      Tensor(Mat({{1e30, 0, 0}})), 2, 2, 2, 2);
  for (Index p = 0; p < 4; ++p) EXPECT_EQ(far(0, p), 0);
}

TEST(SpatialTransformTest, BadShapesAreErrors) {
  auto f = [](Index hs, Index ws, Index ho, Index wo) {
    return [=](const auto& image, const auto& z) {
      return SpatialTransform(image, z, hs, ws, ho, wo);
    };
  };
  const Eigen::MatrixXd image = Eigen::MatrixXd::Ones(2, 6);
  const Eigen::MatrixXd z = Mat({{1, 0, 0}, {1, 0, 0}});
  ExpectAdFails(f(2, 2, 2, 2), image, z);                 // 6 columns, not 4
  ExpectAdFails(f(2, 3, 2, 2), image, Mat({{1, 0, 0}}));  // rows differ
  ExpectAdFails(f(2, 3, 2, 2), image, Mat({{1, 0}, {1, 0}}));  // not R x 3
  ExpectAdFails(f(2, 3, 0, 2), image, z);                      // empty output
  ExpectAd(f(2, 3, 2, 2), Eigen::MatrixXd(0, 6), Eigen::MatrixXd(0, 3));
}

}  // namespace
}  // namespace provi
