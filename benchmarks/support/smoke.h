// The smoke run every benchmark program offers ctest: `--smoke` makes the program do one tiny
// instance of each measurement (no timing is asserted), so that a benchmark that hangs or
// crashes fails the test suite instead of rotting unseen.
#pragma once

#include <cstring>

namespace tf::bench {

// Removes every "--smoke" from argv (so that Google Benchmark does not see it); returns
// whether there was one.
inline bool take_smoke_flag(int* argc, char** argv) {
  bool found = false;
  int kept = 1;
  for (int i = 1; i < *argc; ++i) {
    if (std::strcmp(argv[i], "--smoke") == 0) {
      found = true;
    } else {
      argv[kept++] = argv[i];
    }
  }
  *argc = kept;
  return found;
}

}  // namespace tf::bench
