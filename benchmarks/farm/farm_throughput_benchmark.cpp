// Farm throughput at GPU speed (DESIGN.md, performance model): workers that stand in for
// devices of known speed, each taking a fixed time per unit (tests/integration
// synthetic_executor.h: 0 "trivial", 200 us "one GPU", 2 ms "a fast device", 20 ms "a CPU"),
// connect over tcp://127.0.0.1 with CurveZMQ on to a dispatcher with its durable store, as a
// real farm does; a client submits frames of 8x8-pixel, 1-sample units and waits for them.
//
// Args: {microseconds per unit, workers, replication, dashboard, recalls, gpus}: gpus more
// workers of 200 us a unit beside the others ("one GPU in a farm of CPUs": 1 beside 255 of
// 20 ms, where the fast device must get its part of every grant round). Counters:
// - units_per_s: accepted units per second of the measured job (submit to done);
// - results_per_s: replica results the devices computed per second; with replication 2 fewer
//   than 2 x units_per_s once keys earn trust (adaptive replication, dispatcher/reputation.h:
//   most of a trusted key's units go to one replica);
// - replicas_per_unit: results / accepted units, the replication the farm actually ran;
// - efficiency: results_per_s / (workers / unit time + gpus / 200 us), the share of the
//   devices' time spent on units (0 for trivial units, which have no device time);
// - bare_per_s: the bare ZeroMQ ROUTER/DEALER exchange rate (bare_exchange.h) with as many
//   DEALERs and the farm's own message sizes (one unit's grant out, one result back), measured
//   in the same run just before the farm; farm/bare = results_per_s / bare_per_s;
// - loop_cpu: the dispatcher loop thread's CPU seconds per wall second during the job;
// - gpu_efficiency (gpus > 0): the 200 us workers' results per second over their capacity;
// - cpu_us_per_unit: CPU time of the whole process (dispatcher, workers with their stand-in
//   devices, ZeroMQ I/O threads, client) per accepted unit during the job: what coordinating a
//   unit costs the machine, less sensitive than the rates to other load on it;
// - with dashboard=1 the dispatcher also serves its dashboard (farm_board.h: views, frame
//   previews, commit latencies) and a scraper reads /api/farm, /api/trust and /metrics ten
//   times a second; vs_no_dashboard = units_per_s / units_per_s of the same case without it,
//   measured just before in the same run;
// - with recalls=0 the dispatcher never recalls leases at the end of a queue
//   (LeaseSizing::recall_at_end, dispatcher_core.h); vs_no_recalls = units_per_s /
//   units_per_s of the same case with recalls=0, measured just before in the same run
//   (256 x 20 ms only: the case whose end the recalls balance).
// Heartbeats are a real farm's (WorkerOptions' default interval), not the tests' short one.
// Every worker, the dispatcher and the client share this machine's cores, as on one host.
//
// Run: farm_throughput_benchmark --benchmark_format=json [--smoke] [--job-seconds=S]
#include <benchmark/benchmark.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <tuple>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "benchmarks/farm/bare_exchange.h"
#include "benchmarks/support/run_registered.h"
#include "benchmarks/support/smoke.h"
#include "cli/local_run.h"
#include "dispatcher/dashboard/dashboard_server.h"
#include "dispatcher/dispatcher_core.h"
#include "dispatcher/trust_queries.h"
#include "formats/protocol/codec.h"
#include "formats/protocol/result_hash.h"
#include "tests/integration/security_farm.h"
#include "tests/support/temp_dir.h"

namespace tf {
namespace {

bool g_smoke = false;
// --job-seconds=S: the measured job holds about S seconds of the devices' work (default 2); a
// longer job spreads its fixed costs (submission, the first grants, the last units) thinner.
double g_job_seconds = 2.0;
constexpr uint32_t kTile = 8;
constexpr uint32_t kFrameSide = 256;  // 1,024 units per full frame
constexpr std::chrono::microseconds kGpuUnitTime{200};  // "one GPU"

// Encoded sizes of one unit's grant and one uploaded 8x8 result, as the farm sends them.
std::pair<size_t, size_t> unit_message_sizes() {
  proto::LeaseGrant grant;
  proto::RenderUnitSpec spec;
  spec.lease_id = spec.unit_id = spec.job_id = 1u << 20;
  spec.scene_path = "scene.pbrt";
  spec.x1 = spec.y1 = kTile;
  spec.s1 = 1;
  spec.upload_bytes = true;
  grant.units.push_back(spec);
  proto::UnitResult result;
  result.lease_id = result.unit_id = 1u << 20;
  result.kernel_version = "synthetic-1";
  result.width = result.height = kTile;
  result.rgb.assign(size_t{kTile} * kTile * 3, 0.5f);
  result.rays = kTile * kTile;
  result.result_hash = proto::result_hash(result.rgb, result.rays);
  return {proto::encode_message({0, grant}).size(), proto::encode_message({0, result}).size()};
}

double bare_rate(int dealers) {
  static std::map<int, double> measured;  // per DEALER count, once per process
  auto it = measured.find(dealers);
  if (it != measured.end()) return it->second;
  const auto [request, reply] = unit_message_sizes();
  bench::BareExchangeOptions options;
  options.dealers = dealers;
  options.request_bytes = request;
  options.reply_bytes = reply;
  options.duration = std::chrono::milliseconds(g_smoke ? 50 : 1000);
  return measured[dealers] = bench::bare_exchanges_per_second(options);
}

// Frames holding about `units` units: full 256x256 frames, or one smaller square frame.
std::vector<proto::FrameSpec> frames_for(uint64_t units) {
  std::vector<proto::FrameSpec> frames;
  const uint64_t per_frame = (kFrameSide / kTile) * (kFrameSide / kTile);
  if (units < per_frame) {
    const auto side = static_cast<uint32_t>(std::ceil(std::sqrt(static_cast<double>(units)))) * kTile;
    frames.push_back({1, "scene.pbrt", side, side});
    return frames;
  }
  for (uint32_t f = 1; f <= units / per_frame; ++f) frames.push_back({f, "scene.pbrt", kFrameSide, kFrameSide});
  return frames;
}

// CPU seconds of every thread of this process (dispatcher, workers, ZeroMQ I/O, client).
double process_cpu_seconds() {
  timespec used{};
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &used) != 0) return 0;
  return static_cast<double>(used.tv_sec) + static_cast<double>(used.tv_nsec) * 1e-9;
}

// Reads the dashboard's pages every 100 ms until destroyed, as an eager operator would.
class DashboardScraper {
 public:
  explicit DashboardScraper(int port)
      : thread_([this, port] {
          httplib::Client http("127.0.0.1", port);
          while (!stop_) {
            for (const char* path : {"/api/farm", "/api/trust", "/metrics"}) (void)http.Get(path);
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
          }
        }) {}
  ~DashboardScraper() {
    stop_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// units_per_s of each case without the dashboard, and without recalls, by (unit_us, workers,
// replication).
std::map<std::tuple<int64_t, int64_t, int64_t>, double> g_without_dashboard, g_without_recalls;

void BM_FarmThroughput(benchmark::State& state) {
  const auto unit_time = std::chrono::microseconds(state.range(0));
  const int workers = static_cast<int>(state.range(1));
  const auto replication = static_cast<uint32_t>(state.range(2));
  const bool dashboard = state.range(3) != 0;
  LeaseSizing sizing;
  sizing.recall_at_end = state.range(4) != 0;
  const int gpus = static_cast<int>(state.range(5));
  const double bare = bare_rate(workers + gpus);

  testing::TempDir dir;
  const proto::CurveKeypair client_keys = testing::fresh_keys();
  AccessPolicy access;
  access.client_allow = {client_keys.public_key};
  std::string error;
  std::shared_ptr<FarmBoard> board = dashboard ? std::make_shared<FarmBoard>() : nullptr;
  // Heartbeats at a real farm's interval (the tests' harness uses a short one).
  std::unique_ptr<testing::SecureFarm> farm = testing::SecureFarm::start(
      dir.path(), access, &error, {}, board, WorkerOptions{}.heartbeat_interval_ms, sizing);
  if (!farm) {
    state.SkipWithError(error.c_str());
    return;
  }
  std::unique_ptr<DashboardServer> web;
  std::unique_ptr<DashboardScraper> scraper;
  if (dashboard) {
    DashboardOptions options;
    options.address = {"127.0.0.1", 0};
    const std::filesystem::path state_dir = dir.path() / "state";
    Result<std::unique_ptr<DashboardServer>> started = DashboardServer::start(
        options, board, farm->server().blobs(),
        [state_dir] { return open_store_read_only(state_dir, ""); });
    if (!started) {
      state.SkipWithError(started.message().c_str());
      return;
    }
    web = std::move(started.value());
    scraper = std::make_unique<DashboardScraper>(web->port());
  }
  for (int i = 0; i < workers; ++i) farm->add_worker(testing::fresh_keys(), unit_time);
  std::vector<const Worker*> gpu_workers;
  for (int i = 0; i < gpus; ++i) {
    gpu_workers.push_back(&farm->add_worker(testing::fresh_keys(), kGpuUnitTime));
  }
  const auto gpu_results = [&] {
    uint64_t n = 0;
    for (const Worker* w : gpu_workers) n += w->units_completed();
    return n;
  };
  std::unique_ptr<DispatcherClient> client = farm->client(client_keys, std::chrono::seconds(120));

  const std::string text = "# benchmark scene\n";
  std::filesystem::create_directories(dir.path() / "scene");
  std::ofstream(dir.path() / "scene" / "scene.pbrt") << text;
  const BundleManifest manifest{"scene.pbrt", {{"scene.pbrt", blake2b_256(std::string_view(text)), text.size()}}};
  Result<Hash256> bundle = client->upload_bundle(manifest, dir.path() / "scene");
  if (!bundle) {
    state.SkipWithError(bundle.message().c_str());
    return;
  }
  auto run_job = [&](uint64_t units) -> Result<proto::JobStatus> {
    proto::SubmitJob job{"bench", bundle.value(), frames_for(units), kTile, 1, 1, 0};
    job.replication = job.quorum = replication;
    Result<uint64_t> id = client->submit(job);
    if (!id) return Error{id.message()};
    return client->wait(id.value(), std::chrono::milliseconds(5), nullptr);
  };
  // About g_job_seconds of work at the devices' full speed (20,000 units/s for trivial units).
  const double gpu_capacity = gpus * 1e6 / static_cast<double>(kGpuUnitTime.count());
  const double capacity =
      unit_time.count() > 0
          ? workers * 1e6 / static_cast<double>(unit_time.count()) + gpu_capacity
          : 20000.0;
  // Results a unit takes once the workers' keys are trusted (adaptive replication,
  // reputation.h: a trusted first replica suffices but for spot checks), so that a job holds
  // about g_job_seconds of work at any replication (dividing by the replication itself made
  // jobs at replication 2 about half as long as stated).
  const double replicas = 1.0 + DispatcherConfig{}.trust.spot_check_rate * (replication - 1);
  const auto most = static_cast<uint64_t>(16384 * g_job_seconds);
  const uint64_t units =
      g_smoke ? 64
              : std::clamp<uint64_t>(static_cast<uint64_t>(g_job_seconds * capacity / replicas),
                                     1024, most);
  // Warm-up: the same job once before the clock starts, so that the farm is measured as it runs
  // for days: every worker connected, enrolled, holding the bundle and its rate measured, the
  // process's memory grown (the first large job of a process runs about 15 % slower).
  if (Result<proto::JobStatus> warm = run_job(units); !warm || warm->state != proto::JobState::kDone) {
    state.SkipWithError(warm ? warm->message.c_str() : warm.message().c_str());
    return;
  }
  uint64_t done_units = 0, results = 0, gpu_done = 0;
  double seconds = 0, loop_cpu = 0, process_cpu = 0;
  for (auto _ : state) {
    const double cpu0 = farm->server_cpu_seconds();
    const double process_cpu0 = process_cpu_seconds();
    const uint64_t completed0 = farm->units_completed();
    const uint64_t gpu_completed0 = gpu_results();
    const auto start = std::chrono::steady_clock::now();
    Result<proto::JobStatus> done = run_job(units);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    loop_cpu += farm->server_cpu_seconds() - cpu0;
    process_cpu += process_cpu_seconds() - process_cpu0;
    results += farm->units_completed() - completed0;
    gpu_done += gpu_results() - gpu_completed0;
    if (!done || done->state != proto::JobState::kDone) {
      state.SkipWithError(done ? done->message.c_str() : done.message().c_str());
      return;
    }
    done_units += done->units_total;
  }
  const double units_per_s = static_cast<double>(done_units) / seconds;
  const double results_per_s = static_cast<double>(results) / seconds;
  state.counters["units_per_s"] = units_per_s;
  state.counters["results_per_s"] = results_per_s;
  state.counters["replicas_per_unit"] = static_cast<double>(results) / static_cast<double>(done_units);
  state.counters["efficiency"] = unit_time.count() > 0 ? results_per_s / capacity : 0.0;
  state.counters["bare_per_s"] = bare;
  state.counters["farm/bare"] = bare > 0 ? results_per_s / bare : 0.0;
  state.counters["loop_cpu"] = loop_cpu / seconds;
  state.counters["cpu_us_per_unit"] = process_cpu * 1e6 / static_cast<double>(done_units);
  if (gpus > 0) {
    state.counters["gpu_efficiency"] = static_cast<double>(gpu_done) / seconds / gpu_capacity;
  }
  const auto key = std::make_tuple(state.range(0), state.range(1), state.range(2));
  if (!sizing.recall_at_end) {
    g_without_recalls[key] = units_per_s;
  } else if (!dashboard) {
    g_without_dashboard[key] = units_per_s;
    if (auto peer = g_without_recalls.find(key); peer != g_without_recalls.end()) {
      state.counters["vs_no_recalls"] = units_per_s / peer->second;
    }
  } else if (auto peer = g_without_dashboard.find(key); peer != g_without_dashboard.end()) {
    state.counters["vs_no_dashboard"] = units_per_s / peer->second;
  }
}

void farm_cases(benchmark::internal::Benchmark* b) {
  if (g_smoke) {
    b->Args({0, 2, 2, 0, 1, 0})->Args({200, 1, 1, 0, 1, 0})->Args({0, 2, 1, 1, 1, 0});
    b->Args({2000, 2, 1, 0, 0, 0})->Args({2000, 1, 1, 0, 1, 1});
    return;
  }
  for (int replication : {1, 2}) {
    b->Args({0, 16, replication, 0, 1, 0})->Args({0, 16, replication, 1, 1, 0});
  }
  b->Args({200, 1, 1, 0, 1, 0});
  for (int replication : {1, 2}) b->Args({200, 16, replication, 0, 1, 0});
  for (int replication : {1, 2}) b->Args({2000, 16, replication, 0, 1, 0});
  for (int replication : {1, 2}) {
    b->Args({20000, 256, replication, 0, 0, 0})->Args({20000, 256, replication, 0, 1, 0});
  }
  b->Args({20000, 255, 1, 0, 1, 1});
}

}  // namespace
}  // namespace tf

int main(int argc, char** argv) {
  tf::cli::reuse_freed_memory();  // as the tilefarm executable does
  tf::g_smoke = tf::bench::take_smoke_flag(&argc, argv);
  if (std::optional<std::string> seconds = tf::bench::take_value_flag(&argc, argv, "job-seconds")) {
    tf::g_job_seconds = std::atof(seconds->c_str());
    if (!(tf::g_job_seconds > 0)) {
      std::fprintf(stderr, "--job-seconds wants a positive number of seconds, got %s\n", seconds->c_str());
      return 2;
    }
  }
  benchmark::RegisterBenchmark("BM_FarmThroughput", tf::BM_FarmThroughput)
      ->Apply(tf::farm_cases)
      ->ArgNames({"unit_us", "workers", "replication", "dashboard", "recalls", "gpus"})
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  return tf::bench::run_registered_benchmarks(argc, argv);
}
