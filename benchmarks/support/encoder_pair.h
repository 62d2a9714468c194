// The counters of a benchmark that encodes the same image two ways, alternately in the same
// iterations (png_filter_benchmark: two row filters; exr_writer_benchmark: two writers).
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>
#include <string>

namespace tf::bench {

// <a>_ms and <b>_ms (mean time an iteration), <b>/<a> (their ratio) and <a>_KB, <b>_KB (the
// last outputs' sizes), from the seconds and bytes of way a ([0]) and way b ([1]).
inline void report_encoder_pair(benchmark::State& state, const std::string& a,
                                const std::string& b, const double (&seconds)[2],
                                const size_t (&bytes)[2]) {
  const auto n = static_cast<double>(state.iterations());
  state.counters[a + "_ms"] = seconds[0] / n * 1e3;
  state.counters[b + "_ms"] = seconds[1] / n * 1e3;
  state.counters[b + "/" + a] = seconds[1] / seconds[0];
  state.counters[a + "_KB"] = static_cast<double>(bytes[0]) / 1e3;
  state.counters[b + "_KB"] = static_cast<double>(bytes[1]) / 1e3;
}

}  // namespace tf::bench
