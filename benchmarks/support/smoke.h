// The smoke run every benchmark program offers ctest: `--smoke` makes the program do one tiny
// instance of each measurement (no timing is asserted), so that a benchmark that hangs or
// crashes fails the test suite instead of rotting unseen. Also the other options a program
// takes beside Google Benchmark's.
#pragma once

#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace tf::bench {

// Removes from argv (so that Google Benchmark does not see them) every argument that `take`
// accepts; `take` sees each argument once, in order.
template <typename Take>
void take_args(int* argc, char** argv, Take take) {
  int kept = 1;
  for (int i = 1; i < *argc; ++i) {
    if (!take(argv[i])) argv[kept++] = argv[i];
  }
  *argc = kept;
}

// Removes every "--smoke" from argv; returns whether there was one.
inline bool take_smoke_flag(int* argc, char** argv) {
  bool found = false;
  take_args(argc, argv, [&](const char* arg) {
    const bool smoke = std::strcmp(arg, "--smoke") == 0;
    found = found || smoke;
    return smoke;
  });
  return found;
}

// Removes every "--<name>=<value>" from argv; returns the last value, or nullopt.
inline std::optional<std::string> take_value_flag(int* argc, char** argv, std::string_view name) {
  const std::string prefix = "--" + std::string(name) + "=";
  std::optional<std::string> value;
  take_args(argc, argv, [&](const char* arg) {
    if (std::strncmp(arg, prefix.c_str(), prefix.size()) != 0) return false;
    value = std::string(arg + prefix.size());
    return true;
  });
  return value;
}

}  // namespace tf::bench
