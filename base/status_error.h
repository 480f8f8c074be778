// Copyright 2026 The provi Authors.
//
// File: base/status_error.h
// -----------------------------------------------------------------------------
//
// How invalid input travels from deep inside a model to the caller.
//
// Model code in provi is ordinary C++: `Exp(x) * y`, `sample("z", Normal(m,
// s))`. Those expressions cannot return `absl::Status` without burdening every
// line, so an operation that meets invalid input (incompatible shapes, a
// non-positive-definite matrix, a negative scale) throws a `StatusError`
// carrying the `absl::Status`. Every public entry point that runs user code
// (tracing a model, evaluating a density, estimating a gradient, an SVI step)
// catches it with `CatchStatus` and returns the status; no exception escapes
// provi's public API. Code that calls the AD operations directly can do the
// same with `CatchStatus` / `CatchStatusOr`.
//
// Example:
//
//   absl::StatusOr<Tensor> y = provi::CatchStatusOr([&] { return a + b; });
//   if (!y.ok()) std::cerr << y.status() << "\n";  // names both shapes

#ifndef PROVI_BASE_STATUS_ERROR_H_
#define PROVI_BASE_STATUS_ERROR_H_

#include <exception>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace provi {

// StatusError
//
// The exception provi throws for invalid input. Always holds a non-OK status.
class StatusError : public std::exception {
 public:
  explicit StatusError(absl::Status status);

  const absl::Status& status() const { return status_; }
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  absl::Status status_;
  std::string what_;
};

// ThrowStatus()
//
// Throws `StatusError(status)`. `status` must not be OK.
[[noreturn]] void ThrowStatus(absl::Status status);

// ThrowIfError()
//
// Throws `StatusError(status)` when `status` is not OK.
inline void ThrowIfError(absl::Status status) {
  if (!status.ok()) ThrowStatus(std::move(status));
}

// CatchStatus()
//
// Runs `f()` and returns OK, or the status of a `StatusError` it threw.
// Other exceptions propagate.
template <typename F>
absl::Status CatchStatus(F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const StatusError& error) {
    return error.status();
  }
  return absl::OkStatus();
}

namespace status_error_internal {
template <typename T>
struct IsStatusOr : std::false_type {};
template <typename T>
struct IsStatusOr<absl::StatusOr<T>> : std::true_type {};
}  // namespace status_error_internal

// CatchStatusOr()
//
// Runs `f()` and returns its result, or the status of a `StatusError` it
// threw. If `f` itself returns `absl::StatusOr<T>`, that is returned as is.
template <typename F>
auto CatchStatusOr(F&& f) {
  using Result = std::invoke_result_t<F>;
  using Out =
      std::conditional_t<status_error_internal::IsStatusOr<Result>::value,
                         Result, absl::StatusOr<Result>>;
  try {
    return Out(std::forward<F>(f)());
  } catch (const StatusError& error) {
    return Out(error.status());
  }
}

}  // namespace provi

#endif  // PROVI_BASE_STATUS_ERROR_H_
