// Property checks inside fuzz targets. A failed check aborts, which libFuzzer reports as a
// crash (with the input saved) and the corpus replay reports as a failed test.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace tf::fuzz {

inline void require(bool holds, const char* property) {
  if (holds) return;
  std::fprintf(stderr, "fuzz property violated: %s\n", property);
  std::abort();
}

}  // namespace tf::fuzz
