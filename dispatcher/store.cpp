#include "dispatcher/store.h"

#include "dispatcher/postgres_db.h"
#include "dispatcher/sqlite_db.h"
#include "dispatcher/store_schema.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <iterator>

namespace tf {
namespace {

Hash256 hash_from_blob(const std::vector<uint8_t>& bytes) {
  Hash256 h;
  if (bytes.size() == h.bytes.size()) std::memcpy(h.bytes.data(), bytes.data(), bytes.size());
  return h;
}

}  // namespace

std::optional<Hash256> optional_hash(const SqlStatement& s, int col) {
  std::vector<uint8_t> bytes = s.column_blob(col);
  if (bytes.size() != 32) return std::nullopt;
  return hash_from_blob(bytes);
}

int Store::latest_schema_version() { return schema_migration_count(); }

Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& state_dir,
                                           int target_version,
                                           std::vector<std::string> later_migrations) {
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) return Error{"cannot create state folder " + state_dir.string() + ": " + ec.message()};
  const std::filesystem::path path = state_dir / "dispatcher.db";
  Result<std::unique_ptr<SqlDb>> db = open_sqlite(path);
  if (!db) return Error{db.message()};
  Result<BlobStore> blobs = BlobStore::open(state_dir / "blobs");
  if (!blobs) return Error{blobs.message()};
  return migrated(std::unique_ptr<Store>(new Store(std::move(db.value()), blobs.value())),
                  path.string(), target_version, std::move(later_migrations));
}

Result<std::unique_ptr<Store>> Store::open_database(const std::string& url,
                                                    const std::filesystem::path& scratch,
                                                    int target_version,
                                                    std::vector<std::string> later_migrations) {
  Result<std::unique_ptr<SqlDb>> db = open_postgres(url);
  if (!db) return Error{db.message()};
  std::unique_ptr<Store> store(new Store(std::move(db.value()), std::nullopt));
  const std::string name = redact_database_url(url);
  Result<std::unique_ptr<Store>> opened =
      migrated(std::move(store), name, target_version, std::move(later_migrations));
  if (!opened) return opened;
  // Blobs go through a connection of their own: the frame encoder's thread uses them too, and
  // each is committed on its own, before the rows that name it.
  Result<std::unique_ptr<SqlDb>> blob_db = open_postgres(url);
  if (!blob_db) return Error{blob_db.message()};
  Result<BlobStore> blobs = BlobStore::in_database(std::move(blob_db.value()), scratch);
  if (!blobs) return Error{blobs.message()};
  opened.value()->blobs_ = blobs.value();
  return opened;
}

Result<std::unique_ptr<Store>> Store::migrated(std::unique_ptr<Store> store,
                                               const std::string& name, int target_version,
                                               std::vector<std::string> later_migrations) {
  store->later_migrations_ = std::move(later_migrations);
  const int latest = latest_schema_version() + static_cast<int>(store->later_migrations_.size());
  if (target_version < 0) target_version = latest;
  if (Status s = store->migrate(target_version); !s) {
    return Error{"cannot migrate " + name + ": " + s.message()};
  }
  return store;
}

Result<int> Store::schema_version() {
  Result<SqlStatement> q = db_->prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!q) return Error{q.message()};
  Result<bool> row = q->step();
  if (!row) return Error{row.message()};
  return static_cast<int>(q->column_int(0));
}

Status Store::migrate(int target_version) {
  // Dispatchers of one farm starting together migrate one at a time.
  if (db_->engine() == SqlEngine::kPostgres) {
    if (Status s = db_->exec("SELECT pg_advisory_lock(7600)"); !s) return s;
  }
  Status s = migrate_locked(target_version);
  if (db_->engine() == SqlEngine::kPostgres) (void)db_->exec("SELECT pg_advisory_unlock(7600)");
  return s;
}

Status Store::migrate_locked(int target_version) {
  if (Status s = db_->exec("CREATE TABLE IF NOT EXISTS schema_migrations("
                           "version INTEGER PRIMARY KEY)");
      !s) {
    return s;
  }
  Result<int> current = schema_version();
  if (!current) return current.status();
  const int latest = latest_schema_version() + static_cast<int>(later_migrations_.size());
  if (current.value() > latest) {
    return Error{"the database has schema version " + std::to_string(current.value()) +
                 ", newer than this build's " + std::to_string(latest)};
  }
  if (target_version > latest) {
    return Error{"no migration to schema version " + std::to_string(target_version)};
  }
  if (current.value() >= target_version) return Status::ok();
  // Every pending migration in one transaction: an upgrade applies all of them or none, and a
  // new database costs one commit instead of one per version (each a sync: `tilefarm sim`
  // starts a farm, and so a database, on every call).
  if (Status s = begin(); !s) return s;
  for (int v = current.value(); v < target_version; ++v) {
    Status s = db_->exec(v < latest_schema_version()
                             ? migration_sql(v, db_->engine())
                             : later_migrations_.at(static_cast<size_t>(v - latest_schema_version())));
    if (s) {
      s = db_->exec("INSERT INTO schema_migrations(version) VALUES (" + std::to_string(v + 1) +
                    ")");
    }
    if (!s) {
      rollback();
      return Error{"migration to version " + std::to_string(v + 1) + " failed: " + s.message()};
    }
  }
  return commit();
}

Status Store::begin() {
  if (in_transaction_) return Status::ok();
  if (Status s = db_->begin(); !s) return s;
  in_transaction_ = true;
  if (leadership_) {
    if (Status s = leadership_->fence(*db_); !s) {
      rollback();
      return s;
    }
  }
  return Status::ok();
}

Status Store::lead(LeadershipOptions options) {
  if (db_->engine() != SqlEngine::kPostgres) {
    return Error{"leadership needs a PostgreSQL store (a SQLite state has one dispatcher)"};
  }
  Result<std::unique_ptr<Leadership>> leadership = Leadership::acquire(*db_, std::move(options));
  if (!leadership) return leadership.status();
  leadership_ = std::move(leadership.value());
  return Status::ok();
}

Result<std::vector<uint8_t>> Store::farm_key(const std::string& name,
                                             std::span<const uint8_t> proposed) {
  if (Status s = begin(); !s) return Error{s.message()};
  auto insert = statement("INSERT INTO farm_keys(name, key) VALUES (?, ?) ON CONFLICT DO NOTHING");
  Status s = insert ? Status::ok() : insert.status();
  if (s) s = insert.value()->bind(1, name).bind_blob(2, proposed.data(), proposed.size()).run();
  auto read = statement("SELECT key FROM farm_keys WHERE name = ?");
  if (s && !read) s = read.status();
  std::vector<uint8_t> key;
  if (s) {
    Result<bool> row = read.value()->bind(1, name).step();
    if (row && row.value()) key = read.value()->column_blob(0);
    read.value()->reset();
    if (!row) s = row.status();
  }
  if (!s) {
    rollback();
    return Error{"cannot read the farm's " + name + " key: " + s.message()};
  }
  if (Status c = commit(); !c) return Error{c.message()};
  return key;
}

Status Store::keep_leadership() {
  if (!leadership_ || in_transaction_ || !leadership_->renewal_due()) return Status::ok();
  return begin();
}

Status Store::commit() {
  if (!in_transaction_) return Status::ok();
  Status s = write_pending_replicas();
  if (s) s = db_->commit();
  if (!s) rollback();
  in_transaction_ = false;
  return s;
}

void Store::rollback() {
  pending_replicas_.clear();
  // The reservations, if this transaction made them, are undone.
  next_lease_id_ = lease_id_end_ = 0;
  unit_ids_.clear();
  next_unit_id_ = 0;
  if (!in_transaction_) return;
  db_->rollback();
  in_transaction_ = false;
}

Result<SqlStatement*> Store::statement(const char* sql) { return statements_.get(sql); }

Result<uint64_t> Store::inserted_id(SqlStatement& insert) {
  Result<bool> row = insert.step();
  if (!row) return Error{row.message()};
  if (!row.value()) return Error{"internal error: a statement RETURNING an id returned no row"};
  const auto id = static_cast<uint64_t>(insert.column_int(0));
  insert.reset();
  return id;
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
      " sim_tile, client, noise_target_bits, max_spp, deadline_ms, result_hash)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
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
      .bind(17, job.client)
      .bind(18, std::bit_cast<int64_t>(job.noise_target))
      .bind(19, job.max_spp)
      .bind(20, job.deadline_ms)
      .bind(21, static_cast<int64_t>(job.result_hash));
  return inserted_id(*st.value());
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
  return st.value()->run_batched();
}

namespace {

constexpr const char* kUnitColumns =
    "INSERT INTO units(id, job_id, frame, x0, y0, x1, y1, s0, s1, replication, quorum, z0, z1,"
    " input) VALUES ";
constexpr int kUnitParams = 14;

// Binds `u` as the row whose first parameter is `first`.
void bind_unit(SqlStatement& st, int first, const UnitRow& u) {
  st.bind(first, static_cast<int64_t>(u.id))
      .bind(first + 1, static_cast<int64_t>(u.job_id))
      .bind(first + 2, u.frame)
      .bind(first + 3, u.x0)
      .bind(first + 4, u.y0)
      .bind(first + 5, u.x1)
      .bind(first + 6, u.y1)
      .bind(first + 7, u.s0)
      .bind(first + 8, u.s1)
      .bind(first + 9, u.replication)
      .bind(first + 10, u.quorum)
      .bind(first + 11, u.z0)
      .bind(first + 12, u.z1);
  if (u.input) {
    st.bind_blob(first + 13, u.input->bytes.data(), u.input->bytes.size());
  } else {
    st.bind_blob(first + 13, nullptr, 0);  // reads back as no input (optional_hash)
  }
}

}  // namespace

Status Store::reserve_unit_ids(size_t count) {
  count = std::max(count, kUnitIdBlock);
  std::vector<uint64_t> ids;
  ids.reserve(count);
  if (db_->engine() == SqlEngine::kPostgres) {
    // The identity column's own sequence: ids that a default insert (an older dispatcher's)
    // can never take again.
    auto st = statement(
        "SELECT nextval(pg_get_serial_sequence('units', 'id'))"
        " FROM generate_series(1, CAST(? AS INTEGER))");
    if (!st) return st.status();
    st.value()->bind(1, static_cast<int64_t>(count));
    for (;;) {
      Result<bool> row = st.value()->step();
      if (!row) return row.status();
      if (!row.value()) break;
      ids.push_back(static_cast<uint64_t>(st.value()->column_int(0)));
    }
    st.value()->reset();
    std::sort(ids.begin(), ids.end());
  } else {
    // AUTOINCREMENT's high-water mark (sqlite_sequence; SQLite keeps it at or above every id
    // the table ever held), raised past the block: SQLite then never issues these ids again,
    // and the ids of deleted units are not reused. Its row exists once a unit was inserted.
    auto first_use = statement(
        "INSERT INTO sqlite_sequence(name, seq) SELECT 'units', (SELECT MAX(id) FROM units)"
        " WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'units')");
    if (!first_use) return first_use.status();
    if (Status s = first_use.value()->run(); !s) return s;
    auto st = statement(
        "UPDATE sqlite_sequence SET seq = COALESCE(seq, 0) + ? WHERE name = 'units' RETURNING seq");
    if (!st) return st.status();
    st.value()->bind(1, static_cast<int64_t>(count));
    Result<uint64_t> end = inserted_id(*st.value());
    if (!end) return end.status();
    for (uint64_t id = end.value() - count + 1; id <= end.value(); ++id) ids.push_back(id);
  }
  if (ids.size() != count) {
    return Error{"internal error: reserved " + std::to_string(ids.size()) + " unit ids of " +
                 std::to_string(count)};
  }
  unit_ids_ = std::move(ids);
  next_unit_id_ = 0;
  return Status::ok();
}

Status Store::insert_units(std::span<UnitRow> units) {
  if (Status s = require_transaction("insert_units"); !s) return s;
  if (units.empty()) return Status::ok();
  if (unit_ids_.size() - next_unit_id_ < units.size()) {
    if (Status s = reserve_unit_ids(units.size()); !s) {
      return Error{"cannot reserve unit ids: " + s.message()};
    }
  }
  for (UnitRow& u : units) u.id = unit_ids_[next_unit_id_++];
  static const RowInsert kInsert(kUnitColumns, kUnitParams);
  return insert_rows(kInsert, units.size(), [&](SqlStatement& st, int first, size_t i) {
    bind_unit(st, first, units[i]);
  });
}

Store::RowInsert::RowInsert(const char* prefix, int params_per_row) : params(params_per_row) {
  std::string row = "(";
  for (int p = 0; p < params; ++p) row += p == 0 ? "?" : ", ?";
  row += ")";
  one = std::string(prefix) + row;
  many = prefix;
  for (size_t r = 0; r < kRowsPerInsert; ++r) many += (r == 0 ? "" : ", ") + row;
}

Status Store::insert_rows(const RowInsert& insert, size_t count,
                          const std::function<void(SqlStatement&, int, size_t)>& bind) {
  for (size_t at = 0; at < count;) {
    const size_t rows = count - at >= kRowsPerInsert ? kRowsPerInsert : 1;
    auto st = statement(rows == 1 ? insert.one.c_str() : insert.many.c_str());
    if (!st) return st.status();
    for (size_t r = 0; r < rows; ++r) {
      bind(*st.value(), static_cast<int>(r) * insert.params + 1, at + r);
    }
    if (Status s = st.value()->run_batched(); !s) return s;
    at += rows;
  }
  return Status::ok();
}

Result<uint64_t> Store::insert_unit(const UnitRow& u) {
  UnitRow row = u;
  if (Status s = insert_units(std::span<UnitRow>(&row, 1)); !s) return Error{s.message()};
  return row.id;
}

Status Store::set_job_state(uint64_t job_id, proto::JobState state, const std::string& message) {
  if (Status s = require_transaction("set_job_state"); !s) return s;
  auto st = statement("UPDATE jobs SET state = ?, message = ? WHERE id = ?");
  if (!st) return st.status();
  st.value()->bind(1, static_cast<int64_t>(state)).bind(2, message).bind(3, static_cast<int64_t>(job_id));
  return st.value()->run_batched();
}

Result<uint64_t> Store::next_lease_id() {
  if (Status s = require_transaction("next_lease_id"); !s) return Error{s.message()};
  if (next_lease_id_ == lease_id_end_) {
    auto st = statement(
        "UPDATE counters SET value = value + ? WHERE name = 'lease_id' RETURNING value");
    if (!st) return Error{st.message()};
    st.value()->bind(1, static_cast<int64_t>(kLeaseIdBlock));
    Result<uint64_t> end = inserted_id(*st.value());
    if (!end) return Error{"cannot reserve lease ids: " + end.message()};
    lease_id_end_ = end.value() + 1;
    next_lease_id_ = lease_id_end_ - kLeaseIdBlock;
  }
  return next_lease_id_++;
}

Status Store::set_unit_attempts(uint64_t unit_id, uint32_t attempts) {
  if (Status s = require_transaction("set_unit_attempts"); !s) return s;
  auto st = statement("UPDATE units SET attempts = ? WHERE id = ?");
  if (!st) return st.status();
  st.value()->bind(1, attempts).bind(2, static_cast<int64_t>(unit_id));
  return st.value()->run_batched();
}

Status Store::set_unit_result(uint64_t unit_id, const Hash256& result, uint64_t rays) {
  if (Status s = require_transaction("set_unit_result"); !s) return s;
  auto st = statement("UPDATE units SET result = ?, rays = ? WHERE id = ?");
  if (!st) return st.status();
  st.value()->bind_blob(1, result.bytes.data(), result.bytes.size())
      .bind(2, static_cast<int64_t>(rays))
      .bind(3, static_cast<int64_t>(unit_id));
  return st.value()->run_batched();
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
  return st.value()->run_batched();
}

Status Store::set_frame_kernel_version(uint64_t job_id, uint32_t frame,
                                       const std::string& kernel_version) {
  if (Status s = require_transaction("set_frame_kernel_version"); !s) return s;
  auto st = statement("UPDATE frames SET kernel_version = ? WHERE job_id = ? AND frame = ?");
  if (!st) return st.status();
  st.value()->bind(1, kernel_version).bind(2, static_cast<int64_t>(job_id)).bind(3, frame);
  return st.value()->run_batched();
}

Result<StoreSnapshot> Store::load() {
  if (Status s = write_pending_replicas(); !s) return Error{s.message()};
  StoreSnapshot snap;
  auto jobs = db_->prepare(
      "SELECT id, name, state, priority, bundle, tile_size, spp, samples_per_unit, message,"
      " replication, quorum, max_replicas, lenient, sim_batch, sim_source, sim_chunk_steps,"
      " sim_tile, client, noise_target_bits, max_spp, deadline_ms, result_hash FROM jobs"
      " ORDER BY id");
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
    j.noise_target = std::bit_cast<double>(jobs->column_int(18));
    j.max_spp = static_cast<uint32_t>(jobs->column_int(19));
    j.deadline_ms = jobs->column_int(20);
    j.result_hash = static_cast<proto::ResultHashScheme>(jobs->column_int(21));
    snap.jobs.push_back(std::move(j));
  }
  auto frames = db_->prepare(
      "SELECT job_id, frame, scene_path, width, height, exr, png, kernel_version FROM frames"
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
    f.kernel_version = frames->column_text(7);
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
  if (Status s = load_verification(snap); !s) return Error{s.message()};
  if (Status s = load_simulation(snap); !s) return Error{s.message()};
  if (Status s = load_quality(snap); !s) return Error{s.message()};
  return snap;
}

}  // namespace tf
