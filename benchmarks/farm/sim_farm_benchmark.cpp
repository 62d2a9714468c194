// What the farm costs a simulation batch: one run of a 256^2 D2Q9 channel advanced directly by
// the CPU stepper, and the same run through the embedded farm (dispatcher + one CPU worker over
// inproc: planning, state blobs, leases, result hashing, verification, snapshots), in the same
// benchmark iteration so that both see the same machine load. Args: the tile side (0: the
// dispatcher's choice, one whole-domain tile; 128: 2 x 2 tiles, whose ghost borders are extra
// work the direct run does not do) and the run's steps (2048: 2 chunks of the default plan's
// 1,024 steps; 8192: 8, which spreads the run's fixed costs, its first state and its snapshot,
// thinner).
//
// BM_SimFarmFastStepper: the default plan on a synthetic stepper 20x as fast as the CPU
// stepper measured in the same run (fixed time per cell update), directly and through the farm:
// what the farm costs a run on a fast device. Args: the speed-up and the run's steps (65536:
// 64 chunks, a third of a second of stepping, over which a run's fixed costs are spread thin
// enough to show what each chunk costs).
//
// BM_SimFarmSnapshotEveryChunk: the run with a snapshot at every chunk's end (its files, EXR,
// PNG, VTI, .npy, written by the dispatcher), the direct run with none. Args as above.
//
// BM_SimFarmSweep: what researchers queue, a parameter sweep: the same channel at 8 relaxation
// times (8 runs of one batch, [parameters] tau = [...]) on one worker, directly (the runs
// stepped one after another) and through the farm. Args: the speed-up of the synthetic
// stepper (0: the CPU stepper) and each run's steps.
//
// Counters: direct_MLUPS, farm_MLUPS (lattice updates of the run per second of wall time) and
// farm/direct, their ratio, over every iteration. Every case starts a farm of its own, so its
// first iteration is a fresh farm's first job, which pays for memory and caches that later jobs
// find ready (what `tilefarm sim` pays on every call: it starts a farm): first_job_ms is that
// job's time through the farm, and warm_farm/direct the ratio over the later iterations, what a
// farm that keeps running pays per run. Also two costs the farm adds to every run that the
// direct run does not pay, timed alone in the same run (best of 5) on a state of the run:
// hash_ms, one chunk's result hash by the tree scheme of simulation jobs
// (formats/protocol/result_hash.h; the farm computes one per chunk, on every core), and
// snapshot_ms, encoding the run's snapshot (formats/sim/field_output.h snapshot_files, its
// files on threads of their own; the farm writes one at the run's end, the direct run none).
// With chunks = steps / K they bound the ratio from above, whatever the farm's coordination
// costs: direct / (direct + chunks * hash_ms + snapshot_ms) for a device on the host's cores,
// which hashes in series; a device off them (the synthetic stepper) hashes beside its
// stepping, so its chunks take at least max(stepping, hash_ms) each.
// Each case runs 3 jobs (iterations) unless `--jobs=N` says otherwise: a fresh farm's
// memory takes about four jobs to settle (later jobs reuse what earlier ones freed), so
// --jobs=12 gives warm_farm/direct of a farm at its steady state.
// Run: sim_farm_benchmark --benchmark_format=json [--jobs=N]
#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>

#include "benchmarks/support/run_registered.h"
#include "benchmarks/support/smoke.h"
#include "cli/embedded_farm.h"
#include "cli/local_run.h"
#include "formats/protocol/result_hash.h"
#include "formats/sim/batch_spec.h"
#include "formats/sim/field_output.h"
#include "tests/integration/synthetic_executor.h"
#include "worker/backend_executor.h"

namespace tf {
namespace {

constexpr int kSide = 256;

// A 256^2 D2Q9 channel of `steps` steps, one snapshot (the last step) or one every
// `snapshot_interval` steps; one run per value of `tau` (a TOML value: a number, or an array
// of them for a sweep).
std::string batch_text(int64_t steps, const std::string& tau = "0.8",
                       int64_t snapshot_interval = 0) {
  const std::string snapshots =
      snapshot_interval > 0 ? "snapshot_interval = " + std::to_string(snapshot_interval) + "\n"
                            : "";
  return "[simulation]\nname = \"bench\"\nmodel = \"d2q9\"\ncollision = \"trt\"\n"
         "grid = [256, 256]\nsteps = " + std::to_string(steps) + "\n" + snapshots +
         "[parameters]\ntau = " + tau +
         "\nforce_x = 0.00001\n[boundaries]\nleft = \"periodic\"\n"
         "right = \"periodic\"\nbottom = \"wall\"\ntop = \"wall\"\n";
}

constexpr const char* kSweepTaus = "[0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]";

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The initial state of every run of the batch.
std::vector<sim::TileState> initial_states(const std::string& text) {
  std::vector<sim::TileState> states;
  for (const sim::RunSpec& run : sim::expand_runs(sim::parse_batch(text, "bench.toml").value())) {
    states.push_back(sim::make_initial_state(run).value());
  }
  return states;
}

Result<std::unique_ptr<EmbeddedFarm>> start_farm(std::unique_ptr<UnitExecutor> executor) {
  std::vector<std::unique_ptr<UnitExecutor>> executors;
  executors.push_back(std::move(executor));
  return EmbeddedFarm::start({}, std::move(executors));
}

// Seconds the farm takes for the batch with tiles of `tile` (0: the dispatcher's choice) and one
// replica; an error when it does not finish.
Result<double> farm_seconds(EmbeddedFarm& farm, const std::string& text, uint32_t tile) {
  proto::SubmitJob job;
  job.sim_batch = text;
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

// The best of 5 wall times of `work`, in milliseconds.
template <typename Work>
double best_ms(Work work) {
  double best = 0;
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    work();
    const double ms = seconds_since(start) * 1e3;
    if (i == 0 || ms < best) best = ms;
  }
  return best;
}

// The costs every run pays through the farm and not directly (see the header), timed on
// `advanced`, a state of the batch's first run after its steps.
void report_farm_costs(benchmark::State& state, const std::string& text,
                       const sim::TileState& advanced) {
  const sim::RunSpec run = sim::expand_runs(sim::parse_batch(text, "bench.toml").value())[0];
  state.counters["hash_ms"] = best_ms([&] {
    benchmark::DoNotOptimize(
        proto::result_hash(advanced.fields, 1, proto::ResultHashScheme::kTree));
  });
  bool encoded = true;
  state.counters["snapshot_ms"] = best_ms([&] {
    encoded = encoded && sim::snapshot_files(run, advanced, run.spec.steps).is_ok();
  });
  if (!encoded) state.SkipWithError("the snapshot could not be encoded");
}

void report(benchmark::State& state, double updates_per_batch, double direct_s, double farm_s) {
  const double updates = updates_per_batch * static_cast<double>(state.iterations());
  state.counters["direct_MLUPS"] = updates / direct_s / 1e6;
  state.counters["farm_MLUPS"] = updates / farm_s / 1e6;
  state.counters["farm/direct"] = direct_s / farm_s;
}

// Runs the batch `text` directly with `step` (its runs one after another) and through `farm`,
// alternately, every iteration, and reports both rates and their ratio, and also the farm's
// first job apart from the others (see the header).
void compare(benchmark::State& state, EmbeddedFarm& farm, const std::string& text, uint32_t tile,
             const std::function<Status(sim::TileState&, int)>& step) {
  const int steps = static_cast<int>(sim::parse_batch(text, "bench.toml").value().steps);
  double direct_s = 0, farm_s = 0, updates = 0;
  double first_direct_s = 0, first_farm_s = 0;
  int64_t jobs = 0;
  std::vector<sim::TileState> runs;
  for (auto _ : state) {
    runs = initial_states(text);
    updates = double{kSide} * kSide * steps * static_cast<double>(runs.size());
    const auto start = std::chrono::steady_clock::now();
    for (sim::TileState& run : runs) {
      if (Status s = step(run, steps); !s) {
        state.SkipWithError(s.message().c_str());
        return;
      }
    }
    direct_s += seconds_since(start);
    Result<double> through_farm = farm_seconds(farm, text, tile);
    if (!through_farm) {
      state.SkipWithError(through_farm.message().c_str());
      return;
    }
    farm_s += through_farm.value();
    if (++jobs == 1) {
      first_direct_s = direct_s;
      first_farm_s = farm_s;
    }
  }
  report(state, updates, direct_s, farm_s);
  state.counters["first_job_ms"] = first_farm_s * 1e3;
  if (jobs > 1) {
    state.counters["warm_farm/direct"] = (direct_s - first_direct_s) / (farm_s - first_farm_s);
  }
  if (!runs.empty()) report_farm_costs(state, text, runs.front());
}

Status step_on_cpu(sim::TileState& state, int steps) {
  return sim::run_steps_cpu(state, steps) ? Status::ok() : Status(Error{"the CPU stepper failed"});
}

Result<std::unique_ptr<EmbeddedFarm>> cpu_farm() {
  Result<std::unique_ptr<UnitExecutor>> cpu = make_backend_executor("cpu", 0);
  if (!cpu) return Error{cpu.message()};
  return start_farm(std::move(cpu.value()));
}

void BM_SimFarmOverDirect(benchmark::State& state) {
  Result<std::unique_ptr<EmbeddedFarm>> farm = cpu_farm();
  if (!farm) {
    state.SkipWithError(farm.message().c_str());
    return;
  }
  compare(state, *farm.value(), batch_text(state.range(1)), static_cast<uint32_t>(state.range(0)),
          step_on_cpu);
}

// A synthetic stepper (tests/integration/synthetic_executor.h) `speedup` times as fast as the
// CPU stepper measured now (its best of 5 probes: a single probe's rate varied 1.8x from one
// process to the next on the development VM, and the synthetic chunks' length with it): a
// fixed time per cell update, standing in for a fast device.
Result<std::function<std::unique_ptr<testing::SyntheticExecutor>()>> fast_steppers(double speedup) {
  constexpr int kProbeSteps = 256;
  sim::TileState probe = initial_states(batch_text(1))[0];
  Status stepped = Status::ok();
  const double best_ms_per_probe = best_ms([&] {
    if (stepped) stepped = step_on_cpu(probe, kProbeSteps);
  });
  if (!stepped) return Error{stepped.message()};
  const double rate = double{kSide} * kSide * kProbeSteps / (best_ms_per_probe / 1e3) * speedup;
  return std::function<std::unique_ptr<testing::SyntheticExecutor>()>([rate] {
    auto stepper = std::make_unique<testing::SyntheticExecutor>();
    stepper->set_sim_rate(rate);
    return stepper;
  });
}

// The batch `text` directly and through a farm of one worker: on the CPU stepper when
// `speedup` is 0, else on fast_steppers(speedup).
void compare_on_stepper(benchmark::State& state, double speedup, const std::string& text) {
  if (speedup == 0) {
    Result<std::unique_ptr<EmbeddedFarm>> farm = cpu_farm();
    if (!farm) return state.SkipWithError(farm.message().c_str());
    return compare(state, *farm.value(), text, 0, step_on_cpu);
  }
  auto make_stepper = fast_steppers(speedup);
  if (!make_stepper) return state.SkipWithError(make_stepper.message().c_str());
  auto farm = start_farm(make_stepper.value()());
  if (!farm) return state.SkipWithError(farm.message().c_str());
  const std::unique_ptr<testing::SyntheticExecutor> direct = make_stepper.value()();
  compare(state, *farm.value(), text, 0,
          [&](sim::TileState& s, int steps) { return direct->simulate(s, steps); });
}

// The same run (default plan) on a stepper `speedup` times as fast as the CPU stepper.
void BM_SimFarmFastStepper(benchmark::State& state) {
  compare_on_stepper(state, static_cast<double>(state.range(0)), batch_text(state.range(1)));
}

// The same run with a snapshot at every chunk's end (the default plan's 1,024 steps): what a
// researcher who wants the flow's evolution, not only its end, pays.
void BM_SimFarmSnapshotEveryChunk(benchmark::State& state) {
  compare_on_stepper(state, static_cast<double>(state.range(0)),
                     batch_text(state.range(1), "0.8", 1024));
}

// A sweep of 8 runs (kSweepTaus) on the CPU stepper (speed-up 0) or a 20x synthetic one.
void BM_SimFarmSweep(benchmark::State& state) {
  compare_on_stepper(state, static_cast<double>(state.range(0)),
                     batch_text(state.range(1), kSweepTaus));
}

// Every case, each `jobs` iterations (a job through the farm each).
void register_cases(int jobs) {
  using Case = void (*)(benchmark::State&);
  const auto add = [jobs](const char* name, Case run,
                          std::initializer_list<std::array<int64_t, 2>> args) {
    benchmark::internal::Benchmark* b = benchmark::RegisterBenchmark(name, run);
    for (const auto& [first, second] : args) b->Args({first, second});
    b->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(jobs);
  };
  add("BM_SimFarmOverDirect", BM_SimFarmOverDirect, {{0, 2048}, {128, 2048}, {0, 8192}});
  add("BM_SimFarmFastStepper", BM_SimFarmFastStepper, {{20, 2048}, {20, 8192}, {20, 65536}});
  add("BM_SimFarmSnapshotEveryChunk", BM_SimFarmSnapshotEveryChunk,
      {{0, 2048}, {20, 2048}, {20, 8192}});
  add("BM_SimFarmSweep", BM_SimFarmSweep, {{0, 2048}, {20, 2048}});
}

}  // namespace
}  // namespace tf

int main(int argc, char** argv) {
  tf::cli::reuse_freed_memory();  // as the tilefarm executable does
  int jobs = 3;
  if (std::optional<std::string> value = tf::bench::take_value_flag(&argc, argv, "jobs")) {
    jobs = std::atoi(value->c_str());
    if (jobs < 1) {
      std::fprintf(stderr, "--jobs wants a positive number of jobs a case, got %s\n",
                   value->c_str());
      return 2;
    }
  }
  tf::register_cases(jobs);
  return tf::bench::run_registered_benchmarks(argc, argv);
}
