// Copyright 2026 The provi Authors.
//
// The spatial transformer: bilinear sampling of each row's image through a
// scale-and-shift affine grid (PyTorch's affine_grid + grid_sample with
// align_corners=False and zero padding), one node with gradients to the
// images and to the transforms.

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "ad/internal/op_support.h"
#include "ad/ops.h"

namespace provi {
namespace {

using ad_internal::NeedsNode;
using ad_internal::NewResult;
using ad_internal::Record;
using ad_internal::ThrowInvalid;

// Where the output positions along one axis sample the source: for output
// index k, the two neighbouring source indices (clamped into range, so
// they can always be read), their bilinear weights (zero for a neighbour
// outside the source: zero padding), whether each neighbour is inside, and
// the output's normalised base coordinate t_k = (2k + 1) / out - 1. Outputs
// in [lo, hi) have at least one neighbour inside; the rest sample zeros.
template <typename T>
struct AxisSamples {
  std::vector<Index> c0, c1;
  std::vector<T> w0, w1, m0, m1, t;
  Index lo = 0;
  Index hi = 0;

  void Resize(Index out) {
    const size_t n = static_cast<size_t>(out);
    if (c0.size() >= n) return;
    for (auto* v : {&c0, &c1}) v->resize(n);
    for (auto* v : {&w0, &w1, &m0, &m1, &t}) v->resize(n);
  }

  // The source position of output k is ((scale t_k + shift + 1) in - 1) / 2,
  // the unnormalised grid coordinate of align_corners=False.
  void Compute(T scale, T shift, Index in, Index out) {
    Resize(out);
    lo = out;
    hi = 0;
    for (Index k = 0; k < out; ++k) {
      t[k] = T(2 * k + 1) / T(out) - T(1);
      const T position = ((scale * t[k] + shift + T(1)) * T(in) - T(1)) / T(2);
      const T floor = std::floor(position);
      // Also false for NaN; checked before the conversion to an index.
      if (!(floor >= T(-1) && floor <= T(in - 1))) {
        c0[k] = c1[k] = 0;
        w0[k] = w1[k] = m0[k] = m1[k] = T(0);
        continue;
      }
      const Index i0 = static_cast<Index>(floor);
      const T a = position - floor;
      const bool inside0 = i0 >= 0;
      const bool inside1 = i0 + 1 <= in - 1;
      c0[k] = inside0 ? i0 : 0;
      c1[k] = inside1 ? i0 + 1 : 0;
      m0[k] = inside0 ? T(1) : T(0);
      m1[k] = inside1 ? T(1) : T(0);
      w0[k] = inside0 ? T(1) - a : T(0);
      w1[k] = inside1 ? a : T(0);
      if (k < lo) lo = k;
      hi = k + 1;
    }
  }
};

// Scratch reused by every call on this thread (forward and backward run on
// the thread that owns the tape).
template <typename T>
struct Scratch {
  AxisSamples<T> x, y;
  static Scratch& Get() {
    thread_local Scratch scratch;
    return scratch;
  }
};

// One lane's transform; false (and nothing sampled) if not finite.
template <typename T>
bool SampleLane(const T* where, Index rows, Index n, Index src_height,
                Index src_width, Index out_height, Index out_width,
                Scratch<T>& s) {
  const T scale = where[n];
  const T tx = where[rows + n];
  const T ty = where[2 * rows + n];
  if (!std::isfinite(scale) || !std::isfinite(tx) || !std::isfinite(ty)) {
    return false;
  }
  s.x.Compute(scale, tx, src_width, out_width);
  s.y.Compute(scale, ty, src_height, out_height);
  return true;
}

}  // namespace

template <typename T>
BasicTensor<T> SpatialTransform(const BasicTensor<T>& src,
                                const BasicTensor<T>& where, Index src_height,
                                Index src_width, Index out_height,
                                Index out_width) {
  if (src_height < 1 || src_width < 1 || out_height < 1 || out_width < 1) {
    ThrowInvalid("SpatialTransform", "sizes must be positive, got a ",
                 src_height, "x", src_width, " source and a ", out_height, "x",
                 out_width, " output");
  }
  if (src.cols() != src_height * src_width || where.cols() != 3 ||
      src.rows() != where.rows()) {
    ThrowInvalid("SpatialTransform", "needs R x ", src_height * src_width,
                 " images (", src_height, "x", src_width,
                 ") and R x 3 transforms, got ", src.ShapeString(), " and ",
                 where.ShapeString());
  }
  const Index rows = src.rows();
  const Index out_size = out_height * out_width;
  Tape& tape = Tape::Current();
  const bool node = NeedsNode(tape, src, where);
  BasicTensor<T> out = NewResult<T>(tape, rows, out_size, node);
  T* const yv = ad_internal::MutableValue(out);
  if (rows * out_size > 0) {
    std::memset(static_cast<void*>(yv), 0,
                sizeof(T) * static_cast<size_t>(rows * out_size));
  }
  const T* sv = src.value_data();
  const T* wv = where.value_data();
  Scratch<T>& s = Scratch<T>::Get();
  for (Index n = 0; n < rows; ++n) {
    if (!SampleLane(wv, rows, n, src_height, src_width, out_height, out_width,
                    s)) {
      for (Index p = 0; p < out_size; ++p) {
        yv[p * rows + n] = std::numeric_limits<T>::quiet_NaN();
      }
      continue;
    }
    const AxisSamples<T>& x = s.x;
    const AxisSamples<T>& y = s.y;
    for (Index i = y.lo; i < y.hi; ++i) {
      const T* r0 = sv + y.c0[i] * src_width * rows + n;
      const T* r1 = sv + y.c1[i] * src_width * rows + n;
      const T wy0 = y.w0[i];
      const T wy1 = y.w1[i];
      T* o = yv + i * out_width * rows + n;
      for (Index j = x.lo; j < x.hi; ++j) {
        const Index a = x.c0[j] * rows;
        const Index b = x.c1[j] * rows;
        o[j * rows] = wy0 * (x.w0[j] * r0[a] + x.w1[j] * r0[b]) +
                      wy1 * (x.w0[j] * r1[a] + x.w1[j] * r1[b]);
      }
    }
  }
  if (node) {
    sv = ad_internal::Pin(tape, src);
    wv = ad_internal::Pin(tape, where);
    T* sa = src.adjoint_data();
    T* wa = where.adjoint_data();
    const T* ya = out.adjoint_data();
    Record(tape, out, [=] {
      Scratch<T>& s = Scratch<T>::Get();
      const T half_width = T(src_width) / T(2);
      const T half_height = T(src_height) / T(2);
      for (Index n = 0; n < rows; ++n) {
        if (!SampleLane(wv, rows, n, src_height, src_width, out_height,
                        out_width, s)) {
          continue;
        }
        const AxisSamples<T>& x = s.x;
        const AxisSamples<T>& y = s.y;
        T d_scale = 0;
        T d_tx = 0;
        T d_ty = 0;
        for (Index i = y.lo; i < y.hi; ++i) {
          const Index r0 = y.c0[i] * src_width * rows + n;
          const Index r1 = y.c1[i] * src_width * rows + n;
          const T wy0 = y.w0[i];
          const T wy1 = y.w1[i];
          const T my0 = y.m0[i];
          const T my1 = y.m1[i];
          const T* g = ya + i * out_width * rows + n;
          T row_dx = 0;
          T row_dy = 0;
          for (Index j = x.lo; j < x.hi; ++j) {
            const T gj = g[j * rows];
            if (gj == T(0)) continue;
            const Index a = x.c0[j] * rows;
            const Index b = x.c1[j] * rows;
            if (sa != nullptr) {
              sa[r0 + a] += wy0 * x.w0[j] * gj;
              sa[r0 + b] += wy0 * x.w1[j] * gj;
              sa[r1 + a] += wy1 * x.w0[j] * gj;
              sa[r1 + b] += wy1 * x.w1[j] * gj;
            }
            if (wa != nullptr) {
              const T s00 = sv[r0 + a];
              const T s01 = sv[r0 + b];
              const T s10 = sv[r1 + a];
              const T s11 = sv[r1 + b];
              // ∂out/∂ix and ∂out/∂iy, with V = 0 outside the source.
              const T dix = wy0 * (x.m1[j] * s01 - x.m0[j] * s00) +
                            wy1 * (x.m1[j] * s11 - x.m0[j] * s10);
              const T diy = x.w0[j] * (my1 * s10 - my0 * s00) +
                            x.w1[j] * (my1 * s11 - my0 * s01);
              const T dx = gj * dix * half_width;
              const T dy = gj * diy * half_height;
              d_scale += dx * x.t[j];
              row_dy += dy;
              row_dx += dx;
            }
          }
          d_scale += row_dy * y.t[i];
          d_tx += row_dx;
          d_ty += row_dy;
        }
        if (wa != nullptr) {
          wa[n] += d_scale;
          wa[rows + n] += d_tx;
          wa[2 * rows + n] += d_ty;
        }
      }
    });
  }
  return out;
}

#define PROVI_INSTANTIATE(T)                                             \
  template BasicTensor<T> SpatialTransform(const BasicTensor<T>&,        \
                                           const BasicTensor<T>&, Index, \
                                           Index, Index, Index);
PROVI_INSTANTIATE(float)
PROVI_INSTANTIATE(double)
#undef PROVI_INSTANTIATE

}  // namespace provi
