// Copyright 2026 The provi Authors.
//
// provi's JSON reader (data/json.h) against nlohmann-json 3.11, Debian's
// maintained JSON library, in one binary so the ratios come from one run.
// Each benchmark parses a whole document held in memory:
//
//   BM_Json<Corpus>_Provi        ParseJson, into provi's JsonValue tree;
//   BM_Json<Corpus>_Nlohmann     nlohmann::json::parse, into its own tree;
//   BM_Json<Corpus>_NlohmannSax  nlohmann::json::sax_parse with handlers
//                                that keep nothing: the library's lexer and
//                                parser alone, a lower bound for any tree
//                                built on it (such as JsonValue would be);
//
// over two corpora: Posteriordb, every JSON file under
// examples/posteriordb_data (data, reference summaries and posterior
// descriptions: small objects and arrays of numbers, 0.36 MB in 51 files),
// and Synthetic, one generated 4.5 MB Stan-style data file (a 2000 x 100 matrix
// and a 20000-element vector of 17-digit numbers, plus integers). Bytes
// processed are the documents' sizes, so bytes_per_second is the reading
// rate.
//
//   ./bazelw run -c opt //benchmarks:json_benchmark --
//       --benchmark_repetitions=10 --benchmark_report_aggregates_only=true

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "benchmark/benchmark.h"
#include "data/json.h"
#include "nlohmann/json.hpp"

namespace provi {
namespace {

// Where `bazel run` leaves the data: the runfiles tree, or the workspace.
std::string PosteriordbDirectory() {
  const char* workspace = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  const std::string relative = "examples/posteriordb_data";
  if (std::filesystem::is_directory(relative) || workspace == nullptr) {
    return relative;
  }
  return absl::StrCat(workspace, "/", relative);
}

const std::vector<std::string>& PosteriordbDocuments() {
  static const std::vector<std::string>* const documents = [] {
    auto* out = new std::vector<std::string>;
    const std::string directory = PosteriordbDirectory();
    std::vector<std::string> paths;
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(directory)) {
      if (entry.path().extension() == ".json") {
        paths.push_back(entry.path().string());
      }
    }
    std::sort(paths.begin(), paths.end());
    for (const std::string& path : paths) {
      std::ifstream file(path, std::ios::binary);
      std::ostringstream text;
      text << file.rdbuf();
      out->push_back(text.str());
    }
    if (out->empty()) {
      std::fprintf(stderr, "json_benchmark: no JSON files under %s\n",
                   directory.c_str());
      std::exit(1);
    }
    return out;
  }();
  return *documents;
}

const std::vector<std::string>& SyntheticDocuments() {
  static const std::vector<std::string>* const documents = [] {
    std::mt19937_64 gen(20260);
    std::normal_distribution<double> normal;
    constexpr int kRows = 2000;
    constexpr int kCols = 100;
    constexpr int kLength = 20000;
    std::string text =
        absl::StrFormat("{\n  \"N\": %d,\n  \"D\": %d,\n", kRows, kCols);
    text += "  \"X\": [\n";
    for (int i = 0; i < kRows; ++i) {
      text += "    [";
      for (int j = 0; j < kCols; ++j) {
        absl::StrAppendFormat(&text, "%s%.17g", j == 0 ? "" : ", ",
                              normal(gen));
      }
      text += i + 1 < kRows ? "],\n" : "]\n";
    }
    text += "  ],\n  \"y\": [";
    for (int i = 0; i < kLength; ++i) {
      absl::StrAppendFormat(&text, "%s%.17g", i == 0 ? "" : ", ", normal(gen));
    }
    text += "],\n  \"counts\": [";
    for (int i = 0; i < kLength; ++i) {
      absl::StrAppendFormat(&text, "%s%d", i == 0 ? "" : ", ",
                            static_cast<int>(gen() % 1000));
    }
    text += "]\n}\n";
    return new std::vector<std::string>{std::move(text)};
  }();
  return *documents;
}

int64_t TotalBytes(const std::vector<std::string>& documents) {
  int64_t bytes = 0;
  for (const std::string& document : documents) {
    bytes += static_cast<int64_t>(document.size());
  }
  return bytes;
}

void ParseWithProvi(benchmark::State& state,
                    const std::vector<std::string>& documents) {
  for (auto _ : state) {
    for (const std::string& document : documents) {
      absl::StatusOr<JsonValue> value = ParseJson(document);
      if (!value.ok()) {
        state.SkipWithError(std::string(value.status().message()).c_str());
        return;
      }
      benchmark::DoNotOptimize(value->size());
    }
  }
  state.SetBytesProcessed(state.iterations() * TotalBytes(documents));
}

void ParseWithNlohmann(benchmark::State& state,
                       const std::vector<std::string>& documents) {
  for (auto _ : state) {
    for (const std::string& document : documents) {
      nlohmann::json value = nlohmann::json::parse(document, nullptr, false);
      if (value.is_discarded()) {
        state.SkipWithError("nlohmann::json::parse failed");
        return;
      }
      benchmark::DoNotOptimize(value.size());
    }
  }
  state.SetBytesProcessed(state.iterations() * TotalBytes(documents));
}

// SAX handlers that keep nothing but a count of events.
struct CountingSax {
  using number_integer_t = nlohmann::json::number_integer_t;
  using number_unsigned_t = nlohmann::json::number_unsigned_t;
  using number_float_t = nlohmann::json::number_float_t;
  using string_t = nlohmann::json::string_t;
  using binary_t = nlohmann::json::binary_t;

  bool null() { return ++events > 0; }
  bool boolean(bool) { return ++events > 0; }
  bool number_integer(number_integer_t) { return ++events > 0; }
  bool number_unsigned(number_unsigned_t) { return ++events > 0; }
  bool number_float(number_float_t, const string_t&) { return ++events > 0; }
  bool string(string_t&) { return ++events > 0; }
  bool binary(binary_t&) { return ++events > 0; }
  bool start_object(std::size_t) { return ++events > 0; }
  bool key(string_t&) { return ++events > 0; }
  bool end_object() { return ++events > 0; }
  bool start_array(std::size_t) { return ++events > 0; }
  bool end_array() { return ++events > 0; }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception&) {
    return false;
  }

  int64_t events = 0;
};

void ParseWithNlohmannSax(benchmark::State& state,
                          const std::vector<std::string>& documents) {
  for (auto _ : state) {
    for (const std::string& document : documents) {
      CountingSax sax;
      if (!nlohmann::json::sax_parse(document, &sax)) {
        state.SkipWithError("nlohmann::json::sax_parse failed");
        return;
      }
      benchmark::DoNotOptimize(sax.events);
    }
  }
  state.SetBytesProcessed(state.iterations() * TotalBytes(documents));
}

void BM_JsonPosteriordb_Provi(benchmark::State& state) {
  ParseWithProvi(state, PosteriordbDocuments());
}
void BM_JsonPosteriordb_Nlohmann(benchmark::State& state) {
  ParseWithNlohmann(state, PosteriordbDocuments());
}
void BM_JsonPosteriordb_NlohmannSax(benchmark::State& state) {
  ParseWithNlohmannSax(state, PosteriordbDocuments());
}
void BM_JsonSynthetic_Provi(benchmark::State& state) {
  ParseWithProvi(state, SyntheticDocuments());
}
void BM_JsonSynthetic_Nlohmann(benchmark::State& state) {
  ParseWithNlohmann(state, SyntheticDocuments());
}
void BM_JsonSynthetic_NlohmannSax(benchmark::State& state) {
  ParseWithNlohmannSax(state, SyntheticDocuments());
}

BENCHMARK(BM_JsonPosteriordb_Provi)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_JsonPosteriordb_Nlohmann)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_JsonPosteriordb_NlohmannSax)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_JsonSynthetic_Provi)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_JsonSynthetic_Nlohmann)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_JsonSynthetic_NlohmannSax)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace provi
