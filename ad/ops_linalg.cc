// Copyright 2026 The provi Authors.
//
// Linear algebra: matrix product, Cholesky factorisation and triangular
// solve. Each is one node whose backward step is whole-matrix algebra.

#include "Eigen/Cholesky"
#include "ad/internal/op_support.h"
#include "ad/ops.h"

namespace provi {
namespace {

using ad_internal::ConstMatrixMap;
using ad_internal::MatrixMap;
using ad_internal::NeedsNode;
using ad_internal::NewResult;
using ad_internal::Record;
using ad_internal::ThrowInvalid;

}  // namespace

template <typename T>
BasicTensor<T> MatMul(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  if (a.cols() != b.rows()) {
    ThrowInvalid("MatMul", "inner dimensions differ: ", a.ShapeString(),
                 " times ", b.ShapeString());
  }
  const Index m = a.rows();
  const Index k = a.cols();
  const Index n = b.cols();
  const bool node = NeedsNode(a, b);
  BasicTensor<T> out = NewResult<T>(m, n, node);
  MatrixMap<T> Y(ad_internal::MutableValue(out), m, n);
  Y.noalias() = a.value() * b.value();
  if (node) {
    const T* av = ad_internal::Pin(a);
    const T* bv = ad_internal::Pin(b);
    T* aa = a.adjoint_data();
    T* ba = b.adjoint_data();
    const T* ya = out.adjoint_data();
    Record(out, [=] {
      const ConstMatrixMap<T> G(ya, m, n);
      if (aa != nullptr) {
        MatrixMap<T>(aa, m, k).noalias() +=
            G * ConstMatrixMap<T>(bv, k, n).transpose();
      }
      if (ba != nullptr) {
        MatrixMap<T>(ba, k, n).noalias() +=
            ConstMatrixMap<T>(av, m, k).transpose() * G;
      }
    });
  }
  return out;
}

template <typename T>
BasicTensor<T> Cholesky(const BasicTensor<T>& a) {
  if (a.rows() != a.cols()) {
    ThrowInvalid("Cholesky", "needs a square matrix, got ", a.ShapeString());
  }
  const Index d = a.rows();
  Eigen::LLT<MatrixT<T>, Eigen::Lower> llt(a.value());
  if (llt.info() != Eigen::Success) {
    ThrowInvalid("Cholesky", "the ", a.ShapeString(),
                 " matrix is not positive definite");
  }
  const bool node = NeedsNode(a);
  BasicTensor<T> out = NewResult<T>(d, d, node);
  MatrixMap<T> L(ad_internal::MutableValue(out), d, d);
  L = llt.matrixL();
  if (node) {
    T* aa = a.adjoint_data();
    const T* lv = out.value_data();
    const T* la = out.adjoint_data();
    Record(out, [=] {
      const ConstMatrixMap<T> Lm(lv, d, d);
      const auto lower = Lm.template triangularView<Eigen::Lower>();
      // P = Φ(Lᵀ tril(L̄)).
      MatrixT<T> P =
          Lm.transpose() * ConstMatrixMap<T>(la, d, d)
                               .template triangularView<Eigen::Lower>()
                               .toDenseMatrix();
      P = P.template triangularView<Eigen::Lower>();
      P.diagonal() *= T(0.5);
      // S = L⁻ᵀ P L⁻¹, as two triangular solves.
      MatrixT<T> X = lower.transpose().solve(P);
      MatrixT<T> S = lower.transpose().solve(X.transpose()).transpose();
      MatrixMap<T> A(aa, d, d);
      MatrixT<T> sym = S + S.transpose();
      sym.diagonal() = S.diagonal();
      A.template triangularView<Eigen::Lower>() += sym;
    });
  }
  return out;
}

template <typename T>
BasicTensor<T> TriangularSolve(const BasicTensor<T>& l,
                               const BasicTensor<T>& b) {
  if (l.rows() != l.cols()) {
    ThrowInvalid("TriangularSolve", "needs a square matrix, got ",
                 l.ShapeString());
  }
  if (b.rows() != l.rows()) {
    ThrowInvalid("TriangularSolve", "right-hand side ", b.ShapeString(),
                 " does not match the ", l.ShapeString(), " matrix");
  }
  const Index d = l.rows();
  const Index n = b.cols();
  const bool node = NeedsNode(l, b);
  BasicTensor<T> out = NewResult<T>(d, n, node);
  MatrixMap<T> X(ad_internal::MutableValue(out), d, n);
  X = b.value();
  // Eigen's solver reads element (0, 0) even of an empty right-hand side.
  if (X.size() > 0) {
    l.value().template triangularView<Eigen::Lower>().solveInPlace(X);
  }
  if (node) {
    const T* lv = ad_internal::Pin(l);
    T* la = l.adjoint_data();
    T* ba = b.adjoint_data();
    const T* xv = out.value_data();
    const T* xa = out.adjoint_data();
    Record(out, [=] {
      if (d == 0 || n == 0) return;
      const ConstMatrixMap<T> Lm(lv, d, d);
      // B̄ = L⁻ᵀ X̄.
      MatrixT<T> gb = ConstMatrixMap<T>(xa, d, n);
      Lm.template triangularView<Eigen::Lower>().transpose().solveInPlace(gb);
      if (ba != nullptr) MatrixMap<T>(ba, d, n) += gb;
      if (la != nullptr) {
        MatrixT<T> gl = gb * ConstMatrixMap<T>(xv, d, n).transpose();
        MatrixMap<T>(la, d, d).template triangularView<Eigen::Lower>() -= gl;
      }
    });
  }
  return out;
}

#define PROVI_INSTANTIATE(T)                                     \
  template BasicTensor<T> MatMul(const BasicTensor<T>&,          \
                                 const BasicTensor<T>&);         \
  template BasicTensor<T> Cholesky(const BasicTensor<T>&);       \
  template BasicTensor<T> TriangularSolve(const BasicTensor<T>&, \
                                          const BasicTensor<T>&);
PROVI_INSTANTIATE(float)
PROVI_INSTANTIATE(double)
#undef PROVI_INSTANTIATE

}  // namespace provi
