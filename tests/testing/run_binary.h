// Copyright 2026 The provi Authors.
//
// Runs an example binary from a test's runfiles and captures its output.

#ifndef PROVI_TESTS_TESTING_RUN_BINARY_H_
#define PROVI_TESTS_TESTING_RUN_BINARY_H_

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace provi {
namespace testing {

// RunExample()
//
// Runs `//examples:<name>` (a data dependency of the test) with `flags`,
// appending its standard output and error to `*output`. Returns its exit
// status, or -1 if it could not be started or did not exit normally.
inline int RunExample(const std::string& name, const std::string& flags,
                      std::string* output) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  const std::string binary = std::string(srcdir ? srcdir : ".") + "/" +
                             (workspace ? workspace : "provi") + "/examples/" +
                             name;
  const std::string command = binary + " " + flags + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    output->append(buffer, n);
  }
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace testing
}  // namespace provi

#endif  // PROVI_TESTS_TESTING_RUN_BINARY_H_
