// Copyright 2026 The provi Authors.
//
// File: base/check.h
// -----------------------------------------------------------------------------
//
// `PROVI_CHECK` guards internal invariants: conditions that only a bug in
// provi (or a misuse of an internal API) can break. It stays on in optimised
// builds. User input is never checked this way: invalid input is reported as
// an `absl::Status` (DESIGN.md section 7).
//
// Example:
//
//   PROVI_CHECK(tape.size() >= mark) << "tape shrank below mark " << mark;

#ifndef PROVI_BASE_CHECK_H_
#define PROVI_BASE_CHECK_H_

#include <sstream>

#include "absl/base/optimization.h"

namespace provi {
namespace check_internal {

// Collects the message of a failed check; its destructor prints the message
// with the failing condition and location to stderr and aborts.
class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition);
  CheckFailure(const CheckFailure&) = delete;
  CheckFailure& operator=(const CheckFailure&) = delete;
  [[noreturn]] ~CheckFailure();

  std::ostream& stream() { return message_; }

 private:
  const char* file_;
  int line_;
  const char* condition_;
  std::ostringstream message_;
};

}  // namespace check_internal
}  // namespace provi

// PROVI_CHECK
//
// Aborts with a message naming `condition` and the streamed text when
// `condition` is false.
#define PROVI_CHECK(condition)             \
  while (ABSL_PREDICT_FALSE(!(condition))) \
  ::provi::check_internal::CheckFailure(__FILE__, __LINE__, #condition).stream()

#endif  // PROVI_BASE_CHECK_H_
