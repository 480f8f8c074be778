// Copyright 2026 The provi Authors.
//
// Runs the randomized driver (tests/fuzz/fuzz_driver.h) on inputs drawn from
// a seeded generator until a budget of inputs or seconds is spent, and
// fails on any uncaught exception, any invalid site accepted without a
// Status, or fewer than 95% of the site-caused Statuses naming their site.
// A crash or a sanitizer report ends the process, which fails the test too;
// a watchdog aborts an input that runs longer than --hang_seconds.
//
//   ./bazelw test --config=asan //tests/fuzz:fuzz_test
//       --test_arg=--seconds=3600 --test_arg=--inputs=1000000
//       --test_timeout=4000   (one command)
//
// Flags: --seconds=S (default 20), --inputs=N (default unlimited),
// --seed=K, --replay=I (run input I of the seed only, printing it),
// --hang_seconds=H (default 60).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>

#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/random.h"
#include "runtime/handler.h"
#include "tests/fuzz/fuzz_driver.h"

namespace {

using Clock = std::chrono::steady_clock;

std::string Input(uint64_t seed, int64_t index) {
  provi::Rng rng =
      provi::MakeRng(seed * 1000003u + static_cast<uint64_t>(index));
  const int length = absl::Uniform<int>(rng, 0, 256);
  std::string bytes(static_cast<size_t>(length), '\0');
  for (char& c : bytes) c = static_cast<char>(absl::Uniform<int>(rng, 0, 256));
  return bytes;
}

bool Flag(const char* arg, const char* name, int64_t* value) {
  const size_t n = std::strlen(name);
  if (std::strncmp(arg, name, n) != 0 || arg[n] != '=') return false;
  if (!absl::SimpleAtoi(arg + n + 1, value)) {
    std::fprintf(stderr, "bad flag %s\n", arg);
    std::exit(2);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t seconds = 20, inputs = -1, seed = 1, replay = -1, hang_seconds = 60;
  for (int i = 1; i < argc; ++i) {
    if (!Flag(argv[i], "--seconds", &seconds) &&
        !Flag(argv[i], "--inputs", &inputs) &&
        !Flag(argv[i], "--seed", &seed) &&
        !Flag(argv[i], "--replay", &replay) &&
        !Flag(argv[i], "--hang_seconds", &hang_seconds)) {
      std::fprintf(stderr, "unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  const uint64_t useed = static_cast<uint64_t>(seed);
  if (replay >= 0) {
    provi::SeedThreadRng(useed);
    const provi::fuzz::Outcome o = provi::fuzz::RunInput(Input(useed, replay));
    std::printf("input %lld: %s\n  entry %s\n  status %s\n",
                static_cast<long long>(replay), o.description.c_str(),
                o.entry.c_str(), o.status.ToString().c_str());
    return 0;
  }

  // The watchdog: an input running longer than hang_seconds is a hang.
  std::atomic<int64_t> current{-1};
  std::atomic<int64_t> started_ms{0};
  std::atomic<bool> done{false};
  const auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               Clock::now().time_since_epoch())
        .count();
  };
  std::thread watchdog([&] {
    while (!done.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      const int64_t index = current.load();
      if (index >= 0 && now_ms() - started_ms.load() > hang_seconds * 1000) {
        std::fprintf(
            stderr,
            "HANG: input %lld (seed %lld) ran over %lld s; replay "
            "with --seed=%lld --replay=%lld\n",
            static_cast<long long>(index), static_cast<long long>(seed),
            static_cast<long long>(hang_seconds), static_cast<long long>(seed),
            static_cast<long long>(index));
        std::abort();
      }
    }
  });

  const Clock::time_point start = Clock::now();
  int64_t n = 0, ok = 0, statuses = 0, site_caused = 0, names_site = 0;
  int64_t uncaught = 0, accepted_invalid = 0, silent_non_finite = 0;
  std::map<std::string, int64_t> by_entry;
  provi::SeedThreadRng(useed);
  for (; inputs < 0 || n < inputs; ++n) {
    if ((n & 15) == 0 && Clock::now() - start > std::chrono::seconds(seconds)) {
      break;
    }
    const std::string bytes = Input(useed, n);
    started_ms.store(now_ms());
    current.store(n);
    const provi::fuzz::Outcome o = provi::fuzz::RunInput(bytes);
    current.store(-1);
    ++by_entry[o.entry];
    const auto report = [&](const char* what) {
      std::printf("%s: input %lld (--seed=%lld --replay=%lld)\n  %s\n  %s\n",
                  what, static_cast<long long>(n), static_cast<long long>(seed),
                  static_cast<long long>(n), o.description.c_str(),
                  o.status.ToString().c_str());
    };
    if (o.entry == "uncaught") {
      ++uncaught;
      report("UNCAUGHT");
    }
    if (o.status.ok()) {
      ++ok;
    } else {
      ++statuses;
    }
    if (o.site_caused) {
      ++site_caused;
      if (o.names_site) {
        ++names_site;
      } else if (site_caused - names_site <= 20) {
        report("STATUS WITHOUT ITS SITE");
      }
    }
    if (o.accepted_invalid) {
      ++accepted_invalid;
      if (accepted_invalid <= 20) report("ACCEPTED INVALID SITE");
    }
    if (o.silent_non_finite) {
      ++silent_non_finite;
      if (silent_non_finite <= 20) report("NAN RESULT WITHOUT STATUS");
    }
  }
  done.store(true);
  watchdog.join();
  const double elapsed =
      std::chrono::duration<double>(Clock::now() - start).count();
  const double naming =
      site_caused == 0 ? 1.0 : static_cast<double>(names_site) / site_caused;
  std::printf(
      "fuzz: %lld inputs in %.1f s (seed %lld): %lld OK, %lld Status; "
      "%lld site-caused Statuses, %lld name their site (%.2f%%); %lld "
      "uncaught, %lld invalid sites accepted, %lld NaN results\n",
      static_cast<long long>(n), elapsed, static_cast<long long>(seed),
      static_cast<long long>(ok), static_cast<long long>(statuses),
      static_cast<long long>(site_caused), static_cast<long long>(names_site),
      100 * naming, static_cast<long long>(uncaught),
      static_cast<long long>(accepted_invalid),
      static_cast<long long>(silent_non_finite));
  std::printf("fuzz: by entry point:");
  for (const auto& [entry, count] : by_entry) {
    std::printf(" %s %lld", entry.c_str(), static_cast<long long>(count));
  }
  std::printf("\n");
  const bool pass = uncaught == 0 && accepted_invalid == 0 &&
                    silent_non_finite == 0 && naming >= 0.95;
  std::printf("%s\n", pass ? "fuzz: PASS" : "fuzz: FAIL");
  return pass ? 0 : 1;
}
