// What the farm costs a simulation batch: one run of a 256^2 D2Q9 channel advanced directly by
// the CPU stepper, and the same run through the embedded farm (dispatcher + one CPU worker over
// inproc: planning, state blobs, leases, result hashing, verification, snapshots), in the same
// benchmark iteration so that both see the same machine load. Args: the tile side (0: the
// dispatcher's choice, one whole-domain tile; 128: 2 x 2 tiles, whose ghost borders are extra
// work the direct run does not do) and the run's steps (2048: 8 chunks of the default plan;
// 8192: 32, which spreads the run's fixed costs, its first state and its snapshot, thinner).
//
// BM_SimFarmFastStepper: the default plan on a synthetic stepper 20x as fast as the CPU
// stepper measured in the same run (fixed time per cell update), directly and through the farm:
// what the farm costs a run on a fast device. Args: the speed-up and the run's steps.
//
// Counters: direct_MLUPS, farm_MLUPS (lattice updates of the run per second of wall time) and
// farm/direct, their ratio.
// Run: sim_farm_benchmark --benchmark_format=json
#include <benchmark/benchmark.h>

#include <chrono>
#include <functional>

#include "cli/embedded_farm.h"
#include "cli/local_run.h"
#include "formats/sim/batch_spec.h"
#include "tests/integration/synthetic_executor.h"
#include "worker/backend_executor.h"

namespace tf {
namespace {

constexpr int kSide = 256;

// A 256^2 D2Q9 channel of `steps` steps, one snapshot (the last step).
std::string batch_text(int64_t steps) {
  return "[simulation]\nname = \"bench\"\nmodel = \"d2q9\"\ncollision = \"trt\"\n"
         "grid = [256, 256]\nsteps = " + std::to_string(steps) + "\n[parameters]\ntau = 0.8\n"
         "force_x = 0.00001\n[boundaries]\nleft = \"periodic\"\n"
         "right = \"periodic\"\nbottom = \"wall\"\ntop = \"wall\"\n";
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

sim::TileState initial_state() {
  const sim::RunSpec run = sim::expand_runs(sim::parse_batch(batch_text(1), "bench.toml").value())[0];
  return sim::make_initial_state(run).value();
}

Result<std::unique_ptr<EmbeddedFarm>> start_farm(std::unique_ptr<UnitExecutor> executor) {
  std::vector<std::unique_ptr<UnitExecutor>> executors;
  executors.push_back(std::move(executor));
  return EmbeddedFarm::start({}, std::move(executors));
}

// Seconds the farm takes for the batch of `steps` steps with tiles of `tile` (0: the
// dispatcher's choice) and one replica; an error when it does not finish.
Result<double> farm_seconds(EmbeddedFarm& farm, int64_t steps, uint32_t tile) {
  proto::SubmitJob job;
  job.sim_batch = batch_text(steps);
  job.sim_tile = tile;
  job.replication = 1;
  job.quorum = 1;
  const auto start = std::chrono::steady_clock::now();
  Result<uint64_t> id = farm.client().submit(job);
  Result<proto::JobStatus> done =
      id ? farm.client().wait(id.value(), std::chrono::milliseconds(5), nullptr)
         : Result<proto::JobStatus>(Error{id.message()});
  if (!done || done->state != proto::JobState::kDone) return Error{"the batch did not finish"};
  return seconds_since(start);
}

void report(benchmark::State& state, int64_t steps, double direct_s, double farm_s) {
  const double updates =
      double{kSide} * kSide * static_cast<double>(steps) * static_cast<double>(state.iterations());
  state.counters["direct_MLUPS"] = updates / direct_s / 1e6;
  state.counters["farm_MLUPS"] = updates / farm_s / 1e6;
  state.counters["farm/direct"] = direct_s / farm_s;
}

// Runs the batch directly with `step` and through `farm`, alternately, every iteration, and
// reports both rates and their ratio.
void compare(benchmark::State& state, EmbeddedFarm& farm, int64_t steps, uint32_t tile,
             const std::function<Status(sim::TileState&, int)>& step) {
  double direct_s = 0, farm_s = 0;
  for (auto _ : state) {
    sim::TileState initial = initial_state();
    const auto start = std::chrono::steady_clock::now();
    if (Status s = step(initial, static_cast<int>(steps)); !s) {
      state.SkipWithError(s.message().c_str());
      return;
    }
    direct_s += seconds_since(start);
    Result<double> through_farm = farm_seconds(farm, steps, tile);
    if (!through_farm) {
      state.SkipWithError(through_farm.message().c_str());
      return;
    }
    farm_s += through_farm.value();
  }
  report(state, steps, direct_s, farm_s);
}

Status step_on_cpu(sim::TileState& state, int steps) {
  return sim::run_steps_cpu(state, steps) ? Status::ok() : Status(Error{"the CPU stepper failed"});
}

void BM_SimFarmOverDirect(benchmark::State& state) {
  Result<std::unique_ptr<UnitExecutor>> cpu = make_backend_executor("cpu", 0);
  auto farm = cpu ? start_farm(std::move(cpu.value()))
                  : Result<std::unique_ptr<EmbeddedFarm>>(Error{cpu.message()});
  if (!farm) {
    state.SkipWithError(farm.message().c_str());
    return;
  }
  compare(state, *farm.value(), state.range(1), static_cast<uint32_t>(state.range(0)), step_on_cpu);
}
BENCHMARK(BM_SimFarmOverDirect)
    ->Args({0, 2048})
    ->Args({128, 2048})
    ->Args({0, 8192})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

// The same run (default plan) on a stepper `speedup` times as fast as the CPU stepper measured
// in this run: a synthetic device that takes a fixed time per cell update
// (tests/integration/synthetic_executor.h), directly and through the farm.
void BM_SimFarmFastStepper(benchmark::State& state) {
  const auto speedup = static_cast<double>(state.range(0));
  constexpr int kProbeSteps = 256;
  sim::TileState probe = initial_state();
  const auto start = std::chrono::steady_clock::now();
  if (Status s = step_on_cpu(probe, kProbeSteps); !s) {
    state.SkipWithError(s.message().c_str());
    return;
  }
  const double cpu_rate = double{kSide} * kSide * kProbeSteps / seconds_since(start);
  auto make_stepper = [&] {
    auto stepper = std::make_unique<testing::SyntheticExecutor>();
    stepper->set_sim_rate(cpu_rate * speedup);
    return stepper;
  };
  auto farm = start_farm(make_stepper());
  if (!farm) {
    state.SkipWithError(farm.message().c_str());
    return;
  }
  const std::unique_ptr<testing::SyntheticExecutor> direct = make_stepper();
  compare(state, *farm.value(), state.range(1), 0,
          [&](sim::TileState& s, int steps) { return direct->simulate(s, steps); });
}
BENCHMARK(BM_SimFarmFastStepper)
    ->Args({20, 2048})
    ->Args({20, 8192})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

}  // namespace
}  // namespace tf

int main(int argc, char** argv) {
  tf::cli::reuse_freed_memory();  // as the tilefarm executable does
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
