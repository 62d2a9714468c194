// pbrt-v4 scene tokenizer: identifiers (directives, bare true/false), "strings", numbers, [ ],
// and # comments, each token with its file:line:column.
//
// Bounded: files over kMaxSceneFileBytes and tokens over kMaxTokenBytes are errors.
// One Tokenizer is used by one thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "formats/scene/scene_ir.h"
#include "kernels/status.h"

namespace tf::scene {

inline constexpr uint64_t kMaxSceneFileBytes = 1ull << 30;
inline constexpr size_t kMaxTokenBytes = 1 << 20;

struct Token {
  enum class Kind { Identifier, String, Number, LBracket, RBracket, End };
  Kind kind = Kind::End;
  std::string text;   // identifier text, or a string's contents with escapes resolved
  double number = 0;  // Kind::Number
  FileLoc loc;
};

// A readable name of a token kind, for "expected X, got Y" messages.
const char* token_kind_name(Token::Kind kind);

class Tokenizer {
 public:
  // Reads the whole file; errors name the path (missing, unreadable, too large).
  static Result<Tokenizer> open(const std::filesystem::path& path);
  // Tokenizes `text` as if it were the file `name` (tests, in-memory scenes).
  static Tokenizer from_string(std::string text, std::string name);

  // The next token (Kind::End at the end, forever after). Errors carry file:line:column.
  Result<Token> next();
  // The token next() would return, without consuming it.
  Result<Token> peek();

 private:
  Tokenizer(std::string text, std::string name) : text_(std::move(text)), name_(std::move(name)) {}
  Result<Token> scan();
  void advance();  // one character, tracking line and column
  FileLoc here() const { return {name_, line_, column_}; }

  std::string text_;
  std::string name_;
  size_t pos_ = 0;
  int line_ = 1, column_ = 1;
  std::optional<Token> peeked_;
};

// Positional arguments of a directive `d` (errors read "file:line:col: d: expected ...").
Result<std::string> expect_string(Tokenizer& tokens, const std::string& d, const char* what);
// `count` numbers, optionally inside one pair of brackets.
Result<std::vector<double>> expect_numbers(Tokenizer& tokens, const std::string& d, size_t count);

}  // namespace tf::scene
