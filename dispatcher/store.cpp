#include "dispatcher/store.h"

#include <cstring>
#include <iterator>

namespace tf {
namespace {

// Migration i takes the schema from version i to version i + 1. Never edit a shipped entry:
// append a new one.
constexpr const char* kMigrations[] = {
    // 0 -> 1: the core tables.
    R"sql(
    CREATE TABLE jobs(
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL,
      state INTEGER NOT NULL,
      priority INTEGER NOT NULL,
      bundle BLOB NOT NULL,
      tile_size INTEGER NOT NULL,
      spp INTEGER NOT NULL,
      samples_per_unit INTEGER NOT NULL,
      message TEXT NOT NULL DEFAULT '');
    CREATE TABLE frames(
      job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
      frame INTEGER NOT NULL,
      scene_path TEXT NOT NULL,
      width INTEGER NOT NULL,
      height INTEGER NOT NULL,
      exr BLOB,
      png BLOB,
      PRIMARY KEY(job_id, frame));
    CREATE TABLE units(
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      job_id INTEGER NOT NULL,
      frame INTEGER NOT NULL,
      x0 INTEGER NOT NULL, y0 INTEGER NOT NULL, x1 INTEGER NOT NULL, y1 INTEGER NOT NULL,
      s0 INTEGER NOT NULL, s1 INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      result BLOB,
      rays INTEGER NOT NULL DEFAULT 0,
      FOREIGN KEY(job_id, frame) REFERENCES frames(job_id, frame) ON DELETE CASCADE);
    CREATE TABLE leases(
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      unit_id INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
      worker TEXT NOT NULL,
      deadline_ms INTEGER NOT NULL);
    )sql",
    // 1 -> 2: indexes for per-unit lookups (lease release, frame completion).
    R"sql(
    CREATE INDEX leases_by_unit ON leases(unit_id);
    CREATE INDEX units_by_frame ON units(job_id, frame);
    )sql",
    // 2 -> 3: the credit ledger (dispatcher/ledger.h): append-only, one row per credit grant,
    // at most one grant per (unit, worker key). Rows are read in rowid (insertion) order, so an
    // edited seq shows at the row that carries it.
    R"sql(
    CREATE TABLE ledger(
      seq INTEGER NOT NULL UNIQUE,
      time_ms INTEGER NOT NULL,
      worker_key TEXT NOT NULL,
      job_id INTEGER NOT NULL,
      unit_id INTEGER NOT NULL,
      result BLOB NOT NULL,
      credit INTEGER NOT NULL,
      prev_hash BLOB NOT NULL,
      entry_hash BLOB NOT NULL,
      signature BLOB NOT NULL);
    CREATE UNIQUE INDEX ledger_by_unit_worker ON ledger(unit_id, worker_key);
    CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
      BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
    CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
      BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
    )sql",
    // 3 -> 4: verification: per-job and per-unit replication, replicas, worker reputations
    // (dispatcher/reputation.h). Jobs from before keep the single-replica behaviour they had.
    R"sql(
    ALTER TABLE jobs ADD COLUMN replication INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE jobs ADD COLUMN quorum INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE jobs ADD COLUMN max_replicas INTEGER NOT NULL DEFAULT 4;
    ALTER TABLE units ADD COLUMN replication INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE units ADD COLUMN quorum INTEGER NOT NULL DEFAULT 1;
    CREATE TABLE replicas(
      unit_id INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
      replica INTEGER NOT NULL,
      worker_key TEXT NOT NULL,
      owner TEXT NOT NULL,
      lease_id INTEGER NOT NULL,
      upload INTEGER NOT NULL,
      hash BLOB,
      state TEXT NOT NULL,
      PRIMARY KEY(unit_id, replica));
    CREATE INDEX replicas_by_key ON replicas(worker_key);
    CREATE TABLE workers(
      key TEXT PRIMARY KEY,
      name TEXT NOT NULL DEFAULT '',
      owner TEXT NOT NULL DEFAULT '',
      consecutive_valid INTEGER NOT NULL DEFAULT 0,
      valid INTEGER NOT NULL DEFAULT 0,
      invalid INTEGER NOT NULL DEFAULT 0,
      errors INTEGER NOT NULL DEFAULT 0,
      timed_out INTEGER NOT NULL DEFAULT 0,
      malformed INTEGER NOT NULL DEFAULT 0,
      consecutive_timed_out INTEGER NOT NULL DEFAULT 0,
      quarantined INTEGER NOT NULL DEFAULT 0,
      quarantine_reason TEXT NOT NULL DEFAULT '');
    )sql",
    // 4 -> 5: lenient scene loading per job.
    R"sql(
    ALTER TABLE jobs ADD COLUMN lenient INTEGER NOT NULL DEFAULT 0;
    )sql",
    // 5 -> 6: simulation batches (dispatcher/sim_plan.h). A sim job's frames are its runs;
    // its units are boxes x chunks of steps [s0, s1) of a run, from the state blob `input`.
    // sim_runs holds each run's progress, job_outputs the files of its snapshots.
    R"sql(
    ALTER TABLE jobs ADD COLUMN sim_batch TEXT NOT NULL DEFAULT '';
    ALTER TABLE jobs ADD COLUMN sim_source TEXT NOT NULL DEFAULT '';
    ALTER TABLE jobs ADD COLUMN sim_chunk_steps INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN sim_tile INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE units ADD COLUMN z0 INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE units ADD COLUMN z1 INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE units ADD COLUMN input BLOB;
    CREATE TABLE sim_runs(
      job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
      run INTEGER NOT NULL,
      step INTEGER NOT NULL,
      state BLOB NOT NULL,
      started_ms INTEGER NOT NULL DEFAULT 0,
      finished_ms INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY(job_id, run));
    CREATE TABLE job_outputs(
      job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      hash BLOB NOT NULL,
      size INTEGER NOT NULL,
      PRIMARY KEY(job_id, name));
    )sql",
    // 6 -> 7: unit result bytes in the database (store_results.cpp) instead of one file each,
    // which cost two fsyncs per result.
    R"sql(
    CREATE TABLE results(
      hash BLOB PRIMARY KEY,
      bytes BLOB NOT NULL);
    )sql",
    // 7 -> 8: a run's chunks verified by hash alone past its stored state (SimRunRow::head).
    R"sql(
    ALTER TABLE sim_runs ADD COLUMN head_step INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sim_runs ADD COLUMN head BLOB;
    )sql",
    // 8 -> 9: trust against collusion. A replica records whether its key was trusted when its
    // unit was accepted and where its credit stands (ReplicaCredit); the ledger holds
    // reversals (kind 1) beside grants (kind 0), at most one of each per (unit, key); a unit of
    // a finished job may be marked affected (UnitRow::affected). Agreed replicas of earlier
    // versions were credited; their trust at the time is unknown and reads as untrusted, so a
    // later quarantine re-verifies them.
    R"sql(
    ALTER TABLE units ADD COLUMN affected INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE replicas ADD COLUMN trusted INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE replicas ADD COLUMN credit INTEGER NOT NULL DEFAULT 0;
    UPDATE replicas SET credit = 1 WHERE state = 'agreed';
    ALTER TABLE ledger ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;
    DROP INDEX ledger_by_unit_worker;
    CREATE UNIQUE INDEX ledger_by_unit_worker_kind ON ledger(unit_id, worker_key, kind);
    )sql",
    // 9 -> 10: fair share between clients (dispatcher/scheduler.h): the key that submitted a
    // job. Jobs of earlier versions share one empty client, as all jobs did.
    R"sql(
    ALTER TABLE jobs ADD COLUMN client TEXT NOT NULL DEFAULT '';
    )sql",
    // 10 -> 11: what simulation units record besides their fields (forces, probes) under the
    // result hash that binds them.
    R"sql(
    CREATE TABLE observations(
      result BLOB PRIMARY KEY,
      bytes BLOB NOT NULL);
    )sql",
};

Hash256 hash_from_blob(const std::vector<uint8_t>& bytes) {
  Hash256 h;
  if (bytes.size() == h.bytes.size()) std::memcpy(h.bytes.data(), bytes.data(), bytes.size());
  return h;
}

}  // namespace

std::optional<Hash256> optional_hash(const SqliteStatement& s, int col) {
  std::vector<uint8_t> bytes = s.column_blob(col);
  if (bytes.size() != 32) return std::nullopt;
  return hash_from_blob(bytes);
}

int Store::latest_schema_version() { return static_cast<int>(std::size(kMigrations)); }

Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& state_dir,
                                           int target_version) {
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) return Error{"cannot create state folder " + state_dir.string() + ": " + ec.message()};
  Result<std::unique_ptr<SqliteDb>> db = SqliteDb::open(state_dir / "dispatcher.db");
  if (!db) return Error{db.message()};
  Result<BlobStore> blobs = BlobStore::open(state_dir / "blobs");
  if (!blobs) return Error{blobs.message()};
  std::unique_ptr<Store> store(new Store(std::move(db.value()), blobs.value()));
  if (target_version < 0) target_version = latest_schema_version();
  if (Status s = store->migrate(target_version); !s) {
    return Error{"cannot migrate " + (state_dir / "dispatcher.db").string() + ": " + s.message()};
  }
  return store;
}

Result<int> Store::schema_version() {
  Result<SqliteStatement> q = db_->prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!q) return Error{q.message()};
  Result<bool> row = q->step();
  if (!row) return Error{row.message()};
  return static_cast<int>(q->column_int(0));
}

Status Store::migrate(int target_version) {
  if (Status s = db_->exec("CREATE TABLE IF NOT EXISTS schema_migrations("
                           "version INTEGER PRIMARY KEY)");
      !s) {
    return s;
  }
  Result<int> current = schema_version();
  if (!current) return current.status();
  if (current.value() > latest_schema_version()) {
    return Error{"the database has schema version " + std::to_string(current.value()) +
                 ", newer than this build's " + std::to_string(latest_schema_version())};
  }
  for (int v = current.value(); v < target_version; ++v) {
    if (Status s = begin(); !s) return s;
    Status s = db_->exec(kMigrations[v]);
    if (s) {
      s = db_->exec("INSERT INTO schema_migrations(version) VALUES (" + std::to_string(v + 1) +
                    ")");
    }
    if (!s) {
      rollback();
      return Error{"migration to version " + std::to_string(v + 1) + " failed: " + s.message()};
    }
    if (Status c = commit(); !c) return c;
  }
  return Status::ok();
}

Status Store::begin() {
  if (in_transaction_) return Status::ok();
  if (Status s = db_->exec("BEGIN IMMEDIATE"); !s) return s;
  in_transaction_ = true;
  return Status::ok();
}

Status Store::commit() {
  if (!in_transaction_) return Status::ok();
  Status s = db_->exec("COMMIT");
  if (!s) rollback();
  in_transaction_ = false;
  return s;
}

void Store::rollback() {
  if (!in_transaction_) return;
  (void)db_->exec("ROLLBACK");
  in_transaction_ = false;
}

Result<SqliteStatement*> Store::statement(const char* sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    Result<SqliteStatement> prepared = db_->prepare(sql);
    if (!prepared) return Error{prepared.message()};
    it = statements_.emplace(sql, std::move(prepared.value())).first;
  }
  it->second.reset();
  return &it->second;
}

Status Store::require_transaction(const char* what) const {
  if (in_transaction_) return Status::ok();
  return Error{std::string("internal error: ") + what + " outside a transaction"};
}

Result<uint64_t> Store::insert_job(const JobRow& job) {
  if (Status s = require_transaction("insert_job"); !s) return Error{s.message()};
  auto st = statement(
      "INSERT INTO jobs(name, state, priority, bundle, tile_size, spp, samples_per_unit, message,"
      " replication, quorum, max_replicas, lenient, sim_batch, sim_source, sim_chunk_steps,"
      " sim_tile, client) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st) return Error{st.message()};
  st.value()->bind(1, job.name)
      .bind(2, static_cast<int64_t>(job.state))
      .bind(3, job.priority)
      .bind_blob(4, job.bundle.bytes.data(), job.bundle.bytes.size())
      .bind(5, job.tile_size)
      .bind(6, job.spp)
      .bind(7, job.samples_per_unit)
      .bind(8, job.message)
      .bind(9, job.replication)
      .bind(10, job.quorum)
      .bind(11, job.max_replicas)
      .bind(12, job.lenient ? 1 : 0)
      .bind(13, job.sim_batch)
      .bind(14, job.sim_source)
      .bind(15, job.sim_chunk_steps)
      .bind(16, job.sim_tile)
      .bind(17, job.client);
  if (Status s = st.value()->run(); !s) return Error{s.message()};
  return static_cast<uint64_t>(db_->last_insert_rowid());
}

Status Store::insert_frame(const FrameRow& frame) {
  if (Status s = require_transaction("insert_frame"); !s) return s;
  auto st = statement(
      "INSERT INTO frames(job_id, frame, scene_path, width, height) VALUES (?, ?, ?, ?, ?)");
  if (!st) return st.status();
  st.value()->bind(1, static_cast<int64_t>(frame.job_id))
      .bind(2, frame.frame)
      .bind(3, frame.scene_path)
      .bind(4, frame.width)
      .bind(5, frame.height);
  return st.value()->run();
}

Result<uint64_t> Store::insert_unit(const UnitRow& u) {
  if (Status s = require_transaction("insert_unit"); !s) return Error{s.message()};
  auto st = statement(
      "INSERT INTO units(job_id, frame, x0, y0, x1, y1, s0, s1, replication, quorum, z0, z1,"
      " input) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st) return Error{st.message()};
  st.value()->bind(1, static_cast<int64_t>(u.job_id))
      .bind(2, u.frame)
      .bind(3, u.x0)
      .bind(4, u.y0)
      .bind(5, u.x1)
      .bind(6, u.y1)
      .bind(7, u.s0)
      .bind(8, u.s1)
      .bind(9, u.replication)
      .bind(10, u.quorum)
      .bind(11, u.z0)
      .bind(12, u.z1);
  if (u.input) {
    st.value()->bind_blob(13, u.input->bytes.data(), u.input->bytes.size());
  } else {
    st.value()->bind_blob(13, nullptr, 0);  // reads back as no input (optional_hash)
  }
  if (Status s = st.value()->run(); !s) return Error{s.message()};
  return static_cast<uint64_t>(db_->last_insert_rowid());
}

Status Store::set_job_state(uint64_t job_id, proto::JobState state, const std::string& message) {
  if (Status s = require_transaction("set_job_state"); !s) return s;
  auto st = statement("UPDATE jobs SET state = ?, message = ? WHERE id = ?");
  if (!st) return st.status();
  st.value()->bind(1, static_cast<int64_t>(state)).bind(2, message).bind(3, static_cast<int64_t>(job_id));
  return st.value()->run();
}

Result<uint64_t> Store::insert_lease(uint64_t unit_id, const std::string& worker,
                                     int64_t deadline_ms) {
  if (Status s = require_transaction("insert_lease"); !s) return Error{s.message()};
  auto st = statement("INSERT INTO leases(unit_id, worker, deadline_ms) VALUES (?, ?, ?)");
  if (!st) return Error{st.message()};
  st.value()->bind(1, static_cast<int64_t>(unit_id)).bind(2, worker).bind(3, deadline_ms);
  if (Status s = st.value()->run(); !s) return Error{s.message()};
  return static_cast<uint64_t>(db_->last_insert_rowid());
}

Status Store::delete_lease(uint64_t lease_id) {
  if (Status s = require_transaction("delete_lease"); !s) return s;
  auto st = statement("DELETE FROM leases WHERE id = ?");
  if (!st) return st.status();
  st.value()->bind(1, static_cast<int64_t>(lease_id));
  return st.value()->run();
}

Status Store::set_unit_attempts(uint64_t unit_id, uint32_t attempts) {
  if (Status s = require_transaction("set_unit_attempts"); !s) return s;
  auto st = statement("UPDATE units SET attempts = ? WHERE id = ?");
  if (!st) return st.status();
  st.value()->bind(1, attempts).bind(2, static_cast<int64_t>(unit_id));
  return st.value()->run();
}

Status Store::set_unit_result(uint64_t unit_id, const Hash256& result, uint64_t rays) {
  if (Status s = require_transaction("set_unit_result"); !s) return s;
  auto st = statement("UPDATE units SET result = ?, rays = ? WHERE id = ?");
  if (!st) return st.status();
  st.value()->bind_blob(1, result.bytes.data(), result.bytes.size())
      .bind(2, static_cast<int64_t>(rays))
      .bind(3, static_cast<int64_t>(unit_id));
  if (Status s = st.value()->run(); !s) return s;
  auto del = statement("DELETE FROM leases WHERE unit_id = ?");
  if (!del) return del.status();
  del.value()->bind(1, static_cast<int64_t>(unit_id));
  return del.value()->run();
}

Status Store::set_frame_outputs(uint64_t job_id, uint32_t frame, const Hash256& exr,
                                const Hash256& png) {
  if (Status s = require_transaction("set_frame_outputs"); !s) return s;
  auto st = statement("UPDATE frames SET exr = ?, png = ? WHERE job_id = ? AND frame = ?");
  if (!st) return st.status();
  st.value()->bind_blob(1, exr.bytes.data(), exr.bytes.size())
      .bind_blob(2, png.bytes.data(), png.bytes.size())
      .bind(3, static_cast<int64_t>(job_id))
      .bind(4, frame);
  return st.value()->run();
}

Result<StoreSnapshot> Store::load() {
  StoreSnapshot snap;
  auto jobs = db_->prepare(
      "SELECT id, name, state, priority, bundle, tile_size, spp, samples_per_unit, message,"
      " replication, quorum, max_replicas, lenient, sim_batch, sim_source, sim_chunk_steps,"
      " sim_tile, client FROM jobs ORDER BY id");
  if (!jobs) return Error{jobs.message()};
  for (;;) {
    Result<bool> row = jobs->step();
    if (!row) return Error{row.message()};
    if (!row.value()) break;
    JobRow j;
    j.id = static_cast<uint64_t>(jobs->column_int(0));
    j.name = jobs->column_text(1);
    const int64_t state = jobs->column_int(2);
    j.state = state >= 0 && state < static_cast<int64_t>(proto::JobState::kUnknown)
                  ? static_cast<proto::JobState>(state)
                  : proto::JobState::kUnknown;
    j.priority = static_cast<int32_t>(jobs->column_int(3));
    j.bundle = hash_from_blob(jobs->column_blob(4));
    j.tile_size = static_cast<uint32_t>(jobs->column_int(5));
    j.spp = static_cast<uint32_t>(jobs->column_int(6));
    j.samples_per_unit = static_cast<uint32_t>(jobs->column_int(7));
    j.message = jobs->column_text(8);
    j.replication = static_cast<uint32_t>(jobs->column_int(9));
    j.quorum = static_cast<uint32_t>(jobs->column_int(10));
    j.max_replicas = static_cast<uint32_t>(jobs->column_int(11));
    j.lenient = jobs->column_int(12) != 0;
    j.sim_batch = jobs->column_text(13);
    j.sim_source = jobs->column_text(14);
    j.sim_chunk_steps = static_cast<uint32_t>(jobs->column_int(15));
    j.sim_tile = static_cast<uint32_t>(jobs->column_int(16));
    j.client = jobs->column_text(17);
    snap.jobs.push_back(std::move(j));
  }
  auto frames = db_->prepare(
      "SELECT job_id, frame, scene_path, width, height, exr, png FROM frames"
      " ORDER BY job_id, frame");
  if (!frames) return Error{frames.message()};
  for (;;) {
    Result<bool> row = frames->step();
    if (!row) return Error{row.message()};
    if (!row.value()) break;
    FrameRow f;
    f.job_id = static_cast<uint64_t>(frames->column_int(0));
    f.frame = static_cast<uint32_t>(frames->column_int(1));
    f.scene_path = frames->column_text(2);
    f.width = static_cast<uint32_t>(frames->column_int(3));
    f.height = static_cast<uint32_t>(frames->column_int(4));
    f.exr = optional_hash(frames.value(), 5);
    f.png = optional_hash(frames.value(), 6);
    snap.frames.push_back(std::move(f));
  }
  auto units = db_->prepare(
      "SELECT id, job_id, frame, x0, y0, x1, y1, s0, s1, attempts, result, rays, replication,"
      " quorum, z0, z1, input, affected FROM units ORDER BY id");
  if (!units) return Error{units.message()};
  for (;;) {
    Result<bool> row = units->step();
    if (!row) return Error{row.message()};
    if (!row.value()) break;
    UnitRow u;
    u.id = static_cast<uint64_t>(units->column_int(0));
    u.job_id = static_cast<uint64_t>(units->column_int(1));
    u.frame = static_cast<uint32_t>(units->column_int(2));
    u.x0 = static_cast<uint32_t>(units->column_int(3));
    u.y0 = static_cast<uint32_t>(units->column_int(4));
    u.x1 = static_cast<uint32_t>(units->column_int(5));
    u.y1 = static_cast<uint32_t>(units->column_int(6));
    u.s0 = static_cast<uint32_t>(units->column_int(7));
    u.s1 = static_cast<uint32_t>(units->column_int(8));
    u.attempts = static_cast<uint32_t>(units->column_int(9));
    u.result = optional_hash(units.value(), 10);
    u.rays = static_cast<uint64_t>(units->column_int(11));
    u.replication = static_cast<uint32_t>(units->column_int(12));
    u.quorum = static_cast<uint32_t>(units->column_int(13));
    u.z0 = static_cast<uint32_t>(units->column_int(14));
    u.z1 = static_cast<uint32_t>(units->column_int(15));
    u.input = optional_hash(units.value(), 16);
    u.affected = units->column_int(17) != 0;
    snap.units.push_back(std::move(u));
  }
  auto leases = db_->prepare("SELECT id, unit_id, worker, deadline_ms FROM leases ORDER BY id");
  if (!leases) return Error{leases.message()};
  for (;;) {
    Result<bool> row = leases->step();
    if (!row) return Error{row.message()};
    if (!row.value()) break;
    snap.leases.push_back({static_cast<uint64_t>(leases->column_int(0)),
                           static_cast<uint64_t>(leases->column_int(1)), leases->column_text(2),
                           leases->column_int(3)});
  }
  if (Status s = load_verification(snap); !s) return Error{s.message()};
  if (Status s = load_simulation(snap); !s) return Error{s.message()};
  return snap;
}

}  // namespace tf
