#include "formats/scene/tokenizer.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>

#include "formats/scene/try.h"

namespace tf::scene {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_delimiter(char c) { return is_space(c) || c == '"' || c == '[' || c == ']' || c == '#'; }

Error error_at(const FileLoc& loc, const std::string& what) {
  return Error{loc.str() + ": " + what};
}

}  // namespace

const char* token_kind_name(Token::Kind kind) {
  switch (kind) {
    case Token::Kind::Identifier:
      return "a name";
    case Token::Kind::String:
      return "a quoted string";
    case Token::Kind::Number:
      return "a number";
    case Token::Kind::LBracket:
      return "'['";
    case Token::Kind::RBracket:
      return "']'";
    case Token::Kind::End:
      return "the end of the file";
  }
  return "a token";
}

Result<Tokenizer> Tokenizer::open(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Error{"cannot open scene file '" + path.string() + "': no such regular file"};
  }
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return Error{"cannot open scene file '" + path.string() + "': " + ec.message()};
  if (size > kMaxSceneFileBytes) {
    return Error{"scene file '" + path.string() + "' is larger than the 1 GiB limit"};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot open scene file '" + path.string() + "' for reading"};
  std::string text(size, '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  if (static_cast<uint64_t>(in.gcount()) != size) {
    return Error{"cannot read scene file '" + path.string() + "'"};
  }
  return Tokenizer(std::move(text), path.string());
}

Tokenizer Tokenizer::from_string(std::string text, std::string name) {
  return Tokenizer(std::move(text), std::move(name));
}

void Tokenizer::advance() {
  if (text_[pos_] == '\n') {
    ++line_;
    column_ = 1;
  } else {
    ++column_;
  }
  ++pos_;
}

Result<Token> Tokenizer::peek() {
  if (!peeked_) {
    Result<Token> t = scan();
    if (!t) return t;
    peeked_ = std::move(t.value());
  }
  return *peeked_;
}

Result<Token> Tokenizer::next() {
  if (peeked_) {
    Token t = std::move(*peeked_);
    peeked_.reset();
    return t;
  }
  return scan();
}

Result<Token> Tokenizer::scan() {
  // Skip blanks and comments.
  while (pos_ < text_.size()) {
    if (is_space(text_[pos_])) {
      advance();
    } else if (text_[pos_] == '#') {
      while (pos_ < text_.size() && text_[pos_] != '\n') advance();
    } else {
      break;
    }
  }
  Token tok;
  tok.loc = here();
  if (pos_ >= text_.size()) return tok;  // Kind::End
  const char c = text_[pos_];
  if (c == '[' || c == ']') {
    tok.kind = c == '[' ? Token::Kind::LBracket : Token::Kind::RBracket;
    advance();
    return tok;
  }
  if (c == '"') {
    tok.kind = Token::Kind::String;
    advance();
    for (;;) {
      if (pos_ >= text_.size()) return error_at(tok.loc, "unterminated string (missing '\"')");
      const char s = text_[pos_];
      if (s == '"') break;
      if (s == '\n')
        return error_at(tok.loc, "unterminated string (a newline before the closing '\"')");
      if (tok.text.size() >= kMaxTokenBytes) return error_at(tok.loc, "string longer than 1 MiB");
      if (s == '\\') {
        const FileLoc escape_loc = here();
        advance();
        if (pos_ >= text_.size()) return error_at(tok.loc, "unterminated string (missing '\"')");
        const char e = text_[pos_];
        switch (e) {
          case 'n':
            tok.text += '\n';
            break;
          case 't':
            tok.text += '\t';
            break;
          case 'b':
            tok.text += '\b';
            break;
          case 'f':
            tok.text += '\f';
            break;
          case 'r':
            tok.text += '\r';
            break;
          case '\\':
          case '"':
          case '\'':
            tok.text += e;
            break;
          default:
            return error_at(escape_loc,
                            std::string("unknown escape sequence '\\") + e + "' in string");
        }
      } else {
        tok.text += s;
      }
      advance();
    }
    advance();  // closing quote
    return tok;
  }
  // A bare word: a number or an identifier.
  const size_t start = pos_;
  while (pos_ < text_.size() && !is_delimiter(text_[pos_])) {
    if (pos_ - start >= kMaxTokenBytes) return error_at(tok.loc, "token longer than 1 MiB");
    advance();
  }
  tok.text = text_.substr(start, pos_ - start);
  const char f = tok.text[0];
  if ((f >= '0' && f <= '9') || f == '-' || f == '+' || f == '.') {
    errno = 0;
    char* end = nullptr;
    const double v = std::strtod(tok.text.c_str(), &end);
    if (end != tok.text.c_str() + tok.text.size()) {
      return error_at(tok.loc, "malformed number '" + tok.text + "'");
    }
    if (errno == ERANGE && std::abs(v) > 1.0) {
      return error_at(tok.loc, "number '" + tok.text + "' is out of range");
    }
    if (!std::isfinite(v)) return error_at(tok.loc, "number '" + tok.text + "' is not finite");
    tok.kind = Token::Kind::Number;
    tok.number = v;
    return tok;
  }
  const unsigned char uf = static_cast<unsigned char>(f);
  if (!((uf >= 'a' && uf <= 'z') || (uf >= 'A' && uf <= 'Z') || uf == '_')) {
    char shown[8];
    std::snprintf(shown, sizeof shown, "\\x%02x", uf);
    return error_at(tok.loc, std::string("unexpected character ") +
                                 (std::isprint(uf) ? "'" + tok.text.substr(0, 1) + "'" : shown));
  }
  tok.kind = Token::Kind::Identifier;
  return tok;
}

Result<std::string> expect_string(Tokenizer& tokens, const std::string& d, const char* what) {
  TF_TRY(t, tokens.next());
  if (t.kind != Token::Kind::String) {
    return error_at(t.loc, d + ": " + std::string("expected ") + what +
                               " as a quoted string, got " + token_kind_name(t.kind));
  }
  return t.text;
}

// `count` numbers, optionally inside one pair of brackets.
Result<std::vector<double>> expect_numbers(Tokenizer& tokens, const std::string& d, size_t count) {
  TF_TRY(first, tokens.peek());
  const bool bracketed = first.kind == Token::Kind::LBracket;
  if (bracketed) (void)tokens.next();
  std::vector<double> v;
  while (v.size() < count) {
    TF_TRY(t, tokens.next());
    if (t.kind != Token::Kind::Number) {
      return error_at(t.loc, d + ": " + "expected " + std::to_string(count) + " numbers, got " +
                                 token_kind_name(t.kind) + " after " + std::to_string(v.size()));
    }
    v.push_back(t.number);
  }
  if (bracketed) {
    TF_TRY(t, tokens.next());
    if (t.kind != Token::Kind::RBracket) {
      return error_at(t.loc, d + ": " + "expected ']' after " + std::to_string(count) +
                                 " numbers, got " + token_kind_name(t.kind));
    }
  }
  return v;
}

}  // namespace tf::scene
