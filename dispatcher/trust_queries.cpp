#include "dispatcher/trust_queries.h"

#include "dispatcher/postgres_db.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

namespace tf {
namespace {

uint64_t column_u64(const SqlStatement& q, int col) {
  return static_cast<uint64_t>(q.column_int(col));
}

// Runs `sql` and turns each row into a T with `read_row`.
template <class T, class ReadRow>
Result<std::vector<T>> collect(SqlDb& db, const std::string& sql, ReadRow read_row) {
  auto q = db.prepare(sql);
  if (!q) return Error{q.message()};
  std::vector<T> rows;
  for (;;) {
    Result<bool> row = q->step();
    if (!row) return Error{row.message()};
    if (!row.value()) return rows;
    rows.push_back(read_row(q.value()));
  }
}

// Credit per key, from the ledger (the one source of truth for credit): grants minus
// reversals, and the units whose credit stands.
constexpr std::string_view kCreditTotals =
    "WITH c AS (SELECT worker_key, SUM(CASE kind WHEN 1 THEN -credit ELSE credit END) AS credit,"
    " SUM(CASE kind WHEN 1 THEN -1 ELSE 1 END) AS units FROM ledger GROUP BY worker_key) ";

proto::Body internal_error(const std::string& what, const std::string& message) {
  return proto::ErrorReply{proto::ErrorCode::kInternal, "cannot read " + what + ": " + message};
}

}  // namespace

Result<std::unique_ptr<SqlDb>> open_state_read_only(const std::filesystem::path& state_dir) {
  const std::filesystem::path path = state_dir / "dispatcher.db";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Error{"no dispatcher state in " + state_dir.string() + " (" + path.string() +
                 " does not exist); pass the folder given to `tilefarm dispatcher --state`"};
  }
  Result<std::unique_ptr<SqlDb>> db = open_sqlite_read_only(path);
  if (!db) return Error{db.message()};
  auto tables = db.value()->prepare(
      "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('ledger', 'workers')");
  if (!tables) return Error{tables.message()};
  Result<bool> row = tables->step();
  if (!row) return Error{row.message()};
  if (tables->column_int(0) != 2) {
    return Error{path.string() + " was written by an older tilefarm (no ledger or workers table):"
                 " start its dispatcher once with this version to migrate it"};
  }
  return db;
}

Result<std::unique_ptr<SqlDb>> open_database_read_only(const std::string& url) {
  Result<std::unique_ptr<SqlDb>> db = open_postgres(url);
  if (!db) return db;
  if (Status s = db.value()->set_session("SET default_transaction_read_only = on"); !s) {
    return Error{s.message()};
  }
  return db;
}

Result<LedgerPublicKey> farm_ledger_public_key(SqlDb& db) {
  auto q = db.prepare("SELECT key FROM farm_keys WHERE name = 'ledger'");
  if (!q) return Error{"cannot read the farm's ledger key: " + q.message()};
  Result<bool> row = q->step();
  if (!row) return Error{"cannot read the farm's ledger key: " + row.message()};
  LedgerPublicKey key{};
  const std::vector<uint8_t> bytes = row.value() ? q->column_blob(0) : std::vector<uint8_t>{};
  if (bytes.size() != key.size()) {
    return Error{"the database holds no ledger key yet: start a dispatcher on it once"};
  }
  std::memcpy(key.data(), bytes.data(), key.size());
  return key;
}

Result<ReadOnlyStore> open_store_read_only(const std::filesystem::path& state_dir,
                                           const std::string& url) {
  ReadOnlyStore store;
  Result<std::unique_ptr<SqlDb>> db =
      url.empty() ? open_state_read_only(state_dir) : open_database_read_only(url);
  if (!db) return Error{db.message()};
  store.db = std::move(db.value());
  Result<LedgerPublicKey> key =
      url.empty() ? read_ledger_public_key(state_dir) : farm_ledger_public_key(*store.db);
  if (key) store.ledger_key = key.value();
  return store;
}

Result<std::vector<proto::CreditRow>> query_credits(SqlDb& db) {
  return collect<proto::CreditRow>(
      db,
      std::string(kCreditTotals) +
          "SELECT c.worker_key, COALESCE(w.name, ''), c.credit, c.units FROM c"
      " LEFT JOIN workers w ON w.key = c.worker_key ORDER BY c.credit DESC, c.worker_key",
      [](const SqlStatement& q) {
        return proto::CreditRow{q.column_text(0), q.column_text(1), column_u64(q, 2),
                                column_u64(q, 3)};
      });
}

Result<std::vector<proto::WorkerTrustRow>> query_workers(SqlDb& db) {
  const std::string sql =
      std::string(kCreditTotals) +
      "SELECT w.key, w.name, w.owner, COALESCE(c.credit, 0), COALESCE(c.units, 0), w.valid,"
      " w.invalid, w.errors, w.timed_out, w.malformed, w.consecutive_valid, w.quarantined,"
      " w.quarantine_reason FROM workers w LEFT JOIN c ON c.worker_key = w.key"
      " UNION ALL"
      " SELECT c.worker_key, '', '', c.credit, c.units, 0, 0, 0, 0, 0, 0, 0, '' FROM c"
      " WHERE c.worker_key NOT IN (SELECT key FROM workers)"
      " ORDER BY 1";
  return collect<proto::WorkerTrustRow>(db, sql, [](const SqlStatement& q) {
    proto::WorkerTrustRow w;
    w.key = q.column_text(0);
    w.name = q.column_text(1);
    w.owner = q.column_text(2);
    w.credit = column_u64(q, 3);
    w.accepted_units = column_u64(q, 4);
    w.valid = column_u64(q, 5);
    w.invalid = column_u64(q, 6);
    w.errors = column_u64(q, 7);
    w.timed_out = column_u64(q, 8);
    w.malformed = column_u64(q, 9);
    w.consecutive_valid = column_u64(q, 10);
    w.quarantined = q.column_int(11) != 0;
    w.quarantine_reason = q.column_text(12);
    return w;
  });
}

Result<uint64_t> count_ledger_entries(SqlDb& db) {
  auto q = db.prepare("SELECT COUNT(*) FROM ledger");
  if (!q) return Error{q.message()};
  Result<bool> row = q->step();
  if (!row) return Error{row.message()};
  return column_u64(q.value(), 0);
}

proto::LedgerRow to_ledger_row(const LedgerEntry& e) {
  return proto::LedgerRow{e.seq,
                          e.grant.time_ms,
                          e.grant.worker_key,
                          e.grant.job_id,
                          e.grant.unit_id,
                          e.grant.result,
                          e.grant.credit,
                          e.prev_hash,
                          e.entry_hash,
                          e.signature ? std::vector<uint8_t>(e.signature->begin(),
                                                             e.signature->end())
                                      : std::vector<uint8_t>{},
                          e.grant.reversal};
}

Result<LedgerEntry> to_ledger_entry(const proto::LedgerRow& row) {
  LedgerEntry e;
  const size_t signature_size = LedgerSignature{}.size();
  if (!row.signature.empty() && row.signature.size() != signature_size) {
    return Error{"ledger entry " + std::to_string(row.seq) + " has a signature of " +
                 std::to_string(row.signature.size()) + " bytes instead of " +
                 std::to_string(signature_size) + " (or none)"};
  }
  e.seq = row.seq;
  e.grant = CreditGrant{row.worker_key, row.job_id, row.unit_id, row.result, row.credit,
                        row.time_ms,   row.reversal};
  e.prev_hash = row.prev_hash;
  e.entry_hash = row.entry_hash;
  if (!row.signature.empty()) {
    e.signature.emplace();
    std::memcpy(e.signature->data(), row.signature.data(), signature_size);
  }
  return e;
}

proto::Body answer_trust_query(SqlDb& db, const std::filesystem::path& state_dir,
                               const proto::TrustQuery& query, const Ledger* signer) {
  proto::TrustReply reply;
  reply.topic = query.topic;
  switch (query.topic) {
    case proto::TrustTopic::kCredits: {
      auto rows = query_credits(db);
      if (!rows) return internal_error("credits", rows.message());
      reply.credits = std::move(rows.value());
      return proto::Body(std::move(reply));
    }
    case proto::TrustTopic::kWorkers: {
      auto rows = query_workers(db);
      if (!rows) return internal_error("workers", rows.message());
      reply.workers = std::move(rows.value());
      return proto::Body(std::move(reply));
    }
    case proto::TrustTopic::kLedger: {
      const uint32_t limit = query.limit == 0 ? proto::kMaxLedgerPage
                                              : std::min(query.limit, proto::kMaxLedgerPage);
      auto entries = read_ledger_entries(db, query.offset, limit);
      if (!entries) return internal_error("the ledger", entries.message());
      for (LedgerEntry& e : entries.value()) {
        if (!e.signature && signer != nullptr) e.signature = signer->sign(e.entry_hash);
        reply.ledger.push_back(to_ledger_row(e));
      }
      auto total = count_ledger_entries(db);
      if (!total) return internal_error("the ledger", total.message());
      reply.ledger_total = total.value();
      if (auto key = read_ledger_public_key(state_dir)) {
        reply.ledger_public_key.assign(key->begin(), key->end());
      }
      return proto::Body(std::move(reply));
    }
    case proto::TrustTopic::kUnknown: break;
  }
  return proto::Body(proto::ErrorReply{proto::ErrorCode::kBadRequest,
                                       "unknown trust query topic; this dispatcher answers "
                                       "credits, workers and ledger"});
}

}  // namespace tf
