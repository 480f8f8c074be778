// Copyright 2026 The provi Authors.
//
// File: base/status_macros.h
// -----------------------------------------------------------------------------
//
// Early-return helpers for `absl::Status` and `absl::StatusOr<T>`. Debian's
// Abseil (20220623) predates Abseil's own versions of these macros, so provi
// provides them under its prefix.
//
// Example:
//
//   absl::StatusOr<Tensor> Fit(const Data& data) {
//     PROVI_RETURN_IF_ERROR(data.Validate());
//     PROVI_ASSIGN_OR_RETURN(Tensor init, Initialise(data));
//     return Optimise(init);
//   }

#ifndef PROVI_BASE_STATUS_MACROS_H_
#define PROVI_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace provi {
namespace status_internal {

inline const absl::Status& AsStatus(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& AsStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

}  // namespace status_internal
}  // namespace provi

// PROVI_RETURN_IF_ERROR
//
// Evaluates `expr`, an `absl::Status` or `absl::StatusOr<T>`, once; if it is
// not OK, returns its status from the enclosing function.
#define PROVI_RETURN_IF_ERROR(expr)                                            \
  do {                                                                         \
    const auto& provi_return_if_error_value_ = (expr);                         \
    if (ABSL_PREDICT_FALSE(!provi_return_if_error_value_.ok())) {              \
      return ::provi::status_internal::AsStatus(provi_return_if_error_value_); \
    }                                                                          \
  } while (false)

// PROVI_ASSIGN_OR_RETURN
//
// `PROVI_ASSIGN_OR_RETURN(lhs, rexpr)` evaluates `rexpr`, an
// `absl::StatusOr<T>`; if it is not OK, returns its status from the enclosing
// function; otherwise move-assigns its value to `lhs`, which may be a
// declaration (`Tensor t`, `auto t`) or an existing lvalue. Expands to more
// than one statement: do not use it as the body of an unbraced `if`.
#define PROVI_ASSIGN_OR_RETURN(lhs, rexpr) \
  PROVI_ASSIGN_OR_RETURN_IMPL_(            \
      PROVI_STATUS_MACROS_CONCAT_(provi_status_or_, __LINE__), lhs, rexpr)

#define PROVI_ASSIGN_OR_RETURN_IMPL_(status_or, lhs, rexpr) \
  auto status_or = (rexpr);                                 \
  if (ABSL_PREDICT_FALSE(!status_or.ok())) {                \
    return std::move(status_or).status();                   \
  }                                                         \
  lhs = std::move(status_or).value()

#define PROVI_STATUS_MACROS_CONCAT_(x, y) PROVI_STATUS_MACROS_CONCAT_IMPL_(x, y)
#define PROVI_STATUS_MACROS_CONCAT_IMPL_(x, y) x##y

#endif  // PROVI_BASE_STATUS_MACROS_H_
