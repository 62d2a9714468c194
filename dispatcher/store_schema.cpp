#include "dispatcher/store_schema.h"

#include <iterator>
#include <regex>

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
    // 11 -> 12: blobs in the database, for stores that keep none beside it (PostgreSQL: every
    // dispatcher of a farm reaches them; blob_store.h). SQLite states keep them as files.
    R"sql(
    CREATE TABLE blobs(
      hash BLOB PRIMARY KEY,
      bytes BLOB NOT NULL);
    )sql",
    // 12 -> 13: which dispatcher of a farm is active (dispatcher/leadership.h): one row, id 1;
    // and the public keys every dispatcher of the farm must share (Store::farm_key).
    R"sql(
    CREATE TABLE leadership(
      id INTEGER PRIMARY KEY,
      holder TEXT NOT NULL,
      epoch INTEGER NOT NULL,
      expires_ms INTEGER NOT NULL);
    CREATE TABLE farm_keys(
      name TEXT PRIMARY KEY,
      key BLOB NOT NULL);
    )sql",
    // 13 -> 14: mixed-version farms: the kernel version a render frame is pinned to
    // (FrameRow::kernel_version), '' while unpinned. Frames of earlier versions are unpinned:
    // their next replica pins them.
    R"sql(
    ALTER TABLE frames ADD COLUMN kernel_version TEXT NOT NULL DEFAULT '';
    )sql",
    // 14 -> 15: rendering to quality (dispatcher/refinement.h): a job's noise target (the
    // IEEE-754 bits of the double, 0: none), sample cap (0: a fixed-spp job, as every job of
    // earlier versions) and deadline (ms on the dispatcher's clock, 0: none); each tile's
    // samples planned so far and whether it is done (QualityTileRow).
    R"sql(
    ALTER TABLE jobs ADD COLUMN noise_target_bits INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN max_spp INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN deadline_ms INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE quality_tiles(
      job_id INTEGER NOT NULL,
      frame INTEGER NOT NULL,
      x0 INTEGER NOT NULL,
      y0 INTEGER NOT NULL,
      spp INTEGER NOT NULL,
      done INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY(job_id, frame, x0, y0),
      FOREIGN KEY(job_id, frame) REFERENCES frames(job_id, frame) ON DELETE CASCADE);
    )sql",
    // 15 -> 16: leases folded into replicas (one row per grant instead of two, and no delete
    // when a lease ends: a replica is an open lease while its state is 'leased'). A replica
    // keeps the routing id and deadline of its lease; lease ids come from counters('lease_id'),
    // the largest id ever handed out, which a dispatcher advances a block at a time
    // (Store::next_lease_id) so that ids are never reused. A leased replica without a lease
    // row (never written so) is cancelled, as loading it was before.
    R"sql(
    ALTER TABLE replicas ADD COLUMN routing_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE replicas ADD COLUMN deadline_ms INTEGER NOT NULL DEFAULT 0;
    UPDATE replicas SET
      routing_id = COALESCE((SELECT l.worker FROM leases l WHERE l.id = replicas.lease_id), ''),
      deadline_ms = COALESCE((SELECT l.deadline_ms FROM leases l WHERE l.id = replicas.lease_id), 0);
    UPDATE replicas SET state = 'cancelled'
      WHERE state = 'leased' AND lease_id NOT IN (SELECT id FROM leases);
    CREATE TABLE counters(
      name TEXT PRIMARY KEY,
      value INTEGER NOT NULL);
    INSERT INTO counters(name, value) SELECT 'lease_id', COALESCE(MAX(v), 0) FROM (
      SELECT MAX(id) AS v FROM leases UNION ALL
      SELECT MAX(lease_id) AS v FROM replicas LEASE_SEQUENCE) AS ids;
    DROP TABLE leases;
    )sql",
    // 16 -> 17: no index of replicas by worker key. No query of the dispatcher's reads replicas
    // by key (it loads them all, by unit), and the key is random: each commit's new replicas
    // landed on most of the index's leaf pages, so every commit rewrote the whole index into
    // the write-ahead log (2-3 MB a commit once a farm had run 50,000 units).
    R"sql(
    DROP INDEX replicas_by_key;
    )sql",
    // 17 -> 18: how a job's results are hashed (JobRow::result_hash); jobs stored before it
    // were hashed sequentially.
    R"sql(
    ALTER TABLE jobs ADD COLUMN result_hash INTEGER NOT NULL DEFAULT 0;
    )sql",
};

// PostgreSQL's text for the steps whose SQLite text it cannot run: the ledger's append-only
// triggers (a trigger function instead of a RAISE in the trigger body), and the ledger's
// insertion order, which SQLite keeps as the implicit rowid and PostgreSQL in a column of that
// name, so that both read `ORDER BY rowid`.
constexpr const char* kPostgresLedger = R"sql(
    CREATE TABLE ledger(
      rowid BIGINT GENERATED ALWAYS AS IDENTITY,
      seq BIGINT NOT NULL UNIQUE,
      time_ms BIGINT NOT NULL,
      worker_key BYTEA NOT NULL,
      job_id BIGINT NOT NULL,
      unit_id BIGINT NOT NULL,
      result BYTEA NOT NULL,
      credit BIGINT NOT NULL,
      prev_hash BYTEA NOT NULL,
      entry_hash BYTEA NOT NULL,
      signature BYTEA NOT NULL);
    CREATE UNIQUE INDEX ledger_by_unit_worker ON ledger(unit_id, worker_key);
    CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN RAISE EXCEPTION 'the ledger is append-only'; END $$;
    CREATE TRIGGER ledger_no_update BEFORE UPDATE OR DELETE ON ledger
      FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
    CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
    )sql";
constexpr int kLedgerMigration = 2;
constexpr int kLeaseFoldMigration = 15;

std::string postgres_types(std::string sql) {
  sql = std::regex_replace(sql, std::regex(R"(\bINTEGER PRIMARY KEY AUTOINCREMENT\b)"),
                           "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
  sql = std::regex_replace(sql, std::regex(R"(\bINTEGER\b)"), "BIGINT");
  return std::regex_replace(sql, std::regex(R"(\b(BLOB|TEXT)\b)"), "BYTEA");
}

}  // namespace

int schema_migration_count() { return static_cast<int>(std::size(kMigrations)); }

std::string migration_sql(int version, SqlEngine engine) {
  std::string sql = kMigrations[version];
  if (version == kLeaseFoldMigration) {
    // The largest lease id ever handed out: SQLite's AUTOINCREMENT keeps it in
    // sqlite_sequence, even for leases deleted with no replica (schemas before replicas);
    // every PostgreSQL lease has its replica row.
    sql = std::regex_replace(
        sql, std::regex("LEASE_SEQUENCE"),
        engine == SqlEngine::kSqlite
            ? "UNION ALL SELECT seq AS v FROM sqlite_sequence WHERE name = 'leases'"
            : "");
  }
  if (engine == SqlEngine::kSqlite) return sql;
  if (version == kLedgerMigration) return kPostgresLedger;
  return postgres_types(sql);
}

}  // namespace tf
