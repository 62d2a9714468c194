// The end of a benchmark program's main() that registers its benchmarks at run time: Google
// Benchmark's own flags, then every registered benchmark. Returns the exit status.
#pragma once

#include <benchmark/benchmark.h>

namespace tf::bench {

inline int run_registered_benchmarks(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace tf::bench
