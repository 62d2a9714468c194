// Kernel versions in a mixed-version farm (DESIGN.md "Scale and operations", Versions): which
// of two versions is newer, and the newest of a set. A version is a name such as "render-1";
// results of different versions are never compared.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tf {

// The integer after the last '-' of `version` ("render-12" -> 12); nullopt when there is no
// '-' or what follows it is not all decimal digits (or too long to be one).
inline std::optional<uint64_t> kernel_version_number(std::string_view version) {
  const size_t dash = version.rfind('-');
  if (dash == std::string_view::npos || dash + 1 == version.size()) return std::nullopt;
  const std::string_view digits = version.substr(dash + 1);
  uint64_t number = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
  if (error != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return number;
}

// Whether `a` is older than `b`: by their trailing integers when both have one ("render-9" <
// "render-10"), else (and between equal integers) by their bytes.
inline bool kernel_version_older(std::string_view a, std::string_view b) {
  const std::optional<uint64_t> na = kernel_version_number(a), nb = kernel_version_number(b);
  if (na && nb && *na != *nb) return *na < *nb;
  return a < b;
}

// The newest of `versions` (any range of strings); empty when there are none.
template <class Range>
std::string newest_kernel_version(const Range& versions) {
  std::string newest;
  bool any = false;
  for (const auto& v : versions) {
    if (!any || kernel_version_older(newest, v)) newest = v;
    any = true;
  }
  return newest;
}

}  // namespace tf
