// Farm overhead per unit (DESIGN.md, performance model): units per second through the
// embedded dispatcher + worker when a unit costs (almost) nothing, set against the compute time
// of a typical real unit; and the store's commit rate with and without batching.
//
// Run: farm_benchmark --benchmark_format=json (Google Benchmark's JSON output).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <fstream>
#include <thread>

#include "cli/embedded_farm.h"
#include "dispatcher/client.h"
#include "dispatcher/store.h"
#include "formats/scene/load.h"
#include "kernels/backend.h"
#include "tests/support/temp_dir.h"
#include "tests/integration/synthetic_executor.h"

namespace tf {
namespace {

// An embedded farm of `workers` synthetic workers in `dir`, with a one-file scene uploaded.
struct TrivialFarm {
  std::unique_ptr<EmbeddedFarm> farm;
  Hash256 bundle;
};
Result<TrivialFarm> start_trivial_farm(const testing::TempDir& dir, int workers) {
  const std::string text = "# benchmark scene\n";
  std::filesystem::create_directories(dir.path() / "scene");
  std::ofstream(dir.path() / "scene" / "scene.pbrt") << text;
  const BundleManifest manifest{"scene.pbrt", {{"scene.pbrt", blake2b_256(std::string_view(text)), text.size()}}};
  std::vector<std::unique_ptr<UnitExecutor>> executors;
  for (int i = 0; i < workers; ++i) executors.push_back(std::make_unique<testing::SyntheticExecutor>());
  EmbeddedFarmOptions options;
  options.state_dir = dir.path() / "state";
  options.units_per_device = 4;
  auto farm = EmbeddedFarm::start(options, std::move(executors));
  if (!farm) return Error{farm.message()};
  Result<Hash256> bundle = farm.value()->client().upload_bundle(manifest, dir.path() / "scene");
  if (!bundle) return Error{bundle.message()};
  return TrivialFarm{std::move(farm.value()), bundle.value()};
}

// Jobs of 8x8-pixel, 1-sample units of the synthetic renderer (microseconds of compute), so
// the measured rate is the farm's own overhead: scheduling, messages, hashing, storage; over
// inproc (farm_throughput_benchmark measures tcp with CurveZMQ). Replication 2 where there
// are two workers, 1 with one.
void BM_FarmTrivialUnits(benchmark::State& state) {
  const int workers = static_cast<int>(state.range(0));
  testing::TempDir dir;
  Result<TrivialFarm> started = start_trivial_farm(dir, workers);
  if (!started) {
    state.SkipWithError(started.message().c_str());
    return;
  }
  DispatcherClient& client = started->farm->client();
  const Hash256 bundle = started->bundle;
  const uint32_t side = 128;  // 16 x 16 tiles of 8 px = 256 units per job
  uint64_t units = 0;
  for (auto _ : state) {
    proto::SubmitJob job{"bench", bundle, {{1, "scene.pbrt", side, side}}, 8, 1, 1, 0};
    // Replicas go to distinct workers: one worker can serve replication 1 only.
    job.replication = job.quorum = std::min<uint32_t>(2, static_cast<uint32_t>(workers));
    const uint64_t id = client.submit(job).value();
    Result<proto::JobStatus> done = client.wait(id, std::chrono::milliseconds(1), nullptr);
    if (!done || done->state != proto::JobState::kDone) {
      state.SkipWithError("job did not finish");
      return;
    }
    units += done->units_total;
  }
  state.counters["units_per_s"] = benchmark::Counter(static_cast<double>(units), benchmark::Counter::kIsRate);
  state.counters["us_per_unit"] = benchmark::Counter(
      static_cast<double>(units) / 1e6, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_FarmTrivialUnits)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// How soon a client sees a small job's end: a job of 16 trivial units (milliseconds of farm
// work) submitted and followed to its end, one after another, in three ways (Arg): 0, as
// `tilefarm submit --wait` and `tilefarm sim` follow a job now (DispatcherClient::wait, an
// interval of 500 ms, each request held by the dispatcher until the job ends); 1, as they did
// before, a status request every 500 ms answered at once; 2, a status request every millisecond,
// the nearest that polling gets. Counter job_ms: submission to the end seen, per job.
void BM_JobEndSeen(benchmark::State& state) {
  const int64_t way = state.range(0);
  testing::TempDir dir;
  Result<TrivialFarm> started = start_trivial_farm(dir, 1);
  if (!started) return state.SkipWithError(started.message().c_str());
  DispatcherClient& client = started->farm->client();
  for (auto _ : state) {
    proto::SubmitJob job{"bench", started->bundle, {{1, "scene.pbrt", 32, 32}}, 8, 1, 1, 0};
    job.replication = job.quorum = 1;
    Result<uint64_t> id = client.submit(job);
    if (!id) return state.SkipWithError(id.message().c_str());
    Result<proto::JobStatus> seen = Error{"not asked"};
    if (way == 0) {
      seen = client.wait(id.value(), std::chrono::milliseconds(500), nullptr);
    } else {
      const auto interval = std::chrono::milliseconds(way == 1 ? 500 : 1);
      for (;;) {
        Result<std::vector<proto::JobStatus>> jobs = client.status(id.value());
        if (!jobs || jobs->size() != 1) return state.SkipWithError("no status");
        seen = jobs->front();
        if (!proto::job_active(seen->state)) break;
        std::this_thread::sleep_for(interval);
      }
    }
    if (!seen || seen->state != proto::JobState::kDone) return state.SkipWithError("job failed");
  }
  state.counters["job_ms"] = benchmark::Counter(
      static_cast<double>(state.iterations()) / 1e3,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_JobEndSeen)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()
    ->Iterations(5);

// Compute time of one typical real unit: a 32x32 tile of the Cornell box at 16 samples on the
// CPU backend (the farm's per-unit overhead should be a few percent of this or less).
void BM_CpuUnitCornellBox(benchmark::State& state) {
  Result<LoadedScene> scene =
      load_scene_file(std::filesystem::path(TILEFARM_SOURCE_DIR) / "scenes/cornell-box/scene.pbrt");
  Result<std::unique_ptr<Backend>> backend = make_backend("cpu", 0);
  if (!scene || !backend || !backend.value()->load_scene(scene->kernel)) {
    state.SkipWithError("no CPU backend or scene");
    return;
  }
  const RenderUnit unit{1, 112, 112, 144, 144, 0, 16};
  TileResult tile;
  for (auto _ : state) {
    if (!backend.value()->render(unit, &tile)) state.SkipWithError("render failed");
    benchmark::DoNotOptimize(tile.rgb.data());
  }
  state.counters["rays_per_s"] = benchmark::Counter(static_cast<double>(tile.rays) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CpuUnitCornellBox)->Unit(benchmark::kMillisecond)->UseRealTime();

// Durable commits per second (WAL, synchronous=FULL): `rows` leased replica inserts per
// transaction.
void BM_StoreCommits(benchmark::State& state) {
  const int rows = static_cast<int>(state.range(0));
  testing::TempDir dir;
  auto store = Store::open(dir.path()).value();
  (void)store->begin();
  JobRow job_row;
  job_row.name = "bench";
  const uint64_t job = store->insert_job(job_row).value();
  (void)store->insert_frame({job, 1, "s.pbrt", 8, 8, {}, {}, {}});
  const uint64_t unit = store->insert_unit({0, job, 1, 0, 0, 8, 8, 0, 1, 0, {}, 0}).value();
  (void)store->commit();
  uint64_t commits = 0;
  uint32_t replica = 0;
  for (auto _ : state) {
    (void)store->begin();
    for (int i = 0; i < rows; ++i) {
      ReplicaRow r;
      r.unit_id = unit;
      r.replica = replica++;
      r.worker_key = r.owner = r.routing_id = "w";
      r.lease_id = store->next_lease_id().value();
      (void)store->insert_replica(r);
    }
    if (!store->commit()) state.SkipWithError("commit failed");
    ++commits;
  }
  state.counters["commits_per_s"] = benchmark::Counter(static_cast<double>(commits), benchmark::Counter::kIsRate);
  state.counters["rows_per_s"] = benchmark::Counter(static_cast<double>(commits) * rows, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StoreCommits)->Arg(1)->Arg(100)->UseRealTime();

}  // namespace
}  // namespace tf

BENCHMARK_MAIN();
