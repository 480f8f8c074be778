// Copyright 2026 The provi Authors.

#include "data/json.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/charconv.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace provi {
namespace {

// The largest magnitude up to which every integer is a double.
constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53

bool IsIdentifier(absl::string_view key) {
  if (key.empty()) return false;
  if (!absl::ascii_isalpha(static_cast<unsigned char>(key[0])) &&
      key[0] != '_') {
    return false;
  }
  for (const char c : key) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') {
      return false;
    }
  }
  return true;
}

// `key` as a JSON string literal (quotes, backslashes and control
// characters escaped), for paths.
std::string Quote(absl::string_view key) {
  std::string out = "\"";
  for (const char c : key) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      absl::StrAppendFormat(&out, "\\u%04X", u);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

std::string MemberPath(const std::string& parent, absl::string_view key) {
  return IsIdentifier(key) ? absl::StrCat(parent, ".", key)
                           : absl::StrCat(parent, "[", Quote(key), "]");
}

std::string ElementPath(const std::string& parent, size_t index) {
  return absl::StrCat(parent, "[", index, "]");
}

void AppendUtf8(uint32_t code_point, std::string& out) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The decimal exponent of the leading digit of `number` (which matches the
// number grammar and is not zero): 2 for "123.4", -3 for
// "0.00123", 7 for "1e7". Saturates far beyond the range of doubles.
int64_t DecimalMagnitude(absl::string_view number) {
  size_t i = number[0] == '-' ? 1 : 0;
  int64_t magnitude = 0;
  bool found = false;
  // Integer part: every digit from the first non-zero one adds one.
  for (; i < number.size() && IsDigit(number[i]); ++i) {
    if (found) {
      ++magnitude;
    } else if (number[i] != '0') {
      found = true;
    }
  }
  if (i < number.size() && number[i] == '.') {
    ++i;
    int64_t zeros = 0;
    for (; i < number.size() && IsDigit(number[i]); ++i) {
      if (!found) {
        if (number[i] == '0') {
          ++zeros;
        } else {
          found = true;
          magnitude = -zeros - 1;
        }
      }
    }
  }
  if (i < number.size() && (number[i] == 'e' || number[i] == 'E')) {
    ++i;
    bool negative = false;
    if (number[i] == '+' || number[i] == '-') negative = number[i++] == '-';
    int64_t exponent = 0;
    for (; i < number.size(); ++i) {
      if (exponent < 1000000000) exponent = exponent * 10 + (number[i] - '0');
    }
    magnitude += negative ? -exponent : exponent;
  }
  return magnitude;
}

}  // namespace

namespace json_internal {

// The recursive-descent parser behind ParseJson. Positions: `pos_` is the
// next byte; `line_` and `line_start_` describe its line. Newlines only
// occur in whitespace (strings reject raw control characters), so
// SkipWhitespace alone keeps them up to date, and any offset on the
// current line has column offset - line_start_ + 1.
class Parser {
 public:
  Parser(absl::string_view text, const JsonParseOptions& options)
      : text_(text), options_(options) {}

  absl::StatusOr<JsonValue> Parse() {
    if (options_.max_depth < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ParseJson: max_depth = ", options_.max_depth, " must be >= 0"));
    }
    // A UTF-8 byte order mark (RFC 8259, section 8.1).
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = line_start_ = 3;
    JsonValue root;
    SkipWhitespace();
    if (absl::Status status = ParseValue(root, "$", 0); !status.ok()) {
      return status;
    }
    SkipWhitespace();
    if (pos_ != text_.size()) {
      return Error(pos_, "end of input after the JSON value");
    }
    return root;
  }

 private:
  absl::Status ParseValue(JsonValue& out, std::string path, int depth) {
    out.path_ = std::move(path);
    out.line_ = line_;
    out.column_ = static_cast<int64_t>(pos_ - line_start_) + 1;
    if (pos_ == text_.size()) return Error(pos_, kExpectedValue);
    switch (text_[pos_]) {
      case '{':
        return ParseObject(out, depth);
      case '[':
        return ParseArray(out, depth);
      case '"':
        out.type_ = JsonValue::Type::kString;
        return ParseString(out.string_);
      case 't':
        out.type_ = JsonValue::Type::kBool;
        out.bool_ = true;
        return ParseLiteral("true");
      case 'f':
        out.type_ = JsonValue::Type::kBool;
        out.bool_ = false;
        return ParseLiteral("false");
      case 'n':
        out.type_ = JsonValue::Type::kNull;
        return ParseLiteral("null");
      default:
        if (text_[pos_] == '-' || IsDigit(text_[pos_])) {
          out.type_ = JsonValue::Type::kNumber;
          return ParseNumber(out.number_);
        }
        return Error(pos_, kExpectedValue);
    }
  }

  // At the opening bracket of a container at `depth`: checks the depth,
  // consumes the bracket and the whitespace after it, and, for an empty
  // container, the closing `close`. Returns whether elements follow.
  absl::StatusOr<bool> OpenContainer(int depth, char close) {
    if (depth + 1 > options_.max_depth) {
      return Error(pos_,
                   absl::StrCat("at most ", options_.max_depth,
                                " nested arrays and objects"),
                   "one more");
    }
    ++pos_;
    SkipWhitespace();
    if (Peek() != close) return true;
    ++pos_;
    return false;
  }

  // After an element of a container (`what`, for messages): consumes a ','
  // and the whitespace after it, or the closing `close`. Returns whether
  // another element follows.
  absl::StatusOr<bool> NextElement(char close, absl::string_view what) {
    SkipWhitespace();
    if (Peek() == ',') {
      ++pos_;
      SkipWhitespace();
      return true;
    }
    if (Peek() == close) {
      ++pos_;
      return false;
    }
    return Error(pos_, absl::StrCat("',' or '", absl::string_view(&close, 1),
                                    "' after ", what));
  }

  absl::Status ParseArray(JsonValue& out, int depth) {
    out.type_ = JsonValue::Type::kArray;
    absl::StatusOr<bool> more = OpenContainer(depth, ']');
    while (more.ok() && *more) {
      JsonValue& element = out.elements_.emplace_back();
      if (absl::Status status = ParseValue(
              element, ElementPath(out.path_, out.size() - 1), depth + 1);
          !status.ok()) {
        return status;
      }
      more = NextElement(']', "an array element");
    }
    return more.status();
  }

  absl::Status ParseObject(JsonValue& out, int depth) {
    out.type_ = JsonValue::Type::kObject;
    absl::StatusOr<bool> more = OpenContainer(depth, '}');
    absl::flat_hash_set<std::string> seen;
    while (more.ok() && *more) {
      if (Peek() != '"') {
        return Error(pos_, out.keys_.empty()
                               ? "a member name (a string) or '}'"
                               : "a member name (a string) after ','");
      }
      const size_t key_start = pos_;
      std::string key;
      if (absl::Status status = ParseString(key); !status.ok()) return status;
      if (!seen.insert(key).second) {
        return Error(key_start, "member names to be unique within an object",
                     absl::StrCat("a second member ", Quote(key)));
      }
      SkipWhitespace();
      if (Peek() != ':') return Error(pos_, "':' after the member name");
      ++pos_;
      SkipWhitespace();
      std::string path = MemberPath(out.path_, key);
      out.keys_.push_back(std::move(key));
      JsonValue& value = out.elements_.emplace_back();
      if (absl::Status status = ParseValue(value, std::move(path), depth + 1);
          !status.ok()) {
        return status;
      }
      more = NextElement('}', "an object member");
    }
    return more.status();
  }

  absl::Status ParseLiteral(absl::string_view literal) {
    for (size_t i = 0; i < literal.size(); ++i) {
      if (pos_ + i >= text_.size() || text_[pos_ + i] != literal[i]) {
        return Error(pos_ + i, absl::StrCat("'", literal.substr(i, 1),
                                            "' of the literal ", literal));
      }
    }
    pos_ += literal.size();
    return absl::OkStatus();
  }

  // At the first byte of a number ('-' or a digit).
  absl::Status ParseNumber(double& out) {
    const size_t start = pos_;
    if (Peek() == '-') ++pos_;
    if (Peek() == '0') {
      ++pos_;
      if (IsDigit(Peek())) {
        return Error(pos_,
                     "'.', 'e' or the end of the number after a leading "
                     "0 (leading zeros are not allowed)");
      }
    } else if (IsDigit(Peek())) {
      while (IsDigit(Peek())) ++pos_;
    } else {
      return Error(pos_, "a digit after '-'");
    }
    if (Peek() == '.') {
      ++pos_;
      if (!IsDigit(Peek())) return Error(pos_, "a digit after the '.'");
      while (IsDigit(Peek())) ++pos_;
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++pos_;
      if (Peek() == '+' || Peek() == '-') ++pos_;
      if (!IsDigit(Peek())) return Error(pos_, "a digit in the exponent");
      while (IsDigit(Peek())) ++pos_;
    }
    const absl::string_view number = text_.substr(start, pos_ - start);
    const absl::from_chars_result result =
        absl::from_chars(number.data(), number.data() + number.size(), out);
    if (result.ec == std::errc::result_out_of_range) {
      if (DecimalMagnitude(number) >= 0) {
        return Error(start,
                     "a number within the range of a double (below "
                     "1.8e308 in magnitude)",
                     number);
      }
      out = number[0] == '-' ? -0.0 : 0.0;
    } else if (result.ec != std::errc() ||
               result.ptr != number.data() + number.size()) {
      // Cannot happen for text matching the grammar; reported, not assumed.
      return Error(start, "a number", number);
    }
    return absl::OkStatus();
  }

  // At the opening '"'. Appends the decoded string to `out`.
  absl::Status ParseString(std::string& out) {
    ++pos_;  // '"'
    while (true) {
      // Copy the run of plain ASCII at once.
      size_t run = pos_;
      while (run < text_.size()) {
        const unsigned char c = static_cast<unsigned char>(text_[run]);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++run;
      }
      out.append(text_.data() + pos_, run - pos_);
      pos_ = run;
      if (pos_ == text_.size()) {
        return Error(pos_, "'\"' to end the string");
      }
      const unsigned char c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return absl::OkStatus();
      }
      if (c == '\\') {
        if (absl::Status status = ParseEscape(out); !status.ok()) {
          return status;
        }
      } else if (c < 0x20) {
        return Error(pos_,
                     "a string character (control characters must be "
                     "escaped)");
      } else if (absl::Status status = CopyUtf8Sequence(out); !status.ok()) {
        return status;
      }
    }
  }

  // At the '\\' of an escape.
  absl::Status ParseEscape(std::string& out) {
    ++pos_;
    const char c = Peek();
    const char* simple = nullptr;
    switch (c) {
      case '"':
        simple = "\"";
        break;
      case '\\':
        simple = "\\";
        break;
      case '/':
        simple = "/";
        break;
      case 'b':
        simple = "\b";
        break;
      case 'f':
        simple = "\f";
        break;
      case 'n':
        simple = "\n";
        break;
      case 'r':
        simple = "\r";
        break;
      case 't':
        simple = "\t";
        break;
      case 'u':
        break;
      default:
        return Error(pos_,
                     "an escape character (one of \" \\ / b f n r t u) after "
                     "'\\'");
    }
    if (simple != nullptr) {
      out.push_back(simple[0]);
      ++pos_;
      return absl::OkStatus();
    }
    const size_t escape_start = pos_ - 1;
    ++pos_;  // 'u'
    uint32_t code_point;
    if (absl::Status status = ParseHex4(code_point); !status.ok()) {
      return status;
    }
    if (code_point >= 0xDC00 && code_point <= 0xDFFF) {
      return Error(escape_start,
                   "a code point or a high surrogate (\\uD800-\\uDBFF) "
                   "before a low surrogate",
                   absl::StrFormat("a lone low surrogate \\u%04X", code_point));
    }
    if (code_point >= 0xD800 && code_point <= 0xDBFF) {
      if (text_.substr(pos_, 2) != "\\u") {
        return Error(pos_,
                     absl::StrFormat("a low surrogate \\uDC00-\\uDFFF after "
                                     "the high surrogate \\u%04X",
                                     code_point));
      }
      const size_t low_start = pos_;
      pos_ += 2;
      uint32_t low;
      if (absl::Status status = ParseHex4(low); !status.ok()) return status;
      if (low < 0xDC00 || low > 0xDFFF) {
        return Error(low_start,
                     absl::StrFormat("a low surrogate \\uDC00-\\uDFFF after "
                                     "the high surrogate \\u%04X",
                                     code_point),
                     absl::StrFormat("\\u%04X", low));
      }
      code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(code_point, out);
    return absl::OkStatus();
  }

  absl::Status ParseHex4(uint32_t& out) {
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const int digit = HexDigit(Peek());
      if (digit < 0) return Error(pos_, "4 hex digits after \\u");
      out = out * 16 + static_cast<uint32_t>(digit);
      ++pos_;
    }
    return absl::OkStatus();
  }

  // At a byte >= 0x80: checks one well-formed UTF-8 sequence (RFC 3629:
  // shortest form, no surrogates, at most U+10FFFF) and copies it.
  absl::Status CopyUtf8Sequence(std::string& out) {
    const unsigned char lead = static_cast<unsigned char>(text_[pos_]);
    int continuation;
    unsigned char low = 0x80, high = 0xBF;  // bounds of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
      continuation = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      continuation = 2;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      continuation = 3;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return Error(pos_, "UTF-8 text (a valid lead byte)");
    }
    for (int i = 1; i <= continuation; ++i) {
      const size_t at = pos_ + static_cast<size_t>(i);
      const unsigned char c =
          at < text_.size() ? static_cast<unsigned char>(text_[at]) : 0;
      const unsigned char lo = i == 1 ? low : 0x80;
      const unsigned char hi = i == 1 ? high : 0xBF;
      if (at >= text_.size() || c < lo || c > hi) {
        return Error(at, absl::StrFormat("UTF-8 text (a continuation byte "
                                         "0x%02X-0x%02X after lead byte "
                                         "0x%02X)",
                                         lo, hi, lead));
      }
    }
    out.append(text_.data() + pos_, static_cast<size_t>(continuation) + 1);
    pos_ += static_cast<size_t>(continuation) + 1;
    return absl::OkStatus();
  }

  void SkipWhitespace() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '\n') {
        ++line_;
        line_start_ = pos_ + 1;
      } else if (c != ' ' && c != '\t' && c != '\r') {
        return;
      }
      ++pos_;
    }
  }

  // The next byte, or '\0' at the end (never a valid byte where it is
  // tested, so no special case is needed).
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

  // What is at `offset`, for messages.
  std::string Found(size_t offset) const {
    if (offset >= text_.size()) return "end of input";
    const unsigned char c = static_cast<unsigned char>(text_[offset]);
    if (c >= 0x21 && c <= 0x7E)
      return absl::StrCat("'", text_.substr(offset, 1), "'");
    if (c < 0x80) return absl::StrFormat("U+%04X", c);
    return absl::StrFormat("byte 0x%02X", c);
  }

  absl::Status Error(size_t offset, absl::string_view expected) const {
    return Error(offset, expected, Found(offset));
  }

  absl::Status Error(size_t offset, absl::string_view expected,
                     absl::string_view got) const {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", line_, ", column ",
                     static_cast<int64_t>(offset - line_start_) + 1,
                     ": expected ", expected, ", got ", got));
  }

  static constexpr absl::string_view kExpectedValue =
      "a value (object, array, string, number, true, false or null)";

  absl::string_view text_;
  JsonParseOptions options_;
  size_t pos_ = 0;
  int64_t line_ = 1;
  size_t line_start_ = 0;
};

}  // namespace json_internal

// -----------------------------------------------------------------------------
// JsonValue
// -----------------------------------------------------------------------------

JsonValue JsonValue::Bool(bool value) {
  JsonValue v;
  v.type_ = Type::kBool;
  v.bool_ = value;
  return v;
}

JsonValue JsonValue::Number(double value) {
  JsonValue v;
  v.type_ = Type::kNumber;
  v.number_ = value;
  return v;
}

JsonValue JsonValue::String(std::string value) {
  JsonValue v;
  v.type_ = Type::kString;
  v.string_ = std::move(value);
  return v;
}

JsonValue JsonValue::Array(std::vector<JsonValue> elements) {
  JsonValue v;
  v.type_ = Type::kArray;
  v.elements_ = std::move(elements);
  v.Reroot("$");
  return v;
}

JsonValue JsonValue::Object(
    std::vector<std::pair<std::string, JsonValue>> members) {
  JsonValue v;
  v.type_ = Type::kObject;
  v.keys_.reserve(members.size());
  v.elements_.reserve(members.size());
  for (auto& [key, value] : members) {
    v.keys_.push_back(std::move(key));
    v.elements_.push_back(std::move(value));
  }
  v.Reroot("$");
  return v;
}

void JsonValue::Reroot(std::string path) {
  path_ = std::move(path);
  for (size_t i = 0; i < elements_.size(); ++i) {
    elements_[i].Reroot(type_ == Type::kObject ? MemberPath(path_, keys_[i])
                                               : ElementPath(path_, i));
  }
}

absl::string_view JsonValue::TypeName(Type type) {
  switch (type) {
    case Type::kNull:
      return "null";
    case Type::kBool:
      return "a boolean";
    case Type::kNumber:
      return "a number";
    case Type::kString:
      return "a string";
    case Type::kArray:
      return "an array";
    case Type::kObject:
      return "an object";
  }
  return "an unknown type";
}

std::string JsonValue::Where() const {
  if (line_ == 0) return path_;
  return absl::StrCat(path_, " (line ", line_, ", column ", column_, ")");
}

absl::Status JsonValue::TypeError(absl::string_view expected) const {
  return absl::InvalidArgumentError(absl::StrCat(
      Where(), ": expected ", expected, ", got ", TypeName(type_)));
}

bool JsonValue::Has(absl::string_view key) const {
  if (type_ != Type::kObject) return false;
  for (const std::string& k : keys_) {
    if (k == key) return true;
  }
  return false;
}

absl::StatusOr<const JsonValue*> JsonValue::Get(absl::string_view key) const {
  if (type_ != Type::kObject) {
    return TypeError(absl::StrCat("an object with a member ", Quote(key)));
  }
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) return &elements_[i];
  }
  return absl::NotFoundError(absl::StrCat(Where(), ": no member ", Quote(key)));
}

absl::StatusOr<const JsonValue*> JsonValue::At(size_t index) const {
  if (type_ != Type::kArray) {
    return TypeError(absl::StrCat("an array with an element ", index));
  }
  if (index >= elements_.size()) {
    return absl::OutOfRangeError(absl::StrCat(
        Where(), ": index ", index, " is past the end of an array of ",
        elements_.size(), " elements"));
  }
  return &elements_[index];
}

absl::StatusOr<bool> JsonValue::AsBool() const {
  if (type_ != Type::kBool) return TypeError("a boolean");
  return bool_;
}

absl::StatusOr<double> JsonValue::AsNumber() const {
  if (type_ != Type::kNumber) return TypeError("a number");
  return number_;
}

absl::StatusOr<std::string> JsonValue::AsString() const {
  if (type_ != Type::kString) return TypeError("a string");
  return string_;
}

absl::StatusOr<int64_t> JsonValue::AsInteger() const {
  if (type_ != Type::kNumber) return TypeError("an integer");
  if (!(number_ >= -kMaxExactInteger && number_ <= kMaxExactInteger) ||
      number_ != static_cast<double>(static_cast<int64_t>(number_))) {
    return absl::InvalidArgumentError(absl::StrCat(
        Where(), ": expected an integer (of magnitude at most 2^53), got ",
        number_));
  }
  return static_cast<int64_t>(number_);
}

absl::StatusOr<std::vector<double>> JsonValue::AsNumberArray() const {
  if (type_ != Type::kArray) return TypeError("an array of numbers");
  std::vector<double> out;
  out.reserve(elements_.size());
  for (const JsonValue& element : elements_) {
    absl::StatusOr<double> number = element.AsNumber();
    if (!number.ok()) return number.status();
    out.push_back(*number);
  }
  return out;
}

absl::StatusOr<Eigen::MatrixXd> JsonValue::AsMatrix() const {
  if (type_ != Type::kArray) {
    return TypeError("an array of equal-length arrays of numbers");
  }
  if (elements_.empty()) return Eigen::MatrixXd(0, 0);
  const JsonValue& first = elements_[0];
  if (first.type_ != Type::kArray) {
    return first.TypeError("an array of numbers (a matrix row)");
  }
  const Eigen::Index rows = static_cast<Eigen::Index>(elements_.size());
  const Eigen::Index cols = static_cast<Eigen::Index>(first.size());
  Eigen::MatrixXd out(rows, cols);
  for (Eigen::Index i = 0; i < rows; ++i) {
    const JsonValue& row = elements_[static_cast<size_t>(i)];
    if (row.type_ != Type::kArray) {
      return row.TypeError("an array of numbers (a matrix row)");
    }
    if (static_cast<Eigen::Index>(row.size()) != cols) {
      return absl::InvalidArgumentError(
          absl::StrCat(row.Where(), ": expected a row of ", cols,
                       " numbers (the length of row 0), got ", row.size()));
    }
    for (Eigen::Index j = 0; j < cols; ++j) {
      absl::StatusOr<double> number =
          row.elements_[static_cast<size_t>(j)].AsNumber();
      if (!number.ok()) return number.status();
      out(i, j) = *number;
    }
  }
  return out;
}

absl::StatusOr<double> JsonValue::GetNumber(absl::string_view key) const {
  absl::StatusOr<const JsonValue*> member = Get(key);
  if (!member.ok()) return member.status();
  return (*member)->AsNumber();
}

absl::StatusOr<int64_t> JsonValue::GetInteger(absl::string_view key) const {
  absl::StatusOr<const JsonValue*> member = Get(key);
  if (!member.ok()) return member.status();
  return (*member)->AsInteger();
}

absl::StatusOr<std::string> JsonValue::GetString(absl::string_view key) const {
  absl::StatusOr<const JsonValue*> member = Get(key);
  if (!member.ok()) return member.status();
  return (*member)->AsString();
}

absl::StatusOr<std::vector<double>> JsonValue::GetNumberArray(
    absl::string_view key) const {
  absl::StatusOr<const JsonValue*> member = Get(key);
  if (!member.ok()) return member.status();
  return (*member)->AsNumberArray();
}

absl::StatusOr<Eigen::MatrixXd> JsonValue::GetMatrix(
    absl::string_view key) const {
  absl::StatusOr<const JsonValue*> member = Get(key);
  if (!member.ok()) return member.status();
  return (*member)->AsMatrix();
}

// -----------------------------------------------------------------------------
// Entry points
// -----------------------------------------------------------------------------

absl::StatusOr<JsonValue> ParseJson(absl::string_view text,
                                    const JsonParseOptions& options) {
  return json_internal::Parser(text, options).Parse();
}

absl::StatusOr<JsonValue> ReadJsonFile(absl::string_view path,
                                       const JsonParseOptions& options) {
  const std::string name(path);
  errno = 0;
  std::FILE* file = std::fopen(name.c_str(), "rb");
  if (file == nullptr) {
    return absl::ErrnoToStatus(
        errno != 0 ? errno : ENOENT,
        absl::StrCat("ReadJsonFile: cannot open '", name, "'"));
  }
  std::string text;
  char buffer[1 << 16];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof(buffer), file)) > 0) {
    text.append(buffer, got);
  }
  const bool failed = std::ferror(file) != 0;
  const int error = errno;
  std::fclose(file);
  if (failed) {
    return absl::ErrnoToStatus(
        error != 0 ? error : EIO,
        absl::StrCat("ReadJsonFile: cannot read '", name, "'"));
  }
  absl::StatusOr<JsonValue> value = ParseJson(text, options);
  if (!value.ok()) {
    return absl::Status(value.status().code(),
                        absl::StrCat(name, ": ", value.status().message()));
  }
  return value;
}

}  // namespace provi
