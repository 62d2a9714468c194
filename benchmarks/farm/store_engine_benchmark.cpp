// Accepted units per second with the dispatcher's state in SQLite and in PostgreSQL, measured
// in the same run: two embedded farms (dispatcher and 4 synthetic workers over inproc, trivial
// units, replication 2) that differ only in their store, given one job each in turn every
// iteration, so that load on the machine hits both alike. PostgreSQL is a private server
// started for the run (tests/support/postgres_server.h, fsync on, like SQLite's
// synchronous=FULL) on 127.0.0.1.
//
// Counters: sqlite_units_per_s, postgres_units_per_s and postgres/sqlite.
//
// BM_UnitInserts: what submitting a job costs the store, per engine: a job's units written as
// the dispatcher writes them (Store::insert_units: ids reserved at once, 64 rows to a
// statement, batched on PostgreSQL) against one insert_unit per unit (a statement round per
// unit, as every unit was written before), alternately in each iteration, each in its own
// transaction. Arg: units per job. Counters per engine: <engine>_batched_units_per_s,
// <engine>_per_unit_units_per_s and <engine>_batched/per_unit.
//
// Run: store_engine_benchmark --benchmark_format=json
#include <benchmark/benchmark.h>

#include <chrono>
#include <fstream>

#include "cli/embedded_farm.h"
#include "dispatcher/store.h"
#include "tests/integration/synthetic_executor.h"
#include "tests/support/postgres_server.h"
#include "tests/support/temp_dir.h"

namespace tf {
namespace {

struct BenchFarm {
  std::unique_ptr<EmbeddedFarm> farm;
  Hash256 bundle;
};

Result<BenchFarm> start_farm(const std::filesystem::path& dir, const std::string& store_url,
                             int workers) {
  const std::string text = "# benchmark scene\n";
  std::filesystem::create_directories(dir / "scene");
  std::ofstream(dir / "scene" / "scene.pbrt") << text;
  const BundleManifest manifest{"scene.pbrt",
                                {{"scene.pbrt", blake2b_256(std::string_view(text)), text.size()}}};
  std::vector<std::unique_ptr<UnitExecutor>> executors;
  for (int i = 0; i < workers; ++i)
    executors.push_back(std::make_unique<testing::SyntheticExecutor>());
  EmbeddedFarmOptions options;
  options.state_dir = dir / "state";
  options.store_url = store_url;
  options.units_per_device = 4;
  Result<std::unique_ptr<EmbeddedFarm>> farm = EmbeddedFarm::start(options, std::move(executors));
  if (!farm) return Error{farm.message()};
  Result<Hash256> bundle = farm.value()->client().upload_bundle(manifest, dir / "scene");
  if (!bundle) return Error{bundle.message()};
  return BenchFarm{std::move(farm.value()), bundle.value()};
}

// A private PostgreSQL server for the run and the URL of a database created on it.
struct PrivateDatabase {
  std::unique_ptr<testing::PostgresServer> server;
  std::string url;
};

Result<PrivateDatabase> start_private_database() {
  Result<std::unique_ptr<testing::PostgresServer>> server = testing::PostgresServer::start();
  if (!server) return Error{server.message()};
  Result<std::string> url = server.value()->create_database();
  if (!url) return Error{url.message()};
  return PrivateDatabase{std::move(server.value()), url.value()};
}

// Runs one job of `side` x `side` pixels in 8-pixel units; its units, or 0 when it failed.
uint64_t run_job(BenchFarm& f, uint32_t side, double* seconds) {
  proto::SubmitJob job{"bench", f.bundle, {{1, "scene.pbrt", side, side}}, 8, 1, 1, 0};
  job.replication = job.quorum = 2;
  const auto start = std::chrono::steady_clock::now();
  Result<uint64_t> id = f.farm->client().submit(job);
  if (!id) return 0;
  Result<proto::JobStatus> done =
      f.farm->client().wait(id.value(), std::chrono::milliseconds(1), nullptr);
  *seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return done && done->state == proto::JobState::kDone ? done->units_total : 0;
}

void BM_StoreEngines(benchmark::State& state) {
  const auto side = static_cast<uint32_t>(state.range(0));
  constexpr int kWorkers = 4;
  Result<PrivateDatabase> database = start_private_database();
  if (!database) {
    state.SkipWithError(database.message().c_str());
    return;
  }
  testing::TempDir dir;
  Result<BenchFarm> sqlite = start_farm(dir / "sqlite", "", kWorkers);
  Result<BenchFarm> postgres = start_farm(dir / "postgres", database->url, kWorkers);
  if (!sqlite || !postgres) {
    state.SkipWithError((sqlite ? postgres.message() : sqlite.message()).c_str());
    return;
  }
  uint64_t sqlite_units = 0, postgres_units = 0;
  double sqlite_seconds = 0, postgres_seconds = 0;
  for (auto _ : state) {
    const uint64_t a = run_job(sqlite.value(), side, &sqlite_seconds);
    const uint64_t b = run_job(postgres.value(), side, &postgres_seconds);
    if (a == 0 || b == 0) {
      state.SkipWithError("a job did not finish");
      return;
    }
    sqlite_units += a;
    postgres_units += b;
  }
  const double sqlite_rate = static_cast<double>(sqlite_units) / sqlite_seconds;
  const double postgres_rate = static_cast<double>(postgres_units) / postgres_seconds;
  state.counters["units_per_job"] =
      static_cast<double>(sqlite_units) / static_cast<double>(state.iterations());
  state.counters["sqlite_units_per_s"] = sqlite_rate;
  state.counters["postgres_units_per_s"] = postgres_rate;
  state.counters["postgres/sqlite"] = postgres_rate / sqlite_rate;
}
// 256 x 256 px: 1,024 units of two replicas per job; 64 x 64 px (64 units) for smoke runs.
BENCHMARK(BM_StoreEngines)
    ->Arg(64)
    ->Arg(256)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(5);

// A store's unit writes, batched and one at a time; seconds of each are added up.
struct UnitWrites {
  std::unique_ptr<Store> store;
  uint64_t job = 0;
  double batched_seconds = 0, per_unit_seconds = 0;
};

Result<UnitWrites> open_unit_writes(Result<std::unique_ptr<Store>> opened) {
  if (!opened) return Error{opened.message()};
  UnitWrites w{std::move(opened.value()), 0, 0, 0};
  JobRow job;
  job.name = "inserts";
  job.tile_size = 8;
  job.spp = job.samples_per_unit = 1;
  if (Status s = w.store->begin(); !s) return Error{s.message()};
  Result<uint64_t> id = w.store->insert_job(job);
  if (!id) return Error{id.message()};
  w.job = id.value();
  if (Status s = w.store->insert_frame({w.job, 0, "scene.pbrt", 8, 8, {}, {}, {}}); !s) {
    return Error{s.message()};
  }
  if (Status s = w.store->commit(); !s) return Error{s.message()};
  return w;
}

// Writes `count` units batched, then `count` one at a time, each in a committed transaction.
Status write_units(UnitWrites& w, size_t count) {
  std::vector<UnitRow> units(count);
  for (size_t i = 0; i < count; ++i) {
    units[i].job_id = w.job;
    units[i].x0 = static_cast<uint32_t>(i % 64) * 8;
    units[i].x1 = units[i].x0 + 8;
    units[i].y0 = static_cast<uint32_t>(i / 64) * 8;
    units[i].y1 = units[i].y0 + 8;
    units[i].s1 = 1;
  }
  auto start = std::chrono::steady_clock::now();
  if (Status s = w.store->begin(); !s) return s;
  if (Status s = w.store->insert_units(units); !s) return s;
  if (Status s = w.store->commit(); !s) return s;
  w.batched_seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  start = std::chrono::steady_clock::now();
  if (Status s = w.store->begin(); !s) return s;
  for (const UnitRow& u : units) {
    if (Result<uint64_t> id = w.store->insert_unit(u); !id) return Error{id.message()};
  }
  if (Status s = w.store->commit(); !s) return s;
  w.per_unit_seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Status::ok();
}

void BM_UnitInserts(benchmark::State& state) {
  const auto count = static_cast<size_t>(state.range(0));
  Result<PrivateDatabase> database = start_private_database();
  if (!database) {
    state.SkipWithError(database.message().c_str());
    return;
  }
  testing::TempDir dir;
  std::filesystem::create_directories(dir / "sqlite");
  Result<UnitWrites> sqlite = open_unit_writes(Store::open(dir / "sqlite"));
  Result<UnitWrites> postgres =
      open_unit_writes(Store::open_database(database->url, dir / "scratch"));
  if (!sqlite || !postgres) {
    state.SkipWithError((sqlite ? postgres.message() : sqlite.message()).c_str());
    return;
  }
  for (auto _ : state) {
    for (UnitWrites* w : {&sqlite.value(), &postgres.value()}) {
      if (Status s = write_units(*w, count); !s) {
        state.SkipWithError(s.message().c_str());
        return;
      }
    }
  }
  const double units = static_cast<double>(count * state.iterations());
  for (auto [name, w] : {std::pair{"sqlite", &sqlite.value()}, {"postgres", &postgres.value()}}) {
    const std::string engine = name;
    state.counters[engine + "_batched_units_per_s"] = units / w->batched_seconds;
    state.counters[engine + "_per_unit_units_per_s"] = units / w->per_unit_seconds;
    state.counters[engine + "_batched/per_unit"] = w->per_unit_seconds / w->batched_seconds;
  }
}
// 25,600 units: a 1280 x 1280 frame in 8-pixel tiles (the farm benchmark's 256 x 20 ms job);
// 1,024 for smoke runs.
BENCHMARK(BM_UnitInserts)->Arg(1024)->Arg(25600)->Unit(benchmark::kMillisecond)->UseRealTime()
    ->Iterations(3);

}  // namespace
}  // namespace tf

BENCHMARK_MAIN();
