// The dispatcher's durable state: jobs, frames, units, replicas (each the lease of a unit to a
// worker, open while its state is kLeased), worker reputations and
// unit result bytes in SQLite (WAL, synchronous=FULL; uploaded assets and outputs as
// content-addressed files beside the database), or in PostgreSQL (everything in the database,
// so that several dispatchers of a farm share it). Both engines run the same statements and
// the same migrations (sql_db.h, store_schema.h).
//
// Transactions: every write happens inside begin()/commit(); the server opens one transaction
// per poll-loop iteration (batching every message of that iteration) and sends replies only
// after commit() returned, so nothing a peer was told is lost by a crash. A transaction that
// never commits (crash, kill -9, rollback) leaves the previous state.
//
// Schema: versioned migrations (schema_migrations table); open() applies every migration the
// database lacks, all in one transaction (an upgrade applies all of them or none).
//
// Thread safety: one Store belongs to one thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dispatcher/blob_store.h"
#include "dispatcher/leadership.h"
#include "dispatcher/reputation.h"
#include "dispatcher/sql_db.h"
#include "formats/hash/hash.h"
#include "formats/protocol/messages.h"
#include "kernels/status.h"

namespace tf {

struct JobRow {
  uint64_t id = 0;
  std::string name;
  proto::JobState state = proto::JobState::kQueued;
  int32_t priority = 0;
  Hash256 bundle;
  uint32_t tile_size = 0, spp = 0, samples_per_unit = 0;
  std::string message;
  // Verification (proto::SubmitJob): replicas per unit, agreeing hashes to accept, cap.
  uint32_t replication = 1, quorum = 1, max_replicas = 4;
  bool lenient = false;  // scenes load leniently (proto::SubmitJob::lenient)
  // A simulation batch (empty for render jobs): TOML text, the name its errors cite, and the
  // chunk length and tile side the job was planned with (dispatcher/sim_plan.h).
  std::string sim_batch, sim_source;
  uint32_t sim_chunk_steps = 0, sim_tile = 0;
  // The key that submitted the job (the transport's peer key; empty on a local socket): the
  // scheduler shares the workers fairly between clients (scheduler.h).
  std::string client;
  // Rendering to quality (dispatcher/refinement.h): the relative error per tile to reach
  // (0: none), the most samples a tile gets (0: a job of fixed spp) and when no new round may
  // start (ms on the dispatcher's clock; 0: never). spp is then the first round's samples.
  double noise_target = 0;
  uint32_t max_spp = 0;
  int64_t deadline_ms = 0;
  // How its results are hashed (proto::ResultHashScheme): set at submission, never changed, so
  // that every replica of a unit hashes alike; jobs stored before the column are sequential.
  proto::ResultHashScheme result_hash = proto::ResultHashScheme::kSequential;
  bool is_simulation() const { return !sim_batch.empty(); }
  bool renders_to_quality() const { return max_spp != 0; }
};

struct FrameRow {
  uint64_t job_id = 0;
  uint32_t frame = 0;
  std::string scene_path;
  uint32_t width = 0, height = 0;
  std::optional<Hash256> exr, png;  // set once the frame is assembled
  // The kernel version every unit of the frame runs (DispatcherCore pins it when the frame's
  // first replica is leased); empty: not pinned yet, and always for simulation runs.
  std::string kernel_version;
};

struct UnitRow {
  uint64_t id = 0;
  uint64_t job_id = 0;
  uint32_t frame = 0;
  uint32_t x0 = 0, y0 = 0, x1 = 0, y1 = 0, s0 = 0, s1 = 0;
  uint32_t attempts = 0;          // failed or lapsed leases so far
  std::optional<Hash256> result;  // set once an accepted result is stored
  uint64_t rays = 0;
  // This unit's own replication and quorum: its job's, or 1 and 1 when its first replica went
  // to a trusted worker and no spot check was drawn (reputation.h).
  uint32_t replication = 1, quorum = 1;
  // Simulation units: frame is the run, [x0,x1)x[y0,y1)x[z0,z1) the box, [s0, s1) the steps,
  // input the state blob at step s0. Render units: z0 = 0, z1 = 1, no input.
  uint32_t z0 = 0, z1 = 1;
  std::optional<Hash256> input{};
  // Accepted in a job that had finished (or a simulation run, whose chunks are never rewound)
  // when a key its acceptance rested on was quarantined: possibly wrong until re-run.
  bool affected = false;
};

// A simulation run's progress: `state` is the blob of its whole-domain state at `step`. A
// finished run's last state is not stored (its snapshot is): its `step` and `state` stay at the
// last state stored, and `head_step` is its last step.
struct SimRunRow {
  uint64_t job_id = 0;
  uint32_t run = 0;
  uint64_t step = 0;
  Hash256 state;
  int64_t started_ms = 0;   // first lease of one of its units; 0: not started
  int64_t finished_ms = 0;  // 0: running
  // How far the run got past `step` on workers: chunks up to head_step were verified by their
  // result hashes alone, the last one's being `head` (nullopt: none, head_step == step).
  uint64_t head_step = 0;
  std::optional<Hash256> head;
  // Where the run's current chunk starts.
  uint64_t chunk_start() const { return head ? head_step : step; }
};

// A tile of a frame rendered to quality, named by its top-left pixel: the samples its planned
// units cover, [0, spp), and whether it is done (converged, at max_spp, or past the deadline).
struct QualityTileRow {
  uint64_t job_id = 0;
  uint32_t frame = 0;
  uint32_t x0 = 0, y0 = 0;
  uint32_t spp = 0;
  bool done = false;
  bool operator==(const QualityTileRow&) const = default;
};

// A named output file of a job (simulation snapshots; render frames use FrameRow).
struct JobOutputRow {
  uint64_t job_id = 0;
  std::string name;
  Hash256 hash;
  uint64_t size = 0;
};

// The life of one replica (one lease of a unit to one worker key). Stored as text.
enum class ReplicaState : uint8_t {
  kLeased,     // granted, no result yet
  kReported,   // a result hash arrived in time; the unit is still being verified
  kAgreed,     // its hash was accepted
  kDisagreed,  // its hash lost to the accepted one
  kLapsed,     // deadline passed or the worker died before a result
  kFailed,     // the worker reported a failure, or its result was refused
  kCancelled,  // no longer needed: returned, unit accepted without it, job ended, quarantine
};
const char* replica_state_name(ReplicaState state);

// Where a replica's credit stands in the ledger.
enum class ReplicaCredit : uint8_t {
  kNone,      // never credited
  kGranted,   // a grant entry pays it
  kReversed,  // and a reversal entry took it back (its result proved wrong, or its key forfeited)
};

struct ReplicaRow {
  uint64_t unit_id = 0;
  uint32_t replica = 0;     // 0, 1, 2... in lease order
  std::string worker_key;   // the transport-vouched key that holds it
  std::string owner;        // that worker's declared owner
  uint64_t lease_id = 0;
  bool upload = false;      // the grant asked for the result bytes
  std::optional<Hash256> hash;
  ReplicaState state = ReplicaState::kLeased;
  // Its key was trusted when the unit was accepted (set on acceptance; DispatcherCore).
  bool trusted = false;
  ReplicaCredit credit = ReplicaCredit::kNone;
  // Its lease: the worker's routing id and the deadline (written when the replica is
  // inserted; an open lease while state is kLeased).
  std::string routing_id;
  int64_t deadline_ms = 0;
  // Leased or reported: it holds, or may still cast, a vote.
  bool live() const { return state == ReplicaState::kLeased || state == ReplicaState::kReported; }
};

// Everything in the database, as loaded at startup.
struct StoreSnapshot {
  std::vector<JobRow> jobs;
  std::vector<FrameRow> frames;
  std::vector<UnitRow> units;
  std::vector<ReplicaRow> replicas;  // by unit, then replica
  std::vector<WorkerRecord> workers;
  std::vector<SimRunRow> sim_runs;
  std::vector<JobOutputRow> outputs;
  std::vector<QualityTileRow> quality_tiles;  // by job, frame, y0, x0
};

class Store {
 public:
  // The schema version this build migrates to.
  static int latest_schema_version();

  // Opens (creating) `state_dir`/dispatcher.db and `state_dir`/blobs, applying migrations up
  // to `target_version` (default: latest). `later_migrations` (upgrade tests: a later
  // release's steps, SQL for both engines) follow this build's. Errors name the path.
  static Result<std::unique_ptr<Store>> open(const std::filesystem::path& state_dir,
                                             int target_version = -1,
                                             std::vector<std::string> later_migrations = {});
  // Opens the store in the PostgreSQL database at `url` (postgres_db.h), applying migrations
  // as open() does; blobs live in its `blobs` table; `scratch` is a local folder for temporary
  // files. Errors name the database without its password.
  static Result<std::unique_ptr<Store>> open_database(
      const std::string& url, const std::filesystem::path& scratch, int target_version = -1,
      std::vector<std::string> later_migrations = {});

  // Waits for and takes the leadership of the farm's database (PostgreSQL only; leadership.h).
  // From then on every transaction begins with the leadership's fence, so a deposed
  // dispatcher's begin() fails and it writes nothing.
  Status lead(LeadershipOptions options);
  // Opens a transaction when the leadership's lease is due for renewal (an idle leader must
  // renew it); a no-op without leadership.
  Status keep_leadership();
  const Leadership* leadership() const { return leadership_.get(); }
  // The farm's public key named `name` (table farm_keys): the one stored, or `proposed`,
  // stored now when there was none (in its own transaction). Dispatchers sharing a database
  // compare their keys with it.
  Result<std::vector<uint8_t>> farm_key(const std::string& name,
                                        std::span<const uint8_t> proposed);

  BlobStore& blobs() { return *blobs_; }
  // For modules that keep their own tables in this database (created by migrations here) and
  // write inside this store's transactions.
  SqlDb& db() { return *db_; }
  Result<int> schema_version();

  // Opens a write transaction (SQLite: BEGIN IMMEDIATE), whose first statement is the
  // leadership's fence when this store leads; a no-op when a transaction is already open.
  Status begin();
  // COMMIT; a no-op when none is open. On error the transaction is rolled back.
  Status commit();
  void rollback();
  bool in_transaction() const { return in_transaction_; }

  // Writes; each requires an open transaction (begin()). On PostgreSQL most are sent in
  // batches (SqlStatement::run_batched): an error may then surface at a later statement or
  // at commit(), which fails the transaction either way.
  Result<uint64_t> insert_job(const JobRow& job);  // returns the new id (job.id ignored)
  Status insert_frame(const FrameRow& frame);
  Result<uint64_t> insert_unit(const UnitRow& unit);  // returns the new id
  // Inserts `units` (their ids ignored) and sets each one's id: ids taken from blocks reserved
  // in the units' own id sequence (never reused; ascending in the order given; at least
  // kUnitIdBlock a block, in the open transaction; a rollback forgets the block it reserved),
  // rows inserted kRowsPerInsert to a statement and, on PostgreSQL, sent in batches. A job of
  // 25,600 units took 90 ms as a statement per row on SQLite, and a round trip per row on
  // PostgreSQL.
  Status insert_units(std::span<UnitRow> units);
  static constexpr size_t kRowsPerInsert = 64;
  static constexpr size_t kUnitIdBlock = 1024;
  Status set_job_state(uint64_t job_id, proto::JobState state, const std::string& message);
  // A fresh lease id for a replica about to be inserted. Ids are never reused: they are taken
  // from blocks of kLeaseIdBlock reserved in the database (counters 'lease_id', one statement
  // per block, in the open transaction); a rollback forgets the block it reserved.
  Result<uint64_t> next_lease_id();
  static constexpr uint64_t kLeaseIdBlock = 1024;
  Status set_unit_attempts(uint64_t unit_id, uint32_t attempts);
  // Records the accepted result (the caller cancels the replicas still leased).
  Status set_unit_result(uint64_t unit_id, const Hash256& result, uint64_t rays);
  Status set_frame_outputs(uint64_t job_id, uint32_t frame, const Hash256& exr,
                           const Hash256& png);
  // Pins the frame to a kernel version (FrameRow::kernel_version; empty: unpinned).
  Status set_frame_kernel_version(uint64_t job_id, uint32_t frame,
                                  const std::string& kernel_version);
  // Verification state (store_trust.cpp).
  Status set_unit_replication(uint64_t unit_id, uint32_t replication, uint32_t quorum);
  // Inserts a replica with its lease (lease_id from next_lease_id(), routing_id, deadline_ms).
  // The row reaches the database at commit() (or load()), with the transaction's other new
  // replicas kRowsPerInsert to a statement: a grant of a hundred units to each of 256 workers
  // spent most of its time in a statement per replica (an index and a foreign key each), and
  // the last workers started 200 ms after the first. A replica inserted twice in one
  // transaction fails the second insert_replica.
  Status insert_replica(const ReplicaRow& replica);
  // Writes the replica's state, hash, trust flag and credit. Within a transaction only the
  // last write of each replica reaches the database (at commit() or load()): a replica that
  // reports and is settled in one iteration costs one statement, not two, and one inserted in
  // the same transaction is inserted as last written.
  Status set_replica(const ReplicaRow& replica);
  Status put_worker(const WorkerRecord& worker);  // insert or replace by key
  // Re-verification of an accepted unit: its result and affected mark are cleared, and so are
  // its frame's outputs.
  Status reopen_unit(uint64_t unit_id);
  Status set_unit_affected(uint64_t unit_id, bool affected);
  Status clear_frame_outputs(uint64_t job_id, uint32_t frame);
  // Simulation state (store_sim.cpp).
  Status put_sim_run(const SimRunRow& run);  // insert or replace by (job, run)
  Status insert_job_output(const JobOutputRow& output);
  // Rendering to quality (store_quality.cpp): insert or replace by (job, frame, x0, y0).
  Status put_quality_tile(const QualityTileRow& tile);
  // Unit results (store_results.cpp): the canonical bytes (formats/protocol/result_hash.h) of
  // a result under its hash, already checked by the caller. They live in the database, so
  // they commit with the rows that name them: no file and no fsync of their own per result,
  // the same transaction's one durable commit. Storing the same hash twice keeps the first.
  Status put_result_bytes(const Hash256& hash, std::span<const uint8_t> bytes);
  // Whether / which bytes are stored under `hash`; results kept as blob files by earlier
  // versions are found too. Outside or inside a transaction (a transaction sees its own rows).
  bool has_result_bytes(const Hash256& hash);
  Result<std::vector<uint8_t>> result_bytes(const Hash256& hash);
  // A simulation result's observations (formats/sim/sim_unit.h) under its result hash, which
  // binds them (checked by the caller); the same hash twice keeps the first. Reading an
  // unknown hash is an error.
  Status put_observations(const Hash256& result, std::span<const uint8_t> bytes);
  Result<std::vector<uint8_t>> observations(const Hash256& result);

  Result<StoreSnapshot> load();

 private:
  Store(std::unique_ptr<SqlDb> db, std::optional<BlobStore> blobs)
      : db_(std::move(db)), blobs_(std::move(blobs)), statements_(*db_) {}
  // `store` migrated to `target_version` (-1: latest); errors name the database as `name`.
  static Result<std::unique_ptr<Store>> migrated(std::unique_ptr<Store> store,
                                                 const std::string& name, int target_version,
                                                 std::vector<std::string> later_migrations);
  Status migrate(int target_version);
  Status migrate_locked(int target_version);
  Status load_verification(StoreSnapshot& snap);  // replicas and workers (store_trust.cpp)
  Status load_simulation(StoreSnapshot& snap);    // sim runs and outputs (store_sim.cpp)
  Status load_quality(StoreSnapshot& snap);       // quality tiles (store_quality.cpp)
  Result<SqlStatement*> statement(const char* sql);
  // Reserves a block of at least `count` fresh unit ids, ascending, as the one insert_units
  // takes from (unit_ids_, next_unit_id_).
  Status reserve_unit_ids(size_t count);
  // Steps a statement that RETURNs one id (an INSERT's, a counter's) once and resets it.
  static Result<uint64_t> inserted_id(SqlStatement& insert);
  // An INSERT whose rows go kRowsPerInsert to a statement: its texts for that many rows and
  // for one, from `prefix` ("INSERT INTO t(a, b) VALUES ") and `params` placeholders a row.
  struct RowInsert {
    RowInsert(const char* prefix, int params);
    std::string many, one;
    int params;
  };
  // Inserts `count` rows; bind(statement, first parameter, i) binds the i-th row's values.
  Status insert_rows(const RowInsert& insert, size_t count,
                     const std::function<void(SqlStatement&, int, size_t)>& bind);
  Status require_transaction(const char* what) const;
  // Writes the replica rows insert_replica() and set_replica() kept for this transaction (the
  // inserts first), and forgets them.
  Status write_pending_replicas();
  Status write_replica(const ReplicaRow& replica);

  std::unique_ptr<SqlDb> db_;
  std::optional<BlobStore> blobs_;  // set once open
  std::unique_ptr<Leadership> leadership_;
  SqlStatementCache statements_;
  std::vector<std::string> later_migrations_;  // open(): steps after this build's
  bool in_transaction_ = false;
  // Lease ids of the block reserved by next_lease_id(): [next, end).
  uint64_t next_lease_id_ = 0, lease_id_end_ = 0;
  std::vector<uint64_t> unit_ids_;  // the reserved block; unit_ids_[next_unit_id_] is next
  size_t next_unit_id_ = 0;
  // insert_replica()'s and set_replica()'s rows of the open transaction, by (unit, replica).
  struct PendingReplica {
    ReplicaRow row;
    bool insert = false;  // a new row (else an update of a row already in the database)
  };
  std::map<std::pair<uint64_t, uint32_t>, PendingReplica> pending_replicas_;
};

// Reads a hash column; NULL (and any blob that is not a hash) reads as "no hash yet". For the
// store's own source files.
std::optional<Hash256> optional_hash(const SqlStatement& statement, int col);

}  // namespace tf
