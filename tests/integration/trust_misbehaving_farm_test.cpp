// Verification end to end: farms of 10 in-process workers of which 3 misbehave
// (worker/misbehaving_executor.h; every mode across the tests) render a multi-frame job with
// replication 2. The frames must be byte-identical to the independently computed image, every
// misbehaving key must end with zero credit and quarantined, every honest key's credit must
// equal the rays of the units it helped accept (computed here from the replicas and the units'
// geometry, not from the ledger), and the ledger must verify. A second test kills the
// dispatcher process with SIGKILL at random moments while results flow and checks that the
// ledger still holds exactly one entry per agreeing replica of every accepted unit.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <thread>

#include "dispatcher/ledger.h"
#include "dispatcher/server.h"
#include "dispatcher/trust_queries.h"
#include "tests/integration/farm_fixture.h"
#include "tests/integration/farm_process.h"
#include "tests/integration/ledger_checks.h"
#include "tests/integration/thread_farm.h"
#include "worker/misbehaving_executor.h"
#include "worker/worker.h"

namespace tf::testing {
namespace {

// A worker named after its role: honest, or misbehaving as `misbehave` says.
void add_worker(ThreadFarm& farm, const std::string& name,
                std::optional<MisbehaviorOptions> misbehave) {
  std::unique_ptr<UnitExecutor> executor = std::make_unique<SyntheticExecutor>();
  if (misbehave) executor = std::make_unique<MisbehavingExecutor>(std::move(executor), *misbehave);
  farm.add_worker(name, std::move(executor), [&](WorkerOptions& o) {
    o.units_per_device = 2;
    if (misbehave && misbehave->mode == Misbehavior::kGarbage) o.garbage_result_bytes = 999;
  });
}

void run_misbehaving_farm(const std::vector<Misbehavior>& bad_modes, uint32_t lease_seconds,
                          std::chrono::milliseconds slow_delay) {
  TempDir dir;
  const SyntheticScene scene = write_synthetic_scene(dir.path() / "scene");
  ThreadFarm farm(dir.path());
  ASSERT_TRUE(farm
                  .start_dispatcher([&](DispatcherServerOptions& o) {
                    o.core.lease_seconds = lease_seconds;
                  })
                  .is_ok());
  std::set<std::string> bad_names;
  for (size_t i = 0; i < 10; ++i) {
    if (i < bad_modes.size()) {
      MisbehaviorOptions m;
      m.mode = bad_modes[i];
      m.seed = 1000 + i;
      m.slow_delay = slow_delay;
      const std::string name = "bad-" + std::to_string(i);
      bad_names.insert(name);
      add_worker(farm, name, m);
    } else {
      add_worker(farm, "honest-" + std::to_string(i), std::nullopt);
    }
  }
  auto client = farm.client(std::chrono::seconds(90));
  // Jobs until every misbehaving key is quarantined (a slow worker needs several lapses).
  std::unique_ptr<SqlDb> db;
  for (int round = 0; round < 6; ++round) {
    Result<uint64_t> job = submit_replicated(*client, scene, 2);
    ASSERT_TRUE(job.is_ok()) << job.message();
    Result<proto::JobStatus> done = client->wait(job.value(), std::chrono::milliseconds(100), nullptr);
    ASSERT_TRUE(done.is_ok()) << done.message();
    ASSERT_EQ(done->state, proto::JobState::kDone) << done->message;
    expect_synthetic_outputs(*client, job.value(), 2, scene.seed,
                             dir.path() / ("out-" + std::to_string(round)));
    auto opened = open_state_read_only(farm.state());
    ASSERT_TRUE(opened.is_ok()) << opened.message();
    db = std::move(opened.value());
    const auto quarantined = keyed_counts(
        *db, "SELECT name, quarantined FROM workers WHERE name LIKE 'bad-%'");
    size_t count = 0;
    for (const auto& [name, q] : quarantined) count += q != 0 ? 1 : 0;
    if (count == bad_modes.size()) break;
  }
  farm.stop();

  const auto quarantined = keyed_counts(*db, "SELECT name, quarantined FROM workers");
  for (const std::string& name : bad_names) {
    EXPECT_EQ(quarantined.count(name) ? quarantined.at(name) : 0, 1) << name << " not quarantined";
  }
  // Credit per worker name: from the ledger, and independently from the agreeing replicas
  // with the rays of each unit computed from its geometry (one ray per pixel and sample).
  const auto ledger_credit = keyed_counts(
      *db, "SELECT w.name, SUM(l.credit) FROM ledger l JOIN workers w ON w.key = l.worker_key"
           " GROUP BY w.name");
  const auto expected_credit = keyed_counts(
      *db, "SELECT w.name, SUM((u.x1 - u.x0) * (u.y1 - u.y0) * (u.s1 - u.s0)) FROM replicas r"
           " JOIN units u ON u.id = r.unit_id JOIN workers w ON w.key = r.worker_key"
           " WHERE u.result IS NOT NULL AND r.hash = u.result AND r.state = 'agreed'"
           " GROUP BY w.name");
  EXPECT_EQ(ledger_credit, expected_credit);
  for (const std::string& name : bad_names) {
    EXPECT_EQ(ledger_credit.count(name), 0u) << name << " earned credit";
  }
  EXPECT_EQ(ledger_credit.size(), 10u - bad_modes.size()) << "every honest worker earns credit";
  expect_one_entry_per_agreeing_replica(*db);
  expect_ledger_verifies(*db, farm.state());
}

TEST(TrustMisbehavingFarm, WrongLazyAndCopyingWorkersAreOutvotedAndEarnNothing) {
  run_misbehaving_farm({Misbehavior::kWrong, Misbehavior::kLazy, Misbehavior::kCopy}, 60,
                       std::chrono::milliseconds(0));
}

TEST(TrustMisbehavingFarm, GarbageSlowAndWrongWorkersAreQuarantinedAndEarnNothing) {
  // A 1 s lease and a 1.5 s delay: every result of the slow worker arrives late.
  run_misbehaving_farm({Misbehavior::kGarbage, Misbehavior::kSlow, Misbehavior::kWrong}, 1,
                       std::chrono::milliseconds(1500));
}

// ---- kill -9 of the dispatcher process while results flow

TEST(TrustMisbehavingFarm, DispatcherKilledAtRandomMomentsCreditsEachAgreeingReplicaOnce) {
  TempDir dir;
  const std::string endpoint = "ipc://" + (dir.path() / "dispatcher.sock").string();
  const std::filesystem::path state = dir.path() / "state";
  const SyntheticScene scene = write_synthetic_scene(dir.path() / "scene");
  // Default leases (10 minutes): a worker that stops working after a restart would hold its
  // units past the test's wait instead of having them lapse to others unnoticed.
  ChildProcess dispatcher = dispatcher_node(endpoint, state);
  std::vector<ChildProcess> workers;
  for (int i = 0; i < 4; ++i) {
    workers.push_back(worker_node(endpoint, dir.path() / ("cache-" + std::to_string(i)), 15));
  }
  zmq::context_t context;
  ClientOptions options;
  options.reply_timeout = std::chrono::seconds(1);
  options.patience = std::chrono::seconds(30);
  options.wait_timeout = std::chrono::seconds(90);
  DispatcherClient client(context, endpoint, options);
  // Enough frames (about 4 s of the workers' time) that every worker still has units to do
  // after the last restart.
  constexpr uint32_t kFrames = 12;
  Result<uint64_t> job = submit_replicated(client, scene, kFrames);
  ASSERT_TRUE(job.is_ok()) << job.message();
  std::mt19937 rng(20261125);
  std::uniform_int_distribution<int> pause_ms(150, 700);
  for (int kill = 0; kill < 4; ++kill) {
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
    dispatcher.stop(SIGKILL);
    dispatcher = dispatcher_node(endpoint, state);
  }
  // Every worker is leased work again and reports a result within liveness x heartbeat plus
  // the reconnect backoff cap (worker defaults: 3 x 1 s + 32 s) of the last restart. A worker
  // whose asset request died with a dispatcher once waited two minutes here.
  {
    auto watch = open_state_read_only(state);  // WAL: read beside the running dispatcher
    ASSERT_TRUE(watch.is_ok()) << watch.message();
    const int64_t before =
        keyed_counts(*watch.value(), "SELECT 'last', COALESCE(MAX(lease_id), 0) FROM replicas").at("last");
    const std::string reporting_sql =
        "SELECT 'keys', COUNT(DISTINCT worker_key) FROM replicas WHERE hash IS NOT NULL AND lease_id > " +
        std::to_string(before);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3 + 32);
    int64_t reporting = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      reporting = keyed_counts(*watch.value(), reporting_sql).at("keys");
      if (reporting == static_cast<int64_t>(workers.size())) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(reporting, static_cast<int64_t>(workers.size()))
        << "workers leased again and reporting within 35 s of the last dispatcher restart";
  }
  Result<proto::JobStatus> done = client.wait(job.value(), std::chrono::milliseconds(100), nullptr);
  ASSERT_TRUE(done.is_ok()) << done.message();
  EXPECT_EQ(done->state, proto::JobState::kDone) << done->message;
  expect_synthetic_outputs(client, job.value(), kFrames, scene.seed, dir.path() / "out");
  for (ChildProcess& w : workers) w.stop(SIGTERM);
  dispatcher.stop(SIGTERM);

  auto db = open_state_read_only(state);
  ASSERT_TRUE(db.is_ok()) << db.message();
  expect_one_entry_per_agreeing_replica(*db.value());
  expect_ledger_verifies(*db.value(), state);
  // Every unit earned credit: 2 entries under full replication, 1 when a trusted worker's
  // unit was not spot-checked.
  const auto per_unit =
      keyed_counts(*db.value(), "SELECT unit_id, COUNT(*) FROM ledger GROUP BY unit_id");
  const auto units = keyed_counts(*db.value(), "SELECT 'units', COUNT(*) FROM units");
  EXPECT_EQ(static_cast<int64_t>(per_unit.size()), units.at("units"));
  for (const auto& [unit, n] : per_unit) EXPECT_GE(n, 1) << "unit " << unit;
}

}  // namespace
}  // namespace tf::testing
