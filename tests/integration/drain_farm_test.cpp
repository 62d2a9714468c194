// A worker drained mid-job on a farm of threads over ipc (tilefarm worker --drain-timeout): a
// worker with 300 ms units is stopped while it runs one. It hands its queued units back, the
// units it was running finish and are accepted from it (not redone elsewhere), and it leaves
// with a clear record. The job's frames must equal the independently computed image, and its
// credit exactly what its accepted results earned.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "dispatcher/server.h"
#include "dispatcher/trust_queries.h"
#include "tests/integration/farm_fixture.h"
#include "tests/integration/ledger_checks.h"
#include "tests/integration/thread_farm.h"
#include "worker/worker.h"

namespace tf::testing {
namespace {

constexpr uint32_t kFrames = 8;           // 48 units a frame
const std::string kDrainKey = "w-drain";  // routing id: the key on ipc without CURVE

// A worker of `unit_time` per unit, draining for up to `drain_timeout_ms` when stopped.
Worker* add_worker(ThreadFarm& farm, const std::string& name, std::chrono::milliseconds unit_time,
                   int64_t drain_timeout_ms) {
  return farm.add_worker(name, std::make_unique<SyntheticExecutor>(unit_time),
                         [&](WorkerOptions& o) {
                           o.units_per_device = 3;
                           o.drain_timeout_ms = drain_timeout_ms;
                         });
}

int64_t count(SqlDb& db, const std::string& sql) {
  const auto counts = keyed_counts(db, "SELECT 'n', (" + sql + ")");
  return counts.count("n") ? counts.at("n") : -1;
}

TEST(DrainFarm, AWorkerStoppedMidJobFinishesItsRunningUnitsWhichAreAcceptedFromIt) {
  TempDir dir;
  const SyntheticScene scene = write_synthetic_scene(dir.path() / "scene");
  ThreadFarm farm(dir.path());
  ASSERT_TRUE(farm.start_dispatcher().is_ok());
  Worker* draining = add_worker(farm, kDrainKey, std::chrono::milliseconds(300), 10000);
  ASSERT_NE(draining, nullptr);
  add_worker(farm, "w-a", std::chrono::milliseconds(15), 0);
  add_worker(farm, "w-b", std::chrono::milliseconds(15), 0);
  auto client = farm.client();

  Result<uint64_t> job = submit_synthetic(*client, scene, kFrames);
  ASSERT_TRUE(job.is_ok()) << job.message();
  // Stopped just after a unit finished: its device has started the next one (300 ms).
  ASSERT_TRUE(
      wait_until([&] { return draining->units_completed() >= 2; }, std::chrono::seconds(20)));
  const uint64_t completed_at_stop = draining->units_completed();
  const auto stopped = std::chrono::steady_clock::now();
  farm.stop_worker(kDrainKey);
  const auto drain_time = std::chrono::steady_clock::now() - stopped;
  const uint64_t drained = draining->units_completed() - completed_at_stop;
  EXPECT_EQ(drained, 1u) << "the unit it was running at the stop finished";
  EXPECT_LT(drain_time, std::chrono::seconds(5)) << "it left once its running unit was done";
  EXPECT_EQ(draining->units_abandoned(), 0u);
  Result<std::vector<proto::JobStatus>> mid = client->status(job.value());
  ASSERT_TRUE(mid.is_ok()) << mid.message();
  ASSERT_LT(mid->at(0).units_done, mid->at(0).units_total)
      << "the job ended during the drain: the test proves nothing (make it longer)";

  Result<proto::JobStatus> done =
      client->wait(job.value(), std::chrono::milliseconds(100), nullptr);
  ASSERT_TRUE(done.is_ok()) << done.message();
  ASSERT_EQ(done->state, proto::JobState::kDone) << done->message;
  expect_synthetic_outputs(*client, job.value(), kFrames, scene.seed, dir.path() / "out");
  const uint64_t completed = draining->units_completed();
  const uint64_t handed_back = draining->units_handed_back();
  farm.stop();

  auto opened = open_state_read_only(farm.state());
  ASSERT_TRUE(opened.is_ok()) << opened.message();
  SqlDb& db = *opened.value();
  const std::string mine = "worker_key = '" + kDrainKey + "'";
  // Every unit it completed, the drained one included, was accepted from it.
  EXPECT_EQ(count(db, "SELECT COUNT(*) FROM replicas WHERE " + mine + " AND state = 'agreed'"),
            static_cast<int64_t>(completed));
  // ... and never leased to anyone else: one replica, one lease each.
  EXPECT_EQ(count(db,
                  "SELECT COUNT(*) FROM replicas WHERE unit_id IN (SELECT unit_id FROM "
                  "replicas WHERE " +
                      mine + " AND state = 'agreed') AND NOT " + mine),
            0)
      << "a unit it finished while draining was redone elsewhere";
  const auto states =
      keyed_counts(db, "SELECT state, COUNT(*) FROM replicas WHERE " + mine + " GROUP BY state");
  EXPECT_EQ(states.count("lapsed"), 0u);
  EXPECT_EQ(states.count("failed"), 0u);
  EXPECT_EQ(states.count("cancelled") ? states.at("cancelled") : 0,
            static_cast<int64_t>(handed_back))
      << "only the queued units it handed back ended without a result";
  EXPECT_GT(handed_back, 0u) << "it held queued units when stopped (units_per_device 3)";

  const auto record = keyed_counts(
      db, "SELECT 'timed_out', timed_out FROM workers WHERE key = '" + kDrainKey +
              "' UNION ALL SELECT 'errors', errors FROM workers WHERE key = '" + kDrainKey +
              "' UNION ALL SELECT 'invalid', invalid FROM workers WHERE key = '" + kDrainKey +
              "' UNION ALL SELECT 'malformed', malformed FROM workers WHERE key = '" + kDrainKey +
              "' UNION ALL SELECT 'quarantined', quarantined FROM workers WHERE key = '" +
              kDrainKey + "'");
  ASSERT_EQ(record.size(), 5u) << "no reputation record for " << kDrainKey;
  for (const auto& [field, value] : record) EXPECT_EQ(value, 0) << field;

  // Its credit: the rays of its accepted results, from the units' geometry.
  const auto credit = keyed_counts(db, "SELECT worker_key, SUM(credit) FROM ledger WHERE " + mine);
  const auto earned = keyed_counts(
      db,
      "SELECT r.worker_key, SUM((u.x1 - u.x0) * (u.y1 - u.y0) * (u.s1 - u.s0)) FROM replicas r"
      " JOIN units u ON u.id = r.unit_id WHERE r." +
          mine + " AND u.result IS NOT NULL AND r.hash = u.result AND r.state = 'agreed'");
  ASSERT_EQ(credit.count(kDrainKey), 1u);
  ASSERT_EQ(earned.count(kDrainKey), 1u);
  EXPECT_EQ(credit.at(kDrainKey), earned.at(kDrainKey));
  expect_one_entry_per_agreeing_replica(db);
  expect_ledger_verifies(db, farm.state());
}

}  // namespace
}  // namespace tf::testing
