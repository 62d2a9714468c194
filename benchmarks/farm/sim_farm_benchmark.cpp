// What the farm costs a simulation batch: one run of a D2Q9 channel advanced directly by the
// CPU stepper, and the same run through the embedded farm (dispatcher + one CPU worker over
// inproc: planning, state blobs, leases, result hashing, stitching, snapshots), in the same
// benchmark iteration so that both see the same machine load. Arg: the tile side (0: the
// dispatcher's choice, one whole-domain tile; 128: 2 x 2 tiles, whose ghost borders are extra
// work the direct run does not do).
//
// Counters: direct_MLUPS, farm_MLUPS (lattice updates of the run per second of wall time) and
// farm/direct, their ratio.
// Run: sim_farm_benchmark --benchmark_format=json
#include <benchmark/benchmark.h>

#include <chrono>

#include "cli/embedded_farm.h"
#include "cli/local_run.h"
#include "formats/sim/batch_spec.h"
#include "worker/backend_executor.h"

namespace tf {
namespace {

constexpr int kSide = 256;
constexpr int kSteps = 2048;

const std::string kBatch = "[simulation]\nname = \"bench\"\nmodel = \"d2q9\"\ncollision = \"trt\"\n"
                           "grid = [256, 256]\nsteps = 2048\n[parameters]\ntau = 0.8\n"
                           "force_x = 0.00001\n[boundaries]\nleft = \"periodic\"\n"
                           "right = \"periodic\"\nbottom = \"wall\"\ntop = \"wall\"\n";

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void BM_SimFarmOverDirect(benchmark::State& state) {
  const auto tile = static_cast<uint32_t>(state.range(0));
  const sim::RunSpec run = sim::expand_runs(sim::parse_batch(kBatch, "bench.toml").value())[0];
  Result<std::unique_ptr<UnitExecutor>> cpu = make_backend_executor("cpu", 0);
  if (!cpu) {
    state.SkipWithError(cpu.message().c_str());
    return;
  }
  std::vector<std::unique_ptr<UnitExecutor>> executors;
  executors.push_back(std::move(cpu.value()));
  auto farm = EmbeddedFarm::start({}, std::move(executors));
  if (!farm) {
    state.SkipWithError(farm.message().c_str());
    return;
  }
  double direct_s = 0, farm_s = 0;
  for (auto _ : state) {
    sim::TileState initial = sim::make_initial_state(run).value();
    auto start = std::chrono::steady_clock::now();
    if (!sim::run_steps_cpu(initial, kSteps)) {
      state.SkipWithError("the CPU stepper failed");
      return;
    }
    direct_s += seconds_since(start);
    proto::SubmitJob job;
    job.sim_batch = kBatch;
    job.sim_tile = tile;
    job.replication = 1;
    job.quorum = 1;
    start = std::chrono::steady_clock::now();
    Result<uint64_t> id = farm.value()->client().submit(job);
    Result<proto::JobStatus> done =
        id ? farm.value()->client().wait(id.value(), std::chrono::milliseconds(5), nullptr)
           : Result<proto::JobStatus>(Error{id.message()});
    if (!done || done->state != proto::JobState::kDone) {
      state.SkipWithError("the batch did not finish");
      return;
    }
    farm_s += seconds_since(start);
  }
  const double updates = double{kSide} * kSide * kSteps * static_cast<double>(state.iterations());
  state.counters["direct_MLUPS"] = updates / direct_s / 1e6;
  state.counters["farm_MLUPS"] = updates / farm_s / 1e6;
  state.counters["farm/direct"] = direct_s / farm_s;
}
BENCHMARK(BM_SimFarmOverDirect)->Arg(0)->Arg(128)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace
}  // namespace tf

int main(int argc, char** argv) {
  tf::cli::reuse_freed_memory();  // as the tilefarm executable does
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
