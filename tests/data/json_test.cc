// Copyright 2026 The provi Authors.
//
// The JSON reader: every kind of value and the grammar's corners (numbers,
// escapes, surrogate pairs, UTF-8, whitespace, a byte order mark); one
// error per way a document can break RFC 8259, with its line and column;
// the nesting limit; the accessors' results and their errors' paths; files.

#include "data/json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_testing.h"

namespace provi {
namespace {

using ::provi::testing::ExpectError;

using ::testing::HasSubstr;

JsonValue ParseOk(const std::string& text) {
  absl::StatusOr<JsonValue> value = ParseJson(text);
  EXPECT_TRUE(value.ok()) << text << ": " << value.status();
  return value.ok() ? *std::move(value) : JsonValue();
}

// -----------------------------------------------------------------------------
// Valid documents
// -----------------------------------------------------------------------------

TEST(JsonTest, ScalarsAreDocuments) {
  EXPECT_TRUE(ParseOk("null").is_null());
  EXPECT_EQ(*ParseOk("true").AsBool(), true);
  EXPECT_EQ(*ParseOk("false").AsBool(), false);
  EXPECT_EQ(*ParseOk("42").AsNumber(), 42.0);
  EXPECT_EQ(*ParseOk("\"hi\"").AsString(), "hi");
  EXPECT_EQ(*ParseOk(" \t\r\n 7 \n").AsNumber(), 7.0);
}

TEST(JsonTest, ArraysAndObjectsKeepDocumentOrder) {
  const JsonValue v =
      ParseOk(R"({"z": [1, 2.5, "x", null, true, {}, []], "a": {"k": false},)"
              R"( "m": -3})");
  ASSERT_TRUE(v.is_object());
  EXPECT_THAT(v.keys(), ::testing::ElementsAre("z", "a", "m"));
  ASSERT_EQ(v.size(), 3u);
  const JsonValue& z = v.elements()[0];
  ASSERT_TRUE(z.is_array());
  ASSERT_EQ(z.size(), 7u);
  EXPECT_EQ(*z.elements()[1].AsNumber(), 2.5);
  EXPECT_EQ(*z.elements()[2].AsString(), "x");
  EXPECT_TRUE(z.elements()[3].is_null());
  EXPECT_TRUE(z.elements()[5].is_object());
  EXPECT_EQ(z.elements()[5].size(), 0u);
  EXPECT_TRUE(z.elements()[6].is_array());
  EXPECT_EQ(z.elements()[6].size(), 0u);
  EXPECT_EQ(*(*(*v.Get("a"))->Get("k"))->AsBool(), false);
  EXPECT_EQ(*v.GetNumber("m"), -3.0);
  EXPECT_TRUE(v.Has("a"));
  EXPECT_FALSE(v.Has("b"));
  EXPECT_FALSE(z.Has("a"));
}

TEST(JsonTest, ValuesKnowTheirPathAndPosition) {
  const JsonValue v = ParseOk(
      "{\"parameters\": {\n  \"beta[1]\": [10, 20],\n"
      "  \"sd\": {\"a b\": 1}}}");
  const JsonValue* beta = *(*v.Get("parameters"))->Get("beta[1]");
  EXPECT_EQ(v.path(), "$");
  EXPECT_EQ(beta->path(), "$.parameters[\"beta[1]\"]");
  EXPECT_EQ(beta->line(), 2);
  EXPECT_EQ(beta->column(), 14);
  const JsonValue* second = *beta->At(1);
  EXPECT_EQ(second->path(), "$.parameters[\"beta[1]\"][1]");
  EXPECT_EQ(second->line(), 2);
  EXPECT_EQ(second->column(), 19);
  const JsonValue* ab = *(*(*v.Get("parameters"))->Get("sd"))->Get("a b");
  EXPECT_EQ(ab->path(), "$.parameters.sd[\"a b\"]");
  EXPECT_EQ(ab->line(), 3);
}

TEST(JsonTest, NumbersFollowTheGrammarAndRoundToNearest) {
  const std::pair<const char*, double> cases[] = {
      {"0", 0.0},
      {"123", 123.0},
      {"-1.25", -1.25},
      {"0.1", 0.1},
      {"1e3", 1000.0},
      {"1E+3", 1000.0},
      {"2.5e-3", 0.0025},
      {"-0.0e0", 0.0},
      {"12345678901234567890", 12345678901234567890.0},
      {"1.7976931348623157e308", std::numeric_limits<double>::max()},
      {"4.9e-324", std::numeric_limits<double>::denorm_min()},
      {"2.2250738585072014e-308", std::numeric_limits<double>::min()},
      // Below the smallest subnormal: rounds to zero, not an error.
      {"1e-400", 0.0},
      {"0.000000000000000000000000000000000000001e-300", 0.0},
  };
  for (const auto& [text, expected] : cases) {
    SCOPED_TRACE(text);
    absl::StatusOr<double> number = ParseOk(text).AsNumber();
    ASSERT_TRUE(number.ok()) << number.status();
    EXPECT_EQ(*number, expected);
  }
  EXPECT_TRUE(std::signbit(*ParseOk("-0").AsNumber()));
  EXPECT_TRUE(std::signbit(*ParseOk("-1e-400").AsNumber()));
}

TEST(JsonTest, StringEscapesDecodeToUtf8) {
  EXPECT_EQ(*ParseOk(R"("\" \\ \/ \b \f \n \r \t")").AsString(),
            "\" \\ / \b \f \n \r \t");
  EXPECT_EQ(*ParseOk(R"("\u0041\u00e9\u20AC")").AsString(),
            "A\xC3\xA9\xE2\x82\xAC");
  // U+1F600 as a surrogate pair, and U+10FFFF, the last code point.
  EXPECT_EQ(*ParseOk(R"("\uD83D\uDE00")").AsString(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(*ParseOk(R"("\udbff\udfff")").AsString(), "\xF4\x8F\xBF\xBF");
  // \u0000 is a character like any other.
  EXPECT_EQ(*ParseOk(R"("a\u0000b")").AsString(), std::string("a\0b", 3));
  // Raw UTF-8 (2, 3 and 4 bytes) passes through unchanged.
  const std::string raw = "\"\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"";
  EXPECT_EQ(*ParseOk(raw).AsString(), raw.substr(1, raw.size() - 2));
  // Escaped and raw forms of the same key are the same key.
  EXPECT_TRUE(ParseOk(R"({"\u00e9": 1})").Has("\xC3\xA9"));
}

TEST(JsonTest, ByteOrderMarkIsSkippedAtTheStartOnly) {
  EXPECT_EQ(*ParseOk("\xEF\xBB\xBF[1]").At(0).value()->AsNumber(), 1.0);
  absl::StatusOr<JsonValue> inside = ParseJson("[\xEF\xBB\xBF 1]");
  EXPECT_EQ(inside.status().code(), absl::StatusCode::kInvalidArgument);
}

// -----------------------------------------------------------------------------
// Errors: one per class, with the position and what was expected
// -----------------------------------------------------------------------------

struct ErrorCase {
  std::string text;
  std::string message;  // a substring of the status message
};

TEST(JsonTest, EveryErrorClassNamesItsPositionAndExpectation) {
  const ErrorCase cases[] = {
      // Values.
      {"",
       "line 1, column 1: expected a value (object, array, string, "
       "number, true, false or null), got end of input"},
      {"   ", "line 1, column 4: expected a value"},
      {"+1",
       "line 1, column 1: expected a value (object, array, string, "
       "number, true, false or null), got '+'"},
      {".5", "column 1: expected a value"},
      {"NaN", "column 1: expected a value"},
      {"Infinity", "column 1: expected a value"},
      {"'a'", "column 1: expected a value"},
      {"// comment\n1", "line 1, column 1: expected a value"},
      {"[/* c */ 1]", "line 1, column 2: expected a value"},
      {"\x01", "got U+0001"},
      {"\xC3\xA9", "got byte 0xC3"},
      // Literals.
      {"tru",
       "line 1, column 4: expected 'e' of the literal true, got end "
       "of input"},
      {"nul", "column 4: expected 'l' of the literal null"},
      {"fals3", "column 5: expected 'e' of the literal false, got '3'"},
      {"True", "column 1: expected a value"},
      // Numbers.
      {"01",
       "line 1, column 2: expected '.', 'e' or the end of the number "
       "after a leading 0 (leading zeros are not allowed), got '1'"},
      {"-01", "column 3: expected '.', 'e' or the end of the number"},
      {"-", "line 1, column 2: expected a digit after '-', got end of input"},
      {"-a", "column 2: expected a digit after '-', got 'a'"},
      {"1.", "column 3: expected a digit after the '.', got end of input"},
      {"1.e5", "column 3: expected a digit after the '.', got 'e'"},
      {"1e", "column 3: expected a digit in the exponent"},
      {"1e+", "column 4: expected a digit in the exponent"},
      {"1e400",
       "line 1, column 1: expected a number within the range of a "
       "double (below 1.8e308 in magnitude), got 1e400"},
      {"-1000000000000000000000e300",
       "column 1: expected a number within "
       "the range of a double"},
      {"0x10",
       "column 2: expected end of input after the JSON value, got "
       "'x'"},
      // Strings.
      {"\"abc",
       "line 1, column 5: expected '\"' to end the string, got end "
       "of input"},
      {"\"a\nb\"",
       "line 1, column 3: expected a string character (control "
       "characters must be escaped), got U+000A"},
      {"\"a\tb\"", "column 3: expected a string character"},
      {"\"\\x\"",
       "column 3: expected an escape character (one of \" \\ / b "
       "f n r t u) after '\\', got 'x'"},
      {"\"\\", "column 3: expected an escape character"},
      {"\"\\u12\"", "column 6: expected 4 hex digits after \\u, got '\"'"},
      {"\"\\u12G4\"", "column 6: expected 4 hex digits after \\u, got 'G'"},
      {"\"\\uD800\"",
       "column 8: expected a low surrogate \\uDC00-\\uDFFF "
       "after the high surrogate \\uD800, got '\"'"},
      {"\"\\uD800\\u0041\"",
       "column 8: expected a low surrogate "
       "\\uDC00-\\uDFFF after the high surrogate "
       "\\uD800, got \\u0041"},
      {"\"\\uD800\\uD800\"", "got \\uD800"},
      {"\"\\uDC00\"",
       "column 2: expected a code point or a high surrogate "
       "(\\uD800-\\uDBFF) before a low surrogate, got a lone "
       "low surrogate \\uDC00"},
      // UTF-8: a stray continuation byte, an invalid lead, overlong forms,
      // an encoded surrogate, beyond U+10FFFF, a truncated sequence.
      {"\"\x80\"",
       "column 2: expected UTF-8 text (a valid lead byte), got "
       "byte 0x80"},
      {"\"\xFF\"", "column 2: expected UTF-8 text (a valid lead byte)"},
      {"\"\xC0\xAF\"", "column 2: expected UTF-8 text (a valid lead byte)"},
      {"\"\xE0\x80\xAF\"",
       "column 3: expected UTF-8 text (a continuation "
       "byte 0xA0-0xBF after lead byte 0xE0), got byte "
       "0x80"},
      {"\"\xED\xA0\x80\"",
       "continuation byte 0x80-0x9F after lead byte "
       "0xED"},
      {"\"\xF4\x90\x80\x80\"",
       "continuation byte 0x80-0x8F after lead byte "
       "0xF4"},
      {"\"\xF0\x9F\x98\"",
       "column 5: expected UTF-8 text (a continuation "
       "byte 0x80-0xBF after lead byte 0xF0), got '\"'"},
      {"\"\xC3", "column 3: expected UTF-8 text (a continuation byte"},
      // Arrays.
      {"[", "line 1, column 2: expected a value"},
      {"[1",
       "column 3: expected ',' or ']' after an array element, got end "
       "of input"},
      {"[1 2]",
       "column 4: expected ',' or ']' after an array element, got "
       "'2'"},
      {"[1,]",
       "column 4: expected a value (object, array, string, number, "
       "true, false or null), got ']'"},
      {"[,1]", "column 2: expected a value"},
      {"]", "column 1: expected a value"},
      // Objects.
      {"{",
       "column 2: expected a member name (a string) or '}', got end of "
       "input"},
      {"{1: 2}",
       "column 2: expected a member name (a string) or '}', got "
       "'1'"},
      {"{a: 2}", "column 2: expected a member name"},
      {"{\"a\" 1}", "column 6: expected ':' after the member name, got '1'"},
      {"{\"a\": }", "column 7: expected a value"},
      {"{\"a\": 1,}",
       "column 9: expected a member name (a string) after "
       "',', got '}'"},
      {"{\"a\": 1 \"b\": 2}",
       "column 9: expected ',' or '}' after an "
       "object member, got '\"'"},
      {"{\"a\": 1, \"a\": 2}",
       "column 10: expected member names to be "
       "unique within an object, got a second "
       "member \"a\""},
      // Trailing garbage.
      {"[1] x",
       "line 1, column 5: expected end of input after the JSON "
       "value, got 'x'"},
      {"{} {}", "column 4: expected end of input"},
      {"1 2", "column 3: expected end of input"},
      {std::string("null\0", 5),
       "column 5: expected end of input after "
       "the JSON value, got U+0000"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<JsonValue> value = ParseJson(c.text);
    ASSERT_FALSE(value.ok());
    EXPECT_EQ(value.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(value.status().message(), HasSubstr(c.message));
  }
}

TEST(JsonTest, PositionsCountLinesAndBytes) {
  const std::string text = "{\n  \"a\": [1, 2],\r\n\t\"b\": [3,, 4]\n}";
  absl::StatusOr<JsonValue> value = ParseJson(text);
  ASSERT_FALSE(value.ok());
  EXPECT_THAT(value.status().message(),
              HasSubstr("line 3, column 10: expected a value"));
  // Multi-byte characters before the error count as their bytes.
  value = ParseJson("[\"\xC3\xA9\xC3\xA9\" x]");
  ASSERT_FALSE(value.ok());
  EXPECT_THAT(value.status().message(), HasSubstr("line 1, column 9:"));
}

// -----------------------------------------------------------------------------
// Nesting depth
// -----------------------------------------------------------------------------

std::string Nested(int depth, char open, const std::string& inner, char close) {
  return std::string(static_cast<size_t>(depth), open) + inner +
         std::string(static_cast<size_t>(depth), close);
}

TEST(JsonTest, NestingUpToTheLimitIsAccepted) {
  const JsonValue v = ParseOk(Nested(256, '[', "1", ']'));
  const JsonValue* inner = &v;
  for (int i = 0; i < 256; ++i) {
    ASSERT_TRUE(inner->is_array());
    inner = *inner->At(0);
  }
  EXPECT_EQ(*inner->AsNumber(), 1.0);
  EXPECT_EQ(inner->column(), 257);
}

TEST(JsonTest, DeepNestingIsRejected) {
  absl::StatusOr<JsonValue> value = ParseJson(Nested(257, '[', "", ']'));
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(value.status().message(),
              HasSubstr("line 1, column 257: expected at most 256 nested "
                        "arrays and objects, got one more"));
  // Far deeper than any stack could recurse: rejected at the limit, long
  // before.
  value = ParseJson(std::string(10000000, '['));
  EXPECT_THAT(value.status().message(), HasSubstr("column 257"));
  // Objects count as well, and the limit is an option.
  std::string objects;
  for (int i = 0; i < 3; ++i) objects += "{\"k\":";
  objects += "1}}}";
  EXPECT_TRUE(ParseJson(objects, {.max_depth = 3}).ok());
  value = ParseJson(objects, {.max_depth = 2});
  EXPECT_THAT(value.status().message(),
              HasSubstr("column 11: expected at most 2 nested"));
  EXPECT_TRUE(ParseJson("7", {.max_depth = 0}).ok());
  EXPECT_FALSE(ParseJson("[]", {.max_depth = 0}).ok());
  EXPECT_THAT(ParseJson("1", {.max_depth = -1}).status().message(),
              HasSubstr("max_depth = -1 must be >= 0"));
}

// -----------------------------------------------------------------------------
// Accessors
// -----------------------------------------------------------------------------

TEST(JsonTest, TypedAccessorsReturnValues) {
  const JsonValue v =
      ParseOk(R"({"N": 3, "y": [1, -2.5, 3e2], "X": [[1, 2], [3, 4], [5, 6]],)"
              R"( "name": "blr", "flag": true, "empty": []})");
  EXPECT_EQ(*v.GetInteger("N"), 3);
  EXPECT_THAT(*v.GetNumberArray("y"), ::testing::ElementsAre(1, -2.5, 300));
  const Eigen::MatrixXd x = *v.GetMatrix("X");
  ASSERT_EQ(x.rows(), 3);
  ASSERT_EQ(x.cols(), 2);
  EXPECT_EQ(x(0, 1), 2);
  EXPECT_EQ(x(2, 0), 5);
  EXPECT_EQ(*v.GetString("name"), "blr");
  EXPECT_EQ(*(*v.Get("flag"))->AsBool(), true);
  EXPECT_TRUE(v.GetNumberArray("empty")->empty());
  EXPECT_EQ(v.GetMatrix("empty")->size(), 0);
  EXPECT_EQ(ParseOk("[[], []]").AsMatrix()->rows(), 2);
  EXPECT_EQ(*ParseOk("-9007199254740992").AsInteger(), -9007199254740992);
  EXPECT_EQ(*ParseOk("1e3").AsInteger(), 1000);
}

TEST(JsonTest, AccessorErrorsNameThePath) {
  const JsonValue v = ParseOk(
      "{\"parameters\": {\"beta[1]\": {\"mean\": \"0.5\"}},\n"
      " \"y\": [1, null, 3], \"N\": 2.5, \"big\": 1e17,\n"
      " \"X\": [[1, 2], [3], [4, 5]], \"R\": [[1, 2], 3], \"E\": [[1, "
      "\"a\"]], \"S\": [1]}");
  constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;
  // Wrong types.
  const JsonValue* beta = *(*v.Get("parameters"))->Get("beta[1]");
  ExpectError(beta->GetNumber("mean"), kInvalid,
              "$.parameters[\"beta[1]\"].mean (line 1, column 37): expected a "
              "number, got a string");
  ExpectError(v.GetString("N"), kInvalid,
              "$.N (line 2, column 26): expected a string, got a number");
  ExpectError((*v.Get("y"))->AsBool(), kInvalid,
              "$.y (line 2, column 7): expected a boolean, got an array");
  ExpectError((*v.Get("y"))->Get("a"), kInvalid,
              "$.y (line 2, column 7): expected an object with a member "
              "\"a\", got an array");
  ExpectError(v.At(0), kInvalid,
              "$ (line 1, column 1): expected an array with an element 0, got "
              "an object");
  // Missing members and indices past the end.
  ExpectError(beta->Get("sd"), absl::StatusCode::kNotFound,
              "$.parameters[\"beta[1]\"] (line 1, column 28): no member "
              "\"sd\"");
  ExpectError((*v.Get("y"))->At(3), absl::StatusCode::kOutOfRange,
              "$.y (line 2, column 7): index 3 is past the end of an array of "
              "3 elements");
  ExpectError(v.GetNumber("missing"), absl::StatusCode::kNotFound,
              "$ (line 1, column 1): no member \"missing\"");
  // Integers.
  ExpectError(v.GetInteger("N"), kInvalid,
              "$.N (line 2, column 26): expected an integer (of magnitude at "
              "most 2^53), got 2.5");
  ExpectError(v.GetInteger("big"), kInvalid, "$.big");
  ExpectError(v.GetInteger("y"), kInvalid,
              "$.y (line 2, column 7): expected "
              "an integer, got an array");
  // Arrays of numbers: the first bad element's path.
  ExpectError(v.GetNumberArray("y"), kInvalid,
              "$.y[1] (line 2, column 11): expected a number, got null");
  ExpectError(v.GetNumberArray("N"), kInvalid,
              "$.N (line 2, column 26): expected an array of numbers, got a "
              "number");
  // Matrices: ragged rows, a row that is not an array, a bad element.
  ExpectError(v.GetMatrix("X"), kInvalid,
              "$.X[1] (line 3, column 16): expected a row of 2 numbers (the "
              "length of row 0), got 1");
  ExpectError(v.GetMatrix("R"), kInvalid,
              "$.R[1] (line 3, column 44): expected an array of numbers (a "
              "matrix row), got a number");
  ExpectError(v.GetMatrix("S"), kInvalid,
              "$.S[0] (line 3, column 71): expected an array of numbers (a "
              "matrix row), got a number");
  ExpectError(v.GetMatrix("E"), kInvalid,
              "$.E[0][1] (line 3, column 58): expected a number, got a string");
  ExpectError(v.GetMatrix("N"), kInvalid,
              "$.N (line 2, column 26): expected an array of equal-length "
              "arrays of numbers, got a number");
}

TEST(JsonTest, BuiltValuesHavePathsButNoPositions) {
  JsonValue inner = JsonValue::Object(
      {{"mean", JsonValue::Number(1)}, {"sd", JsonValue::String("x")}});
  EXPECT_EQ((*inner.Get("sd"))->path(), "$.sd");
  const JsonValue outer = JsonValue::Object(
      {{"mu", std::move(inner)},
       {"list",
        JsonValue::Array({JsonValue::Null(), JsonValue::Bool(false)})}});
  const JsonValue* mu = *outer.Get("mu");
  EXPECT_EQ(mu->line(), 0);
  ExpectError(mu->GetNumber("sd"), absl::StatusCode::kInvalidArgument,
              "$.mu.sd: expected a number, got a string");
  EXPECT_EQ((*(*outer.Get("list"))->At(1))->path(), "$.list[1]");
  EXPECT_EQ(*mu->GetNumber("mean"), 1.0);
}

// -----------------------------------------------------------------------------
// Files
// -----------------------------------------------------------------------------

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr) << path;
  ASSERT_EQ(std::fwrite(contents.data(), 1, contents.size(), file),
            contents.size());
  ASSERT_EQ(std::fclose(file), 0);
}

TEST(JsonTest, ReadsFiles) {
  const std::string path = TempPath("good.json");
  WriteFile(path, "{\"y\": [1, 2]}\n");
  absl::StatusOr<JsonValue> value = ReadJsonFile(path);
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_THAT(*value->GetNumberArray("y"), ::testing::ElementsAre(1, 2));
}

TEST(JsonTest, FileErrorsNameThePath) {
  const std::string missing = TempPath("missing.json");
  ExpectError(ReadJsonFile(missing), absl::StatusCode::kNotFound,
              absl::StrCat("cannot open '", missing, "'"));
  const std::string corrupt = TempPath("corrupt.json");
  WriteFile(corrupt, "{\"y\": [1, 2}\n");
  ExpectError(ReadJsonFile(corrupt), absl::StatusCode::kInvalidArgument,
              absl::StrCat(corrupt,
                           ": line 1, column 12: expected ',' or ']' after an "
                           "array element, got '}'"));
  const std::string empty = TempPath("empty.json");
  WriteFile(empty, "");
  ExpectError(ReadJsonFile(empty), absl::StatusCode::kInvalidArgument,
              absl::StrCat(empty, ": line 1, column 1: expected a value"));
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string directory = dir != nullptr ? dir : "/tmp";
  ExpectError(ReadJsonFile(directory), absl::StatusCode::kFailedPrecondition,
              absl::StrCat("cannot read '", directory, "'"));
}

}  // namespace
}  // namespace provi
