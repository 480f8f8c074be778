// Copyright 2026 The provi Authors.
//
// File: data/json.h
// -----------------------------------------------------------------------------
//
// A reader for JSON (RFC 8259), the format posteriordb and Stan keep their
// data in. `ParseJson` turns a document into a `JsonValue` tree; the
// accessors then pull typed values out of it and return a status, naming
// the value's path, whenever the document is not shaped as expected.
//
// The grammar is RFC 8259's, all of it and nothing more:
//
//   * values: null, true, false, numbers, strings, arrays, objects; any of
//     them may be the whole document;
//   * numbers: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?, read
//     as the nearest double. A number too large for a double is an error;
//     one too small becomes ±0 (or a subnormal);
//   * strings: UTF-8, with the escapes \" \\ \/ \b \f \n \r \t and \uXXXX
//     (a surrogate pair \uD83D\uDE00 becomes the one code point it encodes);
//     stored as UTF-8;
//   * whitespace: space, tab, line feed, carriage return.
//
// Extensions some readers accept are errors here: comments, trailing
// commas, single quotes, NaN and Infinity, leading '+' or '.', leading
// zeros, unescaped control characters in strings, invalid UTF-8, lone
// surrogates, duplicate member names in one object, and anything but
// whitespace after the value. A leading UTF-8 byte order mark is skipped
// (RFC 8259, section 8.1, allows it). Nesting deeper than
// `JsonParseOptions::max_depth` arrays and objects is an error, so a
// hostile document cannot exhaust the stack.
//
// Parse errors are `absl::InvalidArgumentError`s of the form
//
//   line <L>, column <C>: expected <what the grammar allows there>, got
//   <what was found>
//
// (lines and columns count from 1; columns count bytes), e.g. "line 3,
// column 14: expected ',' or ']' after an array element, got '}'".
// `ReadJsonFile` puts the file's path in front ("data.json: line 3, ...")
// and reports a file it cannot read with the code matching errno
// (NotFound, PermissionDenied, ...), naming the path.
//
// Accessor errors name the value by its path from the root in JSONPath
// notation ($ is the root, .name or ["name"] a member, [i] an element,
// from 0) and, for parsed values, its position: InvalidArgument for a
// value of the wrong type ("$.y[3] (line 2, column 40): expected a number,
// got a string"), NotFound for a missing member, OutOfRange for an index
// past the end.
//
// Example:
//
//   absl::StatusOr<provi::JsonValue> data =
//       provi::ReadJsonFile("sblrc-blr/data.json");
//   if (!data.ok()) return data.status();
//   absl::StatusOr<int64_t> n = data->GetInteger("N");
//   absl::StatusOr<Eigen::MatrixXd> x = data->GetMatrix("X");  // N x D
//   absl::StatusOr<std::vector<double>> y = data->GetNumberArray("y");
//   if (!x.ok()) return x.status();  // "$.X[3] (line 5, column 9): ..."

#ifndef PROVI_DATA_JSON_H_
#define PROVI_DATA_JSON_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace provi {

namespace json_internal {
class Parser;
}  // namespace json_internal

// JsonValue
//
// One JSON value: null, a boolean, a number (a double), a string (UTF-8),
// an array of values, or an object (members with names, in document
// order). A value type; copies are deep. Every value knows its path from
// the root of the document it was parsed from (or built into) and, when
// parsed, where it starts, for error messages.
class JsonValue {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  // Null.
  JsonValue() = default;

  // Factories. `Array` and `Object` make their elements' paths relative to
  // the new value (the root, "$", until it is itself put in a container).
  // `Object` keeps the members in the order given; duplicate names are
  // allowed here (Get finds the first), though the parser rejects them.
  static JsonValue Null() { return JsonValue(); }
  static JsonValue Bool(bool value);
  static JsonValue Number(double value);
  static JsonValue String(std::string value);
  static JsonValue Array(std::vector<JsonValue> elements);
  static JsonValue Object(
      std::vector<std::pair<std::string, JsonValue>> members);

  // type(), is_*()
  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  // path()
  //
  // Where the value sits in its document: "$", "$.parameters",
  // "$.parameters[\"beta[1]\"].mean", "$.X[3][0]".
  const std::string& path() const { return path_; }

  // line(), column()
  //
  // Where a parsed value starts (1-based; columns count bytes); 0 for
  // values built with the factories.
  int64_t line() const { return line_; }
  int64_t column() const { return column_; }

  // size()
  //
  // The number of elements of an array or members of an object; 0 for
  // every other type.
  size_t size() const { return elements_.size(); }

  // elements()
  //
  // An array's elements, or an object's member values in document order
  // (empty for the other types).
  const std::vector<JsonValue>& elements() const { return elements_; }

  // keys()
  //
  // An object's member names, in document order, parallel to `elements()`
  // (empty for the other types).
  const std::vector<std::string>& keys() const { return keys_; }

  // Has()
  //
  // Whether this is an object with a member named `key`.
  bool Has(absl::string_view key) const;

  // Get()
  //
  // The member named `key` of an object (the first, if built with
  // duplicates). InvalidArgument if this is not an object; NotFound, naming
  // the key and this value's path, if there is no such member. Linear in
  // the number of members. The pointer lives as long as this value.
  absl::StatusOr<const JsonValue*> Get(absl::string_view key) const;

  // At()
  //
  // Element `index` of an array. InvalidArgument if this is not an array;
  // OutOfRange if index >= size().
  absl::StatusOr<const JsonValue*> At(size_t index) const;

  // AsBool(), AsNumber(), AsString()
  //
  // The value, if it has that type; otherwise InvalidArgument naming the
  // path, the type expected and the type found.
  absl::StatusOr<bool> AsBool() const;
  absl::StatusOr<double> AsNumber() const;
  absl::StatusOr<std::string> AsString() const;

  // AsInteger()
  //
  // A number with an integral value in [-2^53, 2^53] (where doubles hold
  // every integer exactly), as an int64_t. InvalidArgument, naming the
  // path and the value, otherwise.
  absl::StatusOr<int64_t> AsInteger() const;

  // AsNumberArray()
  //
  // An array of numbers. InvalidArgument naming this path if it is not an
  // array, or the first element's path if that element is not a number.
  absl::StatusOr<std::vector<double>> AsNumberArray() const;

  // AsMatrix()
  //
  // An array of R arrays of C numbers each, as an R x C matrix (row i is
  // element i): the row-major layout of Stan's JSON data. `[]` is 0 x 0.
  // InvalidArgument naming the path of the first row or element that is
  // not an array or a number, or of a row whose length differs from the
  // first row's (both lengths are given).
  absl::StatusOr<Eigen::MatrixXd> AsMatrix() const;

  // GetNumber(), GetInteger(), GetString(), GetNumberArray(), GetMatrix()
  //
  // Get(key) followed by the accessor: the usual way to read a member.
  absl::StatusOr<double> GetNumber(absl::string_view key) const;
  absl::StatusOr<int64_t> GetInteger(absl::string_view key) const;
  absl::StatusOr<std::string> GetString(absl::string_view key) const;
  absl::StatusOr<std::vector<double>> GetNumberArray(
      absl::string_view key) const;
  absl::StatusOr<Eigen::MatrixXd> GetMatrix(absl::string_view key) const;

  // TypeName()
  //
  // "null", "a boolean", "a number", "a string", "an array", "an object",
  // as used in the messages.
  static absl::string_view TypeName(Type type);

 private:
  friend class json_internal::Parser;

  // Sets this value's path and, recursively, its descendants'.
  void Reroot(std::string path);
  // The path (and position) as messages name it.
  std::string Where() const;
  // InvalidArgument "<where>: expected <expected>, got <type>".
  absl::Status TypeError(absl::string_view expected) const;

  Type type_ = Type::kNull;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<JsonValue> elements_;
  std::vector<std::string> keys_;
  std::string path_ = "$";
  int64_t line_ = 0;
  int64_t column_ = 0;
};

// JsonParseOptions
struct JsonParseOptions {
  // The deepest nesting of arrays and objects accepted: `[[1]]` has depth
  // 2, a scalar document depth 0. Must be >= 0. The parser recurses once
  // per level, so this also bounds its stack.
  int max_depth = 256;
};

// ParseJson()
//
// Parses the JSON document `text` (see the file comment for the grammar and
// the errors).
absl::StatusOr<JsonValue> ParseJson(absl::string_view text,
                                    const JsonParseOptions& options = {});

// ReadJsonFile()
//
// Reads and parses the file at `path`; errors name the path (see the file
// comment).
absl::StatusOr<JsonValue> ReadJsonFile(absl::string_view path,
                                       const JsonParseOptions& options = {});

}  // namespace provi

#endif  // PROVI_DATA_JSON_H_
