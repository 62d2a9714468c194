// BLAKE2b-256 throughput: tilefarm's (formats/hash/blake2b.cpp) against libsodium's
// crypto_generichash after sodium_init() (which picks its fastest implementation for this CPU),
// alternately in the same iterations over the same bytes, so both see the same machine.
// Sizes: a render tile's result (32 x 32 rgb floats, 12 KiB) and a 256^2 D2Q9 state's fields
// (2.25 MiB: every simulation chunk's result is hashed on the worker, and again by the
// dispatcher when its bytes are uploaded).
//
// Counters: tilefarm_MBps, libsodium_MBps and tilefarm/libsodium, their ratio.
// Run: hash_benchmark --benchmark_format=json
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "benchmarks/support/run_registered.h"
#include "formats/hash/hash.h"

namespace tf {
namespace {

void BM_Blake2b256(benchmark::State& state) {
  std::vector<uint8_t> bytes(static_cast<size_t>(state.range(0)));
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 131 + 7);
  const int repeats = static_cast<int>(std::max<int64_t>(1, (64 << 20) / state.range(0)));
  double ours_seconds = 0;
  double theirs_seconds = 0;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < repeats; ++i) benchmark::DoNotOptimize(blake2b_256(bytes));
    ours_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    start = std::chrono::steady_clock::now();
    Hash256 digest;
    for (int i = 0; i < repeats; ++i) {
      crypto_generichash(digest.bytes.data(), digest.bytes.size(), bytes.data(), bytes.size(),
                         nullptr, 0);
      benchmark::DoNotOptimize(digest);
    }
    theirs_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  const double megabytes = static_cast<double>(bytes.size()) * repeats *
                           static_cast<double>(state.iterations()) / 1e6;
  state.counters["tilefarm_MBps"] = megabytes / ours_seconds;
  state.counters["libsodium_MBps"] = megabytes / theirs_seconds;
  state.counters["tilefarm/libsodium"] = theirs_seconds / ours_seconds;
}
BENCHMARK(BM_Blake2b256)->Arg(12 << 10)->Arg(256 * 256 * 9 * 4)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tf

int main(int argc, char** argv) {
  if (sodium_init() < 0) {
    std::fprintf(stderr, "hash_benchmark: cannot initialise libsodium\n");
    return 1;
  }
  return tf::bench::run_registered_benchmarks(argc, argv);
}
