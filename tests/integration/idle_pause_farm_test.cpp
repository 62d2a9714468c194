// Idle-only workers on a farm of threads over ipc: one worker's injected idle source turns busy
// mid-job. While busy it takes no new leases (its completed units and its replicas in the store
// stand still once its running units are done) and its queued units are handed back; idle
// again, it takes work again. The job's frames must equal the independently computed image and
// be byte-identical to the same job run without pauses, and the paused worker's reputation
// must hold no timeout or failure, its credit exactly what its accepted results earned.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "dispatcher/server.h"
#include "dispatcher/trust_queries.h"
#include "tests/integration/farm_fixture.h"
#include "tests/integration/ledger_checks.h"
#include "tests/integration/thread_farm.h"
#include "worker/worker.h"

namespace tf::testing {
namespace {

constexpr uint32_t kFrames = 16;        // 48 units a frame
const std::string kIdleKey = "w-idle";  // routing id: the key on ipc without CURVE

struct SwitchSource : IdleSource {
  std::atomic<bool> idle{true};
  IdleVerdict check() override { return {idle.load(), idle ? "idle (test)" : "user input (test)"}; }
};

// A worker of 15 ms units whose idle policy is `idle` (null: always).
Worker* add_worker(ThreadFarm& farm, const std::string& name, std::shared_ptr<IdleSource> idle) {
  return farm.add_worker(name, std::make_unique<SyntheticExecutor>(std::chrono::milliseconds(15)),
                         [&](WorkerOptions& o) {
                           o.units_per_device = 4;
                           o.idle = idle;
                           o.idle_check_interval_ms = 20;
                           o.idle_hold_ms = 0;
                         });
}

// Replicas leased to `key` so far, read beside the running dispatcher (WAL).
int64_t replicas_of(const std::filesystem::path& state, const std::string& key) {
  auto db = open_state_read_only(state);
  EXPECT_TRUE(db.is_ok()) << db.message();
  if (!db) return -1;
  const auto counts = keyed_counts(
      *db.value(), "SELECT worker_key, COUNT(*) FROM replicas WHERE worker_key = '" + key + "'");
  return counts.count(key) ? counts.at(key) : 0;
}

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return {};
  std::string bytes(static_cast<size_t>(in.tellg()), '\0');
  in.seekg(0);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return bytes;
}

TEST(IdlePauseFarm, ABusyWorkerTakesNoLeasesHandsBackItsQueueAndResumesWithItsRecordClear) {
  TempDir dir;
  const SyntheticScene scene = write_synthetic_scene(dir.path() / "scene");
  ThreadFarm farm(dir.path());
  ASSERT_TRUE(farm.start_dispatcher().is_ok());
  auto source = std::make_shared<SwitchSource>();
  Worker* idle_worker = add_worker(farm, kIdleKey, source);
  ASSERT_NE(idle_worker, nullptr);
  add_worker(farm, "w-a", nullptr);
  add_worker(farm, "w-b", nullptr);
  auto client = farm.client();

  Result<uint64_t> job = submit_synthetic(*client, scene, kFrames);
  ASSERT_TRUE(job.is_ok()) << job.message();
  // Past its first rate window (LeaseSizing::first_results, 32 results) it holds about two
  // seconds of units, not just its 4 slots, so the queue it hands back at the pause is not
  // emptied by one slow round trip to a loaded dispatcher (which left it nothing to hand back).
  ASSERT_TRUE(
      wait_until([&] { return idle_worker->units_completed() >= 40; }, std::chrono::seconds(20)));

  // The machine turns busy.
  source->idle = false;
  ASSERT_TRUE(wait_until([&] { return idle_worker->paused(); }, std::chrono::seconds(5)));
  // Its running unit (15 ms) finishes: then its completed count stands still.
  uint64_t completed = idle_worker->units_completed();
  ASSERT_TRUE(wait_until(
      [&] {
        const uint64_t now = idle_worker->units_completed();
        if (now != completed) {
          completed = now;
          return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        return idle_worker->units_completed() == completed;
      },
      std::chrono::seconds(5)));
  const int64_t replicas_paused = replicas_of(farm.state(), kIdleKey);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_EQ(idle_worker->units_completed(), completed) << "a paused worker ran new units";
  EXPECT_EQ(replicas_of(farm.state(), kIdleKey), replicas_paused)
      << "a paused worker was leased new units";
  EXPECT_GT(idle_worker->units_handed_back(), 0u) << "its queued units went back";
  Result<std::vector<proto::JobStatus>> mid = client->status(job.value());
  ASSERT_TRUE(mid.is_ok()) << mid.message();
  ASSERT_LT(mid->at(0).units_done, mid->at(0).units_total)
      << "the job ended during the pause: the test proves nothing (make it longer)";

  // Idle again: it takes work again, before the job ends.
  source->idle = true;
  ASSERT_TRUE(wait_until([&] { return idle_worker->units_completed() > completed; },
                         std::chrono::seconds(10)))
      << "the resumed worker took no work";
  EXPECT_FALSE(idle_worker->paused());

  Result<proto::JobStatus> done =
      client->wait(job.value(), std::chrono::milliseconds(100), nullptr);
  ASSERT_TRUE(done.is_ok()) << done.message();
  ASSERT_EQ(done->state, proto::JobState::kDone) << done->message;
  expect_synthetic_outputs(*client, job.value(), kFrames, scene.seed, dir.path() / "paused");

  // The same job without pauses: the same bytes.
  Result<uint64_t> plain = submit_synthetic(*client, scene, kFrames);
  ASSERT_TRUE(plain.is_ok()) << plain.message();
  done = client->wait(plain.value(), std::chrono::milliseconds(100), nullptr);
  ASSERT_TRUE(done.is_ok()) << done.message();
  ASSERT_EQ(done->state, proto::JobState::kDone) << done->message;
  Result<std::vector<std::filesystem::path>> files =
      client->download_outputs(plain.value(), dir.path() / "plain");
  ASSERT_TRUE(files.is_ok()) << files.message();
  ASSERT_EQ(files->size(), 2u * kFrames);
  for (const std::filesystem::path& f : files.value()) {
    const std::string paused_bytes = file_bytes(dir.path() / "paused" / f.filename());
    EXPECT_FALSE(paused_bytes.empty()) << f.filename();
    EXPECT_TRUE(paused_bytes == file_bytes(f))
        << f.filename() << " differs from the run without pauses";
  }
  const uint64_t handed_back = idle_worker->units_handed_back();
  farm.stop();

  auto opened = open_state_read_only(farm.state());
  ASSERT_TRUE(opened.is_ok()) << opened.message();
  SqlDb& db = *opened.value();
  const auto record = keyed_counts(
      db, "SELECT 'timed_out', timed_out FROM workers WHERE key = '" + kIdleKey +
              "' UNION ALL SELECT 'errors', errors FROM workers WHERE key = '" + kIdleKey +
              "' UNION ALL SELECT 'invalid', invalid FROM workers WHERE key = '" + kIdleKey +
              "' UNION ALL SELECT 'malformed', malformed FROM workers WHERE key = '" + kIdleKey +
              "' UNION ALL SELECT 'quarantined', quarantined FROM workers WHERE key = '" +
              kIdleKey + "'");
  ASSERT_EQ(record.size(), 5u) << "no reputation record for " << kIdleKey;
  for (const auto& [field, value] : record) EXPECT_EQ(value, 0) << field;
  const auto replica_states =
      keyed_counts(db, "SELECT state, COUNT(*) FROM replicas WHERE worker_key = '" + kIdleKey +
                           "' GROUP BY state");
  EXPECT_EQ(replica_states.count("lapsed"), 0u);
  EXPECT_EQ(replica_states.count("failed"), 0u);
  EXPECT_EQ(replica_states.count("cancelled") ? replica_states.at("cancelled") : 0,
            static_cast<int64_t>(handed_back))
      << "every unit it handed back, and only those, ended without a result";
  // Its credit: the rays of its accepted results, from the units' geometry.
  const auto credit = keyed_counts(
      db, "SELECT worker_key, SUM(credit) FROM ledger WHERE worker_key = '" + kIdleKey + "'");
  const auto earned = keyed_counts(
      db,
      "SELECT r.worker_key, SUM((u.x1 - u.x0) * (u.y1 - u.y0) * (u.s1 - u.s0)) FROM replicas r"
      " JOIN units u ON u.id = r.unit_id WHERE r.worker_key = '" +
          kIdleKey + "' AND u.result IS NOT NULL AND r.hash = u.result AND r.state = 'agreed'");
  ASSERT_EQ(credit.count(kIdleKey), 1u);
  ASSERT_EQ(earned.count(kIdleKey), 1u);
  EXPECT_GT(credit.at(kIdleKey), 0);
  EXPECT_EQ(credit.at(kIdleKey), earned.at(kIdleKey));
  expect_one_entry_per_agreeing_replica(db);
  expect_ledger_verifies(db, farm.state());
}

}  // namespace
}  // namespace tf::testing
