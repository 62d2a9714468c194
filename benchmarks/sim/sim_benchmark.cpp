// Simulation kernel throughput against the memory roofline (CPU, OpenCL, and CUDA when the
// CUDA stepper is compiled in).
//
// Each lattice Boltzmann step reads and writes every population once (SoA, two buffers) and
// reads one cell-type byte: D2Q9 moves 9 * 4 * 2 + 1 = 73 bytes per cell update, D3Q19
// 19 * 4 * 2 + 1 = 153. The roofline is the copy bandwidth of the same machine over the same
// working set, measured in the same run with the same thread count: a[i] = b[i] between two
// arrays the size of the state's two population buffers, so that a state that fits in a cache
// is compared with that cache's bandwidth and a larger one with memory's (a fixed 128 MiB copy
// sits in the last-level cache of some servers and in DRAM on others). Counters: MLUPS
// (million lattice updates per second), GB/s moved, and roofline_fraction = achieved GB/s /
// copy GB/s. BM_CopyBandwidth reports the copy over 128 MiB arrays for reference.
//
// Run: sim_benchmark --benchmark_out=sim.json --benchmark_out_format=json
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>
#include <vector>

#include "kernels/sim/sim_host.h"
#include "kernels/sim/sim_opencl.h"
#if defined(TILEFARM_SIM_CUDA)
#include "kernels/sim/sim_cuda.h"
#endif

namespace tf::sim {
namespace {

int thread_count() { return std::max(1, static_cast<int>(std::thread::hardware_concurrency())); }

// Copies `from` to `to` `repeats` times with `threads` threads, each a contiguous slice.
void parallel_copy(const std::vector<float>& from, std::vector<float>& to, int threads,
                   int repeats = 1) {
  std::vector<std::jthread> pool;
  const std::size_t n = from.size();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      const std::size_t begin = n * static_cast<std::size_t>(t) / static_cast<std::size_t>(threads);
      const std::size_t end =
          n * static_cast<std::size_t>(t + 1) / static_cast<std::size_t>(threads);
      for (int r = 0; r < repeats; ++r) {
        std::copy(from.begin() + static_cast<std::ptrdiff_t>(begin),
                  from.begin() + static_cast<std::ptrdiff_t>(end),
                  to.begin() + static_cast<std::ptrdiff_t>(begin));
        benchmark::ClobberMemory();
      }
    });
  }
}

constexpr std::size_t kCopyFloats = std::size_t{32} << 20;  // 128 MiB per array

// Copy bandwidth (bytes read + written per second) between two arrays of `floats` floats,
// measured once per size: the best of 20 passes, so that on a shared machine the roofline is
// the bandwidth of a quiet moment, not a busy one. Each pass moves at least 256 MiB (small
// arrays are copied repeatedly), so that starting the threads does not count.
double copy_bandwidth(std::size_t floats) {
  static std::map<std::size_t, double> measured;
  if (auto it = measured.find(floats); it != measured.end()) return it->second;
  std::vector<float> a(floats, 1.0f), b(floats, 0.0f);
  const double bytes = 2.0 * static_cast<double>(floats) * sizeof(float);
  const int repeats = std::max(1, static_cast<int>(256.0 * (1 << 20) / bytes));
  double best = 0.0;
  for (int pass = 0; pass < 20; ++pass) {
    const auto t0 = std::chrono::steady_clock::now();
    parallel_copy(a, b, thread_count(), repeats);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, bytes * repeats / s);
  }
  return measured[floats] = best;
}

// The population floats of one buffer of the benchmark's state of edge n.
std::size_t state_floats(Model model, int n) {
  const std::size_t cells = static_cast<std::size_t>(n) * static_cast<std::size_t>(n) *
                            (model == Model::d3q19 ? static_cast<std::size_t>(n) : 1);
  return cells * static_cast<std::size_t>(component_count(model));
}

void BM_CopyBandwidth(benchmark::State& state) {
  std::vector<float> a(kCopyFloats, 1.0f), b(kCopyFloats, 0.0f);
  for (auto _ : state) {
    parallel_copy(a, b, thread_count());
    benchmark::DoNotOptimize(b.data());
  }
  const double bytes = 2.0 * static_cast<double>(kCopyFloats) * sizeof(float);
  state.counters["GB/s"] =
      benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["threads"] = thread_count();
}
BENCHMARK(BM_CopyBandwidth)->UseRealTime()->Unit(benchmark::kMillisecond);

// A periodic fluid box in uniform motion: every cell does the full update.
TileState moving_fluid(Model model, int n) {
  Extent size = model == Model::d3q19 ? Extent{n, n, n} : Extent{n, n, 1};
  TileState s = make_state(model, size, {true, true, true}).value();
  s.lbm = lbm_relaxation(0.6, Collision::trt);
  for (int z = 0; z < size.nz; ++z) {
    for (int y = 0; y < size.ny; ++y) {
      for (int x = 0; x < size.nx; ++x) set_equilibrium(s, x, y, z, 1.0f, 0.05f, 0.02f, 0.01f);
    }
  }
  return s;
}

double bytes_per_update(Model model) { return component_count(model) * 2.0 * sizeof(float) + 1.0; }

// Sets the throughput counters of a lattice Boltzmann benchmark that ran `steps` steps of
// `cells` cells per iteration in `seconds` of wall time in total, against the copy bandwidth
// `roofline` (bytes per second) of the memory the steps ran in.
void report(benchmark::State& state, Model model, long long cells, int steps, double seconds,
            double roofline) {
  const double updates = static_cast<double>(cells) * steps;
  const double bytes = updates * bytes_per_update(model);
  using benchmark::Counter;
  state.counters["MLUPS"] = Counter(updates * 1e-6, Counter::kIsIterationInvariantRate);
  state.counters["GB/s"] = Counter(bytes * 1e-9, Counter::kIsIterationInvariantRate);
  state.counters["bytes_per_update"] = bytes_per_update(model);
  state.counters["copy_GB/s"] = roofline * 1e-9;
  const double achieved = static_cast<double>(state.iterations()) * bytes / seconds;
  state.counters["roofline_fraction"] = achieved / roofline;
}

// Runs `steps` steps per iteration with `run` and reports against `roofline`.
template <class Run>
void time_steps(benchmark::State& state, Model model, int steps, double roofline, Run run) {
  const int n = static_cast<int>(state.range(0));
  TileState s = moving_fluid(model, n);
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    if (Status st = run(s, steps); !st) {
      state.SkipWithError(st.message().c_str());
      return;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report(state, model, s.size.cell_count(), steps, seconds, roofline);
}

template <Model M>
void BM_LbmCpu(benchmark::State& state) {
  constexpr int kSteps = 10;
  const double roofline = copy_bandwidth(state_floats(M, static_cast<int>(state.range(0))));
  time_steps(state, M, kSteps, roofline,
             [](TileState& s, int steps) { return run_steps_cpu(s, steps); });
  state.counters["threads"] = thread_count();
}
BENCHMARK(BM_LbmCpu<Model::d2q9>)
    ->Name("BM_D2Q9_Cpu")
    ->Arg(256)
    ->Arg(1024)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LbmCpu<Model::d3q19>)
    ->Name("BM_D3Q19_Cpu")
    ->Arg(48)
    ->Arg(96)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

template <Model M>
void BM_LbmOpenCl(benchmark::State& state) {
  static Result<std::unique_ptr<SimOpenCl>> cl = SimOpenCl::open(0);
  if (!cl) {
    state.SkipWithError(("no OpenCL device: " + cl.message()).c_str());
    return;
  }
  constexpr int kSteps = 20;  // per call: one upload and one download amortised over 20 steps
  // PoCL runs on the host CPU and its memory.
  const double roofline = copy_bandwidth(state_floats(M, static_cast<int>(state.range(0))));
  time_steps(state, M, kSteps, roofline,
             [](TileState& s, int steps) { return cl.value()->run_steps(s, steps); });
  state.SetLabel(cl.value()->device_name());
}
BENCHMARK(BM_LbmOpenCl<Model::d2q9>)
    ->Name("BM_D2Q9_OpenCl")
    ->Arg(512)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LbmOpenCl<Model::d3q19>)
    ->Name("BM_D3Q19_OpenCl")
    ->Arg(64)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

#if defined(TILEFARM_SIM_CUDA)
// CUDA rows: skipped (with the reason) when the machine has no usable CUDA device. The
// roofline is the device's own copy bandwidth over the state's working set (a device-to-device
// copy of one population buffer); 200 steps per call keep the two PCIe transfers of a call
// small against the steps, as in a farm unit of many steps.
template <Model M>
void BM_LbmCuda(benchmark::State& state) {
  static Result<std::unique_ptr<SimCuda>> cuda = SimCuda::open(0);
  if (!cuda) {
    state.SkipWithError(("no CUDA device: " + cuda.message()).c_str());
    return;
  }
  static std::map<std::size_t, Result<double>> rooflines;
  const std::size_t bytes = state_floats(M, static_cast<int>(state.range(0))) * sizeof(float);
  auto it = rooflines.find(bytes);
  if (it == rooflines.end()) {
    it = rooflines.emplace(bytes, cuda.value()->copy_bandwidth(bytes)).first;
  }
  const Result<double>& roofline = it->second;
  if (!roofline) {
    state.SkipWithError(roofline.message().c_str());
    return;
  }
  constexpr int kSteps = 200;
  time_steps(state, M, kSteps, roofline.value(),
             [](TileState& s, int steps) { return cuda.value()->run_steps(s, steps); });
  state.SetLabel(cuda.value()->device_name());
}
BENCHMARK(BM_LbmCuda<Model::d2q9>)
    ->Name("BM_D2Q9_Cuda")
    ->Arg(1024)
    ->Arg(4096)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LbmCuda<Model::d3q19>)
    ->Name("BM_D3Q19_Cuda")
    ->Arg(128)
    ->Arg(256)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
#endif

}  // namespace
}  // namespace tf::sim

BENCHMARK_MAIN();
