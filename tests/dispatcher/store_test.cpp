// The dispatcher's store on both engines (SQLite, PostgreSQL): migrations from empty, durable
// commits, and crash safety (a process that dies mid-transaction leaves the previous state).
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <tuple>

#include "dispatcher/store.h"
#include "tests/dispatcher/store_engines.h"
#include "tests/support/temp_dir.h"

namespace tf {
namespace {

using testing::insert_first_schema_job;
using testing::StoreLocation;
using testing::TempDir;

JobRow job_named(const std::string& name) {
  JobRow job;
  job.name = name;
  job.priority = 3;
  job.bundle = blake2b_256(std::string_view(name));
  job.tile_size = 16;
  job.spp = 8;
  job.samples_per_unit = 4;
  return job;
}

class StoreTest : public ::testing::TestWithParam<SqlEngine> {
 protected:
  StoreLocation location{GetParam()};
};

TEST_P(StoreTest, MigratesAnEmptyDatabaseToTheLatestSchema) {
  auto store = location.open();
  ASSERT_TRUE(store);
  EXPECT_EQ(store->schema_version().value(), Store::latest_schema_version());
  EXPECT_GE(Store::latest_schema_version(), 2);
}

TEST_P(StoreTest, MigratesStepByStepKeepingData) {
  {
    auto v1 = location.open(1);
    ASSERT_TRUE(v1);
    EXPECT_EQ(v1->schema_version().value(), 1);
    Result<uint64_t> job = insert_first_schema_job(*v1, "old");
    ASSERT_TRUE(job.is_ok()) << job.message();
  }
  auto latest = location.open();
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->schema_version().value(), Store::latest_schema_version());
  Result<StoreSnapshot> snap = latest->load();
  ASSERT_TRUE(snap.is_ok()) << snap.message();
  ASSERT_EQ(snap->jobs.size(), 1u);
  EXPECT_EQ(snap->jobs[0].name, "old");
  // A job from before verification keeps the single replica it was planned with.
  EXPECT_EQ(snap->jobs[0].replication, 1u);
  EXPECT_EQ(snap->jobs[0].quorum, 1u);
  EXPECT_FALSE(snap->jobs[0].lenient) << "a job from before lenient loading loads strictly";
  EXPECT_EQ(snap->jobs[0].result_hash, proto::ResultHashScheme::kSequential)
      << "a job from before result hash schemes was hashed sequentially";
}

// An upgrade applies every migration the database lacks or none: one that fails leaves the
// database as the release before left it, which that release still opens.
TEST_P(StoreTest, AnUpgradeWhoseLastStepFailsAppliesNoneOfIt) {
  ASSERT_TRUE(location.open(1));
  const int latest = Store::latest_schema_version();
  Result<std::unique_ptr<Store>> failed =
      location.try_open(-1, {"CREATE TABLE upgrade_marker(note TEXT)", "NOT A STATEMENT"});
  ASSERT_FALSE(failed.is_ok());
  EXPECT_NE(failed.message().find("migration to version " + std::to_string(latest + 2) +
                                  " failed"),
            std::string::npos)
      << failed.message();
  auto before = location.open(1);
  ASSERT_TRUE(before);
  EXPECT_EQ(before->schema_version().value(), 1);
  before.reset();
  auto upgraded = location.open();
  ASSERT_TRUE(upgraded);
  EXPECT_EQ(upgraded->schema_version().value(), latest);
}

TEST_P(StoreTest, AJobKeepsItsResultHashScheme) {
  auto store = location.open();
  ASSERT_TRUE(store->begin().is_ok());
  JobRow tree = job_named("tree");
  tree.result_hash = proto::ResultHashScheme::kTree;
  ASSERT_TRUE(store->insert_job(tree).is_ok());
  ASSERT_TRUE(store->insert_job(job_named("sequential")).is_ok());
  ASSERT_TRUE(store->commit().is_ok());
  Result<StoreSnapshot> snap = store->load();
  ASSERT_TRUE(snap.is_ok()) << snap.message();
  ASSERT_EQ(snap->jobs.size(), 2u);
  EXPECT_EQ(snap->jobs[0].result_hash, proto::ResultHashScheme::kTree);
  EXPECT_EQ(snap->jobs[1].result_hash, proto::ResultHashScheme::kSequential);
}

// A replica leased to `routing_id` until `deadline_ms`, under a fresh lease id.
ReplicaRow leased_replica(Store& store, uint64_t unit, uint32_t replica,
                          const std::string& routing_id, int64_t deadline_ms) {
  ReplicaRow r;
  r.unit_id = unit;
  r.replica = replica;
  r.worker_key = "key-" + std::to_string(replica);
  r.owner = "o";
  r.lease_id = store.next_lease_id().value();
  r.routing_id = routing_id;
  r.deadline_ms = deadline_ms;
  return r;
}

TEST_P(StoreTest, RoundTripsEveryRecordKind) {
  auto store = location.open();
  ASSERT_TRUE(store->begin().is_ok());
  const uint64_t job = store->insert_job(job_named("a")).value();
  ASSERT_TRUE(store->insert_frame({job, 5, "s.pbrt", 32, 16, {}, {}, {}}).is_ok());
  const uint64_t unit = store->insert_unit({0, job, 5, 0, 0, 16, 16, 0, 4, 0, {}, 0}).value();
  const ReplicaRow leased = leased_replica(*store, unit, 0, "w-1", 1234);
  ASSERT_TRUE(store->insert_replica(leased).is_ok());
  ASSERT_TRUE(store->commit().is_ok());
  Result<StoreSnapshot> snap = store->load();
  ASSERT_TRUE(snap.is_ok());
  ASSERT_EQ(snap->replicas.size(), 1u);
  EXPECT_EQ(snap->replicas[0].lease_id, leased.lease_id);
  EXPECT_EQ(snap->replicas[0].routing_id, "w-1");
  EXPECT_EQ(snap->replicas[0].deadline_ms, 1234);
  EXPECT_EQ(snap->replicas[0].state, ReplicaState::kLeased);
  EXPECT_FALSE(snap->units.at(0).result.has_value());

  const Hash256 result = blake2b_256(std::string_view("result"));
  ASSERT_TRUE(store->begin().is_ok());
  ASSERT_TRUE(store->set_unit_result(unit, result, 99).is_ok());
  ASSERT_TRUE(store->set_frame_outputs(job, 5, result, result).is_ok());
  ASSERT_TRUE(store->set_job_state(job, proto::JobState::kDone, "").is_ok());
  ASSERT_TRUE(store->commit().is_ok());
  snap = store->load();
  EXPECT_EQ(snap->units.at(0).result, result);
  EXPECT_EQ(snap->units.at(0).rays, 99u);
  EXPECT_EQ(snap->frames.at(0).exr, result);
  EXPECT_EQ(snap->jobs.at(0).state, proto::JobState::kDone);
}

TEST_P(StoreTest, AReplicaWrittenTwiceInATransactionKeepsTheLastAndARollbackWritesNone) {
  auto store = location.open();
  ASSERT_TRUE(store->begin().is_ok());
  const uint64_t job = store->insert_job(job_named("a")).value();
  ASSERT_TRUE(store->insert_frame({job, 1, "s.pbrt", 8, 8, {}, {}, {}}).is_ok());
  const uint64_t unit = store->insert_unit({0, job, 1, 0, 0, 8, 8, 0, 1, 0, {}, 0}).value();
  ReplicaRow replica = leased_replica(*store, unit, 0, "k", 1);
  ASSERT_TRUE(store->insert_replica(replica).is_ok());
  ASSERT_TRUE(store->commit().is_ok());

  // Reported, then settled, in one transaction: the settled row is what commits.
  const Hash256 hash = blake2b_256(std::string_view("result"));
  ASSERT_TRUE(store->begin().is_ok());
  replica.state = ReplicaState::kReported;
  replica.hash = hash;
  ASSERT_TRUE(store->set_replica(replica).is_ok());
  replica.state = ReplicaState::kAgreed;
  replica.trusted = true;
  replica.credit = ReplicaCredit::kGranted;
  ASSERT_TRUE(store->set_replica(replica).is_ok());
  ASSERT_TRUE(store->commit().is_ok());
  Result<StoreSnapshot> snap = store->load();
  ASSERT_TRUE(snap.is_ok()) << snap.message();
  ASSERT_EQ(snap->replicas.size(), 1u);
  EXPECT_EQ(snap->replicas[0].state, ReplicaState::kAgreed);
  EXPECT_EQ(snap->replicas[0].hash, hash);
  EXPECT_TRUE(snap->replicas[0].trusted);
  EXPECT_EQ(snap->replicas[0].credit, ReplicaCredit::kGranted);

  // A rolled back write is gone, also from the next transaction's commit.
  ASSERT_TRUE(store->begin().is_ok());
  ReplicaRow reversed = replica;
  reversed.credit = ReplicaCredit::kReversed;
  ASSERT_TRUE(store->set_replica(reversed).is_ok());
  store->rollback();
  ASSERT_TRUE(store->begin().is_ok());
  ASSERT_TRUE(store->commit().is_ok());
  snap = store->load();
  ASSERT_TRUE(snap.is_ok()) << snap.message();
  EXPECT_EQ(snap->replicas.at(0).credit, ReplicaCredit::kGranted);

  // load() inside a transaction sees the transaction's replica writes.
  ASSERT_TRUE(store->begin().is_ok());
  ASSERT_TRUE(store->set_replica(reversed).is_ok());
  snap = store->load();
  ASSERT_TRUE(snap.is_ok()) << snap.message();
  EXPECT_EQ(snap->replicas.at(0).credit, ReplicaCredit::kReversed);
  ASSERT_TRUE(store->commit().is_ok());
}

// Replicas inserted in one transaction (written at its commit, several to a statement) read
// back field for field; one written again in the same transaction is inserted as last
// written; a replica inserted twice is refused, and one of a unit that does not exist fails
// the commit.
TEST_P(StoreTest, ReplicasInsertedTogetherReadBackAsLastWritten) {
  const size_t count = 2 * Store::kRowsPerInsert + 3;  // full statements and a remainder
  auto store = location.open();
  ASSERT_TRUE(store->begin().is_ok());
  const uint64_t job = store->insert_job(job_named("a")).value();
  ASSERT_TRUE(store->insert_frame({job, 1, "s.pbrt", 8, 8, {}, {}, {}}).is_ok());
  std::vector<UnitRow> units(count, UnitRow{0, job, 1, 0, 0, 8, 8, 0, 1, 0, {}, 0});
  ASSERT_TRUE(store->insert_units(units).is_ok());
  std::map<std::pair<uint64_t, uint32_t>, ReplicaRow> written;
  for (size_t i = 0; i < count; ++i) {
    ReplicaRow r = leased_replica(*store, units[i].id, static_cast<uint32_t>(i % 2),
                                  "route-" + std::to_string(i), static_cast<int64_t>(1000 + i));
    r.owner = "owner-" + std::to_string(i % 7);
    r.upload = i % 3 == 0;
    ASSERT_TRUE(store->insert_replica(r).is_ok());
    if (i % 5 == 0) {  // reported and settled before the commit
      r.state = ReplicaState::kAgreed;
      r.hash = blake2b_256(std::to_string(i));
      r.trusted = true;
      r.credit = ReplicaCredit::kGranted;
      ASSERT_TRUE(store->set_replica(r).is_ok());
    }
    written[{r.unit_id, r.replica}] = r;
  }
  EXPECT_FALSE(store->insert_replica(written.begin()->second).is_ok()) << "inserted twice";
  ASSERT_TRUE(store->commit().is_ok());
  Result<StoreSnapshot> snap = store->load();
  ASSERT_TRUE(snap.is_ok()) << snap.message();
  ASSERT_EQ(snap->replicas.size(), count);
  for (const ReplicaRow& r : snap->replicas) {
    const ReplicaRow& w = written.at({r.unit_id, r.replica});
    EXPECT_EQ(r.worker_key, w.worker_key);
    EXPECT_EQ(r.owner, w.owner);
    EXPECT_EQ(r.lease_id, w.lease_id);
    EXPECT_EQ(r.upload, w.upload);
    EXPECT_EQ(r.hash, w.hash);
    EXPECT_EQ(r.state, w.state);
    EXPECT_EQ(r.trusted, w.trusted);
    EXPECT_EQ(r.credit, w.credit);
    EXPECT_EQ(r.routing_id, w.routing_id);
    EXPECT_EQ(r.deadline_ms, w.deadline_ms);
  }

  ASSERT_TRUE(store->begin().is_ok());
  const uint64_t no_unit = units.back().id + 1000;
  ASSERT_TRUE(store->insert_replica(leased_replica(*store, no_unit, 0, "x", 1)).is_ok());
  EXPECT_FALSE(store->commit().is_ok()) << "a replica of no unit was committed";
  store->rollback();
  snap = store->load();
  ASSERT_TRUE(snap.is_ok()) << snap.message();
  EXPECT_EQ(snap->replicas.size(), count);
}

// Ids come from blocks reserved in the database: they increase across blocks and across a
// reopen (a new dispatcher skips what an earlier one reserved), and a rolled-back reservation
// (whose ids no grant carried: grants go out after the commit) is reserved again.
TEST_P(StoreTest, LeaseIdsAreNeverReused) {
  std::vector<uint64_t> ids;
  {
    auto store = location.open();
    ASSERT_TRUE(store->begin().is_ok());
    for (uint64_t i = 0; i < 2 * Store::kLeaseIdBlock + 1; ++i) {
      ids.push_back(store->next_lease_id().value());
    }
    ASSERT_TRUE(store->commit().is_ok());
  }
  auto store = location.open();
  ASSERT_TRUE(store->begin().is_ok());
  const uint64_t rolled_back = store->next_lease_id().value();
  store->rollback();
  ASSERT_TRUE(store->begin().is_ok());
  EXPECT_EQ(store->next_lease_id().value(), rolled_back);
  ids.push_back(rolled_back);
  ids.push_back(store->next_lease_id().value());
  ASSERT_TRUE(store->commit().is_ok());
  EXPECT_GE(ids.front(), 1u);
  for (size_t i = 1; i < ids.size(); ++i) EXPECT_GT(ids[i], ids[i - 1]) << "id " << i;
}

// Units inserted together (several to a statement, ids reserved at once) read back field for
// field, in their order, with ids that ascend and that no later insert takes again: not a
// single insert after them, not a batch after a reopen, not one after the newest units were
// deleted (AUTOINCREMENT's promise, kept by the reservation).
TEST_P(StoreTest, UnitsInsertedTogetherReadBackAndTheirIdsAreNeverReused) {
  const size_t count = 2 * Store::kRowsPerInsert + 3;  // full statements and a remainder
  std::vector<UnitRow> units;
  uint64_t job = 0;
  {
    auto store = location.open();
    ASSERT_TRUE(store->begin().is_ok());
    job = store->insert_job(job_named("many")).value();
    ASSERT_TRUE(store->insert_frame({job, 0, "a.pbrt", 64, 64, {}, {}, {}}).is_ok());
    ASSERT_TRUE(store->insert_frame({job, 1, "a.pbrt", 64, 64, {}, {}, {}}).is_ok());
    for (uint32_t i = 0; i < count; ++i) {
      UnitRow u;
      u.job_id = job;
      u.frame = i % 2;
      u.x0 = i;
      u.y0 = i + 1;
      u.x1 = i + 2;
      u.y1 = i + 3;
      u.s0 = i + 4;
      u.s1 = i + 5;
      u.replication = 2 + i % 3;
      u.quorum = 1 + i % 2;
      u.z0 = i % 5;
      u.z1 = i % 5 + 1;
      if (i % 4 == 0) u.input = blake2b_256(std::to_string(i));
      units.push_back(u);
    }
    const uint64_t before = store->insert_unit({0, job, 0, 0, 0, 8, 8, 0, 1, 0, {}, 0}).value();
    ASSERT_TRUE(store->insert_units(units).is_ok());
    const uint64_t after = store->insert_unit({0, job, 0, 0, 0, 8, 8, 0, 1, 0, {}, 0}).value();
    EXPECT_GT(units.front().id, before);
    for (size_t i = 1; i < units.size(); ++i) EXPECT_GT(units[i].id, units[i - 1].id) << i;
    EXPECT_GT(after, units.back().id);
    ASSERT_TRUE(store->commit().is_ok());
  }
  auto store = location.open();
  Result<StoreSnapshot> snap = store->load();
  ASSERT_TRUE(snap.is_ok()) << snap.message();
  std::map<uint64_t, UnitRow> loaded;
  for (const UnitRow& u : snap->units) loaded[u.id] = u;
  EXPECT_EQ(loaded.size(), count + 2);
  for (const UnitRow& u : units) {
    ASSERT_EQ(loaded.count(u.id), 1u) << u.id;
    const UnitRow& back = loaded[u.id];
    EXPECT_EQ(std::tie(back.job_id, back.frame, back.x0, back.y0, back.x1, back.y1, back.s0,
                       back.s1, back.replication, back.quorum, back.z0, back.z1, back.input),
              std::tie(u.job_id, u.frame, u.x0, u.y0, u.x1, u.y1, u.s0, u.s1, u.replication,
                       u.quorum, u.z0, u.z1, u.input))
        << u.id;
  }
  // The newest units deleted: their ids stay spent.
  const uint64_t newest = loaded.rbegin()->first;
  ASSERT_TRUE(store->db().exec("DELETE FROM units WHERE id >= " +
                               std::to_string(units[units.size() / 2].id)).is_ok());
  ASSERT_TRUE(store->begin().is_ok());
  std::vector<UnitRow> more(3, UnitRow{0, job, 1, 0, 0, 8, 8, 0, 1, 0, {}, 0});
  ASSERT_TRUE(store->insert_units(more).is_ok());
  ASSERT_TRUE(store->commit().is_ok());
  EXPECT_GT(more.front().id, newest);
}

// A database of the schema before leases were folded into replicas: the open lease moves into
// its replica, a leased replica without a lease row is cancelled, and lease ids go on after the
// largest one handed out.
TEST_P(StoreTest, MigratingFoldsLeaseRowsIntoTheirReplicas) {
  constexpr int kBeforeFold = 15;
  {
    auto old = location.open(kBeforeFold);
    ASSERT_TRUE(old);
    ASSERT_TRUE(old->begin().is_ok());
    Result<uint64_t> inserted = insert_first_schema_job(*old, "a");
    ASSERT_TRUE(inserted.is_ok()) << inserted.message();
    const uint64_t job = inserted.value();
    ASSERT_TRUE(old->insert_frame({job, 1, "s.pbrt", 8, 8, {}, {}, {}}).is_ok());
    const uint64_t unit = old->insert_unit({0, job, 1, 0, 0, 8, 8, 0, 1, 0, {}, 0}).value();
    // As the build of that schema wrote them: lease 1 (ended, deleted), lease 2 (open: replica
    // 0), replica 1 reported under lease 3 (ended, deleted), replica 2 leased under lease 9,
    // which has no row.
    for (const char* sql :
         {"INSERT INTO leases(id, unit_id, worker, deadline_ms) VALUES (1, ?1, 'gone', 1)",
          "DELETE FROM leases WHERE id = 1",
          "INSERT INTO leases(id, unit_id, worker, deadline_ms) VALUES (2, ?1, 'w-open', 777)",
          "INSERT INTO replicas(unit_id, replica, worker_key, owner, lease_id, upload, state)"
          " VALUES (?1, 0, 'k0', 'o', 2, 1, 'leased')",
          "INSERT INTO replicas(unit_id, replica, worker_key, owner, lease_id, upload, state)"
          " VALUES (?1, 1, 'k1', 'o', 3, 0, 'reported')",
          "INSERT INTO replicas(unit_id, replica, worker_key, owner, lease_id, upload, state)"
          " VALUES (?1, 2, 'k2', 'o', 9, 0, 'leased')"}) {
      Result<SqlStatement> st = old->db().prepare(sql);
      ASSERT_TRUE(st.is_ok()) << st.message();
      if (std::string_view(sql).find("?1") != std::string_view::npos) {
        st->bind(1, static_cast<int64_t>(unit));
      }
      ASSERT_TRUE(st->run().is_ok()) << sql;
    }
    ASSERT_TRUE(old->commit().is_ok());
  }
  auto store = location.open();
  ASSERT_TRUE(store);
  Result<StoreSnapshot> snap = store->load();
  ASSERT_TRUE(snap.is_ok()) << snap.message();
  ASSERT_EQ(snap->replicas.size(), 3u);
  EXPECT_EQ(snap->replicas[0].state, ReplicaState::kLeased);
  EXPECT_EQ(snap->replicas[0].routing_id, "w-open");
  EXPECT_EQ(snap->replicas[0].deadline_ms, 777);
  EXPECT_EQ(snap->replicas[1].state, ReplicaState::kReported);
  EXPECT_EQ(snap->replicas[2].state, ReplicaState::kCancelled) << "leased without a lease row";
  Result<SqlStatement> leases = store->db().prepare("SELECT COUNT(*) FROM leases");
  EXPECT_FALSE(leases.is_ok() && leases->step().is_ok()) << "the leases table is gone";
  ASSERT_TRUE(store->begin().is_ok());
  EXPECT_GT(store->next_lease_id().value(), 9u);
  store->rollback();
}

TEST_P(StoreTest, WritesOutsideATransactionAreRefused) {
  auto store = location.open();
  EXPECT_FALSE(store->insert_job(job_named("a")).is_ok());
}

// Runs `body` in a child process that ends with _exit (no destructors, no commit unless the
// body commits) and returns the child's exit status.
template <class F>
int in_child(F body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    body();
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

TEST_P(StoreTest, AnUncommittedTransactionLeavesTheOldState) {
  { ASSERT_TRUE(location.open()); }
  in_child([&] {
    auto store = location.try_open();
    if (!store) ::_exit(1);
    (void)store.value()->begin();
    (void)store.value()->insert_job(job_named("never"));
    ::_exit(0);  // dies inside the transaction
  });
  in_child([&] {
    auto store = location.try_open();
    if (!store) ::_exit(1);
    (void)store.value()->begin();
    (void)store.value()->insert_job(job_named("kept"));
    (void)store.value()->commit();
    ::_exit(0);
  });
  auto store = location.open();
  Result<StoreSnapshot> snap = store->load();
  ASSERT_TRUE(snap.is_ok());
  ASSERT_EQ(snap->jobs.size(), 1u);
  EXPECT_EQ(snap->jobs[0].name, "kept");
}

TEST_P(StoreTest, Kill9DuringWritesKeepsEveryCommittedTransaction) {
  { ASSERT_TRUE(location.open()); }
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(pipe_fds[0]);
    auto store = location.try_open();
    if (!store) ::_exit(1);
    for (uint32_t i = 0;; ++i) {
      (void)store.value()->begin();
      const uint64_t job = store.value()->insert_job(job_named("j" + std::to_string(i))).value();
      // Several rows per transaction, so a kill lands mid-transaction most of the time.
      (void)store.value()->insert_frame({job, 1, "s.pbrt", 8, 8, {}, {}, {}});
      for (int u = 0; u < 20; ++u) {
        (void)store.value()->insert_unit({0, job, 1, 0, 0, 8, 8, 0, 1, 0, {}, 0});
      }
      if (store.value()->commit().is_ok()) {
        [[maybe_unused]] ssize_t n = ::write(pipe_fds[1], &i, sizeof i);
      }
    }
  }
  ::close(pipe_fds[1]);
  uint32_t last_committed = 0;
  for (int n = 0; n < 30; ++n) {
    ASSERT_EQ(::read(pipe_fds[0], &last_committed, sizeof last_committed),
              static_cast<ssize_t>(sizeof last_committed));
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(pipe_fds[0]);

  auto store = location.open();
  Result<StoreSnapshot> snap = store->load();
  ASSERT_TRUE(snap.is_ok()) << snap.message();
  // Every transaction reported committed is there, and every job is whole (21 rows or none).
  ASSERT_GE(snap->jobs.size(), last_committed + 1);
  EXPECT_EQ(snap->frames.size(), snap->jobs.size());
  EXPECT_EQ(snap->units.size(), snap->jobs.size() * 20);
}

TEST_P(StoreTest, BlobsAreStoredByHashAndUploadsVerified) {
  auto store = location.open();
  ASSERT_TRUE(store);
  BlobStore& blobs = store->blobs();
  const std::vector<uint8_t> bytes{1, 0, 3, 255};
  Result<Hash256> h = blobs.put(bytes);
  ASSERT_TRUE(h.is_ok()) << h.message();
  EXPECT_EQ(h.value(), blake2b_256(bytes));
  EXPECT_TRUE(blobs.contains(h.value()));
  EXPECT_EQ(blobs.get(h.value()).value(), bytes);
  EXPECT_EQ(blobs.size(h.value()).value(), bytes.size());
  EXPECT_TRUE(blobs.put(bytes).is_ok()) << "the same bytes twice";
  ASSERT_TRUE(blobs.copy_to_file(h.value(), location.dir() / "copy").is_ok());
  EXPECT_EQ(std::filesystem::file_size(location.dir() / "copy"), bytes.size());
  const Hash256 other = blake2b_256(std::string_view("other"));
  EXPECT_FALSE(blobs.put_verified(other, bytes).is_ok());
  EXPECT_FALSE(blobs.contains(other));
  EXPECT_FALSE(blobs.get(other).is_ok());
  EXPECT_FALSE(blobs.size(other).is_ok());
  // A blob outlives the store that wrote it.
  store.reset();
  store = location.open();
  ASSERT_TRUE(store);
  EXPECT_EQ(store->blobs().get(h.value()).value(), bytes);
}

// Text from peers (a routing id with zero bytes, a name that is not UTF-8) is kept byte for
// byte, and text columns sort as bytes.
TEST_P(StoreTest, TextColumnsKeepArbitraryBytes) {
  auto store = location.open();
  ASSERT_TRUE(store);
  const std::string routing_id("\0\x80\x12\xff", 4);
  const std::string name("caf\xe9 \xc3(", 7);  // Latin-1 and a broken UTF-8 sequence
  ASSERT_TRUE(store->begin().is_ok());
  JobRow job = job_named(name);
  const uint64_t id = store->insert_job(job).value();
  ASSERT_TRUE(store->insert_frame({id, 1, "s.pbrt", 8, 8, {}, {}, {}}).is_ok());
  const uint64_t unit = store->insert_unit({0, id, 1, 0, 0, 8, 8, 0, 1, 0, {}, 0}).value();
  ASSERT_TRUE(store->insert_replica(leased_replica(*store, unit, 0, routing_id, 5)).is_ok());
  ASSERT_TRUE(store->insert_replica(leased_replica(*store, unit, 1, "b", 5)).is_ok());
  ASSERT_TRUE(store->insert_replica(leased_replica(*store, unit, 2, "", 5)).is_ok());
  ASSERT_TRUE(store->commit().is_ok());
  Result<StoreSnapshot> snap = store->load();
  ASSERT_TRUE(snap.is_ok()) << snap.message();
  EXPECT_EQ(snap->jobs.at(0).name, name);
  ASSERT_EQ(snap->replicas.size(), 3u);
  EXPECT_EQ(snap->replicas[0].routing_id, routing_id);
  EXPECT_EQ(snap->replicas[2].routing_id, "");
  Result<SqlStatement> sorted =
      store->db().prepare("SELECT routing_id FROM replicas ORDER BY routing_id");
  ASSERT_TRUE(sorted.is_ok()) << sorted.message();
  std::vector<std::string> order;
  while (sorted->step().value()) order.push_back(sorted->column_text(0));
  EXPECT_EQ(order, (std::vector<std::string>{"", routing_id, "b"})) << "bytes, as memcmp orders them";
}

// A write that fails fails its transaction: SQLite reports it from the write, PostgreSQL (which
// sends writes in batches) from the statement that sends them or the commit. Either way the
// caller learns it before anything is committed, and the rows of the transaction are gone.
TEST_P(StoreTest, AFailedWriteIsReportedBeforeTheCommitSucceeds) {
  auto store = location.open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->begin().is_ok());
  const uint64_t job = store->insert_job(job_named("a")).value();
  ASSERT_TRUE(store->insert_frame({job, 1, "s.pbrt", 8, 8, {}, {}, {}}).is_ok());
  const Status duplicate = store->insert_frame({job, 1, "s.pbrt", 8, 8, {}, {}, {}});  // same key
  const Status committed = duplicate ? store->commit() : Status(duplicate);
  EXPECT_FALSE(committed.is_ok()) << "a duplicate frame was committed";
  EXPECT_NE(committed.message().find("database error"), std::string::npos) << committed.message();
  store->rollback();
  Result<StoreSnapshot> snap = store->load();
  ASSERT_TRUE(snap.is_ok()) << snap.message();
  EXPECT_TRUE(snap->jobs.empty());
  EXPECT_TRUE(snap->frames.empty());
}

INSTANTIATE_TEST_SUITE_P(Engines, StoreTest, testing::kBothEngines, testing::engine_name);

}  // namespace
}  // namespace tf
