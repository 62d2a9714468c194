// Small text helpers for line-oriented files and headers (key files, HTTP headers, command
// output): header-only, no allocation.
#pragma once

#include <string_view>

namespace tf {

// `text` without leading and trailing blanks (space, tab, CR, LF, FF, VT). The view points into
// `text`; an all-blank text gives an empty view.
inline std::string_view trim_blanks(std::string_view text) {
  constexpr std::string_view kBlanks = " \t\r\n\f\v";
  const size_t begin = text.find_first_not_of(kBlanks);
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(kBlanks) - begin + 1);
}

}  // namespace tf
