// Copyright 2026 The provi Authors.

#include "base/check.h"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace provi {
namespace check_internal {

CheckFailure::CheckFailure(const char* file, int line, const char* condition)
    : file_(file), line_(line), condition_(condition) {}

CheckFailure::~CheckFailure() {
  const std::string message = message_.str();
  std::fprintf(stderr, "%s:%d: PROVI_CHECK(%s) failed%s%s\n", file_, line_,
               condition_, message.empty() ? "" : ": ", message.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace check_internal
}  // namespace provi
