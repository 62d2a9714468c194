// BLAKE2b-256 throughput: tilefarm's (formats/hash/blake2b.cpp) against libsodium's
// crypto_generichash after sodium_init() (which picks its fastest implementation for this CPU),
// alternately in the same iterations over the same bytes, so both see the same machine.
// Sizes: a render tile's result (32 x 32 rgb floats, 12 KiB) and a 256^2 D2Q9 state's fields
// (2.25 MiB: every simulation chunk's result is hashed on the worker, and again by the
// dispatcher when its bytes are uploaded).
//
// Counters: tilefarm_MBps, libsodium_MBps and tilefarm/libsodium, their ratio.
//
// BM_Blake2bTree: the tree hash that simulation results use (formats/hash/tree_hash.h, every
// core at once) against tilefarm's sequential BLAKE2b, alternately, over a 256^2 D2Q9 state
// and a 1024^2 one (36 MiB, a GPU-sized chunk). Counters: tree_MBps, sequential_MBps,
// tree/sequential and cores (the host's, which bound the ratio).
//
// BM_Blake2bLanes: whole 64 KiB leaves of that tree on one core, in the host's widest SIMD
// lanes (formats/hash/blake2b_lanes.h) and one at a time, alternately, over a 256^2 D2Q9
// state's 36 leaves. Counters: lanes_MBps, one_by_one_MBps, lanes/one_by_one and lanes (8
// with AVX-512, 4 with AVX2).
// Run: hash_benchmark --benchmark_format=json
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "benchmarks/support/run_registered.h"
#include "formats/hash/blake2b_lanes.h"
#include "formats/hash/hash.h"
#include "formats/hash/tree_hash.h"

namespace tf {
namespace {

// The benchmark's bytes: state.range(0) of them, and how many hashes make about 64 MiB.
std::vector<uint8_t> bytes_to_hash(const benchmark::State& state, int* repeats) {
  std::vector<uint8_t> bytes(static_cast<size_t>(state.range(0)));
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 131 + 7);
  *repeats = static_cast<int>(std::max<int64_t>(1, (64 << 20) / state.range(0)));
  return bytes;
}

// Runs `first` and `second` `repeats` times each, alternately in every iteration, and sets
// counters `first_name`_MBps, `second_name`_MBps and `first_name`/`second_name`.
template <typename First, typename Second>
void alternate(benchmark::State& state, const std::vector<uint8_t>& bytes, int repeats,
               const std::string& first_name, First first, const std::string& second_name,
               Second second) {
  double seconds[2] = {0, 0};
  const auto timed = [&](auto hash, double* total) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < repeats; ++i) benchmark::DoNotOptimize(hash());
    *total += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  for (auto _ : state) {
    timed(first, &seconds[0]);
    timed(second, &seconds[1]);
  }
  const double megabytes = static_cast<double>(bytes.size()) * repeats *
                           static_cast<double>(state.iterations()) / 1e6;
  state.counters[first_name + "_MBps"] = megabytes / seconds[0];
  state.counters[second_name + "_MBps"] = megabytes / seconds[1];
  state.counters[first_name + "/" + second_name] = seconds[1] / seconds[0];
}

void BM_Blake2b256(benchmark::State& state) {
  int repeats = 0;
  const std::vector<uint8_t> bytes = bytes_to_hash(state, &repeats);
  alternate(
      state, bytes, repeats, "tilefarm", [&] { return blake2b_256(bytes); }, "libsodium",
      [&] {
        Hash256 digest;
        crypto_generichash(digest.bytes.data(), digest.bytes.size(), bytes.data(), bytes.size(),
                           nullptr, 0);
        return digest;
      });
}
BENCHMARK(BM_Blake2b256)->Arg(12 << 10)->Arg(256 * 256 * 9 * 4)->Unit(benchmark::kMillisecond);

void BM_Blake2bTree(benchmark::State& state) {
  int repeats = 0;
  const std::vector<uint8_t> bytes = bytes_to_hash(state, &repeats);
  alternate(
      state, bytes, repeats, "tree", [&] { return blake2b_tree_256(bytes); }, "sequential",
      [&] { return blake2b_256(bytes); });
  state.counters["cores"] = std::thread::hardware_concurrency();
}
BENCHMARK(BM_Blake2bTree)
    ->Arg(256 * 256 * 9 * 4)
    ->Arg(1024 * 1024 * 9 * 4)
    ->Unit(benchmark::kMillisecond);

void BM_Blake2bLanes(benchmark::State& state) {
  int repeats = 0;
  const std::vector<uint8_t> bytes = bytes_to_hash(state, &repeats);
  std::vector<LaneMessage> leaves(bytes.size() / kTreeLeafBytes);
  for (size_t i = 0; i < leaves.size(); ++i) {
    leaves[i] = {bytes.data() + i * kTreeLeafBytes,
                 {.fanout = 0, .depth = 2, .leaf_length = kTreeLeafBytes, .node_offset = i,
                  .node_depth = 0, .inner_length = 32, .last_node = i + 1 == leaves.size()}};
  }
  std::vector<Hash256> digests(leaves.size());
  const auto hash_with = [&](unsigned lanes) {
    return [&, lanes] {
      blake2b_256_lanes(leaves.data(), leaves.size(), kTreeLeafBytes, digests.data(), lanes);
      return digests.back();
    };
  };
  alternate(state, bytes, repeats, "lanes", hash_with(0), "one_by_one", hash_with(1));
  state.counters["lanes"] = blake2b_lanes();
}
BENCHMARK(BM_Blake2bLanes)->Arg(36 * kTreeLeafBytes)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tf

int main(int argc, char** argv) {
  if (sodium_init() < 0) {
    std::fprintf(stderr, "hash_benchmark: cannot initialise libsodium\n");
    return 1;
  }
  return tf::bench::run_registered_benchmarks(argc, argv);
}
