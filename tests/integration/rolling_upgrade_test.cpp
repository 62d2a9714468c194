// A rolling upgrade while a job runs: six workers start on kernel version synthetic-1; three of
// them are replaced one by one, mid-job, by workers of synthetic-2 (other bytes: the same
// values halved), each old one draining (it finishes its running units and leaves); then the
// dispatcher is stopped as SIGTERM stops it and restarted on a build whose store needs a
// migration. The job finishes, and the store and ledger show the rules held: every frame was
// made by one version (its pixels equal that version's independently computed image), no unit
// was accepted from replicas of two versions, no drained worker was charged a timeout, every
// agreeing replica was credited exactly once, and the ledger verifies.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <thread>

#include "dispatcher/ledger.h"
#include "dispatcher/server.h"
#include "dispatcher/store.h"
#include "dispatcher/trust_queries.h"
#include "tests/integration/farm_fixture.h"
#include "tests/integration/thread_farm.h"
#include "worker/worker.h"

namespace tf::testing {
namespace {

constexpr uint32_t kFrames = 8;
constexpr auto kUnitTime = std::chrono::milliseconds(25);

// The next kernel version: the synthetic values halved (exactly: a power of two).
class SecondVersionExecutor : public SyntheticExecutor {
 public:
  using SyntheticExecutor::SyntheticExecutor;
  std::string kernel_version() const override { return "synthetic-2"; }
  Status render(const RenderUnit& unit, TileResult* out) override {
    Status s = SyntheticExecutor::render(unit, out);
    for (float& v : out->rgb) v *= 0.5f;
    return s;
  }
};

bool same_bytes(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(RollingUpgrade, WorkersAndTheDispatcherAreReplacedMidJobAndEveryRuleHolds) {
  TempDir dir;
  const SyntheticScene scene = write_synthetic_scene(dir.path() / "scene");
  ThreadFarm farm(dir.path());
  // Little work in flight per worker, so that frames are pinned as the job goes rather than
  // all at its start: the upgraded workers then take frames of their own.
  const auto configure = [](DispatcherServerOptions& o) { o.core.lease_sizing.target_ms = 150; };
  ASSERT_TRUE(farm.start_dispatcher(configure).is_ok());
  const auto drains = [](WorkerOptions& o) { o.drain_timeout_ms = 10000; };
  const std::vector<std::string> names = {"gpu-a", "gpu-b", "gpu-c", "gpu-d", "gpu-e", "gpu-f"};
  for (const std::string& name : names) {
    farm.add_worker(name, std::make_unique<SyntheticExecutor>(kUnitTime), drains);
  }
  std::unique_ptr<DispatcherClient> client = farm.client();
  Result<uint64_t> job = submit_synthetic(*client, scene, kFrames, 2, 2);
  ASSERT_TRUE(job.is_ok()) << job.message();
  const uint64_t units_total =
      uint64_t{kFrames} * (kWidth / kTile) * (kHeight / kTile) * (kSpp / kSamplesPerUnit);

  // Half the workers move to the next kernel version, one by one, mid-job: each drains, and
  // comes back upgraded under its own key (its owner keeps its identity, trust and credit).
  for (size_t i = 0; i < 3; ++i) {
    wait_for_units(*client, job.value(), (i + 1) * units_total / 10);
    farm.stop_worker(names[i]);
    farm.add_worker(names[i], std::make_unique<SecondVersionExecutor>(kUnitTime), drains);
  }
  // The dispatcher restarts onto a build whose store needs a migration.
  wait_for_units(*client, job.value(), units_total / 2);
  client.reset();
  farm.stop_dispatcher();
  const int upgraded_schema = Store::latest_schema_version() + 1;
  ASSERT_TRUE(farm.start_dispatcher([&](DispatcherServerOptions& o) {
                    configure(o);
                    o.core.later_migrations = {"CREATE TABLE upgrade_marker(note TEXT)"};
                  }).is_ok());
  client = farm.client();
  wait_for_units(*client, job.value(), units_total, std::chrono::seconds(60));
  Result<std::vector<proto::JobStatus>> status = client->status(job.value());
  ASSERT_TRUE(status.is_ok() && status->size() == 1) << status.message();
  for (int i = 0; i < 100 && status->front().state == proto::JobState::kRunning; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // its last frame is encoding
    status = client->status(job.value());
    ASSERT_TRUE(status.is_ok() && status->size() == 1) << status.message();
  }
  ASSERT_EQ(status->front().state, proto::JobState::kDone) << status->front().message;

  // Every frame is one version's image, exactly; both versions made frames.
  const std::filesystem::path out = dir.path() / "out";
  Result<std::vector<std::filesystem::path>> files = client->download_outputs(job.value(), out);
  ASSERT_TRUE(files.is_ok()) << files.message();
  std::map<uint32_t, int> frame_version;
  for (uint32_t f = 1; f <= kFrames; ++f) {
    char name[32];
    std::snprintf(name, sizeof name, "frame_%04u.exr", f);
    Result<ImageRGB> image = read_image(out / name);
    ASSERT_TRUE(image.is_ok()) << image.message();
    std::vector<float> first =
        synthetic_frame(scene.seed, f, kWidth, kHeight, kSpp, kSamplesPerUnit);
    std::vector<float> second = first;
    for (float& v : second) v *= 0.5f;
    if (same_bytes(image->rgb, first)) {
      frame_version[f] = 1;
    } else if (same_bytes(image->rgb, second)) {
      frame_version[f] = 2;
    } else {
      ADD_FAILURE() << "frame " << f << " is neither version's image: versions mixed in it";
    }
  }
  client.reset();
  farm.stop_dispatcher();
  const auto made_by = [&](int version) {
    return std::count_if(frame_version.begin(), frame_version.end(),
                         [&](const auto& e) { return e.second == version; });
  };
  EXPECT_GE(made_by(1), 1);
  EXPECT_GE(made_by(2), 1) << "the workers of the new version made no frame";

  Result<ReadOnlyStore> store = open_store_read_only(farm.state(), "");
  ASSERT_TRUE(store.is_ok()) << store.message();
  SqlDb& db = *store->db;
  // The migration ran on the restart.
  Result<SqlStatement> schema = db.prepare("SELECT MAX(version) FROM schema_migrations");
  ASSERT_TRUE(schema.is_ok()) << schema.message();
  ASSERT_TRUE(schema->step().is_ok());
  EXPECT_EQ(schema->column_int(0), upgraded_schema);

  // Accepted units: one agreeing replica or more each (a trusted key's unit may go to it alone,
  // reputation.h), on distinct keys. Agreeing means the same
  // result hash, and two versions never produce one (their bytes differ), so with every
  // frame's pixels one version's image no unit was accepted from replicas of two versions.
  Result<SqlStatement> agreed = db.prepare(
      "SELECT unit_id, worker_key FROM replicas WHERE state = 'agreed' ORDER BY unit_id");
  ASSERT_TRUE(agreed.is_ok()) << agreed.message();
  std::map<uint64_t, std::set<std::string>> unit_keys;
  std::set<std::pair<uint64_t, std::string>> agreeing;
  for (;;) {
    Result<bool> row = agreed->step();
    ASSERT_TRUE(row.is_ok()) << row.message();
    if (!row.value()) break;
    const auto unit = static_cast<uint64_t>(agreed->column_int(0));
    const std::string key = agreed->column_text(1);
    unit_keys[unit].insert(key);
    agreeing.insert({unit, key});
  }
  EXPECT_EQ(unit_keys.size(), units_total);
  for (const auto& [unit, keys] : unit_keys) {
    EXPECT_GE(keys.size(), 1u) << "unit " << unit;
  }

  // The drained workers were charged nothing; nobody timed out or erred.
  Result<std::vector<proto::WorkerTrustRow>> workers = query_workers(db);
  ASSERT_TRUE(workers.is_ok()) << workers.message();
  for (const proto::WorkerTrustRow& w : workers.value()) {
    EXPECT_EQ(w.timed_out, 0u) << w.key;
    EXPECT_EQ(w.errors, 0u) << w.key;
    EXPECT_EQ(w.invalid, 0u) << w.key;
    EXPECT_FALSE(w.quarantined) << w.key << ": " << w.quarantine_reason;
  }

  // Each agreeing replica credited exactly once, nothing reversed; the ledger verifies.
  Result<std::vector<LedgerEntry>> entries = read_ledger_entries(db);
  ASSERT_TRUE(entries.is_ok()) << entries.message();
  std::set<std::pair<uint64_t, std::string>> credited;
  for (const LedgerEntry& e : entries.value()) {
    EXPECT_FALSE(e.grant.reversal) << "seq " << e.seq;
    EXPECT_TRUE(credited.insert({e.grant.unit_id, e.grant.worker_key}).second)
        << "unit " << e.grant.unit_id << " credited twice to " << e.grant.worker_key;
  }
  EXPECT_EQ(credited, agreeing);
  ASSERT_TRUE(store->ledger_key.has_value());
  Result<LedgerVerification> verified = verify_ledger(db, *store->ledger_key);
  ASSERT_TRUE(verified.is_ok()) << verified.message();
  EXPECT_TRUE(verified->ok()) << verified->problem;
  EXPECT_EQ(verified->entries, entries->size());
}

}  // namespace
}  // namespace tf::testing
