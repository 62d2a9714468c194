// The store's verification tables: replicas and workers (Store, see store.h).
#include <array>
#include <iterator>

#include "dispatcher/store.h"

namespace tf {
namespace {

constexpr std::array<const char*, 7> kReplicaStateNames = {
    "leased", "reported", "agreed", "disagreed", "lapsed", "failed", "cancelled"};

// Unknown text (a newer build's state) reads as cancelled: such a replica takes no part in
// verification.
ReplicaState parse_replica_state(const std::string& text) {
  for (size_t i = 0; i < kReplicaStateNames.size(); ++i) {
    if (text == kReplicaStateNames[i]) return static_cast<ReplicaState>(i);
  }
  return ReplicaState::kCancelled;
}

int64_t as_int(uint64_t v) { return static_cast<int64_t>(v); }
uint64_t as_count(int64_t v) { return v < 0 ? 0 : static_cast<uint64_t>(v); }

}  // namespace

const char* replica_state_name(ReplicaState state) {
  return kReplicaStateNames.at(static_cast<size_t>(state));
}

Status Store::set_unit_replication(uint64_t unit_id, uint32_t replication, uint32_t quorum) {
  if (Status s = require_transaction("set_unit_replication"); !s) return s;
  auto st = statement("UPDATE units SET replication = ?, quorum = ? WHERE id = ?");
  if (!st) return st.status();
  st.value()->bind(1, replication).bind(2, quorum).bind(3, as_int(unit_id));
  return st.value()->run_batched();
}

Status Store::insert_replica(const ReplicaRow& r) {
  if (Status s = require_transaction("insert_replica"); !s) return s;
  if (!pending_replicas_.try_emplace({r.unit_id, r.replica}, PendingReplica{r, true}).second) {
    return Error{"replica " + std::to_string(r.replica) + " of unit " + std::to_string(r.unit_id) +
                 " was written already in this transaction"};
  }
  return Status::ok();
}

Status Store::set_replica(const ReplicaRow& r) {
  if (Status s = require_transaction("set_replica"); !s) return s;
  auto [it, fresh] =
      pending_replicas_.try_emplace({r.unit_id, r.replica}, PendingReplica{r, false});
  if (!fresh) it->second.row = r;  // still an insert, if it was one
  return Status::ok();
}

namespace {

constexpr const char* kReplicaColumns =
    "INSERT INTO replicas(unit_id, replica, worker_key, owner, lease_id, upload, hash, state,"
    " trusted, credit, routing_id, deadline_ms) VALUES ";
constexpr int kReplicaParams = 12;

void bind_hash(SqlStatement& st, int param, const std::optional<Hash256>& hash) {
  if (hash) {
    st.bind_blob(param, hash->bytes.data(), hash->bytes.size());
  } else {
    st.bind_blob(param, nullptr, 0);  // reads back as no hash (optional_hash)
  }
}

}  // namespace

Status Store::write_pending_replicas() {
  std::map<std::pair<uint64_t, uint32_t>, PendingReplica> pending;
  pending.swap(pending_replicas_);
  std::vector<const ReplicaRow*> inserts;
  for (const auto& [key, p] : pending) {
    if (p.insert) inserts.push_back(&p.row);
  }
  static const RowInsert kInsert(kReplicaColumns, kReplicaParams);
  Status inserted = insert_rows(kInsert, inserts.size(), [&](SqlStatement& st, int f, size_t i) {
    const ReplicaRow& r = *inserts[i];
    st.bind(f, as_int(r.unit_id))
        .bind(f + 1, r.replica)
        .bind(f + 2, r.worker_key)
        .bind(f + 3, r.owner)
        .bind(f + 4, as_int(r.lease_id))
        .bind(f + 5, r.upload ? 1 : 0);
    bind_hash(st, f + 6, r.hash);
    st.bind(f + 7, replica_state_name(r.state))
        .bind(f + 8, r.trusted ? 1 : 0)
        .bind(f + 9, static_cast<int>(r.credit))
        .bind(f + 10, r.routing_id)
        .bind(f + 11, r.deadline_ms);
  });
  if (!inserted) return inserted;
  for (const auto& [key, p] : pending) {
    if (p.insert) continue;
    if (Status s = write_replica(p.row); !s) return s;
  }
  return Status::ok();
}

Status Store::write_replica(const ReplicaRow& r) {
  auto st = statement(
      "UPDATE replicas SET state = ?, hash = ?, trusted = ?, credit = ?"
      " WHERE unit_id = ? AND replica = ?");
  if (!st) return st.status();
  st.value()->bind(1, replica_state_name(r.state));
  bind_hash(*st.value(), 2, r.hash);
  st.value()->bind(3, r.trusted ? 1 : 0)
      .bind(4, static_cast<int>(r.credit))
      .bind(5, as_int(r.unit_id))
      .bind(6, r.replica);
  return st.value()->run_batched();
}

Status Store::reopen_unit(uint64_t unit_id) {
  if (Status s = require_transaction("reopen_unit"); !s) return s;
  auto st = statement("UPDATE units SET result = NULL, rays = 0, affected = 0 WHERE id = ?");
  if (!st) return st.status();
  st.value()->bind(1, as_int(unit_id));
  return st.value()->run_batched();
}

Status Store::set_unit_affected(uint64_t unit_id, bool affected) {
  if (Status s = require_transaction("set_unit_affected"); !s) return s;
  auto st = statement("UPDATE units SET affected = ? WHERE id = ?");
  if (!st) return st.status();
  st.value()->bind(1, int64_t{affected ? 1 : 0}).bind(2, as_int(unit_id));
  return st.value()->run_batched();
}

Status Store::clear_frame_outputs(uint64_t job_id, uint32_t frame) {
  if (Status s = require_transaction("clear_frame_outputs"); !s) return s;
  auto st = statement("UPDATE frames SET exr = NULL, png = NULL WHERE job_id = ? AND frame = ?");
  if (!st) return st.status();
  st.value()->bind(1, as_int(job_id)).bind(2, frame);
  return st.value()->run_batched();
}

Status Store::put_worker(const WorkerRecord& w) {
  if (Status s = require_transaction("put_worker"); !s) return s;
  auto st = statement(
      "INSERT INTO workers(key, name, owner, consecutive_valid, valid, invalid, errors,"
      " timed_out, malformed, consecutive_timed_out, quarantined, quarantine_reason)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET"
      " name = excluded.name, owner = excluded.owner,"
      " consecutive_valid = excluded.consecutive_valid, valid = excluded.valid,"
      " invalid = excluded.invalid, errors = excluded.errors, timed_out = excluded.timed_out,"
      " malformed = excluded.malformed, consecutive_timed_out = excluded.consecutive_timed_out,"
      " quarantined = excluded.quarantined, quarantine_reason = excluded.quarantine_reason");
  if (!st) return st.status();
  st.value()->bind(1, w.key)
      .bind(2, w.name)
      .bind(3, w.owner)
      .bind(4, as_int(w.consecutive_valid))
      .bind(5, as_int(w.valid))
      .bind(6, as_int(w.invalid))
      .bind(7, as_int(w.errors))
      .bind(8, as_int(w.timed_out))
      .bind(9, as_int(w.malformed))
      .bind(10, as_int(w.consecutive_timed_out))
      .bind(11, w.quarantined ? 1 : 0)
      .bind(12, w.quarantine_reason);
  return st.value()->run_batched();
}

Status Store::load_verification(StoreSnapshot& snap) {
  auto replicas = db_->prepare(
      "SELECT unit_id, replica, worker_key, owner, lease_id, upload, hash, state, trusted, credit,"
      " routing_id, deadline_ms FROM replicas ORDER BY unit_id, replica");
  if (!replicas) return replicas.status();
  for (;;) {
    Result<bool> row = replicas->step();
    if (!row) return row.status();
    if (!row.value()) break;
    ReplicaRow r;
    r.unit_id = as_count(replicas->column_int(0));
    r.replica = static_cast<uint32_t>(replicas->column_int(1));
    r.worker_key = replicas->column_text(2);
    r.owner = replicas->column_text(3);
    r.lease_id = as_count(replicas->column_int(4));
    r.upload = replicas->column_int(5) != 0;
    r.hash = optional_hash(replicas.value(), 6);
    r.state = parse_replica_state(replicas->column_text(7));
    r.trusted = replicas->column_int(8) != 0;
    const int64_t credit = replicas->column_int(9);
    r.credit = credit >= 0 && credit <= static_cast<int64_t>(ReplicaCredit::kReversed)
                   ? static_cast<ReplicaCredit>(credit)
                   : ReplicaCredit::kNone;
    r.routing_id = replicas->column_text(10);
    r.deadline_ms = replicas->column_int(11);
    snap.replicas.push_back(std::move(r));
  }
  auto workers = db_->prepare(
      "SELECT key, name, owner, consecutive_valid, valid, invalid, errors, timed_out, malformed,"
      " consecutive_timed_out, quarantined, quarantine_reason FROM workers ORDER BY key");
  if (!workers) return workers.status();
  for (;;) {
    Result<bool> row = workers->step();
    if (!row) return row.status();
    if (!row.value()) break;
    WorkerRecord w;
    w.key = workers->column_text(0);
    w.name = workers->column_text(1);
    w.owner = workers->column_text(2);
    w.consecutive_valid = as_count(workers->column_int(3));
    w.valid = as_count(workers->column_int(4));
    w.invalid = as_count(workers->column_int(5));
    w.errors = as_count(workers->column_int(6));
    w.timed_out = as_count(workers->column_int(7));
    w.malformed = as_count(workers->column_int(8));
    w.consecutive_timed_out = as_count(workers->column_int(9));
    w.quarantined = workers->column_int(10) != 0;
    w.quarantine_reason = workers->column_text(11);
    snap.workers.push_back(std::move(w));
  }
  return Status::ok();
}

}  // namespace tf
