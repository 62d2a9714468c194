// Verification through real workers: three in-process workers render a job with replication 2
// and quorum 2. The frames equal the independently computed ones, the second replica of each
// unit reports its hash only, and every unit is credited exactly once to each of its quorum's
// distinct keys (two, or one for a unit that adaptive replication gave to a trusted worker
// alone) with the rays of the independent synthetic render.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "cli/embedded_farm.h"
#include "dispatcher/store.h"
#include "tests/integration/farm_fixture.h"

namespace tf::testing {
namespace {

TEST(VerificationFarm, ReplicatedJobIsExactAndEveryUnitIsCreditedToItsAgreeingKeys) {
  TempDir dir;
  const SyntheticScene scene = write_synthetic_scene(dir.path() / "scene");
  const std::filesystem::path state = dir.path() / "state";
  uint64_t job_id = 0;
  {
    std::vector<std::unique_ptr<UnitExecutor>> executors;
    for (int i = 0; i < 3; ++i) executors.push_back(std::make_unique<SyntheticExecutor>());
    EmbeddedFarmOptions options;
    options.state_dir = state;
    Result<std::unique_ptr<EmbeddedFarm>> farm = EmbeddedFarm::start(options, std::move(executors));
    ASSERT_TRUE(farm.is_ok()) << farm.message();
    DispatcherClient& client = farm.value()->client();
    Result<uint64_t> job = submit_synthetic(client, scene, 2, 2, 2);
    ASSERT_TRUE(job.is_ok()) << job.message();
    job_id = job.value();
    Result<proto::JobStatus> done = client.wait(job_id, std::chrono::milliseconds(20), nullptr);
    ASSERT_TRUE(done.is_ok()) << done.message();
    ASSERT_EQ(done->state, proto::JobState::kDone) << done->message;
    expect_synthetic_outputs(client, job_id, 2, scene.seed, dir.path() / "out");
  }
  Result<std::unique_ptr<Store>> store = Store::open(state);
  ASSERT_TRUE(store.is_ok()) << store.message();
  Result<StoreSnapshot> snap = store.value()->load();
  ASSERT_TRUE(snap.is_ok()) << snap.message();
  std::map<uint64_t, std::set<std::string>> agreed;  // unit -> keys
  std::map<uint64_t, size_t> agreeing_replicas;
  for (const ReplicaRow& r : snap->replicas) {
    if (r.state != ReplicaState::kAgreed) continue;
    agreed[r.unit_id].insert(r.worker_key);
    ++agreeing_replicas[r.unit_id];
    EXPECT_EQ(r.upload, r.replica == 0) << "unit " << r.unit_id << " replica " << r.replica;
  }
  std::map<uint64_t, std::multiset<std::string>> credited;
  Result<SqlStatement> q = store.value()->db().prepare("SELECT unit_id, worker_key, credit FROM ledger");
  ASSERT_TRUE(q.is_ok()) << q.message();
  std::map<uint64_t, uint64_t> credit_of_unit;
  for (Result<bool> row = q->step(); row.is_ok() && row.value(); row = q->step()) {
    const auto unit = static_cast<uint64_t>(q->column_int(0));
    credited[unit].insert(q->column_text(1));
    credit_of_unit[unit] = static_cast<uint64_t>(q->column_int(2));
  }
  ASSERT_FALSE(snap->units.empty());
  for (const UnitRow& u : snap->units) {
    EXPECT_TRUE(u.quorum == 2 || (u.quorum == 1 && u.replication == 1)) << "unit " << u.id;
    // At least a quorum; one more where two keys untrusted at the time agreed and the unit
    // waited for a trusted vote (dispatcher/trust_anchors.cpp).
    ASSERT_GE(agreed[u.id].size(), u.quorum) << "unit " << u.id;
    ASSERT_EQ(agreed[u.id].size(), agreeing_replicas[u.id]) << "unit " << u.id << ": distinct keys";
    EXPECT_EQ(credited[u.id], std::multiset<std::string>(agreed[u.id].begin(), agreed[u.id].end()));
    const TileResult truth = synthetic_tile(scene.seed, {u.frame, u.x0, u.y0, u.x1, u.y1, u.s0, u.s1});
    EXPECT_EQ(credit_of_unit[u.id], truth.rays) << "unit " << u.id;
  }
}

}  // namespace
}  // namespace tf::testing
