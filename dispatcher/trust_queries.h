// Read-only queries over the dispatcher's trust state: credit totals (from the ledger),
// per-worker reputation (the `workers` table) and pages of the signed ledger. Used by the
// dispatcher to answer TrustQuery and by `tilefarm credits|workers|ledger --state DIR` to read
// a state folder directly (also while a dispatcher runs on it: SQLite WAL readers never block
// the writer), or `--store URL` to read a PostgreSQL farm's database.
//
// Thread safety: as SqlDb (one connection per thread).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dispatcher/ledger.h"
#include "dispatcher/sqlite_db.h"
#include "formats/protocol/messages.h"
#include "kernels/status.h"

namespace tf {

// Opens state_dir/dispatcher.db for reading only (writes are refused by the connection).
// Errors name the folder and say what is missing.
Result<std::unique_ptr<SqlDb>> open_state_read_only(const std::filesystem::path& state_dir);

// Opens the farm's PostgreSQL database at `url` for reading only (the session's transactions
// are read-only: writes are refused by the server). Errors name the database, never its
// password.
Result<std::unique_ptr<SqlDb>> open_database_read_only(const std::string& url);
// The ledger's public key as the farm's dispatchers recorded it (table farm_keys); an error
// when none did yet.
Result<LedgerPublicKey> farm_ledger_public_key(SqlDb& db);

// A dispatcher's store opened for reading, with the ledger's public key where it is known:
// state_dir's database and ledger.pub when `url` is empty, else the PostgreSQL database at
// `url` and its farm_keys.
struct ReadOnlyStore {
  std::unique_ptr<SqlDb> db;
  std::optional<LedgerPublicKey> ledger_key;
};
Result<ReadOnlyStore> open_store_read_only(const std::filesystem::path& state_dir,
                                           const std::string& url);

// Every key that earned credit, most credit first (ties by key).
Result<std::vector<proto::CreditRow>> query_credits(SqlDb& db);
// Every key the dispatcher has a reputation for, or that earned credit, by key.
Result<std::vector<proto::WorkerTrustRow>> query_workers(SqlDb& db);
Result<uint64_t> count_ledger_entries(SqlDb& db);

// An unsigned entry (ledger.h: covered by a later signature) has an empty signature.
proto::LedgerRow to_ledger_row(const LedgerEntry& entry);
// A row whose signature is neither 64 bytes nor empty is an error naming its seq.
Result<LedgerEntry> to_ledger_entry(const proto::LedgerRow& row);

// The dispatcher's answer to a TrustQuery: a TrustReply, or an ErrorReply for a topic it does
// not know or a table it cannot read (a damaged ledger must not stop the dispatcher). Ledger
// pages hold at most proto::kMaxLedgerPage entries and carry the public key from
// state_dir/ledger.pub; with a `signer` (the dispatcher's ledger) every entry of a page is
// signed, the unsigned ones on demand, so that clients of every version verify them entry by
// entry.
proto::Body answer_trust_query(SqlDb& db, const std::filesystem::path& state_dir,
                               const proto::TrustQuery& query, const Ledger* signer = nullptr);

}  // namespace tf
