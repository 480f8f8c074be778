// Copyright 2026 The provi Authors.
//
// Tensor construction, leaves and the reverse sweep.

#include "ad/tensor.h"

#include <cstring>

#include "ad/internal/op_support.h"
#include "ad/ops.h"
#include "ad/tape.h"

namespace provi {

template <typename T>
BasicTensor<T> BasicTensor<T>::FromMatrix(const MatrixType& value) {
  if (value.size() == 1) return BasicTensor<T>(value(0, 0));
  std::shared_ptr<T[]> storage(new T[static_cast<size_t>(value.size())]);
  if (value.size() > 0) {
    std::memcpy(storage.get(), value.data(),
                sizeof(T) * static_cast<size_t>(value.size()));
  }
  T* data = storage.get();
  return ad_internal::Access::Make<T>(data, nullptr, value.rows(), value.cols(),
                                      std::move(storage));
}

template class BasicTensor<float>;
template class BasicTensor<double>;

Tensor Parameter::tensor() {
  Real* adjoint = Tape::Current().recording() ? grad_.data() : nullptr;
  return ad_internal::Access::Make<Real>(value_.data(), adjoint, value_.rows(),
                                         value_.cols());
}

template <typename T>
BasicTensor<T> Variable(const MatrixT<T>& value) {
  PROVI_CHECK(Tape::Current().recording())
      << "Variable() needs an active TapeScope";
  BasicTensor<T> out =
      ad_internal::NewResult<T>(value.rows(), value.cols(), true);
  if (value.size() > 0) {
    std::memcpy(ad_internal::MutableValue(out), value.data(),
                sizeof(T) * static_cast<size_t>(value.size()));
  }
  // A leaf's node does nothing in the sweep; it makes ZeroAdjoints reach it.
  ad_internal::Record(out, [] {});
  return out;
}

Tensor Variable(const Matrix& value) { return Variable<Real>(value); }

template <typename T>
BasicTensor<T> NewConstant(Index rows, Index cols, T** data) {
  if (rows < 0 || cols < 0) {
    ad_internal::ThrowInvalid("NewConstant", "negative shape ", rows, "x",
                              cols);
  }
  BasicTensor<T> out = ad_internal::NewResult<T>(rows, cols, false);
  *data = ad_internal::MutableValue(out);
  return out;
}

Tensor NewConstant(Index rows, Index cols, Real** data) {
  return NewConstant<Real>(rows, cols, data);
}

template <typename T>
void Backward(const BasicTensor<T>& loss) {
  if (!loss.is_scalar()) {
    ad_internal::ThrowInvalid("Backward", "the loss must be 1x1, got ",
                              loss.ShapeString());
  }
  if (!loss.requires_grad()) return;
  *loss.adjoint_data() += T(1);
  Tape::Current().Sweep();
}

template BasicTensor<float> Variable(const MatrixT<float>&);
template BasicTensor<double> Variable(const MatrixT<double>&);
template BasicTensor<float> NewConstant(Index, Index, float**);
template BasicTensor<double> NewConstant(Index, Index, double**);
template void Backward(const BasicTensor<float>&);
template void Backward(const BasicTensor<double>&);

}  // namespace provi
